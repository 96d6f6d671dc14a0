//! The stress simulator's building blocks (issue 7, in progress): price paths from real
//! one-minute bars or synthetic generators, at one-second steps, and seeded account
//! populations. Every mechanism the simulation applies will come from `bulwark-engine`.

pub mod params;
pub mod path;
pub mod population;
pub mod sim;
pub mod synthetic;
