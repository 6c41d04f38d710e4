//! The registry's JSON API.

pub mod people;
pub mod places;
pub mod regions;
