//! shequ's test kit (tests only, never published): the small street every
//! test loads ([`street`]), one password for its users ([`PASSWORD`]), one
//! way to open a test database on SQLite or PostgreSQL ([`db`]), the rule
//! for the services a test needs ([`services`]: a service the suite is
//! meant to have and cannot reach is a failure, not a skip), and — with the
//! `server` feature — the server in process ([`http`], [`pages`]), orders
//! walked through their trail on a held clock ([`trail`]) and the real
//! binary on a port ([`binary`]).
//!
//! `#[engines]` runs one async test on SQLite and again on PostgreSQL; the
//! kit's `http::app()` opens its store on the engine of the variant.

pub mod db;
pub mod services;
pub mod street;

#[cfg(feature = "server")]
pub mod binary;
#[cfg(feature = "server")]
pub mod http;
#[cfg(feature = "server")]
pub mod pages;
#[cfg(feature = "server")]
pub mod seed;
#[cfg(feature = "server")]
pub mod trail;

pub use db::{Engine, TestDb, current_engine, engines, on_engine, postgres_wanted};
pub use services::{require_mqtt, require_postgres, require_schemathesis};
pub use shequ_testkit_macros::engines;

/// Every user the kit creates has this password.
pub const PASSWORD: &str = "correct-horse-battery";
