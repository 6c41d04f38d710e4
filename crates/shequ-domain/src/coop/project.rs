//! A project (项目): a need met by a unit's resource, from its proposal to
//! its end, and the ratings a neighbourhood gives it when done.
//!
//! ```text
//! proposed (提议) ─→ agreed (已商定) ─→ running (实施中) ─→ done (已完成)
//!     └──────────────┴──────────────────┴─ drop (reason) ─→ dropped (已终止)
//! ```
//!
//! `done` and `dropped` are final. Only a done project is rated.

use crate::{Code, InvalidValue};

coded_enum! {
    /// Where a project stands.
    ProjectStatus, Code::CoopProjectStatusUnknown, "status", "project status", {
        /// Suggested by a match or by staff; the unit has not agreed yet.
        Proposed => "proposed", "提议" | "待商定",
        /// The unit and the neighbourhood agreed it (签约).
        Agreed => "agreed", "已商定" | "已签约",
        /// Being carried out.
        Running => "running", "实施中" | "进行中",
        /// Finished. Final; the neighbourhood may rate it.
        Done => "done", "已完成",
        /// Given up, with a reason. Final.
        Dropped => "dropped", "已终止",
    }
}

/// The longest reason for dropping a project, in characters.
pub const MAX_DROP_REASON_CHARS: usize = 200;

impl ProjectStatus {
    /// Nothing more can happen.
    pub fn is_final(self) -> bool {
        matches!(self, ProjectStatus::Done | ProjectStatus::Dropped)
    }

    /// The project moved one step forward, to `to`: proposed → agreed →
    /// running → done. Dropping takes a reason, so goes through
    /// [`ProjectStatus::drop_with`]; any other move is refused, naming
    /// both states.
    pub fn step(self, to: ProjectStatus) -> Result<ProjectStatus, InvalidValue> {
        use ProjectStatus::*;
        match (self, to) {
            (Proposed, Agreed) | (Agreed, Running) | (Running, Done) => Ok(to),
            (from, Dropped) if !from.is_final() => Err(InvalidValue::new(
                Code::CoopDropReason,
                "dropping a project needs a reason",
            )
            .at("reason")),
            (from, to) => Err(refused(from, to)),
        }
    }

    /// The project dropped for `reason` (1 to [`MAX_DROP_REASON_CHARS`]
    /// characters), from any state that is not final.
    pub fn drop_with(self, reason: &str) -> Result<ProjectStatus, InvalidValue> {
        if self.is_final() {
            return Err(refused(self, ProjectStatus::Dropped));
        }
        let n = reason.trim().chars().count();
        if n == 0 || n > MAX_DROP_REASON_CHARS {
            return Err(InvalidValue::new(
                Code::CoopDropReason,
                format!(
                    "dropping a project needs a reason of 1 to {MAX_DROP_REASON_CHARS} characters"
                ),
            )
            .at("reason"));
        }
        Ok(ProjectStatus::Dropped)
    }
}

fn refused(from: ProjectStatus, to: ProjectStatus) -> InvalidValue {
    InvalidValue::new(
        Code::CoopProjectTransition,
        format!("a project cannot go from {from} to {to}"),
    )
    .at("status")
}

/// A neighbourhood's rating of a done project: a whole number of 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Rating(u8);

impl Rating {
    /// The rating `n`, refused outside 1–5.
    pub fn new(n: u8) -> Result<Rating, InvalidValue> {
        if (1..=5).contains(&n) {
            Ok(Rating(n))
        } else {
            Err(bad_rating())
        }
    }

    /// A rating as a form gives it ("4").
    pub fn parse(s: &str) -> Result<Rating, InvalidValue> {
        s.trim()
            .parse::<u8>()
            .map_err(|_| bad_rating())
            .and_then(Rating::new)
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

fn bad_rating() -> InvalidValue {
    InvalidValue::new(Code::CoopRating, "a rating is a whole number from 1 to 5").at("rating")
}

/// `rating` accepted for a project in `status`: only a done project is
/// rated.
pub fn rate(status: ProjectStatus, rating: Rating) -> Result<Rating, InvalidValue> {
    if status != ProjectStatus::Done {
        return Err(InvalidValue::new(
            Code::CoopRatingNotDone,
            format!("only a done project is rated; this one is {status}"),
        )
        .at("rating"));
    }
    Ok(rating)
}

/// A resource's ratings over its past projects, summed: what matching
/// needs, and what a store can keep as two columns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize)]
pub struct RatingTally {
    /// The sum of the ratings.
    pub sum: u32,
    /// How many ratings.
    pub count: u32,
}

impl RatingTally {
    /// The tally of `ratings`.
    pub fn of(ratings: &[Rating]) -> RatingTally {
        ratings
            .iter()
            .fold(RatingTally::default(), |t, r| RatingTally {
                sum: t.sum + u32::from(r.0),
                count: t.count + 1,
            })
    }

    /// The average rating, none before the first.
    pub fn average(self) -> Option<f64> {
        (self.count > 0).then(|| f64::from(self.sum) / f64::from(self.count))
    }
}

/// The average of past projects' ratings, none when there are none.
pub fn average_rating(ratings: &[Rating]) -> Option<f64> {
    RatingTally::of(ratings).average()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProjectStatus::*;
    use proptest::prelude::*;

    #[test]
    fn a_project_steps_forward_one_state_at_a_time() {
        assert_eq!(Proposed.step(Agreed), Ok(Agreed));
        assert_eq!(Agreed.step(Running), Ok(Running));
        assert_eq!(Running.step(Done), Ok(Done));
        for (from, to) in [
            (Proposed, Running),
            (Proposed, Done),
            (Agreed, Proposed),
            (Running, Agreed),
            (Done, Running),
            (Done, Done),
            (Dropped, Proposed),
            (Proposed, Proposed),
        ] {
            let e = from.step(to).expect_err("illegal");
            assert_eq!(e.code, Code::CoopProjectTransition, "{from} → {to}");
            assert_eq!(
                e.message,
                format!("a project cannot go from {from} to {to}")
            );
        }
        assert_eq!(
            Proposed.step(Done).expect_err("skip").message,
            "a project cannot go from proposed to done"
        );
    }

    #[test]
    fn dropping_needs_a_reason_and_a_state_that_is_not_final() {
        for from in [Proposed, Agreed, Running] {
            assert_eq!(from.drop_with("单位搬迁"), Ok(Dropped));
            let e = from.drop_with("  ").expect_err("no reason");
            assert_eq!((e.code, e.field()), (Code::CoopDropReason, Some("reason")));
            assert_eq!(
                from.step(Dropped).expect_err("no reason").code,
                Code::CoopDropReason
            );
        }
        assert_eq!(
            Running.drop_with(&"很".repeat(201)).expect_err("long").code,
            Code::CoopDropReason
        );
        for from in [Done, Dropped] {
            assert_eq!(
                from.drop_with("太晚了").expect_err("final").code,
                Code::CoopProjectTransition
            );
            assert_eq!(
                from.step(Dropped).expect_err("final").code,
                Code::CoopProjectTransition
            );
        }
        assert_eq!(ProjectStatus::parse("实施中"), Ok(Running));
        assert_eq!(
            ProjectStatus::parse("paused").expect_err("unknown").code,
            Code::CoopProjectStatusUnknown
        );
    }

    #[test]
    fn ratings_are_one_to_five_and_only_for_done_projects() {
        assert_eq!(Rating::new(1).map(Rating::get), Ok(1));
        assert_eq!(Rating::parse(" 5 ").map(Rating::get), Ok(5));
        for bad in [0u8, 6, 255] {
            let e = Rating::new(bad).expect_err("out of range");
            assert_eq!((e.code, e.field()), (Code::CoopRating, Some("rating")));
            assert_eq!(e.message, "a rating is a whole number from 1 to 5");
        }
        for bad in ["0", "6", "4.5", "-1", "good", ""] {
            assert_eq!(Rating::parse(bad).expect_err(bad).code, Code::CoopRating);
        }
        let four = Rating::new(4).expect("rating");
        assert_eq!(rate(Done, four), Ok(four));
        for status in [Proposed, Agreed, Running, Dropped] {
            let e = rate(status, four).expect_err("not done");
            assert_eq!(e.code, Code::CoopRatingNotDone, "{status}");
        }
    }

    #[test]
    fn the_average_is_over_past_ratings() {
        let r = |n| Rating::new(n).expect("rating");
        assert_eq!(average_rating(&[]), None);
        assert_eq!(average_rating(&[r(4), r(5), r(5), r(4), r(5)]), Some(4.6));
        assert_eq!(
            RatingTally::of(&[r(3), r(4)]),
            RatingTally { sum: 7, count: 2 }
        );
    }

    proptest! {
        /// However a project is pushed, it only ever takes allowed steps and
        /// nothing moves it once it is final.
        #[test]
        fn a_random_walk_never_leaves_a_final_state(
            moves in proptest::collection::vec((0usize..5, any::<bool>()), 0..30),
        ) {
            let mut s = Proposed;
            for (to, drop) in moves {
                let to = ProjectStatus::ALL[to];
                let next = if drop { s.drop_with("原因") } else { s.step(to) };
                match next {
                    Ok(n) => {
                        prop_assert!(!s.is_final(), "{s} moved to {n}");
                        prop_assert!(n == Dropped || n == to);
                        s = n;
                    }
                    Err(e) => prop_assert!(
                        e.code == Code::CoopProjectTransition || e.code == Code::CoopDropReason
                    ),
                }
            }
        }
    }
}
