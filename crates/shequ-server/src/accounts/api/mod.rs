//! The accounts' JSON API.

pub mod access_log;
pub mod auth;
pub mod tokens;
pub mod users;
