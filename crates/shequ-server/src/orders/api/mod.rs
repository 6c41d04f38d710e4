//! Work orders' JSON API: filing, lists, the trail, actions and photos,
//! reporters' links, the catalogue, teams and routing, figures, the live
//! stream of pop-ups and the feed, undeliverable notifications.

pub mod catalogue;
pub mod events;
pub mod notifications;
pub mod orders;
pub mod photos;
pub mod reports;
