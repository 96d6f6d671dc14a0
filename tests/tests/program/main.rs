//! The real Bulwark program in an in-process bank, one module per feature.

mod account_validation;
mod adl;
mod bootstrap;
mod breakers;
mod cascade;
mod collateral;
mod conservation;
mod create_market;
mod delegate_limits;
mod dynamic_margin;
mod funding;
mod governance;
mod governance_actions;
mod initialize_exchange;
mod keeper;
mod keeper_rpc;
mod liquidation;
mod oracle_fixtures;
mod pool;
mod previews;
mod settlement;
mod stress_cross_check;
mod trading;
mod update_risk;
mod update_risk_accounts;
mod waterfall;
