//! Double registration (双报到): in-service members register with the
//! neighbourhood where they live, unit organisations with the street or a
//! neighbourhood, naming the service posts (岗位) they take; service records
//! (date, hours, what) accumulate on the registration, confirmed by the
//! neighbourhood. Volunteering hours (regional cooperation) arrive as
//! records of their own source on the same registration, so a member's
//! year adds up in one place for the democratic evaluation (民主评议).

use chrono::{Datelike, Months, NaiveDate};

use crate::{Code, InvalidValue};

/// Where a service record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordSource {
    /// Recorded against the registration by the neighbourhood.
    Registration,
    /// A volunteering activity's check-in (regional cooperation).
    Volunteering,
}

impl RecordSource {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordSource::Registration => "registration",
            RecordSource::Volunteering => "volunteering",
        }
    }
}

/// The most hours one record may hold: one day's service.
pub const MAX_HOURS_PER_RECORD: f64 = 24.0;

/// A service record's hours, checked, in tenths (stored exactly).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hours(u32);

impl Hours {
    /// Hours given as a decimal ("2", "1.5"): more than zero, at most a
    /// day, to a tenth of an hour.
    pub fn parse(s: &str) -> Result<Hours, InvalidValue> {
        let bad = || {
            InvalidValue::new(
                Code::PartyServiceHours,
                format!("{s:?} is not a number of hours; write e.g. 2 or 1.5 (at most {MAX_HOURS_PER_RECORD})"),
            )
            .at("hours")
        };
        let h: f64 = s.trim().parse().map_err(|_| bad())?;
        if !h.is_finite() || h <= 0.0 || h > MAX_HOURS_PER_RECORD {
            return Err(bad());
        }
        let tenths = (h * 10.0).round();
        if (tenths / 10.0 - h).abs() > 1e-9 || tenths < 1.0 {
            return Err(bad());
        }
        Ok(Hours(tenths as u32))
    }

    pub fn from_tenths(t: u32) -> Hours {
        Hours(t)
    }

    pub fn tenths(self) -> u32 {
        self.0
    }
}

impl std::fmt::Display for Hours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_multiple_of(10) {
            write!(f, "{}", self.0 / 10)
        } else {
            write!(f, "{}.{}", self.0 / 10, self.0 % 10)
        }
    }
}

/// A registration's service, summed for a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct YearOfService {
    pub records: u32,
    pub hours: Hours,
    pub last_served: Option<NaiveDate>,
}

/// Sums the records of `year` from (day, hours) pairs; `last_served` is
/// the latest day of any year.
pub fn year_of_service(records: &[(NaiveDate, Hours)], year: i32) -> YearOfService {
    let mut out = YearOfService::default();
    for (day, hours) in records {
        if day.year() == year {
            out.records += 1;
            out.hours = Hours(out.hours.0 + hours.0);
        }
        out.last_served = out.last_served.max(Some(*day));
    }
    out
}

/// Months without service after which a registered member is flagged.
pub const LAPSED_AFTER_MONTHS: u32 = 6;

/// Whether a registration has gone `months` without service on `today`:
/// its last service (or, never served, its registration) lies more than
/// that long ago.
pub fn lapsed(
    registered_on: NaiveDate,
    last_served: Option<NaiveDate>,
    today: NaiveDate,
    months: u32,
) -> bool {
    let since = last_served.unwrap_or(registered_on).max(registered_on);
    today
        .checked_sub_months(Months::new(months))
        .is_some_and(|limit| since < limit)
}

/// Refuses a record dated in the future or before the registration.
pub fn check_record_day(
    day: NaiveDate,
    registered_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), InvalidValue> {
    if day > today {
        return Err(
            InvalidValue::new(Code::PartyServiceDay, format!("{day} has not come yet")).at("day"),
        );
    }
    if day < registered_on {
        return Err(InvalidValue::new(
            Code::PartyServiceDay,
            format!("{day} is before the registration of {registered_on}"),
        )
        .at("day"));
    }
    Ok(())
}

/// The service posts (岗位) a neighbourhood offers by default; a
/// registration may name others.
pub const SERVICE_POSTS: [&str; 8] = [
    "安全巡逻",
    "敬老探访",
    "课业辅导",
    "垃圾分类引导",
    "法律咨询",
    "文明交通",
    "环境整治",
    "矛盾调解",
];

/// Most posts one registration takes, and the longest name of one.
pub const MAX_POSTS: usize = 8;
pub const MAX_POST_CHARS: usize = 20;

/// The posts of a registration from a list separated by commas (either
/// width) or 、: at least one, each named once, at most [`MAX_POSTS`] of
/// up to [`MAX_POST_CHARS`] characters.
pub fn parse_posts(s: &str) -> Result<Vec<String>, InvalidValue> {
    let mut posts: Vec<String> = Vec::new();
    for p in s
        .split([',', '，', '、'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        if p.chars().count() > MAX_POST_CHARS {
            return Err(InvalidValue::new(
                Code::PartyRegistrationPosts,
                format!("{p:?} is longer than {MAX_POST_CHARS} characters"),
            )
            .at("posts"));
        }
        if !posts.iter().any(|q| q == p) {
            posts.push(p.to_owned());
        }
    }
    if posts.is_empty() || posts.len() > MAX_POSTS {
        return Err(InvalidValue::new(
            Code::PartyRegistrationPosts,
            format!("name 1 to {MAX_POSTS} service posts, e.g. 安全巡逻,敬老探访"),
        )
        .at("posts"));
    }
    Ok(posts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("day")
    }

    #[test]
    fn hours_are_tenths_of_an_hour_up_to_a_day() {
        assert_eq!(Hours::parse("2").map(Hours::tenths), Ok(20));
        assert_eq!(
            Hours::parse(" 1.5 ").map(|h| h.to_string()),
            Ok("1.5".to_owned())
        );
        for bad in ["0", "-1", "25", "1.25", "two", "NaN", ""] {
            let e = Hours::parse(bad).expect_err(bad);
            assert_eq!(
                (e.code, e.field()),
                (Code::PartyServiceHours, Some("hours")),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_year_adds_up_and_six_months_without_service_is_flagged() {
        let h = |s| Hours::parse(s).expect("hours");
        let records = [
            (day(2025, 12, 30), h("3")),
            (day(2026, 3, 1), h("1.5")),
            (day(2026, 5, 2), h("2")),
        ];
        let y = year_of_service(&records, 2026);
        assert_eq!(
            (y.records, y.hours.to_string(), y.last_served),
            (2, "3.5".into(), Some(day(2026, 5, 2)))
        );
        let registered = day(2025, 1, 1);
        assert!(!lapsed(registered, y.last_served, day(2026, 11, 2), 6));
        assert!(lapsed(registered, y.last_served, day(2026, 11, 3), 6));
        // Never served: counted from the registration.
        assert!(!lapsed(day(2026, 9, 1), None, day(2026, 11, 3), 6));
        assert!(lapsed(day(2026, 1, 1), None, day(2026, 11, 3), 6));
    }

    #[test]
    fn a_record_is_dated_between_the_registration_and_today() {
        let (reg, today) = (day(2026, 1, 10), day(2026, 6, 1));
        assert!(check_record_day(day(2026, 3, 1), reg, today).is_ok());
        for bad in [day(2026, 6, 2), day(2026, 1, 9)] {
            assert_eq!(
                check_record_day(bad, reg, today)
                    .expect_err("refused")
                    .field(),
                Some("day")
            );
        }
    }

    #[test]
    fn posts_are_named_once_and_within_bounds() {
        assert_eq!(
            parse_posts(" 安全巡逻，敬老探访、安全巡逻,, ").expect("posts"),
            ["安全巡逻", "敬老探访"]
        );
        for bad in [
            "",
            " , ",
            &"长".repeat(MAX_POST_CHARS + 1),
            "a,b,c,d,e,f,g,h,i",
        ] {
            let e = parse_posts(bad).expect_err(bad);
            assert_eq!(
                (e.code, e.field()),
                (Code::PartyRegistrationPosts, Some("posts"))
            );
        }
        assert!(parse_posts(&SERVICE_POSTS.join(",")).is_ok());
    }
}
