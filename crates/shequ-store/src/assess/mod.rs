//! Assessment (自下而上考核): periods with their scheme, the subjects
//! assessed in each, hand scores, appeals, and what closing a period
//! freezes. The computed indicators are counted here in SQL by the
//! figures' own fragments ([`crate::orders::figures`]): once over the
//! period's orders grouped by owner, and once over its summons grouped by
//! team; the server adds each subject's owners up and takes out the
//! orders of accepted appeals. What the numbers mean, and the score made
//! of them, are the domain's (`shequ_domain::assess`).

mod counted;
mod periods;

pub use counted::{CountedOrder, OwnerCounts, SummonsRow, TeamSummons, flags};
pub use periods::{AppealRow, FrozenSubject, NewPeriod, PeriodRow, ScoreRow, SubjectRow};
