//! Welfare-alert rules: what each kind watches, how a rule is checked
//! before it is stored, and when it stops by itself. The in-memory state
//! the rules run on is in [`super::watch`].

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::{Code, InvalidValue};

/// Code of the default inactivity rule (80+ living alone, 48 hours).
pub const DEFAULT_INACTIVITY_CODE: &str = "elderly_living_alone";
/// Code of the default device-silence rule (6 hours).
pub const DEFAULT_DEVICE_SILENCE_CODE: &str = "device_silence";

/// Milliseconds in an hour.
pub const HOUR_MS: i64 = 3_600_000;

/// What a rule watches, with its parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleKind {
    /// People matching the filter with no pass for `window_hours`.
    Inactivity {
        #[serde(default)]
        filter: PersonFilter,
        window_hours: u32,
    },
    /// More than `max_passes` passes between `start_hour` and `end_hour`
    /// (street time; the window may wrap past midnight).
    NightActivity {
        #[serde(default)]
        filter: PersonFilter,
        start_hour: u8,
        end_hour: u8,
        max_passes: u32,
    },
    /// More than `max_visitors` distinct visitor codes to one household in
    /// a day (street time).
    VisitorThreshold { max_visitors: u32 },
    /// No message from a device for `window_hours`.
    DeviceSilence { window_hours: u32 },
}

/// The first number a kind takes that is missing or not a whole number
/// in `params`, to name in a refusal.
fn misfit(kind: &str, params: &serde_json::Map<String, serde_json::Value>) -> Option<&'static str> {
    let names: &[&'static str] = match kind {
        "inactivity" | "device_silence" => &["window_hours"],
        "night_activity" => &["start_hour", "end_hour", "max_passes"],
        "visitor_threshold" => &["max_visitors"],
        _ => &[],
    };
    names
        .iter()
        .find(|n| !params.get(**n).is_some_and(serde_json::Value::is_u64))
        .copied()
}

impl RuleKind {
    /// The stable name stored in `alert_rules.kind` and `alerts.kind`.
    pub fn name(&self) -> &'static str {
        match self {
            RuleKind::Inactivity { .. } => "inactivity",
            RuleKind::NightActivity { .. } => "night_activity",
            RuleKind::VisitorThreshold { .. } => "visitor_threshold",
            RuleKind::DeviceSilence { .. } => "device_silence",
        }
    }

    /// Builds the kind from its stored name and parameter object.
    pub fn from_parts(kind: &str, params: &serde_json::Value) -> Result<Self, InvalidValue> {
        let mut tagged = match params {
            serde_json::Value::Object(m) => m.clone(),
            serde_json::Value::Null => serde_json::Map::new(),
            _ => {
                return Err(InvalidValue::new(
                    Code::RuleParams,
                    "params must be an object",
                ));
            }
        };
        tagged.insert("kind".to_owned(), kind.into());
        serde_json::from_value(serde_json::Value::Object(tagged.clone())).map_err(|e| {
            let err = InvalidValue::new(
                Code::RuleParams,
                format!(
                    "params do not fit a {kind} rule ({e}); kinds are inactivity, night_activity, visitor_threshold, device_silence"
                ),
            );
            match misfit(kind, &tagged) {
                Some(name) => err.at(name),
                None => err,
            }
        })
    }

    /// The parameters without the kind tag, as stored in `alert_rules.params`.
    pub fn params(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(m) = v.as_object_mut() {
            m.remove("kind");
        }
        v
    }

    /// The silence window of an inactivity or device rule.
    pub fn window_ms(&self) -> Option<i64> {
        match self {
            RuleKind::Inactivity { window_hours, .. }
            | RuleKind::DeviceSilence { window_hours } => Some(i64::from(*window_hours) * HOUR_MS),
            _ => None,
        }
    }

    /// The person filter, for kinds that watch people.
    pub fn filter(&self) -> Option<&PersonFilter> {
        match self {
            RuleKind::Inactivity { filter, .. } | RuleKind::NightActivity { filter, .. } => {
                Some(filter)
            }
            _ => None,
        }
    }
}

/// Which residents a rule watches: all the listed care tags, and at least
/// `min_age` years old.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonFilter {
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub min_age: Option<u32>,
}

impl PersonFilter {
    /// Whether a resident with these tags (comma-separated) and birth date
    /// matches on `today`.
    pub fn matches(
        &self,
        care_tags: &str,
        birth_date: Option<NaiveDate>,
        today: NaiveDate,
    ) -> bool {
        let has = |t: &str| care_tags.split(',').any(|x| x.trim() == t);
        if !self.tags.iter().all(|t| has(t)) {
            return false;
        }
        match self.min_age {
            None => true,
            Some(min) => birth_date.is_some_and(|b| age_on(b, today) >= min),
        }
    }
}

/// Full years between `birth` and `today` (0 before birth).
pub fn age_on(birth: NaiveDate, today: NaiveDate) -> u32 {
    let mut years = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// A named person or household a rule is limited to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    Person(i64),
    Household(i64),
}

impl Target {
    /// `person:12` or `household:7`, the form used in `alerts.subject`.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        let bad = || {
            InvalidValue::new(
                Code::RuleTarget,
                format!("target {s:?} must be person:<id> or household:<id>"),
            )
        };
        let (kind, id) = s.split_once(':').ok_or_else(bad)?;
        let id: i64 = id.trim().parse().map_err(|_| bad())?;
        match kind.trim() {
            "person" => Ok(Target::Person(id)),
            "household" => Ok(Target::Household(id)),
            _ => Err(bad()),
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Person(id) => write!(f, "person:{id}"),
            Target::Household(id) => write!(f, "household:{id}"),
        }
    }
}

/// A rule as configured, checked: what it watches, whom, why and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSpec {
    pub kind: RuleKind,
    /// Named people or households; empty means everyone in the rule's region.
    pub targets: Vec<Target>,
    /// Why named people are watched (required with targets).
    pub purpose: String,
    /// When the rule stops by itself (epoch ms; required with targets).
    pub expires_at: Option<i64>,
    pub enabled: bool,
}

/// Longest rule lasting on named people: a year.
pub const MAX_TARGETED_DAYS: i64 = 366;

impl RuleSpec {
    /// Checks a rule before it is stored at `now`.
    pub fn validate(&self, now: i64) -> Result<(), InvalidValue> {
        match &self.kind {
            RuleKind::Inactivity { window_hours, .. } if *window_hours == 0 => {
                return Err(
                    InvalidValue::new(Code::RuleWindow, "window_hours must be at least 1")
                        .at("window_hours"),
                );
            }
            RuleKind::DeviceSilence { window_hours } if *window_hours == 0 => {
                return Err(
                    InvalidValue::new(Code::RuleWindow, "window_hours must be at least 1")
                        .at("window_hours"),
                );
            }
            RuleKind::NightActivity {
                start_hour,
                end_hour,
                ..
            } if *start_hour > 23 || *end_hour > 23 || start_hour == end_hour => {
                return Err(InvalidValue::new(
                    Code::RuleHours,
                    "start_hour and end_hour must be different hours from 0 to 23",
                )
                .at("start_hour"));
            }
            _ => {}
        }
        if let Some(filter) = self.kind.filter()
            && filter.tags.iter().any(|t| t.trim().is_empty())
        {
            return Err(InvalidValue::new(Code::RuleFilter, "a filter tag is empty"));
        }
        if matches!(self.kind, RuleKind::DeviceSilence { .. }) && !self.targets.is_empty() {
            return Err(InvalidValue::new(
                Code::RuleTarget,
                "a device-silence rule watches devices, not named people",
            )
            .at("targets"));
        }
        if !self.targets.is_empty() {
            if self.purpose.trim().chars().count() < 4 {
                return Err(InvalidValue::new(
                    Code::RulePurpose,
                    "a rule on named people or households must say why (purpose, at least 4 characters)",
                )
                .at("purpose"));
            }
            match self.expires_at {
                None => {
                    return Err(InvalidValue::new(
                        Code::RuleExpiry,
                        "a rule on named people or households must have an expiry date (expires_at)",
                    )
                    .at("expires_at"));
                }
                Some(at) if at <= now => {
                    return Err(InvalidValue::new(
                        Code::RuleExpiry,
                        "expires_at must lie in the future",
                    )
                    .at("expires_at"));
                }
                Some(at) if at > now + MAX_TARGETED_DAYS * 24 * HOUR_MS => {
                    return Err(InvalidValue::new(
                        Code::RuleExpiry,
                        "a rule on named people may last at most a year; renew it when it ends",
                    )
                    .at("expires_at"));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// Whether the rule runs at `now`: enabled and not expired.
    pub fn is_active(&self, now: i64) -> bool {
        self.enabled && self.expires_at.is_none_or(|at| now < at)
    }

    /// Whether the rule names people or households.
    pub fn is_targeted(&self) -> bool {
        !self.targets.is_empty()
    }

    /// Whether a resident (and their household) falls under the targets.
    pub fn targets_person(&self, person_id: i64, household_id: Option<i64>) -> bool {
        self.targets.is_empty()
            || self.targets.iter().any(|t| match t {
                Target::Person(p) => *p == person_id,
                Target::Household(h) => Some(*h) == household_id,
            })
    }
}

/// The rules installed when a street has none.
pub fn default_rules() -> Vec<(&'static str, &'static str, RuleKind)> {
    vec![
        (
            DEFAULT_INACTIVITY_CODE,
            "独居老人两天未出入 / 80+ living alone, no pass for 48 h",
            RuleKind::Inactivity {
                filter: PersonFilter {
                    tags: vec![crate::CareTag::ELDERLY_LIVING_ALONE.to_owned()],
                    min_age: Some(80),
                },
                window_hours: 48,
            },
        ),
        (
            DEFAULT_DEVICE_SILENCE_CODE,
            "门禁设备六小时无消息 / door controller silent for 6 h",
            RuleKind::DeviceSilence { window_hours: 6 },
        ),
    ]
}

/// Whether a local hour lies inside a night window that may wrap midnight
/// (`[start, end)`).
pub fn in_hours(hour: u8, start: u8, end: u8) -> bool {
    if start < end {
        hour >= start && hour < end
    } else {
        hour >= start || hour < end
    }
}

/// Which night a local time belongs to: a night that starts in the evening
/// and wraps midnight is counted on the day it started.
pub fn night_of(local_day: i32, hour: u8, start: u8, end: u8) -> i32 {
    if start > end && hour < end {
        local_day - 1
    } else {
        local_day
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn the_default_inactivity_rule_watches_80_plus_living_alone() {
        let (_, _, kind) = default_rules().remove(0);
        let f = kind.filter().expect("filter");
        let today = d("2026-06-01");
        assert!(f.matches("elderly_living_alone", Some(d("1946-06-01")), today));
        assert!(!f.matches("elderly_living_alone", Some(d("1946-06-02")), today));
        assert!(!f.matches("disabled", Some(d("1930-01-01")), today));
        assert!(!f.matches("elderly_living_alone", None, today));
        assert_eq!(kind.window_ms(), Some(48 * HOUR_MS));
    }

    #[test]
    fn kinds_round_trip_through_their_stored_parts() {
        for (_, _, kind) in default_rules() {
            let back = RuleKind::from_parts(kind.name(), &kind.params()).expect("parses");
            assert_eq!(back, kind);
        }
        let e = RuleKind::from_parts("inactivity", &serde_json::json!({"window": 3}))
            .expect_err("missing window_hours");
        assert_eq!(e.code, "rule_params");
        assert!(RuleKind::from_parts("teleport", &serde_json::json!({})).is_err());
    }

    #[test]
    fn a_targeted_rule_needs_a_purpose_and_a_future_expiry() {
        let now = 1_000 * HOUR_MS;
        let mut r = RuleSpec {
            kind: RuleKind::VisitorThreshold { max_visitors: 5 },
            targets: vec![Target::Household(7)],
            purpose: String::new(),
            expires_at: None,
            enabled: true,
        };
        assert_eq!(r.validate(now).expect_err("purpose").code, "rule_purpose");
        r.purpose = "防范上门推销诈骗".into();
        assert_eq!(r.validate(now).expect_err("expiry").code, "rule_expiry");
        r.expires_at = Some(now - 1);
        assert_eq!(r.validate(now).expect_err("past").code, "rule_expiry");
        r.expires_at = Some(now + 24 * HOUR_MS);
        r.validate(now).expect("valid");
        assert!(r.is_active(now));
        assert!(
            !r.is_active(now + 24 * HOUR_MS),
            "stops by itself at expiry"
        );
        assert!(r.targets_person(1, Some(7)));
        assert!(!r.targets_person(1, Some(8)));
    }

    #[test]
    fn targets_parse_and_print_alike() {
        assert_eq!(Target::parse("person:12").expect("ok"), Target::Person(12));
        assert_eq!(Target::Household(7).to_string(), "household:7");
        assert!(Target::parse("device:3").is_err());
        assert!(Target::parse("person:x").is_err());
    }

    proptest! {
        #[test]
        fn age_grows_by_one_each_birthday(y in 1900i32..2020, m in 1u32..=12, day in 1u32..=28, later in 0i32..100) {
            let birth = NaiveDate::from_ymd_opt(y, m, day).expect("date");
            let birthday = NaiveDate::from_ymd_opt(y + later, m, day).expect("date");
            prop_assert_eq!(age_on(birth, birthday), later as u32);
            if let Some(eve) = birthday.pred_opt() && later > 0 {
                prop_assert_eq!(age_on(birth, eve), later as u32 - 1);
            }
        }

        #[test]
        fn a_night_window_holds_exactly_its_hours(start in 0u8..24, end in 0u8..24, hour in 0u8..24) {
            prop_assume!(start != end);
            let inside = in_hours(hour, start, end);
            let span = (i32::from(end) - i32::from(start)).rem_euclid(24);
            let offset = (i32::from(hour) - i32::from(start)).rem_euclid(24);
            prop_assert_eq!(inside, offset < span);
        }

        #[test]
        fn an_expired_or_disabled_rule_never_runs(expiry in 0i64..1_000_000, now in 0i64..2_000_000, enabled: bool) {
            let r = RuleSpec {
                kind: RuleKind::DeviceSilence { window_hours: 6 },
                targets: vec![],
                purpose: String::new(),
                expires_at: Some(expiry),
                enabled,
            };
            prop_assert_eq!(r.is_active(now), enabled && now < expiry);
        }
    }
}
