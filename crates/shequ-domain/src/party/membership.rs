//! Who belonged where, and when: a member belongs to exactly one
//! organisation at a time, so their memberships are intervals that do not
//! overlap. The history answers "who was in branch X on date D" and
//! "where has this member been".

use chrono::NaiveDate;

use crate::{Code, InvalidValue};

/// One membership: `member` in `org` from `from` (inclusive) until `to`
/// (exclusive; `None` while it lasts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    pub member: i64,
    pub org: i64,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

impl Membership {
    pub fn covers(&self, day: NaiveDate) -> bool {
        self.from <= day && self.to.is_none_or(|to| day < to)
    }

    fn overlaps(&self, other: &Membership) -> bool {
        let ends_after = |m: &Membership, day: NaiveDate| m.to.is_none_or(|to| day < to);
        ends_after(self, other.from) && ends_after(other, self.from)
    }
}

/// Memberships, checked so that no member is in two organisations at once.
#[derive(Debug, Clone, Default)]
pub struct MembershipHistory {
    spans: Vec<Membership>,
}

impl MembershipHistory {
    /// Adds `m`, refusing an empty interval or one that overlaps another
    /// membership of the same member (say which organisation and since when).
    pub fn add(&mut self, m: Membership) -> Result<(), InvalidValue> {
        if m.to.is_some_and(|to| to <= m.from) {
            return Err(InvalidValue::new(
                Code::PartyMembershipOverlap,
                format!("a membership from {} must end after it starts", m.from),
            ));
        }
        if let Some(o) = self
            .spans
            .iter()
            .find(|o| o.member == m.member && o.overlaps(&m))
        {
            return Err(InvalidValue::new(
                Code::PartyMembershipOverlap,
                format!(
                    "member {} already belongs to organisation {} from {}; a member belongs to one organisation at a time — transfer them instead",
                    m.member, o.org, o.from
                ),
            ));
        }
        self.spans.push(m);
        Ok(())
    }

    /// Ends the member's open membership on `day` and starts one in `org`:
    /// what a completed transfer does.
    pub fn transfer(&mut self, member: i64, org: i64, day: NaiveDate) -> Result<(), InvalidValue> {
        let open = self
            .spans
            .iter()
            .position(|s| s.member == member && s.to.is_none());
        if let Some(i) = open {
            if self.spans[i].from >= day {
                return Err(InvalidValue::new(
                    Code::PartyMembershipOverlap,
                    format!(
                        "the membership began on {}; a transfer must come after it",
                        self.spans[i].from
                    ),
                ));
            }
            self.spans[i].to = Some(day);
        }
        self.add(Membership {
            member,
            org,
            from: day,
            to: None,
        })
    }

    /// The members of `org` on `day`, in ascending order.
    pub fn members_on(&self, org: i64, day: NaiveDate) -> Vec<i64> {
        let mut out: Vec<i64> = self
            .spans
            .iter()
            .filter(|s| s.org == org && s.covers(day))
            .map(|s| s.member)
            .collect();
        out.sort_unstable();
        out
    }

    /// Where `member` has been, earliest first.
    pub fn path_of(&self, member: i64) -> Vec<Membership> {
        let mut out: Vec<Membership> = self
            .spans
            .iter()
            .filter(|s| s.member == member)
            .copied()
            .collect();
        out.sort_by_key(|s| s.from);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(n: u64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2020, 1, 1).expect("date") + chrono::Days::new(n)
    }

    #[test]
    fn the_history_answers_who_was_where() {
        let mut h = MembershipHistory::default();
        h.add(Membership {
            member: 1,
            org: 10,
            from: day(0),
            to: None,
        })
        .expect("1");
        h.add(Membership {
            member: 2,
            org: 10,
            from: day(5),
            to: None,
        })
        .expect("2");
        h.transfer(1, 20, day(10)).expect("transfer");
        assert_eq!(h.members_on(10, day(7)), [1, 2]);
        assert_eq!(h.members_on(10, day(10)), [2]);
        assert_eq!(h.members_on(20, day(10)), [1]);
        let path: Vec<i64> = h.path_of(1).iter().map(|m| m.org).collect();
        assert_eq!(path, [10, 20]);
    }

    #[test]
    fn a_member_in_two_organisations_at_once_is_refused() {
        let mut h = MembershipHistory::default();
        h.add(Membership {
            member: 1,
            org: 10,
            from: day(0),
            to: Some(day(30)),
        })
        .expect("1");
        let e = h
            .add(Membership {
                member: 1,
                org: 20,
                from: day(29),
                to: None,
            })
            .expect_err("overlap");
        assert_eq!(e.code, Code::PartyMembershipOverlap);
        assert!(e.message.contains("organisation 10"), "{e}");
        h.add(Membership {
            member: 1,
            org: 20,
            from: day(30),
            to: None,
        })
        .expect("adjacent");
        assert!(
            h.add(Membership {
                member: 2,
                org: 20,
                from: day(3),
                to: Some(day(3))
            })
            .is_err()
        );
    }

    proptest! {
        /// After any sequence of transfers, a member is in at most one
        /// organisation on any day.
        #[test]
        fn one_organisation_at_a_time(steps in prop::collection::vec((0i64..4, 0i64..5, 1u64..20), 0..40)) {
            let mut h = MembershipHistory::default();
            let mut today = 0u64;
            for (member, org, gap) in steps {
                today += gap;
                let _ = h.transfer(member, org, day(today));
            }
            for d in 0..=today + 1 {
                for member in 0..4 {
                    let orgs = (0..5).filter(|o| h.members_on(*o, day(d)).contains(&member)).count();
                    prop_assert!(orgs <= 1, "member {member} in {orgs} organisations on day {d}");
                }
            }
        }
    }
}
