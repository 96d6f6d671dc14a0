//! The stress parameter file (TOML): the market's parameters by their one name and unit (as in
//! `create_market` and the deployment file: `[params]`, or `[risk]`, `[trading]`, `[dynamics]`,
//! `[liquidation]`, `[breakers]`, see `bulwark_sdk::params_file::MarketTables`), plus
//! `[keeper]`, `[venue]` and `[population]`. Absent keys keep
//! the program's defaults; an unknown key or a value outside the engine's bounds stops the run
//! naming the file and the field; the listing then goes through the program's own
//! `Market::apply_listing`, so its cross-field rules apply too.

use bulwark_sdk::file_error::{FileError, FileProblem};
use serde::Deserialize;

use crate::sim::SimConfig;
use crate::traders::Habits;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ParamsFile {
    #[serde(flatten)]
    market: bulwark_sdk::params_file::MarketTables,
    keeper: Option<KeeperFile>,
    venue: Option<VenueFile>,
    population: Option<PopulationFile>,
}

/// `[population]`: collateral in collateral units (log-uniform between the two), leverage in
/// hundredths (uniform, at most the market's `max_leverage`), the longs' share in ppm; and how
/// the traders act (`crate::traders::Habits`: the mean seconds between looks and each habit's
/// share of accounts, ppm; any of them makes the population act).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PopulationFile {
    collateral_min: Option<u64>,
    collateral_max: Option<u64>,
    leverage_min_x100: Option<u32>,
    leverage_max_x100: Option<u32>,
    long_ppm: Option<u32>,
    punter_ppm: Option<u32>,
    hedger_ppm: Option<u32>,
    portfolio_ppm: Option<u32>,
    look_secs: Option<u32>,
    defend_ppm: Option<u32>,
    take_profit_ppm: Option<u32>,
    panic_ppm: Option<u32>,
    dip_buy_ppm: Option<u32>,
    reopen_ppm: Option<u32>,
    withdraw_ppm: Option<u32>,
}

impl PopulationFile {
    /// The habits over `base` (the defaults when `None`), when the file names any.
    fn habits(
        &self,
        base: Option<Habits>,
        at: &dyn Fn(&str) -> String,
    ) -> Result<Option<Habits>, FileError> {
        let given = [
            ("look_secs", self.look_secs),
            ("defend_ppm", self.defend_ppm),
            ("take_profit_ppm", self.take_profit_ppm),
            ("panic_ppm", self.panic_ppm),
            ("dip_buy_ppm", self.dip_buy_ppm),
            ("reopen_ppm", self.reopen_ppm),
            ("withdraw_ppm", self.withdraw_ppm),
        ];
        if given.iter().all(|(_, v)| v.is_none()) {
            return Ok(base);
        }
        for (name, v) in given {
            let bad = match (name, v) {
                ("look_secs", Some(0)) => Some("must be at least 1".to_string()),
                (n, Some(v)) if n != "look_secs" && v > 1_000_000 => {
                    Some(format!("{v} is above 1000000"))
                }
                _ => None,
            };
            if let Some(why) = bad {
                return Err(FileError::invalid(at(&format!("population.{name}")), why));
            }
        }
        let h = base.unwrap_or_default();
        Ok(Some(Habits {
            look_secs: self.look_secs.unwrap_or(h.look_secs),
            defend_ppm: self.defend_ppm.unwrap_or(h.defend_ppm),
            take_profit_ppm: self.take_profit_ppm.unwrap_or(h.take_profit_ppm),
            panic_ppm: self.panic_ppm.unwrap_or(h.panic_ppm),
            dip_buy_ppm: self.dip_buy_ppm.unwrap_or(h.dip_buy_ppm),
            reopen_ppm: self.reopen_ppm.unwrap_or(h.reopen_ppm),
            withdraw_ppm: self.withdraw_ppm.unwrap_or(h.withdraw_ppm),
        }))
    }
}

/// `[keeper]`: seconds an account stays liquidatable before the keeper acts, and stages a
/// second.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeeperFile {
    delay_secs: Option<i64>,
    capacity: Option<usize>,
}

/// `[venue]`: collateral units.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VenueFile {
    insurance_balance: Option<u64>,
    pool_capital: Option<i64>,
}

/// `base` with the file's `text` applied; `file` names it in errors.
pub fn apply(base: &SimConfig, text: &str, file: &str) -> Result<SimConfig, FileError> {
    let f: ParamsFile =
        toml::from_str(text).map_err(|e| FileError::invalid(file, e.to_string()))?;
    let at = |field: &str| format!("{file}: {field}");
    let mut c = base.clone();
    c.market.params = f.market.apply(&format!("{file}: "), c.market.params)?;
    if let Some(k) = f.keeper {
        apply_keeper(&mut c, &k, &at)?;
    }
    if let Some(v) = f.venue {
        c.size_venue_to_population = false;
        c.insurance_balance = v.insurance_balance.unwrap_or(c.insurance_balance);
        if let Some(p) = v.pool_capital {
            if p <= 0 {
                let why = format!("{p} is not positive");
                return Err(FileError::invalid(at("venue.pool_capital"), why));
            }
            c.pool_capital = p;
        }
    }
    if let Some(p) = f.population {
        let s = &mut c.population;
        s.collateral_min = p.collateral_min.unwrap_or(s.collateral_min);
        s.collateral_max = p.collateral_max.unwrap_or(s.collateral_max);
        s.leverage_min_x100 = p.leverage_min_x100.unwrap_or(s.leverage_min_x100);
        s.leverage_max_x100 = p.leverage_max_x100.unwrap_or(s.leverage_max_x100);
        s.long_ppm = p.long_ppm.unwrap_or(s.long_ppm);
        s.punter_ppm = p.punter_ppm.unwrap_or(s.punter_ppm);
        s.hedger_ppm = p.hedger_ppm.unwrap_or(s.hedger_ppm);
        s.portfolio_ppm = p.portfolio_ppm.unwrap_or(s.portfolio_ppm);
        c.traders = p.habits(c.traders, &at)?;
    }
    check_population(&c, &at)?;
    bulwark_sdk::params_file::check_listing(&c.market)
        .map_err(|why| FileError::new(file, FileProblem::ListingRefused(why)))?;
    Ok(c)
}

/// `[keeper]` over `c`'s keeper: a delay of at least 0 seconds, at least one stage a second.
fn apply_keeper(
    c: &mut SimConfig,
    k: &KeeperFile,
    at: &dyn Fn(&str) -> String,
) -> Result<(), FileError> {
    if let Some(d) = k.delay_secs {
        if d < 0 {
            let why = format!("{d} is negative");
            return Err(FileError::invalid(at("keeper.delay_secs"), why));
        }
        c.keeper.delay_secs = d;
    }
    if let Some(n) = k.capacity {
        if n == 0 {
            return Err(FileError::invalid(
                at("keeper.capacity"),
                "must be at least 1",
            ));
        }
        c.keeper.capacity = n;
    }
    Ok(())
}

/// The population's ranges are ordered, its leverage within the market's cap and its longs'
/// share at most one.
fn check_population(c: &SimConfig, at: &dyn Fn(&str) -> String) -> Result<(), FileError> {
    let s = &c.population;
    let max_x100 = c.market.params.margin.max_leverage.saturating_mul(100);
    let (field, why) = if s.collateral_min == 0 || s.collateral_min > s.collateral_max {
        (
            "population.collateral_min",
            format!(
                "must be at least 1 and at most collateral_max ({} > {})",
                s.collateral_min, s.collateral_max
            ),
        )
    } else if s.leverage_min_x100 == 0 || s.leverage_min_x100 > s.leverage_max_x100 {
        (
            "population.leverage_min_x100",
            format!(
                "must be at least 1 and at most leverage_max_x100 ({} > {})",
                s.leverage_min_x100, s.leverage_max_x100
            ),
        )
    } else if s.leverage_max_x100 > max_x100 {
        (
            "population.leverage_max_x100",
            format!(
                "{} is above the market's max_leverage ({max_x100})",
                s.leverage_max_x100
            ),
        )
    } else if s.long_ppm > 1_000_000 {
        (
            "population.long_ppm",
            format!("{} is above 1000000", s.long_ppm),
        )
    } else if u64::from(s.punter_ppm) + u64::from(s.hedger_ppm) > 1_000_000 {
        (
            "population.punter_ppm",
            format!(
                "punters and hedgers together ({} + {}) are above 1000000",
                s.punter_ppm, s.hedger_ppm
            ),
        )
    } else if s.portfolio_ppm > 1_000_000 {
        (
            "population.portfolio_ppm",
            format!("{} is above 1000000", s.portfolio_ppm),
        )
    } else {
        return Ok(());
    };
    Err(FileError::invalid(at(field), why))
}

#[cfg(test)]
mod tests {
    use super::apply;
    use crate::sim::default_config;

    #[test]
    fn overrides_apply_by_the_programs_names() {
        let c = apply(
            &default_config(),
            "[trading]\nbase_mmr_ppm = 30000\n[keeper]\ndelay_secs = 9\n",
            "p.toml",
        )
        .unwrap();
        assert_eq!(c.market.params.dynamics.margin.base_mmr_ppm, 30_000);
        assert_eq!(c.keeper.delay_secs, 9);
        let c = apply(
            &default_config(),
            "[population]\nlong_ppm = 900000\nleverage_max_x100 = 500\n",
            "p.toml",
        )
        .unwrap();
        assert_eq!(
            (c.population.long_ppm, c.population.leverage_max_x100),
            (900_000, 500)
        );
        assert_eq!(c.traders, None, "no habit named: the population holds");
        let c = apply(
            &default_config(),
            "[population]
look_secs = 60
panic_ppm = 0
",
            "p.toml",
        )
        .unwrap();
        let h = c.traders.expect("a habit named: the population acts");
        assert_eq!((h.look_secs, h.panic_ppm), (60, 0));
        assert_eq!(h.defend_ppm, crate::traders::Habits::default().defend_ppm);
    }

    #[test]
    fn a_bad_file_names_file_and_field() {
        for (text, names) in [
            (
                "[trading]\nbase_mmr = 1\n",
                "p.toml: trading.base_mmr: unknown parameter",
            ),
            (
                "[trading]\ntaker_fee_ppm = 20000\n",
                "p.toml: trading.taker_fee_ppm: 20000 is outside",
            ),
            ("[margin]\nx = 1\n", "p.toml"),
            ("[keeper]\ncapacity = 0\n", "p.toml: keeper.capacity"),
            (
                "[population]\nleverage_max_x100 = 5000\n",
                "p.toml: population.leverage_max_x100: 5000 is above the market's max_leverage (2000)",
            ),
            ("[population]\nshoe_size = 9\n", "unknown field `shoe_size`"),
            ("[population]\nlook_secs = 0\n", "p.toml: population.look_secs: must be"),
            (
                "[population]\npunter_ppm = 600000\nhedger_ppm = 500000\n",
                "p.toml: population.punter_ppm: punters and hedgers together",
            ),
            (
                "[population]\ndefend_ppm = 1000001\n",
                "p.toml: population.defend_ppm: 1000001 is above",
            ),
            (
                "[population]\ncollateral_min = 10\ncollateral_max = 5\n",
                "p.toml: population.collateral_min",
            ),
            (
                "[trading]\npool_share_ppm = 900000\n",
                "p.toml: the program would refuse",
            ),
        ] {
            let e = apply(&default_config(), text, "p.toml")
                .unwrap_err()
                .to_string();
            assert!(e.contains(names), "{text}: {e}");
        }
    }
}
