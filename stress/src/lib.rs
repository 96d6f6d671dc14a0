//! The stress simulator: price paths from real one-minute bars or synthetic generators at
//! one-second steps, oracle faults and the collateral's own price layered on them, seeded
//! account populations, and a simulation that moves the venue only through the program's own
//! state transitions and the keeper core's decisions.

pub mod adl_compare;
pub mod feeds;
pub mod front_run;
pub mod impact;
pub mod index;
pub mod multi;
pub mod params;
pub mod path;
pub mod population;
pub mod portfolio_traders;
pub mod portfolios;
pub mod sim;
pub mod synthetic;
pub mod traders;
pub mod venue;
