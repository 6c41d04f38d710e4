//! The shared kit every capability is built on, knowing none of them:
//! settings, errors, words (i18n), the platform's clock, the live-event
//! hub, authentication, data scope and access logging, trusted proxies,
//! security headers, the API's error body, and the page kit.

pub mod access;
pub mod auth;
pub mod cache;
pub mod clock;
pub mod error;
pub mod headers;
pub mod i18n;
pub mod json_errors;
pub mod live;
pub mod page;
pub mod proxy;
pub mod settings;
pub mod state;
