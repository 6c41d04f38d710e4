//! Regional cooperation (区域化党建): the resident units (驻区单位), the
//! needs and resources lists, and the projects that meet needs with
//! resources, with every project change kept. The rules (what may be
//! committed, which step follows which, how a match is scored) are the
//! domain's (`shequ_domain::coop`); this layer keeps the rows and the two
//! running totals matching reads — each resource's committed amount and
//! its ratings — in the transaction of the project write that changes
//! them.

mod callups;
mod lists;
mod pairing;
mod projects;
mod units;
mod volunteering;

pub use callups::{AnswerRow, CallupRow, NewPost, PostRow};
pub use lists::{NeedRow, NewNeed, NewResource, ResourceRow};
pub use pairing::{HouseholdTags, NewPair, PairRow, VisitRow};
pub use projects::{NewProject, ProjectChange, ProjectResourceRow, ProjectRow, ProjectUpdate};
pub use units::{NewUnit, UnitRow};
pub use volunteering::{
    ActivityRow, NewActivity, NewTeam, ServiceEntry, SignupRow, TeamMemberRow, TeamRow,
};

use chrono::NaiveDate;
use shequ_domain::coop::Window;

use crate::{Result, StoreError};

/// Windows as stored: JSON `[["2026-01-01", "2026-06-30"], …]`.
pub(crate) fn windows_json(windows: &[Window]) -> String {
    let pairs: Vec<[String; 2]> = windows
        .iter()
        .map(|w| [w.start().to_string(), w.end().to_string()])
        .collect();
    serde_json::to_string(&pairs).unwrap_or_else(|_| "[]".to_owned())
}

/// Reads stored windows back; a row that does not parse is corrupt.
pub(crate) fn parse_windows(id: i64, json: &str) -> Result<Vec<Window>> {
    let corrupt = |e: String| StoreError::Corrupt(format!("resource {id} windows: {e}"));
    let pairs: Vec<[String; 2]> = serde_json::from_str(json).map_err(|e| corrupt(e.to_string()))?;
    pairs
        .iter()
        .map(|[a, b]| {
            let a = a.parse::<NaiveDate>().map_err(|e| corrupt(e.to_string()))?;
            let b = b.parse::<NaiveDate>().map_err(|e| corrupt(e.to_string()))?;
            Window::new(a, b).map_err(|e| corrupt(e.to_string()))
        })
        .collect()
}
