//! Open311 GeoReport v2 in process: every JSON answer checked against the
//! spec's schemas (copied in `../open311-schemas/`), the XML forms parsed,
//! and every error case answered with the spec's error array.

#[path = "../common/mod.rs"]
pub mod common;
pub mod fixture;
mod post;
mod read;
mod services;
