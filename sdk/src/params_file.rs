//! Parameter tables in files (deployment files, stress parameters): overrides of the SDK's
//! default listing arguments by the program's own field names, each value checked against the
//! engine's bounds table; errors name the field.

use bulwark_engine::bounds::Param;
use bulwark_engine::market_params::MarketParamSet;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::file_error::{FileError, FileProblem, ProgramRefusal};

/// Checks `value` of the parameter called `name` against the engine's bounds table (names
/// without an entry pass); the error names `field`.
pub fn check(field: &str, name: &str, value: u64) -> Result<(), FileError> {
    if let Some(p) = Param::from_name(name) {
        if p.check(value).is_err() {
            let b = p.bound();
            let problem = FileProblem::OutOfBounds {
                value,
                min: b.min,
                max: b.max,
                unit: b.unit,
            };
            return Err(FileError::new(field, problem));
        }
    }
    Ok(())
}

/// `defaults` with the file's `overrides` applied by name; an unknown name or a value outside
/// its bounds is an error naming `field.name`.
pub fn overridden<T: Serialize + DeserializeOwned>(
    field: &str,
    defaults: T,
    overrides: &toml::Table,
) -> Result<T, FileError> {
    let mut v =
        serde_json::to_value(defaults).map_err(|e| FileError::invalid(field, e.to_string()))?;
    let obj = v
        .as_object_mut()
        .expect("argument structs serialize to objects");
    for (name, value) in overrides {
        let at = format!("{field}.{name}");
        if !obj.contains_key(name) {
            let known = obj.keys().cloned().collect();
            return Err(FileError::new(at, FileProblem::UnknownParameter { known }));
        }
        let n = value
            .as_integer()
            .filter(|n| *n >= 0)
            .ok_or_else(|| FileError::new(at, FileProblem::NotANonNegativeInteger))?;
        obj.insert(name.clone(), serde_json::json!(n));
    }
    for (name, value) in obj.iter() {
        check(
            &format!("{field}.{name}"),
            name,
            value.as_u64().unwrap_or_default(),
        )?;
    }
    serde_json::from_value(v).map_err(|e| FileError::invalid(field, e.to_string()))
}

/// The tables of a file that set a market's parameters: `[params]`, or by concern `[risk]`,
/// `[trading]`, `[dynamics]`, `[liquidation]`, `[breakers]`. Every parameter's name is unique
/// across the engine's set (`bulwark_engine::market_params::MarketParamSet`), so a table takes
/// any of them; they apply in that order.
#[derive(serde::Deserialize, Debug, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct MarketTables {
    #[serde(default)]
    pub params: toml::Table,
    #[serde(default)]
    pub risk: toml::Table,
    #[serde(default)]
    pub trading: toml::Table,
    #[serde(default)]
    pub dynamics: toml::Table,
    #[serde(default)]
    pub liquidation: toml::Table,
    #[serde(default)]
    pub breakers: toml::Table,
}

impl MarketTables {
    /// `defaults` with every table applied by name ([`overridden`]); a parameter set in two
    /// tables is an error, as is an unknown name; errors name `{prefix}{table}.{name}`. What
    /// no file may set (the open-interest caps, raised only through the timelock) keeps its
    /// value from `defaults`.
    pub fn apply(
        &self,
        prefix: &str,
        defaults: MarketParamSet,
    ) -> Result<MarketParamSet, FileError> {
        let tables = [
            ("params", &self.params),
            ("risk", &self.risk),
            ("trading", &self.trading),
            ("dynamics", &self.dynamics),
            ("liquidation", &self.liquidation),
            ("breakers", &self.breakers),
        ];
        let mut first_set_in = std::collections::BTreeMap::new();
        for (table_name, table) in tables {
            for key in table.keys() {
                if let Some(other) = first_set_in.insert(key.as_str(), table_name) {
                    let also_in = format!("{prefix}{other}");
                    let field = format!("{prefix}{table_name}.{key}");
                    return Err(FileError::new(field, FileProblem::SetTwice { also_in }));
                }
            }
        }
        let mut p = defaults;
        for (name, table) in tables {
            p = overridden(&format!("{prefix}{name}"), p, table)?;
        }
        p.trade.open_interest_cap_long = defaults.trade.open_interest_cap_long;
        p.trade.open_interest_cap_short = defaults.trade.open_interest_cap_short;
        Ok(p)
    }
}

/// Runs `args` through the program's own `Market::apply_listing` on a scratch market, so its
/// cross-field rules refuse a listing before anything is sent; the error is the program's
/// error name and message.
pub fn check_listing(args: &bulwark::instructions::CreateMarketArgs) -> Result<(), ProgramRefusal> {
    let mut scratch: bulwark::state::Market = bytemuck::Zeroable::zeroed();
    scratch.apply_listing(args, 0, 0).map_err(|e| match e {
        anchor_lang::error::Error::AnchorError(a) => ProgramRefusal {
            name: a.error_name.clone(),
            message: a.error_msg.clone(),
        },
        other => ProgramRefusal {
            name: "ProgramError".into(),
            message: other.to_string(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(text: &str) -> MarketTables {
        toml::from_str(text).expect("tables parse")
    }

    #[test]
    fn a_parameter_set_in_two_tables_is_refused_naming_both() {
        let t = tables("[params]\ntaker_fee_ppm = 500\n[breakers]\ntaker_fee_ppm = 700\n");
        let err = t
            .apply("m.", crate::params::market_params())
            .expect_err("set twice");
        let err = err.to_string();
        assert!(
            err.contains("m.breakers.taker_fee_ppm") && err.contains("m.params"),
            "{err}"
        );
    }

    #[test]
    fn any_table_takes_any_parameter_and_the_caps_keep_their_value() {
        let mut defaults = crate::params::market_params();
        defaults.trade.open_interest_cap_long = 7;
        let t = tables("[breakers]\ntaker_fee_ppm = 500\n[risk]\nliq_buffer_ppm = 6000\n");
        let p = t.apply("m.", defaults).expect("applies");
        assert_eq!(p.trade.fees.taker_fee_ppm, 500);
        assert_eq!(p.liquidation.liq_buffer_ppm, 6_000);
        assert_eq!(p.trade.open_interest_cap_long, 7);
    }

    #[test]
    fn caps_and_padding_cannot_be_set_from_a_file() {
        for key in ["open_interest_cap_long", "_padding", "impact"] {
            let t = tables(&format!("[params]\n{key} = 1\n"));
            let err = t.apply("m.", crate::params::market_params()).unwrap_err();
            assert!(
                matches!(err.problem, FileProblem::UnknownParameter { .. }),
                "{key}: {err}"
            );
            assert!(
                err.to_string().contains("unknown parameter"),
                "{key}: {err}"
            );
        }
    }
}
