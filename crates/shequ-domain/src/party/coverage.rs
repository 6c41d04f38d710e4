//! Coverage of the new sectors (seed 000: "人在哪里、党员在哪里、党的建设
//! 就推进到哪里"): each office building, park, business district, market,
//! firm or construction site is covered by its own organisation, by a
//! joint branch, by an assigned instructor (党建指导员) only, or not at all
//! (a gap, 空白点). Counts and rates add up from the places.

use serde::Serialize;

use super::OrgKind;

/// How one place is covered, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cover {
    /// An organisation of its own.
    Own,
    /// A joint branch (联合党支部) shared with other places.
    Joint,
    /// No organisation, but an instructor assigned.
    Instructor,
    /// Nothing: a gap.
    Gap,
}

impl Cover {
    pub const ALL: [Cover; 4] = [Cover::Own, Cover::Joint, Cover::Instructor, Cover::Gap];

    pub fn as_str(self) -> &'static str {
        match self {
            Cover::Own => "own",
            Cover::Joint => "joint",
            Cover::Instructor => "instructor",
            Cover::Gap => "gap",
        }
    }

    /// The best cover a place has from the organisations covering it and
    /// whether an instructor is assigned: an organisation of any kind but
    /// a joint branch is its own; a joint branch shares.
    pub fn of(covering: impl IntoIterator<Item = OrgKind>, instructor: bool) -> Cover {
        let by_orgs = covering
            .into_iter()
            .map(|k| {
                if k == OrgKind::JointBranch {
                    Cover::Joint
                } else {
                    Cover::Own
                }
            })
            .min();
        match by_orgs {
            Some(c) => c,
            None if instructor => Cover::Instructor,
            None => Cover::Gap,
        }
    }
}

/// How many places are covered each way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub places: u64,
    pub own: u64,
    pub joint: u64,
    pub instructor: u64,
    pub gap: u64,
}

impl Counts {
    pub fn add(&mut self, cover: Cover) {
        self.add_n(cover, 1);
    }

    pub fn add_n(&mut self, cover: Cover, n: u64) {
        self.places += n;
        match cover {
            Cover::Own => self.own += n,
            Cover::Joint => self.joint += n,
            Cover::Instructor => self.instructor += n,
            Cover::Gap => self.gap += n,
        }
    }

    pub fn merge(&mut self, other: &Counts) {
        self.places += other.places;
        self.own += other.own;
        self.joint += other.joint;
        self.instructor += other.instructor;
        self.gap += other.gap;
    }

    /// Organisation coverage (组织覆盖): places with an organisation, own
    /// or joint, over all places; `None` when there are none.
    pub fn organised_rate(&self) -> Option<f64> {
        (self.places > 0).then(|| (self.own + self.joint) as f64 / self.places as f64)
    }

    /// Work coverage (工作覆盖): places with an organisation or an
    /// instructor, over all places.
    pub fn worked_rate(&self) -> Option<f64> {
        (self.places > 0)
            .then(|| (self.own + self.joint + self.instructor) as f64 / self.places as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_best_cover_wins_and_an_instructor_counts_only_without_an_organisation() {
        use OrgKind::*;
        assert_eq!(Cover::of([], false), Cover::Gap);
        assert_eq!(Cover::of([], true), Cover::Instructor);
        assert_eq!(Cover::of([JointBranch], true), Cover::Joint);
        assert_eq!(Cover::of([JointBranch, NewSector], false), Cover::Own);
        assert_eq!(Cover::of([Branch], false), Cover::Own);
    }

    #[test]
    fn rates_add_up_from_the_places() {
        let mut c = Counts::default();
        for cover in [Cover::Own, Cover::Joint, Cover::Instructor, Cover::Gap] {
            c.add(cover);
        }
        assert_eq!(c.places, 4);
        assert_eq!(c.organised_rate(), Some(0.5));
        assert_eq!(c.worked_rate(), Some(0.75));
        assert_eq!(Counts::default().organised_rate(), None);
        let mut twice = c;
        twice.merge(&c);
        assert_eq!((twice.places, twice.gap), (8, 2));
    }
}
