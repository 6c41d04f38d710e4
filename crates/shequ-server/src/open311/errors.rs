//! Open311 errors: always the spec's error array
//! (`[{"code":400,"description":"…"}]`, `<errors><error>…`), with 404 for
//! what does not exist, 403 for a missing, wrong or out-of-area api_key,
//! 400 for any other bad input. A failure on our side is logged once and
//! answered 500 (503 when the database is not answering), still as an
//! error array. Descriptions are meant for people: Chinese by default,
//! English for `locale=en`, each the message of the problem's code in the
//! registry (`web/i18n/<lang>/open311.ftl`, and intake's own codes).

use axum::http::StatusCode;
use axum::response::Response;
use fluent_bundle::FluentValue;
use shequ_domain::Code;
use shequ_domain::order::attributes::{AttributeError, AttributeProblem};
use shequ_store::StoreError;

use crate::app::i18n::{I18n, Lang};
use crate::open311::format::Format;
use crate::open311::format::Node;
use crate::open311::format::render;
use crate::orders::intake::IntakeError;

/// A value in a problem's description: text as given, or another code's
/// message in the answer's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Text(String),
    Code(Code),
}

/// One problem: its status and its code of the registry, described in the
/// answer's language by the message `error-<code>` with these arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub status: StatusCode,
    pub code: Code,
    pub args: Vec<(&'static str, Arg)>,
    /// Seconds to wait before sending again, for a 503.
    pub retry_after_secs: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, code: Code) -> Self {
        Self {
            status,
            code,
            args: Vec::new(),
            retry_after_secs: None,
        }
    }

    pub fn bad(code: Code) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code)
    }

    pub fn not_found(code: Code) -> Self {
        Self::new(StatusCode::NOT_FOUND, code)
    }

    pub fn forbidden(code: Code) -> Self {
        Self::new(StatusCode::FORBIDDEN, code)
    }

    /// The same problem with the argument `name` of its message.
    pub fn with(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, Arg::Text(value.to_string())));
        self
    }

    /// A required argument that was not sent.
    pub fn missing(field: &str) -> Self {
        Self::bad(Code::Open311ParamMissing).with("field", field)
    }

    pub fn unknown_format() -> Self {
        Self::not_found(Code::Open311FormatUnknown)
    }

    pub fn no_such_path() -> Self {
        Self::not_found(Code::Open311NoSuchPath)
    }

    pub fn api_key_missing() -> Self {
        Self::forbidden(Code::Open311ApiKeyMissing)
    }

    pub fn api_key_invalid() -> Self {
        Self::forbidden(Code::Open311ApiKeyInvalid)
    }

    pub fn api_key_scope() -> Self {
        Self::forbidden(Code::Open311ApiKeyScope)
    }

    pub fn outside_area() -> Self {
        Self::forbidden(Code::Open311OutsideArea)
    }

    pub fn unknown_service(code: &str) -> Self {
        Self::not_found(Code::Open311ServiceUnknown).with("code", code)
    }

    /// A failure on our side; the cause is logged here, once.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "open311 request failed");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, Code::Open311Internal)
    }

    /// The description in `lang`, from the registry's messages.
    pub fn describe(&self, words: &I18n, lang: Lang) -> String {
        let args: Vec<(&str, FluentValue<'_>)> = self
            .args
            .iter()
            .map(|(name, arg)| {
                let text = match arg {
                    Arg::Text(t) => t.clone(),
                    Arg::Code(c) => words.t(lang, &c.key()),
                };
                (*name, FluentValue::from(text))
            })
            .collect();
        words.t_args(lang, &self.code.key(), &args)
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        if let Some(why) = e.unavailable() {
            tracing::warn!(error = %e, "open311: database cannot take the request now");
            return Self {
                retry_after_secs: Some(why.retry_after_secs()),
                ..Self::new(StatusCode::SERVICE_UNAVAILABLE, Code::Open311Unavailable)
            };
        }
        Self::internal(&e)
    }
}

/// Intake's refusals, by intake's own code, on the field as Open311 names
/// it.
impl From<IntakeError> for Problem {
    fn from(e: IntakeError) -> Self {
        let (Some(code), Some(field)) = (e.code(), e.field()) else {
            return match e {
                IntakeError::Store(s) => s.into(),
                other => Self::internal(&other),
            };
        };
        match e {
            IntakeError::UnknownCategory(c) => Self::unknown_service(&c),
            IntakeError::OutsideScope => Self::outside_area(),
            _ => {
                let field = match field {
                    "place_id" => "address_id",
                    "location" => "lat/long",
                    other => other,
                };
                let mut p = Self::bad(Code::Open311InvalidField).with("field", field);
                p.args.push(("problem", Arg::Code(code)));
                p
            }
        }
    }
}

impl From<AttributeError> for Problem {
    fn from(e: AttributeError) -> Self {
        let code = match &e.problem {
            AttributeProblem::Missing => Code::Open311AttributeMissing,
            AttributeProblem::Unknown => Code::Open311AttributeUnknown,
            AttributeProblem::OneValueOnly => Code::Open311AttributeOneValue,
            AttributeProblem::NotANumber => Code::Open311AttributeNumber,
            AttributeProblem::NotADatetime => Code::Open311AttributeDatetime,
            AttributeProblem::LineBreak => Code::Open311AttributeLineBreak,
            AttributeProblem::TooLong => Code::Open311AttributeTooLong,
            AttributeProblem::NotAKey(_) => Code::Open311AttributeChoice,
        };
        let p = Self::bad(code).with("attribute", &e.code);
        match &e.problem {
            AttributeProblem::TooLong => {
                p.with("max", shequ_domain::order::attributes::MAX_ANSWER_CHARS)
            }
            AttributeProblem::NotAKey(k) => p.with("value", format!("{k:?}")),
            _ => p,
        }
    }
}

/// Every problem found, answered together (the spec's array).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl From<Problem> for Problems {
    fn from(p: Problem) -> Self {
        Problems(vec![p])
    }
}

impl From<StoreError> for Problems {
    fn from(e: StoreError) -> Self {
        Problem::from(e).into()
    }
}

impl Problems {
    /// The response: the status of the gravest problem (a server failure,
    /// then 403, 404, 400), and the array of all of them.
    pub fn render(&self, format: Format, lang: Lang, words: &I18n) -> Response {
        let rank = |s: StatusCode| match s.as_u16() {
            500..=599 => 0,
            403 => 1,
            404 => 2,
            _ => 3,
        };
        let status = self
            .0
            .iter()
            .map(|p| p.status)
            .min_by_key(|s| rank(*s))
            .unwrap_or(StatusCode::BAD_REQUEST);
        let items = self
            .0
            .iter()
            .map(|p| {
                Node::Map(vec![
                    ("code", Node::Int(i64::from(p.status.as_u16()))),
                    ("description", Node::Text(p.describe(words, lang))),
                ])
            })
            .collect();
        let mut resp = render(format, status, "errors", &Node::List("error", items));
        if let Some(secs) = self.0.iter().filter_map(|p| p.retry_after_secs).max() {
            resp.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(secs),
            );
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;

    #[tokio::test]
    async fn the_gravest_status_wins_and_all_are_listed() {
        let resp = Problems(vec![
            Problem::missing("service_code"),
            Problem::api_key_missing(),
        ])
        .render(Format::Json, Lang::En, &I18n::load().expect("messages"));
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
        let body = to_bytes(resp.into_body(), 10_000).await.expect("body");
        let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(v[0]["code"], 400);
        assert_eq!(v[0]["description"], "service_code was not provided");
        assert_eq!(v[1]["code"], 403);
    }

    /// Intake's refusals read as intake's own codes say them, in the
    /// answer's language, on the field as Open311 names it.
    #[test]
    fn intake_refusals_are_described_from_the_registry() {
        let words = I18n::load().expect("messages");
        let p = Problem::from(IntakeError::Invalid {
            field: "place_id",
            code: Code::PlaceUnknown,
            message: "no such place".to_owned(),
        });
        assert_eq!(p.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            p.describe(&words, Lang::En),
            "invalid address_id: There is no such place."
        );
        assert_eq!(
            p.describe(&words, Lang::Zh),
            "address_id 无效：没有这个场所。"
        );
        let p = Problem::from(IntakeError::OutsideScope);
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        assert_eq!(
            p.describe(&words, Lang::Zh),
            "位置不在此 api_key 所属区域内"
        );
    }
}
