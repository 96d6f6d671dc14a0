//! The venue's own flow moving its market's price: liquidation flow (a long's liquidation
//! sells, a short's buys) moves the replayed price by its notional against a given depth, and
//! the displacement decays with a half-life, so the venue's liquidations can drive further
//! liquidations. Off-chain only (the simulator's model of the market around the venue).

/// How a market's price answers the venue's flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImpactModel {
    /// Notional (collateral units) that moves the price by 100%: a flow of `f` moves it by
    /// `f / depth`. 0: no impact.
    pub depth: u64,
    /// Seconds for a displacement to halve.
    pub half_life_secs: u32,
}

impl ImpactModel {
    /// No impact.
    pub const OFF: ImpactModel = ImpactModel {
        depth: 0,
        half_life_secs: 1,
    };
}

/// A market's displacement from its replayed price, ppm (negative: pushed down), and the
/// extremes it reached.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Impact {
    pub ppm: i64,
    pub low_ppm: i64,
    pub high_ppm: i64,
}

/// A displacement never takes the price to zero or below.
const FLOOR_PPM: i64 = -999_000;

impl Impact {
    /// `price` displaced (at least 1).
    pub fn apply(&self, price: u64) -> u64 {
        let moved = price as i128 * (1_000_000 + self.ppm as i128) / 1_000_000;
        moved.clamp(1, u64::MAX as i128) as u64
    }

    /// Adds `flow` (signed notional, collateral units: positive buys, negative sells).
    pub fn push(&mut self, flow: i128, m: &ImpactModel) {
        if m.depth == 0 || flow == 0 {
            return;
        }
        let moved = flow * 1_000_000 / m.depth as i128;
        let ppm = (self.ppm as i128 + moved).clamp(FLOOR_PPM as i128, 10_000_000) as i64;
        self.ppm = ppm;
        self.low_ppm = self.low_ppm.min(ppm);
        self.high_ppm = self.high_ppm.max(ppm);
    }

    /// Decays over `secs` seconds (halving every `half_life_secs`).
    pub fn decay(&mut self, secs: i64, m: &ImpactModel) {
        if self.ppm == 0 || secs <= 0 {
            return;
        }
        let halvings = secs as f64 / f64::from(m.half_life_secs.max(1));
        self.ppm = (self.ppm as f64 * 0.5f64.powf(halvings)).round() as i64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: ImpactModel = ImpactModel {
        depth: 1_000_000_000,
        half_life_secs: 60,
    };

    #[test]
    fn selling_pushes_the_price_down_by_its_share_of_the_depth_and_it_halves_each_half_life() {
        let mut i = Impact::default();
        i.push(-50_000_000, &M);
        assert_eq!(i.ppm, -50_000, "5% of the depth sold: -5%");
        assert_eq!(i.apply(100_000), 95_000);
        i.decay(60, &M);
        assert_eq!(i.ppm, -25_000);
        i.push(100_000_000, &M);
        assert_eq!((i.ppm, i.low_ppm, i.high_ppm), (75_000, -50_000, 75_000));
    }

    #[test]
    fn no_depth_no_impact_and_the_price_never_reaches_zero() {
        let mut i = Impact::default();
        i.push(-1, &ImpactModel::OFF);
        assert_eq!(i.ppm, 0);
        i.push(-10 * M.depth as i128, &M);
        assert_eq!(i.ppm, FLOOR_PPM);
        assert!(i.apply(1_000) >= 1);
    }
}
