//! An organisation's committee (支部委员会 / 党委): 书记, 副书记 and 委员,
//! each with a term. One secretary at a time; a committee whose term has
//! ended without a new one is due for election (换届).

use chrono::NaiveDate;

use crate::{Code, InvalidValue};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SeatRole {
    /// 书记
    Secretary,
    /// 副书记
    DeputySecretary,
    /// 委员
    Member,
}

impl SeatRole {
    pub const ALL: [SeatRole; 3] = [
        SeatRole::Secretary,
        SeatRole::DeputySecretary,
        SeatRole::Member,
    ];

    pub fn parse(s: &str) -> Result<SeatRole, InvalidValue> {
        SeatRole::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| {
                InvalidValue::new(
                    Code::PartyCommitteeSeats,
                    format!("unknown seat {s:?}; use secretary, deputy_secretary or member"),
                )
                .at("role")
            })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SeatRole::Secretary => "secretary",
            SeatRole::DeputySecretary => "deputy_secretary",
            SeatRole::Member => "member",
        }
    }
}

/// One seat: who, in what role, for which term (`term_end` exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seat {
    pub person: i64,
    pub role: SeatRole,
    pub term_start: NaiveDate,
    pub term_end: NaiveDate,
}

impl Seat {
    fn covers(&self, day: NaiveDate) -> bool {
        self.term_start <= day && day < self.term_end
    }

    fn overlaps(&self, other: &Seat) -> bool {
        self.term_start < other.term_end && other.term_start < self.term_end
    }
}

/// A committee's seats over time, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Committee {
    seats: Vec<Seat>,
}

impl Committee {
    /// Checks every seat: a term ends after it starts; no two secretaries
    /// at once; nobody holds two seats at once.
    pub fn new(seats: Vec<Seat>) -> Result<Committee, InvalidValue> {
        for (i, s) in seats.iter().enumerate() {
            if s.term_end <= s.term_start {
                return Err(InvalidValue::new(
                    Code::PartyTermDates,
                    format!("a term starting {} must end after it starts", s.term_start),
                )
                .at("term_end"));
            }
            for o in &seats[..i] {
                if !s.overlaps(o) {
                    continue;
                }
                if s.role == SeatRole::Secretary && o.role == SeatRole::Secretary {
                    return Err(InvalidValue::new(
                        Code::PartyCommitteeSeats,
                        format!(
                            "people {} and {} would both be secretary from {}; a committee has one secretary",
                            o.person,
                            s.person,
                            s.term_start.max(o.term_start)
                        ),
                    )
                    .at("role"));
                }
                if s.person == o.person {
                    return Err(InvalidValue::new(
                        Code::PartyCommitteeSeats,
                        format!("person {} would hold two seats at once", s.person),
                    )
                    .at("person"));
                }
            }
        }
        Ok(Committee { seats })
    }

    /// The seats held on `day`.
    pub fn on(&self, day: NaiveDate) -> impl Iterator<Item = &Seat> {
        self.seats.iter().filter(move |s| s.covers(day))
    }

    /// The secretary on `day`, if there is one.
    pub fn secretary_on(&self, day: NaiveDate) -> Option<i64> {
        self.on(day)
            .find(|s| s.role == SeatRole::Secretary)
            .map(|s| s.person)
    }

    /// Whether an election is due on `today`: the committee had a term and
    /// no seat of it covers today any more (a term past its end).
    pub fn election_due(&self, today: NaiveDate) -> bool {
        !self.seats.is_empty()
            && self.on(today).next().is_none()
            && self.seats.iter().all(|s| s.term_end <= today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, 1).expect("date")
    }

    fn seat(person: i64, role: SeatRole, from: NaiveDate, to: NaiveDate) -> Seat {
        Seat {
            person,
            role,
            term_start: from,
            term_end: to,
        }
    }

    #[test]
    fn one_secretary_at_a_time_and_terms_that_end_after_they_start() {
        use SeatRole::*;
        let e = Committee::new(vec![
            seat(1, Secretary, d(2021, 1), d(2026, 1)),
            seat(2, Secretary, d(2025, 6), d(2030, 6)),
        ])
        .expect_err("two secretaries");
        assert_eq!(
            (e.code, e.field()),
            (Code::PartyCommitteeSeats, Some("role"))
        );
        let e = Committee::new(vec![seat(1, Member, d(2026, 1), d(2021, 1))]).expect_err("dates");
        assert_eq!(
            (e.code, e.field()),
            (Code::PartyTermDates, Some("term_end"))
        );
        let e = Committee::new(vec![
            seat(1, Secretary, d(2021, 1), d(2026, 1)),
            seat(1, Member, d(2021, 1), d(2026, 1)),
        ])
        .expect_err("two seats");
        assert_eq!(e.field(), Some("person"));
        // A successor from the day the term ends is fine.
        let c = Committee::new(vec![
            seat(1, Secretary, d(2021, 1), d(2026, 1)),
            seat(2, Secretary, d(2026, 1), d(2031, 1)),
        ])
        .expect("successor");
        assert_eq!(c.secretary_on(d(2025, 12)), Some(1));
        assert_eq!(c.secretary_on(d(2026, 1)), Some(2));
    }

    #[test]
    fn a_term_past_its_end_is_due_for_election() {
        use SeatRole::*;
        let c = Committee::new(vec![
            seat(1, Secretary, d(2021, 1), d(2026, 1)),
            seat(3, Member, d(2021, 1), d(2026, 1)),
        ])
        .expect("committee");
        assert!(!c.election_due(d(2025, 12)));
        assert!(c.election_due(d(2026, 2)));
        assert!(
            !Committee::default().election_due(d(2026, 2)),
            "no committee yet is not a term past its end"
        );
    }
}
