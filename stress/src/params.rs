//! The stress parameter file (TOML): the market sections carry the program's own names and
//! units (`[risk]`, `[trading]`, `[dynamics]`, `[liquidation]`, `[breakers]`, as in
//! `create_market` and the deployment file), plus `[keeper]` and `[venue]`. Absent keys keep
//! the program's defaults; an unknown key or a value outside the engine's bounds stops the run
//! naming the file and the field; the listing then goes through the program's own
//! `Market::apply_listing`, so its cross-field rules apply too.

use serde::Deserialize;

use crate::sim::SimConfig;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ParamsFile {
    #[serde(default)]
    risk: toml::Table,
    #[serde(default)]
    trading: toml::Table,
    #[serde(default)]
    dynamics: toml::Table,
    #[serde(default)]
    liquidation: toml::Table,
    #[serde(default)]
    breakers: toml::Table,
    keeper: Option<KeeperFile>,
    venue: Option<VenueFile>,
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
pub fn apply(base: &SimConfig, text: &str, file: &str) -> Result<SimConfig, String> {
    use bulwark_sdk::params_file::overridden;
    let f: ParamsFile = toml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
    let at = |section: &str| format!("{file}: {section}");
    let mut c = base.clone();
    c.market.risk = overridden(&at("risk"), c.market.risk, &f.risk)?;
    c.market.trading = overridden(&at("trading"), c.market.trading, &f.trading)?;
    c.market.dynamics = overridden(&at("dynamics"), c.market.dynamics, &f.dynamics)?;
    c.market.liquidation = overridden(&at("liquidation"), c.market.liquidation, &f.liquidation)?;
    c.market.breakers = overridden(&at("breakers"), c.market.breakers, &f.breakers)?;
    if let Some(k) = f.keeper {
        if let Some(d) = k.delay_secs {
            if d < 0 {
                return Err(format!("{file}: keeper.delay_secs: {d} is negative"));
            }
            c.keeper.delay_secs = d;
        }
        if let Some(n) = k.capacity {
            if n == 0 {
                return Err(format!("{file}: keeper.capacity: must be at least 1"));
            }
            c.keeper.capacity = n;
        }
    }
    if let Some(v) = f.venue {
        c.size_venue_to_population = false;
        c.insurance_balance = v.insurance_balance.unwrap_or(c.insurance_balance);
        if let Some(p) = v.pool_capital {
            if p <= 0 {
                return Err(format!("{file}: venue.pool_capital: {p} is not positive"));
            }
            c.pool_capital = p;
        }
    }
    bulwark_sdk::params_file::check_listing(&c.market)
        .map_err(|why| format!("{file}: the program would refuse this market: {why}"))?;
    Ok(c)
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
        assert_eq!(c.market.trading.base_mmr_ppm, 30_000);
        assert_eq!(c.keeper.delay_secs, 9);
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
                "[trading]\npool_share_ppm = 900000\n",
                "p.toml: the program would refuse",
            ),
        ] {
            let e = apply(&default_config(), text, "p.toml").unwrap_err();
            assert!(e.contains(names), "{text}: {e}");
        }
    }
}
