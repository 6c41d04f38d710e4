//! Joint meetings (联席会议): a standing meeting of a district, a street or
//! a neighbourhood whose members are party organisations and resident
//! units (驻区单位); an upper meeting takes in the meetings of the level
//! below through their representatives. Sessions are held on a day, at a
//! place, with an attendance, an agenda and minutes; each decision taken
//! becomes a work order owned by one person (seed 003's closed loop: 议事
//! → 决定 → 工单 → 办结 → 反馈), and its progress is read back from the order.

use chrono::NaiveDate;

use crate::order::OrderState;
use crate::region::RegionKind;
use crate::{Code, InvalidValue};

/// The level a joint meeting sits at, from the region it serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MeetingLevel {
    /// 区域化党建联席会议 of a district.
    District,
    /// 街道社区党建联席会议.
    Street,
    /// 居民区联席会议 (the neighbourhood's 党组织, 居委会, 业委会, 物业 and units).
    Neighbourhood,
}

impl MeetingLevel {
    pub const ALL: [MeetingLevel; 3] = [
        MeetingLevel::District,
        MeetingLevel::Street,
        MeetingLevel::Neighbourhood,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MeetingLevel::District => "district",
            MeetingLevel::Street => "street",
            MeetingLevel::Neighbourhood => "neighbourhood",
        }
    }

    pub fn parse(s: &str) -> Option<MeetingLevel> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// The level of a meeting serving a region of `kind`; a city or a
    /// grid holds no joint meeting of its own.
    pub fn of_region(kind: RegionKind) -> Result<MeetingLevel, InvalidValue> {
        match kind {
            RegionKind::District => Ok(MeetingLevel::District),
            RegionKind::Street => Ok(MeetingLevel::Street),
            RegionKind::Neighbourhood => Ok(MeetingLevel::Neighbourhood),
            RegionKind::City | RegionKind::Grid => Err(InvalidValue::new(
                Code::PartyMeetingLevel,
                format!(
                    "a joint meeting serves a district, a street or a neighbourhood, not a {}",
                    kind.as_str()
                ),
            )
            .at("region")),
        }
    }

    /// The level whose meetings send representatives to this one.
    pub fn below(self) -> Option<MeetingLevel> {
        match self {
            MeetingLevel::District => Some(MeetingLevel::Street),
            MeetingLevel::Street => Some(MeetingLevel::Neighbourhood),
            MeetingLevel::Neighbourhood => None,
        }
    }
}

/// Checks that a meeting at `child` may sit under one at `parent`: exactly
/// one level up, serving a region that contains the child's.
pub fn check_parent(
    child: MeetingLevel,
    child_path: &str,
    parent: MeetingLevel,
    parent_path: &str,
) -> Result<(), InvalidValue> {
    if parent.below() != Some(child) {
        return Err(InvalidValue::new(
            Code::PartyMeetingParent,
            format!(
                "a {} meeting sits under a meeting one level up, not a {} one",
                child.as_str(),
                parent.as_str()
            ),
        )
        .at("parent"));
    }
    if !child_path.starts_with(parent_path) || child_path == parent_path {
        return Err(InvalidValue::new(
            Code::PartyMeetingParent,
            "the upper meeting must serve a region containing this meeting's",
        )
        .at("parent"));
    }
    Ok(())
}

/// Longest decision title: an order's title.
pub const MAX_DECISION_TITLE: usize = 200;

/// Checks a session: held on a day not after `today` (minutes are of a
/// meeting that took place) and with an agenda.
pub fn check_session(
    held_on: NaiveDate,
    today: NaiveDate,
    agenda: &str,
) -> Result<(), InvalidValue> {
    if held_on > today {
        return Err(InvalidValue::new(
            Code::PartySessionDay,
            format!("a session is recorded once held; {held_on} is after today ({today})"),
        )
        .at("held_on"));
    }
    if agenda.trim().is_empty() {
        return Err(InvalidValue::new(
            Code::PartySessionAgenda,
            "write the agenda: what the session discussed",
        )
        .at("agenda"));
    }
    Ok(())
}

/// Checks a decision: a title that fits an order's, and a due day, when
/// given, after the session it was taken at.
pub fn check_decision(
    title: &str,
    due_on: Option<NaiveDate>,
    held_on: NaiveDate,
) -> Result<(), InvalidValue> {
    let n = title.trim().chars().count();
    if n == 0 || n > MAX_DECISION_TITLE {
        return Err(InvalidValue::new(
            Code::PartyDecisionTitle,
            format!("say what was decided in 1 to {MAX_DECISION_TITLE} characters"),
        )
        .at("title"));
    }
    if let Some(due) = due_on
        && due <= held_on
    {
        return Err(InvalidValue::new(
            Code::PartyDecisionDue,
            format!("the due day {due} must come after the session ({held_on})"),
        )
        .at("due_on"));
    }
    Ok(())
}

/// Where a decision stands, read from its work order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Taken, its order not filed yet (the filing is retried).
    Unfiled,
    /// Its order is open; `overdue` past its deadline.
    Open { overdue: bool },
    /// Its order is resolved (办结) or closed.
    Done,
    /// Its order was cancelled (a duplicate, or withdrawn).
    Cancelled,
}

impl Stage {
    /// The stage of a decision whose order is in `state` (none: not filed).
    pub fn of(state: Option<OrderState>, overdue: bool) -> Stage {
        match state {
            None => Stage::Unfiled,
            Some(s) if s.is_open() => Stage::Open { overdue },
            Some(OrderState::Cancelled) => Stage::Cancelled,
            Some(_) => Stage::Done,
        }
    }

    /// The stable name pages and the API use.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Unfiled => "unfiled",
            Stage::Open { overdue: false } => "open",
            Stage::Open { overdue: true } => "overdue",
            Stage::Done => "done",
            Stage::Cancelled => "cancelled",
        }
    }
}

/// A stage is written as its stable name (`open`, `overdue`…).
impl serde::Serialize for Stage {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A meeting's decisions counted by stage: what its page and its list show.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Tally {
    pub decisions: u32,
    pub done: u32,
    pub open: u32,
    pub overdue: u32,
    pub unfiled: u32,
    pub cancelled: u32,
}

impl Tally {
    pub fn of(stages: impl IntoIterator<Item = Stage>) -> Tally {
        let mut t = Tally::default();
        for s in stages {
            t.decisions += 1;
            match s {
                Stage::Unfiled => t.unfiled += 1,
                Stage::Open { overdue: false } => t.open += 1,
                Stage::Open { overdue: true } => {
                    t.open += 1;
                    t.overdue += 1
                }
                Stage::Done => t.done += 1,
                Stage::Cancelled => t.cancelled += 1,
            }
        }
        t
    }

    /// Share of the decisions carried out (办结率), in percent; `None`
    /// before any decision (cancelled ones do not count).
    pub fn done_rate(&self) -> Option<f64> {
        let base = self.decisions - self.cancelled;
        (base > 0).then(|| f64::from(self.done) * 100.0 / f64::from(base))
    }
}

/// The attendance of a session, in percent of the members it had.
pub fn attendance_rate(present: u32, members: u32) -> Option<f64> {
    (members > 0).then(|| f64::from(present.min(members)) * 100.0 / f64::from(members))
}

/// The external id of a decision's order: filing the same decision again
/// (a retry after a crash between the two writes) finds the same order.
pub fn decision_external_id(decision_id: i64) -> String {
    format!("meeting-decision:{decision_id}")
}

/// The decision an order was filed for, read back from its external id.
pub fn decision_of_external_id(external_id: &str) -> Option<i64> {
    external_id
        .strip_prefix("meeting-decision:")
        .and_then(|d| d.parse().ok())
        .filter(|d| *d > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("a test day")
    }

    #[test]
    fn a_meeting_level_follows_its_region() {
        assert_eq!(
            MeetingLevel::of_region(RegionKind::Street).expect("a level"),
            MeetingLevel::Street
        );
        let e = MeetingLevel::of_region(RegionKind::Grid).expect_err("refused");
        assert_eq!(e.code, Code::PartyMeetingLevel);
        assert_eq!(e.field(), Some("region"));
        for l in MeetingLevel::ALL {
            assert_eq!(MeetingLevel::parse(l.as_str()), Some(l));
        }
        assert_eq!(MeetingLevel::parse("city"), None);
    }

    #[test]
    fn a_meeting_sits_one_level_under_a_meeting_containing_its_region() {
        let n = MeetingLevel::Neighbourhood;
        let s = MeetingLevel::Street;
        assert!(check_parent(n, "/sh/xh/tl/1/", s, "/sh/xh/tl/").is_ok());
        // Two levels up, or a street elsewhere, or itself.
        let e = check_parent(n, "/sh/xh/tl/1/", MeetingLevel::District, "/sh/xh/")
            .expect_err("refused");
        assert_eq!(e.code, Code::PartyMeetingParent);
        assert!(check_parent(n, "/sh/xh/tl/1/", s, "/sh/xh/kj/").is_err());
        assert!(check_parent(s, "/sh/xh/tl/", s, "/sh/xh/tl/").is_err());
        assert!(check_parent(s, "/sh/xh/tl/", n, "/sh/xh/tl/1/").is_err());
    }

    #[test]
    fn a_session_is_recorded_once_held_with_an_agenda() {
        let today = day("2026-12-02");
        assert!(check_session(today, today, "议题").is_ok());
        let e = check_session(day("2026-12-03"), today, "议题").expect_err("refused");
        assert_eq!(
            (e.code, e.field()),
            (Code::PartySessionDay, Some("held_on"))
        );
        let e = check_session(today, today, "  ").expect_err("refused");
        assert_eq!(
            (e.code, e.field()),
            (Code::PartySessionAgenda, Some("agenda"))
        );
    }

    #[test]
    fn a_decision_has_a_title_and_falls_due_after_its_session() {
        let held = day("2026-11-20");
        assert!(check_decision("加装电梯", Some(day("2026-12-20")), held).is_ok());
        assert!(check_decision("加装电梯", None, held).is_ok());
        let e = check_decision(" ", None, held).expect_err("refused");
        assert_eq!(e.code, Code::PartyDecisionTitle);
        let long = "长".repeat(MAX_DECISION_TITLE + 1);
        assert!(check_decision(&long, None, held).is_err());
        assert!(check_decision(&"长".repeat(MAX_DECISION_TITLE), None, held).is_ok());
        let e = check_decision("x", Some(held), held).expect_err("refused");
        assert_eq!(
            (e.code, e.field()),
            (Code::PartyDecisionDue, Some("due_on"))
        );
    }

    #[test]
    fn a_decision_stands_where_its_order_does() {
        assert_eq!(Stage::of(None, false), Stage::Unfiled);
        assert_eq!(
            Stage::of(Some(OrderState::Pending), true),
            Stage::Open { overdue: true }
        );
        assert_eq!(
            Stage::of(Some(OrderState::Returned), false),
            Stage::Open { overdue: false }
        );
        assert_eq!(Stage::of(Some(OrderState::Resolved), true), Stage::Done);
        assert_eq!(Stage::of(Some(OrderState::Closed), false), Stage::Done);
        assert_eq!(
            Stage::of(Some(OrderState::Cancelled), false),
            Stage::Cancelled
        );
        // Every order state lands somewhere, and overdue only while open.
        for s in OrderState::ALL {
            let stage = Stage::of(Some(s), true);
            assert_eq!(stage.as_str() == "overdue", s.is_open(), "{s}");
        }
    }

    #[test]
    fn the_tally_counts_stages_and_leaves_cancelled_out_of_the_rate() {
        let t = Tally::of([
            Stage::Done,
            Stage::Done,
            Stage::Open { overdue: true },
            Stage::Open { overdue: false },
            Stage::Cancelled,
            Stage::Unfiled,
        ]);
        assert_eq!(
            (
                t.decisions,
                t.done,
                t.open,
                t.overdue,
                t.cancelled,
                t.unfiled
            ),
            (6, 2, 2, 1, 1, 1)
        );
        assert_eq!(t.done_rate(), Some(40.0));
        assert_eq!(Tally::of([]).done_rate(), None);
        assert_eq!(Tally::of([Stage::Cancelled]).done_rate(), None);
    }

    #[test]
    fn attendance_is_a_share_of_the_members() {
        assert_eq!(attendance_rate(9, 12), Some(75.0));
        assert_eq!(attendance_rate(13, 12), Some(100.0));
        assert_eq!(attendance_rate(0, 0), None);
    }

    #[test]
    fn an_order_names_its_decision() {
        let e = decision_external_id(42);
        assert_eq!(decision_of_external_id(&e), Some(42));
        assert_eq!(decision_of_external_id("meeting-decision:x"), None);
        assert_eq!(decision_of_external_id("meeting-decision:0"), None);
        assert_eq!(decision_of_external_id("open311:42"), None);
    }
}
