//! Door-access sensing: the events door controllers report, as the rules
//! see them. Parsing and storing live at the edges (server, store); the
//! rules that turn events into alerts are pure functions beside these types.

use serde::{Deserialize, Serialize};

/// Which way someone passed the door.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    In,
    Out,
}

/// Whose credential opened the door.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PassKind {
    /// A resident's card or fob.
    Resident,
    /// A visitor code.
    Visitor,
}

/// One accepted pass of a door, resolved against the registry: the device
/// and its building are known, and a resident's credential names the
/// person and household. Times are epoch milliseconds (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorEvent {
    /// Internal row id once stored (0 before).
    pub seq: i64,
    pub device_id: i64,
    pub building_id: i64,
    pub at: i64,
    pub direction: Direction,
    pub kind: PassKind,
    /// The resident whose card it was (`None` for visitors).
    pub person_id: Option<i64>,
    /// The household visited or lived in, when known.
    pub household_id: Option<i64>,
    /// The visitor code or card id as sent (distinct visitors are counted by it).
    pub credential: String,
}

pub mod counters;
pub mod engine;
pub mod rules;
pub mod watch;
