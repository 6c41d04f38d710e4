//! Party organisation (党组织): the organisation tree and its changes.
//! The rules (which kind may stand under which, no cycles) are the
//! domain's (`shequ_domain::party`); each change is checked against the
//! stored tree and written with its before and after in one transaction.

mod members;
mod orgs;

pub use orgs::{NewPartyOrg, PartyOrg, PartyOrgChange};
