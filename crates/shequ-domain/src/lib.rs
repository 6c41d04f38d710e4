//! Pure domain types and rules of shequ. Nothing here touches a database,
//! the network or the clock: values are validated once at the edge and can
//! then be trusted everywhere else.

#[macro_use]
mod macros;

pub mod assess;
pub mod branches;
pub mod circle;
pub mod code;
pub mod consult;
pub mod coop;
pub mod order;
pub mod party;
pub mod person;
pub mod place;
pub mod region;
pub mod role;
pub mod sensing;

pub use code::Code;
pub use person::{CareTag, Gender, IdentityNumber, PhoneNumber, Residency, Sensitive};
pub use place::{FacilityType, PlaceKind};
pub use region::{RegionCode, RegionKind, RegionPath};
pub use role::{RevealField, Role};

/// A validation failure on one field, with a stable code the UI translates
/// and an English explanation for logs and the CLI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InvalidValue {
    /// Stable code, e.g. `identity_number_checksum`.
    pub code: Code,
    /// What is wrong and what to do, in English.
    pub message: String,
    /// The part of a composite value that is wrong (`window_hours` of a
    /// rule), when one part is; see [`InvalidValue::field`].
    part: Option<&'static str>,
}

impl InvalidValue {
    /// A failure with this code and English explanation.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            part: None,
        }
    }

    /// The same failure, naming the part of the value that is wrong.
    pub fn at(mut self, field: &'static str) -> Self {
        self.part = Some(field);
        self
    }

    /// Which part of a composite value is wrong, by its field name
    /// (`window_hours`, `purpose`…), so a form can mark that input;
    /// `None` when the value is wrong as a whole.
    pub fn field(&self) -> Option<&'static str> {
        self.part
    }
}

#[cfg(test)]
mod tests {
    use crate::Code;
    use crate::sensing::rules::{RuleKind, RuleSpec, Target};
    use serde_json::json;

    fn spec(kind: RuleKind, targets: Vec<Target>, purpose: &str) -> RuleSpec {
        RuleSpec {
            kind,
            targets,
            purpose: purpose.to_owned(),
            expires_at: None,
            enabled: true,
        }
    }

    /// A refusal names the part of the rule that is wrong, so a form can
    /// mark that input without reading the English message.
    #[test]
    fn a_refused_rule_names_its_field() {
        let e = RuleKind::from_parts(
            "night_activity",
            &json!({"start_hour": 23, "max_passes": 2}),
        )
        .expect_err("end_hour is missing");
        assert_eq!((e.code, e.field()), (Code::RuleParams, Some("end_hour")));
        let e = RuleKind::from_parts("inactivity", &json!({"window_hours": "x"})).expect_err("x");
        assert_eq!(e.field(), Some("window_hours"));
        let e = RuleKind::from_parts("inactivity", &json!([])).expect_err("not an object");
        assert_eq!((e.code, e.field()), (Code::RuleParams, None));

        let window = RuleKind::Inactivity {
            filter: Default::default(),
            window_hours: 0,
        };
        let e = spec(window, vec![], "").validate(0).expect_err("zero");
        assert_eq!(
            (e.code, e.field()),
            (Code::RuleWindow, Some("window_hours"))
        );
        let night = RuleKind::NightActivity {
            filter: Default::default(),
            start_hour: 5,
            end_hour: 5,
            max_passes: 1,
        };
        let e = spec(night, vec![], "").validate(0).expect_err("same hour");
        assert_eq!((e.code, e.field()), (Code::RuleHours, Some("start_hour")));
        let named = |purpose| {
            spec(
                RuleKind::VisitorThreshold { max_visitors: 3 },
                vec![Target::Person(1)],
                purpose,
            )
            .validate(0)
            .expect_err("refused")
        };
        assert_eq!(named("").field(), Some("purpose"));
        assert_eq!(named("出院后照看").field(), Some("expires_at"));
        let silence = spec(
            RuleKind::DeviceSilence { window_hours: 6 },
            vec![Target::Household(2)],
            "",
        );
        assert_eq!(
            silence.validate(0).expect_err("targets").field(),
            Some("targets")
        );
    }
}
