//! Open311 errors: always the spec's error array
//! (`[{"code":400,"description":"…"}]`, `<errors><error>…`), with 404 for
//! what does not exist, 403 for a missing, wrong or out-of-area api_key,
//! 400 for any other bad input. A failure on our side is logged once and
//! answered 500 (503 when the database is not answering), still as an
//! error array. Descriptions are meant for people: Chinese by default,
//! English for `locale=en`.

use axum::http::StatusCode;
use axum::response::Response;
use shequ_domain::order::attributes::{AttributeError, AttributeProblem};
use shequ_store::StoreError;

use crate::app::i18n::Lang;
use crate::open311::format::Format;
use crate::open311::format::Node;
use crate::open311::format::render;
use crate::orders::intake::IntakeError;

/// One problem, described in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub status: StatusCode,
    pub zh: String,
    pub en: String,
    /// Seconds to wait before sending again, for a 503.
    pub retry_after_secs: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            status,
            zh: zh.into(),
            en: en.into(),
            retry_after_secs: None,
        }
    }

    pub fn bad(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, zh, en)
    }

    pub fn not_found(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, zh, en)
    }

    pub fn forbidden(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, zh, en)
    }

    /// A required argument that was not sent.
    pub fn missing(field: &str) -> Self {
        Self::bad(
            format!("缺少参数 {field}"),
            format!("{field} was not provided"),
        )
    }

    pub fn unknown_format() -> Self {
        Self::not_found(
            "不支持的格式：请在路径末尾加 .json 或 .xml",
            "unsupported format: end the path with .json or .xml",
        )
    }

    pub fn no_such_path() -> Self {
        Self::not_found(
            "没有这个 Open311 资源；见 discovery.json",
            "no such Open311 resource; see discovery.json",
        )
    }

    pub fn api_key_missing() -> Self {
        Self::forbidden(
            "缺少 api_key，无法提交",
            "api_key was not provided -- can't proceed with create_request",
        )
    }

    pub fn api_key_invalid() -> Self {
        Self::forbidden(
            "api_key 无效、已过期或已吊销",
            "invalid api_key received: unknown, expired or revoked",
        )
    }

    pub fn api_key_scope() -> Self {
        Self::forbidden(
            "此 api_key 没有 open311 权限",
            "this api_key does not carry the open311 scope",
        )
    }

    pub fn outside_area() -> Self {
        Self::forbidden(
            "位置不在此 api_key 所属区域内",
            "the location lies outside the area of this api_key",
        )
    }

    pub fn unknown_service(code: &str) -> Self {
        Self::not_found(
            format!("没有服务代码 {code}"),
            format!("service_code {code} was not found"),
        )
    }

    /// A failure on our side; the cause is logged here, once.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "open311 request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "服务内部错误，已记录；请稍后再试或联系我们",
            "something went wrong on our side; it has been logged. Try again later or contact us",
        )
    }

    pub fn describe(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        if let Some(why) = e.unavailable() {
            tracing::warn!(error = %e, "open311: database cannot take the request now");
            return Self {
                retry_after_secs: Some(why.retry_after_secs()),
                ..Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "数据库暂时无法写入，未保存任何内容，请稍后再试",
                    "the database cannot take this now; nothing was stored, try again shortly",
                )
            };
        }
        Self::internal(&e)
    }
}

impl From<IntakeError> for Problem {
    fn from(e: IntakeError) -> Self {
        match e {
            IntakeError::UnknownCategory(code) => Self::unknown_service(&code),
            IntakeError::OutsideScope => Self::outside_area(),
            IntakeError::Invalid { field, message, .. } => {
                let field = match field {
                    "place_id" => "address_id",
                    "location" => "lat/long",
                    other => other,
                };
                Self::bad(
                    format!("{field} 无效：{message}"),
                    format!("invalid {field}: {message}"),
                )
            }
            IntakeError::Store(s) => s.into(),
        }
    }
}

impl From<AttributeError> for Problem {
    fn from(e: AttributeError) -> Self {
        let c = &e.code;
        let zh = match &e.problem {
            AttributeProblem::Missing => format!("属性 {c} 必填"),
            AttributeProblem::Unknown => format!("此服务没有属性 {c}"),
            AttributeProblem::OneValueOnly => format!("属性 {c} 只能有一个值"),
            AttributeProblem::NotANumber => format!("属性 {c} 必须是数字"),
            AttributeProblem::NotADatetime => {
                format!("属性 {c} 必须是带时区的 ISO 8601 日期或时间，如 2026-11-23T18:00:00+08:00")
            }
            AttributeProblem::LineBreak => format!("属性 {c} 只能是一行文字"),
            AttributeProblem::TooLong => format!(
                "属性 {c} 超过 {} 个字",
                shequ_domain::order::attributes::MAX_ANSWER_CHARS
            ),
            AttributeProblem::NotAKey(k) => format!("{k:?} 不是属性 {c} 的选项"),
        };
        Self::bad(zh, e.to_string())
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
    pub fn render(&self, format: Format, lang: Lang) -> Response {
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
                    ("description", Node::Text(p.describe(lang).to_owned())),
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
        .render(Format::Json, Lang::En);
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
        let body = to_bytes(resp.into_body(), 10_000).await.expect("body");
        let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(v[0]["code"], 400);
        assert_eq!(v[0]["description"], "service_code was not provided");
        assert_eq!(v[1]["code"], 403);
    }
}
