//! Work orders in the server: intake from every channel, acting on orders,
//! notifications, the default catalogue and locating reports.

pub mod catalogue;
pub mod geo;
pub mod intake;
pub mod limit;
pub mod memory;
pub mod notices;
pub mod photos;
pub mod service;
pub mod writer;
