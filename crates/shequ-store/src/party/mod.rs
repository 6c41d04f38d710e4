//! Party organisation (党组织): the organisation tree and its changes,
//! members and their transfers, committees, and the coverage of the new
//! sectors. The rules (which kind may stand under which, no cycles, one
//! secretary at a time, a transfer's steps) are the domain's
//! (`shequ_domain::party`); each change is checked against what is stored
//! and written in one transaction.

mod committee;
mod coverage;
mod meetings;
mod members;
mod orgs;
mod registrations;
mod transfers;

/// A date as the party tables store it (YYYY-MM-DD); anything else is a
/// corrupt row.
pub(crate) fn stored_day(s: &str) -> crate::Result<chrono::NaiveDate> {
    s.parse()
        .map_err(|e| crate::StoreError::Corrupt(format!("stored date {s:?}: {e}")))
}

pub use committee::{SeatRow, committee_of};
pub use coverage::PlaceCover;
pub use meetings::{
    DecisionRow, MeetingMember, MeetingMemberRow, MeetingRow, NewDecision, NewMeeting, NewSession,
    SessionRow,
};
pub use members::{JoinOutcome, Joined, JoiningMember, NewPartyMember, PartyMemberRow, PartyStay};
pub use orgs::{NewPartyOrg, PartyOrg, PartyOrgChange, ScopedPartyOrg};
pub use registrations::{RegistrationRow, ServiceRecordRow};
pub use transfers::{NewTransfer, TransferRow};
