//! The registry's pages: regions, places, people and households, and the
//! home page with the user's region and its headline figures.

pub mod home;
pub mod people;
pub mod places;
pub mod regions;
