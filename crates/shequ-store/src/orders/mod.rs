//! Work orders in the store: the catalogue, teams and routing rules,
//! creating and acting on orders (each change one transaction with its
//! trail event, notifications and counters), reading them, the outbox and
//! the audit of the trail.

pub mod act;
pub mod audit;
pub mod catalogue;
pub mod create;
pub mod figures;
pub mod outbox;
pub mod read;
pub mod teams;

use serde::{Deserialize, Deserializer, Serialize};

/// A work order as stored.
///
/// It also deserializes from a JSON array of [`order_columns!`] in order:
/// lists of orders are read as one JSON row (see `read::orders_json`).
#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Order {
    pub id: i64,
    pub category_id: i64,
    pub category_code: String,
    pub source: String,
    pub state: String,
    pub priority: String,
    pub title: String,
    pub description: String,
    pub address: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub region_id: i64,
    pub region_path: String,
    pub place_id: Option<i64>,
    pub subject_person_id: Option<i64>,
    pub reporter_name: String,
    #[serde(skip_serializing)]
    pub reporter_phone: Option<String>,
    #[serde(skip_serializing)]
    pub reporter_email: Option<String>,
    #[serde(skip_serializing)]
    pub external_id: Option<String>,
    pub attributes: String,
    pub owner_user_id: Option<i64>,
    pub supervisor_user_id: Option<i64>,
    #[serde(deserialize_with = "flag")]
    pub supervised: bool,
    #[serde(deserialize_with = "flag")]
    pub escalated_accept: bool,
    #[serde(deserialize_with = "flag")]
    pub escalated_resolve: bool,
    pub accept_due_at: i64,
    pub resolve_due_at: i64,
    pub clock_paused_at: Option<i64>,
    pub duplicate_of: Option<i64>,
    pub rating: Option<String>,
    pub reopened: i64,
    pub created_at: i64,
    pub accepted_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub updated_at: i64,
}

/// A boolean column as JSON: SQLite writes it as 0 or 1, PostgreSQL as
/// `true` or `false`.
fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    struct Flag;
    impl serde::de::Visitor<'_> for Flag {
        type Value = bool;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a boolean or 0/1")
        }
        fn visit_bool<E>(self, v: bool) -> Result<bool, E> {
            Ok(v)
        }
        fn visit_i64<E>(self, v: i64) -> Result<bool, E> {
            Ok(v != 0)
        }
        fn visit_u64<E>(self, v: u64) -> Result<bool, E> {
            Ok(v != 0)
        }
    }
    d.deserialize_any(Flag)
}

impl Order {
    /// The parsed state; stored states are written only by this crate.
    pub fn state(&self) -> shequ_domain::order::OrderState {
        shequ_domain::order::OrderState::parse(&self.state)
            .unwrap_or(shequ_domain::order::OrderState::Pending)
    }
}

macro_rules! order_columns {
    () => {
        "id, category_id, category_code, source, state, priority, title, description, address, lon, lat,
         region_id, region_path, place_id, subject_person_id, reporter_name, reporter_phone, reporter_email,
         external_id, attributes, owner_user_id, supervisor_user_id, supervised, escalated_accept,
         escalated_resolve, accept_due_at, resolve_due_at, clock_paused_at, duplicate_of, rating, reopened,
         created_at, accepted_at, resolved_at, closed_at, updated_at "
    };
}
pub(crate) use order_columns;

/// One event of an order's trail.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct OrderEvent {
    pub order_id: i64,
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub actor_user_id: Option<i64>,
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub note: String,
    pub data: String,
    pub prev_hash: String,
    pub hash: String,
}

/// What a change writes besides the order and its trail event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Effects {
    pub notices: Vec<Notice>,
    /// A new private link for the reporter (its token's hash), e.g. sent
    /// with the resolution so they can rate it.
    pub reporter_link_hash: Option<String>,
}

/// A notification to write with a change: delivered later by the workers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub user_id: Option<i64>,
    /// `popup` or `sms`.
    pub channel: &'static str,
    /// Phone number for SMS; empty for pop-ups.
    pub recipient: String,
    /// JSON payload (the pop-up's content, or the SMS template's values).
    pub payload: String,
}
