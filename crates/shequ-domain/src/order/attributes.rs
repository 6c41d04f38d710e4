//! A category's extra questions (Open311 service attributes) and the check
//! of a report's answers against them: required answers present, numbers
//! that parse, ISO 8601 times with a zone, list keys that exist.
//!
//! Definitions are stored as the Open311 JSON array; answers arrive as
//! strings (`attribute[code]=value`, `attribute[code][]=v1&…`) and leave
//! as a JSON object of typed values, ready to store with the order.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize};

/// The most characters an answer may have (the length Open311 allows a
/// description).
pub const MAX_ANSWER_CHARS: usize = 4000;

/// The kinds of answer Open311 knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Datatype {
    /// One line of text.
    String,
    Number,
    /// An ISO 8601 date, or date and time with a zone.
    Datetime,
    /// Text that may span lines.
    Text,
    /// One key of `values`.
    Singlevaluelist,
    /// Any number of keys of `values`.
    Multivaluelist,
}

impl Datatype {
    pub fn as_str(self) -> &'static str {
        match self {
            Datatype::String => "string",
            Datatype::Number => "number",
            Datatype::Datetime => "datetime",
            Datatype::Text => "text",
            Datatype::Singlevaluelist => "singlevaluelist",
            Datatype::Multivaluelist => "multivaluelist",
        }
    }

    /// Whether answers are keys of the definition's `values`.
    pub fn is_list(self) -> bool {
        matches!(self, Datatype::Singlevaluelist | Datatype::Multivaluelist)
    }
}

/// One option of a list attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueDef {
    /// Stored keys may be JSON numbers (the spec's own examples are).
    #[serde(deserialize_with = "string_or_number")]
    pub key: String,
    pub name: String,
}

/// One attribute of a category, as Open311 defines it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributeDef {
    /// False: only information shown to the reporter; no answer is taken.
    #[serde(default = "yes")]
    pub variable: bool,
    pub code: String,
    pub datatype: Datatype,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub datatype_description: Option<String>,
    #[serde(default)]
    pub order: Option<i64>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub values: Vec<ValueDef>,
}

fn yes() -> bool {
    true
}

fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "a key must be a string or a number, not {other}"
        ))),
    }
}

/// Parses a category's stored definitions, in their presentation order
/// (`order`, then as stored).
pub fn parse_definitions(json: &str) -> Result<Vec<AttributeDef>, serde_json::Error> {
    let trimmed = json.trim();
    if trimmed.is_empty() {
        return Ok(Vec::new());
    }
    let mut defs: Vec<AttributeDef> = serde_json::from_str(trimmed)?;
    defs.sort_by_key(|d| d.order.unwrap_or(i64::MAX));
    Ok(defs)
}

/// What is wrong with one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeProblem {
    /// A required attribute got no answer.
    Missing,
    /// The category has no attribute with this code.
    Unknown,
    /// A one-value attribute got several values.
    OneValueOnly,
    NotANumber,
    /// Not an ISO 8601 date, or a time without a zone.
    NotADatetime,
    /// A `string` answer with a line break.
    LineBreak,
    TooLong,
    /// A list answer whose key is not among the definition's values.
    NotAKey(String),
}

/// A problem with the answer to the attribute `code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeError {
    pub code: String,
    pub problem: AttributeProblem,
}

impl fmt::Display for AttributeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.code;
        match &self.problem {
            AttributeProblem::Missing => write!(f, "attribute {c} is required"),
            AttributeProblem::Unknown => write!(f, "this service has no attribute {c}"),
            AttributeProblem::OneValueOnly => write!(f, "attribute {c} takes one value"),
            AttributeProblem::NotANumber => write!(f, "attribute {c} must be a number"),
            AttributeProblem::NotADatetime => write!(
                f,
                "attribute {c} must be an ISO 8601 date or date-time with a zone, e.g. 2026-11-23T18:00:00+08:00"
            ),
            AttributeProblem::LineBreak => {
                write!(f, "attribute {c} must be one line (use no line breaks)")
            }
            AttributeProblem::TooLong => {
                write!(
                    f,
                    "attribute {c} is longer than {MAX_ANSWER_CHARS} characters"
                )
            }
            AttributeProblem::NotAKey(k) => write!(f, "{k:?} is not a choice of attribute {c}"),
        }
    }
}

/// A point in time as Open311 clients send it: a calendar date, or a date
/// and time with a zone offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Instant {
    Date(NaiveDate),
    DateTime(DateTime<FixedOffset>),
}

/// Parses the W3C subset of ISO 8601 the spec uses: `YYYY-MM-DD`,
/// `YYYY-MM-DDThh:mmTZD`, `YYYY-MM-DDThh:mm:ssTZD` and with fractions of a
/// second; the zone is `Z` or `±hh:mm`. A time without a zone is refused:
/// the spec requires one, and guessing it moves the time by hours.
pub fn parse_instant(s: &str) -> Option<Instant> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(Instant::DateTime(t));
    }
    // Without seconds: insert them and try again.
    if let Some((date, rest)) = s.split_once(['T', 't'])
        && rest.len() > 5
        && rest.is_char_boundary(5)
        && rest.as_bytes().get(2) == Some(&b':')
        && !rest[5..].starts_with(':')
    {
        let with_secs = format!("{date}T{}:00{}", &rest[..5], &rest[5..]);
        if let Ok(t) = DateTime::parse_from_rfc3339(&with_secs) {
            return Some(Instant::DateTime(t));
        }
    }
    if s.len() == 10 {
        return NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .map(Instant::Date);
    }
    None
}

/// Parses a finite number.
fn parse_number(s: &str) -> Option<serde_json::Value> {
    let s = s.trim();
    if let Ok(i) = s.parse::<i64>() {
        return Some(i.into());
    }
    // Rust also reads "inf" and "NaN"; neither is an answer.
    let x: f64 = s.parse().ok()?;
    serde_json::Number::from_f64(x)
        .filter(|_| x.is_finite())
        .map(serde_json::Value::Number)
}

fn check_one(def: &AttributeDef, raw: &str) -> Result<serde_json::Value, AttributeProblem> {
    if raw.chars().count() > MAX_ANSWER_CHARS {
        return Err(AttributeProblem::TooLong);
    }
    match def.datatype {
        Datatype::String => {
            if raw.contains(['\n', '\r']) {
                Err(AttributeProblem::LineBreak)
            } else {
                Ok(raw.trim().into())
            }
        }
        Datatype::Text => Ok(raw.trim().into()),
        Datatype::Number => parse_number(raw).ok_or(AttributeProblem::NotANumber),
        Datatype::Datetime => match parse_instant(raw) {
            Some(Instant::DateTime(t)) => Ok(t.to_rfc3339().into()),
            Some(Instant::Date(d)) => Ok(d.format("%Y-%m-%d").to_string().into()),
            None => Err(AttributeProblem::NotADatetime),
        },
        Datatype::Singlevaluelist | Datatype::Multivaluelist => {
            let key = raw.trim();
            if def.values.iter().any(|v| v.key == key) {
                Ok(key.into())
            } else {
                Err(AttributeProblem::NotAKey(key.to_owned()))
            }
        }
    }
}

/// Checks answers (attribute code → the values sent for it) against the
/// definitions. Empty values count as not sent, as for every optional
/// Open311 argument. Answers to information-only attributes
/// (`variable: false`) are dropped. Returns the answers as typed JSON
/// (numbers as numbers, times normalised, a multi-value list as an array
/// of distinct keys in the order sent), or every problem found.
pub fn validate(
    defs: &[AttributeDef],
    answers: &BTreeMap<String, Vec<String>>,
) -> Result<serde_json::Map<String, serde_json::Value>, Vec<AttributeError>> {
    let mut errors = Vec::new();
    let mut out = serde_json::Map::new();
    for code in answers.keys() {
        if !defs.iter().any(|d| &d.code == code) {
            errors.push(AttributeError {
                code: code.clone(),
                problem: AttributeProblem::Unknown,
            });
        }
    }
    for def in defs.iter().filter(|d| d.variable) {
        let given: Vec<&str> = answers
            .get(&def.code)
            .map(|v| {
                v.iter()
                    .map(String::as_str)
                    .filter(|s| !s.trim().is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let mut fail = |problem| {
            errors.push(AttributeError {
                code: def.code.clone(),
                problem,
            });
        };
        match (given.as_slice(), def.datatype) {
            ([], _) => {
                if def.required {
                    fail(AttributeProblem::Missing);
                }
            }
            (many, Datatype::Multivaluelist) => {
                let mut keys: Vec<serde_json::Value> = Vec::new();
                for raw in many {
                    match check_one(def, raw) {
                        Ok(k) if !keys.contains(&k) => keys.push(k),
                        Ok(_) => {}
                        Err(p) => fail(p),
                    }
                }
                out.insert(def.code.clone(), keys.into());
            }
            ([one], _) => match check_one(def, one) {
                Ok(v) => {
                    out.insert(def.code.clone(), v);
                }
                Err(p) => fail(p),
            },
            (_, _) => fail(AttributeProblem::OneValueOnly),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn def(code: &str, datatype: Datatype, required: bool) -> AttributeDef {
        AttributeDef {
            variable: true,
            code: code.to_owned(),
            datatype,
            required,
            datatype_description: None,
            order: None,
            description: None,
            values: if datatype.is_list() {
                ["lift", "light", "door"]
                    .iter()
                    .map(|k| ValueDef {
                        key: (*k).to_owned(),
                        name: k.to_uppercase(),
                    })
                    .collect()
            } else {
                Vec::new()
            },
        }
    }

    fn answers(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.iter().map(|s| (*s).to_owned()).collect()))
            .collect()
    }

    fn problems(
        r: Result<serde_json::Map<String, serde_json::Value>, Vec<AttributeError>>,
    ) -> Vec<(String, AttributeProblem)> {
        r.expect_err("should fail")
            .into_iter()
            .map(|e| (e.code, e.problem))
            .collect()
    }

    #[test]
    fn parses_the_specs_example_with_numeric_keys() {
        let defs = parse_definitions(
            r#"[{"variable":true,"code":"WHISHETN","datatype":"singlevaluelist","required":true,
                "datatype_description":null,"order":1,"description":"What is the ticket/tag/DL number?",
                "values":[{"key":123,"name":"Ford"},{"key":"124","name":"Chrysler"}]}]"#,
        )
        .expect("parses");
        assert_eq!(defs[0].values[0].key, "123");
        assert_eq!(defs[0].values[1].key, "124");
        assert!(parse_definitions("").expect("empty").is_empty());
        assert!(parse_definitions("[]").expect("empty").is_empty());
        assert!(parse_definitions(r#"[{"code":"x","datatype":"colour"}]"#).is_err());
    }

    #[test]
    fn definitions_sort_by_order() {
        let defs = parse_definitions(
            r#"[{"code":"b","datatype":"text","order":2},{"code":"c","datatype":"text"},{"code":"a","datatype":"text","order":1}]"#,
        )
        .expect("parses");
        let codes: Vec<_> = defs.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["a", "b", "c"]);
        assert!(defs.iter().all(|d| d.variable && !d.required));
    }

    #[test]
    fn typed_answers_come_back_typed() {
        let defs = vec![
            def("s", Datatype::String, true),
            def("n", Datatype::Number, true),
            def("f", Datatype::Number, false),
            def("t", Datatype::Datetime, true),
            def("d", Datatype::Datetime, false),
            def("x", Datatype::Text, false),
            def("one", Datatype::Singlevaluelist, true),
            def("many", Datatype::Multivaluelist, true),
        ];
        let out = validate(
            &defs,
            &answers(&[
                ("s", &[" hello "]),
                ("n", &["42"]),
                ("f", &["-3.5"]),
                ("t", &["2026-11-23T18:00+08:00"]),
                ("d", &["2026-11-23"]),
                ("x", &["two\nlines"]),
                ("one", &["lift"]),
                ("many", &["door", "lift", "door"]),
            ]),
        )
        .expect("valid");
        assert_eq!(out["s"], "hello");
        assert_eq!(out["n"], 42);
        assert_eq!(out["f"], -3.5);
        assert_eq!(out["t"], "2026-11-23T18:00:00+08:00");
        assert_eq!(out["d"], "2026-11-23");
        assert_eq!(out["x"], "two\nlines");
        assert_eq!(out["one"], "lift");
        assert_eq!(out["many"], serde_json::json!(["door", "lift"]));
    }

    #[test]
    fn each_kind_of_bad_answer_is_named() {
        let defs = vec![
            def("req", Datatype::String, true),
            def("n", Datatype::Number, false),
            def("t", Datatype::Datetime, false),
            def("one", Datatype::Singlevaluelist, false),
            def("many", Datatype::Multivaluelist, false),
            def("line", Datatype::String, false),
        ];
        let got = problems(validate(
            &defs,
            &answers(&[
                ("req", &["  "]),
                ("n", &["twelve"]),
                ("t", &["2026-11-23T18:00:00"]),
                ("one", &["lift", "door"]),
                ("many", &["lift", "roof"]),
                ("line", &["a\r\nb"]),
                ("ghost", &["boo"]),
            ]),
        ));
        assert!(got.contains(&("ghost".into(), AttributeProblem::Unknown)));
        assert!(got.contains(&("req".into(), AttributeProblem::Missing)));
        assert!(got.contains(&("n".into(), AttributeProblem::NotANumber)));
        assert!(got.contains(&("t".into(), AttributeProblem::NotADatetime)));
        assert!(got.contains(&("one".into(), AttributeProblem::OneValueOnly)));
        assert!(got.contains(&("many".into(), AttributeProblem::NotAKey("roof".into()))));
        assert!(got.contains(&("line".into(), AttributeProblem::LineBreak)));
        assert_eq!(got.len(), 7);
    }

    #[test]
    fn numbers_refuse_infinity_and_nan() {
        for bad in ["inf", "NaN", "-infinity", "1e400", "", "1,5", "0x10"] {
            assert!(parse_number(bad).is_none(), "{bad}");
        }
        assert_eq!(parse_number(" 1e3 "), Some(serde_json::json!(1000.0)));
    }

    #[test]
    fn information_only_attributes_take_no_answer() {
        let mut info = def("note", Datatype::Text, true);
        info.variable = false;
        let out = validate(&[info], &answers(&[("note", &["ignored"])])).expect("valid");
        assert!(out.is_empty());
    }

    #[test]
    fn instants_need_a_zone() {
        assert!(matches!(
            parse_instant("2026-11-23T18:00:00Z"),
            Some(Instant::DateTime(_))
        ));
        assert!(matches!(
            parse_instant("2026-11-23T18:00:00.250+08:00"),
            Some(Instant::DateTime(_))
        ));
        assert!(matches!(
            parse_instant("2026-11-23"),
            Some(Instant::Date(_))
        ));
        for bad in [
            "2026-11-23T18:00:00",
            "2026-11-23 18:00",
            "23/11/2026",
            "2026-13-01",
            "2026-11-23T18:00:00+0800x",
            "T12:00Z",
            "2026-11-23T1é:00+08:00",
            "2026-11-23T12:0é+08:00",
            "",
        ] {
            assert!(parse_instant(bad).is_none(), "{bad}");
        }
    }

    fn list_defs() -> Vec<AttributeDef> {
        vec![
            def("one", Datatype::Singlevaluelist, true),
            def("many", Datatype::Multivaluelist, false),
        ]
    }

    proptest! {
        #[test]
        fn never_panics_on_any_input(code in ".{0,8}", values in prop::collection::vec(".{0,20}", 0..4)) {
            let defs = vec![
                def("s", Datatype::String, true),
                def("n", Datatype::Number, true),
                def("t", Datatype::Datetime, false),
                def("one", Datatype::Singlevaluelist, false),
                def("many", Datatype::Multivaluelist, false),
            ];
            for c in [code.as_str(), "s", "n", "t", "one", "many"] {
                let mut a = BTreeMap::new();
                a.insert(c.to_owned(), values.clone());
                let _ = validate(&defs, &a);
            }
        }

        #[test]
        fn any_finite_number_is_accepted_and_kept(x in prop::num::f64::NORMAL | prop::num::f64::ZERO) {
            let defs = vec![def("n", Datatype::Number, true)];
            let out = validate(&defs, &answers(&[("n", &[x.to_string().as_str()])])).expect("valid");
            let back = out["n"].as_f64().expect("number");
            prop_assert!((back - x).abs() <= f64::EPSILON * x.abs().max(1.0));
        }

        #[test]
        fn any_time_with_any_offset_keeps_its_instant(secs in 0i64..4_000_000_000, offset_min in -720i32..=840) {
            let tz = FixedOffset::east_opt(offset_min * 60).expect("offset");
            let t = DateTime::from_timestamp(secs, 0).expect("time").with_timezone(&tz);
            let defs = vec![def("t", Datatype::Datetime, true)];
            let out = validate(&defs, &answers(&[("t", &[t.to_rfc3339().as_str()])])).expect("valid");
            let back = DateTime::parse_from_rfc3339(out["t"].as_str().expect("string")).expect("rfc3339");
            prop_assert_eq!(back, t);
        }

        #[test]
        fn a_key_is_accepted_exactly_when_it_is_a_choice(key in "[a-z]{1,6}") {
            let defs = list_defs();
            let known = ["lift", "light", "door"].contains(&key.as_str());
            let r = validate(&defs, &answers(&[("one", &[key.as_str()])]));
            prop_assert_eq!(r.is_ok(), known);
        }

        #[test]
        fn a_multi_answer_is_the_distinct_keys_in_order(picks in prop::collection::vec(0usize..3, 1..8)) {
            let keys = ["lift", "light", "door"];
            let sent: Vec<&str> = picks.iter().map(|i| keys[*i]).collect();
            let out = validate(&list_defs(), &answers(&[("one", &["lift"]), ("many", &sent)])).expect("valid");
            let mut expected: Vec<&str> = Vec::new();
            for k in &sent {
                if !expected.contains(k) {
                    expected.push(k);
                }
            }
            prop_assert_eq!(out["many"].clone(), serde_json::json!(expected));
        }

        #[test]
        fn required_decides_whether_silence_is_an_error(required in any::<bool>(), blank in "[ \t]{0,3}") {
            let defs = vec![def("s", Datatype::String, required)];
            let none = validate(&defs, &BTreeMap::new());
            let empty = validate(&defs, &answers(&[("s", &[blank.as_str()])]));
            prop_assert_eq!(none.is_err(), required);
            prop_assert_eq!(empty.is_err(), required);
        }
    }
}
