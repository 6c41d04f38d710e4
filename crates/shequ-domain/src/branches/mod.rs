//! 三缘 branches (趣缘 interest, 业缘 occupation, 地缘 location) and the
//! candidate-less direct election (无候选人直选) of their committees, as
//! seed 004's 化龙桥社区 did them: every member placed in exactly one
//! branch by a preference form within each branch's limits, and each
//! committee elected from blank ballots. Both are exact computations
//! people must be able to check, so they are pure code here, and the
//! store keeps only their inputs (preferences, ballots) to recompute
//! them from.

pub mod assign;
pub mod branch;
pub mod election;
mod flow;

pub use assign::{Assignment, Infeasible, Placed, Placement, Preference, RankCounts, assign};
pub use branch::{Branch, BranchKind, DEFAULT_MAX, FULL_MEMBERS_NEEDED};
pub use election::{
    Ballots, Decide, NextRound, Purpose, RoundResult, RoundRules, Runoff, Standing, standing, tally,
};
