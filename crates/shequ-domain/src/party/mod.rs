//! Party organisation (党组织): the four-level tree (市—区—街道—居民区) and
//! the organisations under it, members' transfers between organisations
//! (组织关系转接), the history of who belonged where, committees and their
//! terms, and members' standing (full or probationary). Pure rules; the
//! store keeps them and the server shows them.

pub mod committee;
pub mod coverage;
pub mod meeting;
pub mod member;
pub mod membership;
pub mod org;
pub mod registration;
pub mod transfer;
pub mod tree;

pub use committee::{Committee, Seat, SeatRole};
pub use coverage::{Counts, Cover};
pub use meeting::{MeetingLevel, Stage, Tally};
pub use member::{MemberStanding, Standing};
pub use membership::{Membership, MembershipHistory};
pub use org::OrgKind;
pub use transfer::{Transfer, TransferState, TransferStep};
pub use tree::{OrgRow, Tree, TreeError};
