//! Sensing's pages: the welfare-alert rules and the door controllers.

pub mod alert_rules;
pub mod devices;
