//! Pure domain types and rules of shequ. Nothing here touches a database,
//! the network or the clock: values are validated once at the edge and can
//! then be trusted everywhere else.

pub mod order;
pub mod person;
pub mod place;
pub mod region;
pub mod role;
pub mod sensing;

pub use person::{CareTag, Gender, IdentityNumber, PhoneNumber, Residency, Sensitive};
pub use place::{FacilityType, PlaceKind};
pub use region::{RegionCode, RegionKind, RegionPath};
pub use role::{RevealField, Role};

/// A validation failure on one field, with a stable code the UI translates
/// and an English explanation for logs and the CLI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InvalidValue {
    /// Stable snake_case code, e.g. `identity_number_checksum`.
    pub code: &'static str,
    /// What is wrong and what to do, in English.
    pub message: String,
}

impl InvalidValue {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}
