//! Sensing's JSON API: door controllers and their events, alert rules and
//! alerts.

pub mod alerts;
pub mod devices;
