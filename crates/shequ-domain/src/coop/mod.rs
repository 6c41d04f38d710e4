//! Regional cooperation (区域化党建): the street's party working committee
//! draws the units resident in its area (驻区单位: offices, institutions,
//! firms, universities, hospitals, schools, social organisations) into
//! serving the neighbourhoods around them.
//!
//! The work runs on three lists (三张清单): neighbourhoods post **needs**
//! (需求清单: meals for the elderly, legal advice, tutoring…), units offer
//! **resources** (资源清单: a venue, ten hours of a lawyer a month, forty
//! places in a canteen), and a need met by a resource becomes a
//! **project** (项目清单) that is agreed, run, done and rated. This module
//! holds the rules of that work and nothing else — no I/O, no clock:
//!
//! - [`Category`] of needs and resources, [`UnitKind`] of resident units;
//! - [`Capacity`] a resource offers and what is left of it once
//!   projects have committed part of it ([`capacity`]);
//! - [`Window`]s of dates a need runs or a resource is available;
//! - the [`ProjectStatus`] lifecycle and its [`Rating`]s ([`project`]);
//! - [`matching`]: scoring and ranking resources for a need, with the
//!   reasons in words in Chinese and English;
//! - [`recurring`]: proposing a need from recurring work orders;
//! - volunteering activities' sign-up and check-in ([`volunteer`]), whose
//!   hours land on the member's double registration;
//! - pairing (结对帮扶) of organisations with each other and of cadres
//!   with households in difficulty, and when a pair is overdue a visit
//!   ([`pairing`]).

pub mod capacity;
pub mod category;
pub mod matching;
pub mod need;
pub mod pairing;
pub mod project;
pub mod recurring;
pub mod unit;
pub mod volunteer;
pub mod window;

pub use capacity::{Capacity, CapacityUnit, check_commitment, remaining};
pub use category::Category;
pub use matching::{DETOUR, Fit, LatIndex, NeedView, Parts, ResourceView, rank, score};
pub use need::Urgency;
pub use pairing::{DEFAULT_VISIT_DAYS, DifficultyTag, PairKind, in_difficulty, overdue};
pub use project::{ProjectStatus, Rating, RatingTally, average_rating, rate};
pub use recurring::{Proposal, recurring};
pub use unit::UnitKind;
pub use volunteer::{check_in, check_in_hours, signup};
pub use window::Window;
