//! Assessment from the bottom up (自下而上考核): the street, the
//! departments and the residents rate the departments' dispatched agencies
//! (派出机构), the neighbourhood secretaries, the grid workers and the
//! teams that handle the street's work orders, each period.
//!
//! - [`period`]: months, quarters and years in the street's calendar;
//! - [`scheme`]: who rates with what weight (the street 70% by default) and
//!   the indicators each rater's part is made of — computed from the
//!   orders' trail by the one definition of each figure
//!   ([`crate::order::figures`]), or scored by hand (0–100 with a comment);
//! - [`score`]: a subject's score with every step of its arithmetic, and
//!   the ranking;
//! - [`appeal`]: a subject's appeal (申诉) against an order counted for it,
//!   and the street's decision.

pub mod appeal;
pub mod period;
pub mod scheme;
pub mod score;

pub use appeal::{AppealGround, AppealState};
pub use period::{Period, PeriodKind};
pub use scheme::{Indicator, Measure, Rater, Scheme, SchemeIndicator, Weights};
pub use score::{Inputs, ManualScore, Score, rank};

coded_enum! {
    /// Who is assessed.
    SubjectKind, crate::Code::AssessSubjectKindUnknown, "kind", "subject kind", {
        /// A department's agency dispatched to the street (房管所, 城管中队…).
        Department => "department", "派出机构" | "职能部门",
        /// A neighbourhood's secretary (居民区书记).
        Secretary => "secretary", "居民区书记" | "书记",
        /// A grid worker (网格员).
        GridWorker => "grid_worker", "网格员",
        /// Any other team that handles orders.
        Team => "team", "工作队伍" | "队伍",
    }
}
