//! Volunteering activities (志愿服务) a unit or neighbourhood runs: who may
//! sign up, checking in once, and the hours a check-in earns. The hours
//! land on the member's double registration as a volunteering record
//! ([`RecordSource::Volunteering`](crate::party::registration::RecordSource)).

use chrono::NaiveDateTime;

use crate::party::registration::{Hours, MAX_HOURS_PER_RECORD};
use crate::{Code, InvalidValue};

/// Refuses one more sign-up when `signed` of the activity's `capacity`
/// places are taken.
pub fn signup(capacity: u32, signed: u32) -> Result<(), InvalidValue> {
    if signed >= capacity {
        return Err(InvalidValue::new(
            Code::CoopActivityFull,
            format!("the activity is full: {signed} of {capacity} places are taken"),
        ));
    }
    Ok(())
}

/// Refuses a second check-in of the same volunteer to the same activity.
pub fn check_in(already_checked_in: bool) -> Result<(), InvalidValue> {
    if already_checked_in {
        return Err(InvalidValue::new(
            Code::CoopCheckedInTwice,
            "this volunteer has already checked in to the activity",
        ));
    }
    Ok(())
}

/// The hours from checking in at `start` to checking out at `end`, to the
/// nearest tenth of an hour (six minutes; three round up). Refused when
/// the check-out is not after the check-in, when it rounds to no time at
/// all, or when it is longer than a day (what one service record holds).
pub fn check_in_hours(start: NaiveDateTime, end: NaiveDateTime) -> Result<Hours, InvalidValue> {
    let seconds = (end - start).num_seconds();
    if seconds <= 0 {
        return Err(InvalidValue::new(
            Code::CoopActivityTimes,
            format!("the check-out at {end} is not after the check-in at {start}"),
        )
        .at("end"));
    }
    let tenths = (seconds + 180) / 360;
    if tenths == 0 {
        return Err(InvalidValue::new(
            Code::CoopActivityTimes,
            "a check-in of under 3 minutes counts no hours",
        )
        .at("end"));
    }
    if tenths as f64 > MAX_HOURS_PER_RECORD * 10.0 {
        return Err(InvalidValue::new(
            Code::CoopActivityTimes,
            format!(
                "from {start} to {end} is more than {MAX_HOURS_PER_RECORD} hours; check the check-out time"
            ),
        )
        .at("end"));
    }
    Ok(Hours::from_tenths(tenths as u32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(d: u32, h: u32, m: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, d)
            .and_then(|d| d.and_hms_opt(h, m, s))
            .expect("time")
    }

    #[test]
    fn a_full_activity_refuses_sign_ups() {
        assert_eq!(signup(30, 29), Ok(()));
        let e = signup(30, 30).expect_err("full");
        assert_eq!(e.code, Code::CoopActivityFull);
        assert_eq!(e.message, "the activity is full: 30 of 30 places are taken");
        assert_eq!(
            signup(0, 0).expect_err("no places").code,
            Code::CoopActivityFull
        );
    }

    #[test]
    fn checking_in_twice_is_refused() {
        assert_eq!(check_in(false), Ok(()));
        assert_eq!(
            check_in(true).expect_err("twice").code,
            Code::CoopCheckedInTwice
        );
    }

    #[test]
    fn hours_are_rounded_to_tenths_and_end_after_start() {
        let h = |a, b| check_in_hours(a, b).map(|h: Hours| h.to_string());
        assert_eq!(h(at(1, 9, 0, 0), at(1, 11, 30, 0)), Ok("2.5".to_owned()));
        assert_eq!(
            h(at(1, 9, 0, 0), at(1, 9, 2, 59)),
            Err(InvalidValue::new(
                Code::CoopActivityTimes,
                "a check-in of under 3 minutes counts no hours"
            )
            .at("end"))
        );
        assert_eq!(h(at(1, 9, 0, 0), at(1, 9, 3, 0)), Ok("0.1".to_owned()));
        assert_eq!(h(at(1, 9, 0, 0), at(1, 10, 8, 59)), Ok("1.1".to_owned()));
        assert_eq!(h(at(1, 9, 0, 0), at(1, 10, 9, 0)), Ok("1.2".to_owned()));
        assert_eq!(h(at(1, 22, 0, 0), at(2, 1, 0, 0)), Ok("3".to_owned()));
        assert_eq!(h(at(1, 9, 0, 0), at(2, 9, 0, 0)), Ok("24".to_owned()));
        for (a, b) in [
            (at(1, 11, 0, 0), at(1, 9, 0, 0)),
            (at(1, 9, 0, 0), at(1, 9, 0, 0)),
            (at(1, 9, 0, 0), at(2, 9, 3, 0)),
        ] {
            let e = check_in_hours(a, b).expect_err("refused");
            assert_eq!((e.code, e.field()), (Code::CoopActivityTimes, Some("end")));
        }
    }
}
