//! The API's one error body for answers the framework makes before a
//! handler runs: a body over the size limit (413), JSON that does not
//! parse (400) or does not fit the operation (422), a missing content type
//! (415), an unknown path (404) or method (405). axum answers those in
//! plain text; clients of the API key on `{"error":{"code","message"}}`,
//! so every error answer of `/api/v1` is turned into it here, in one place.

use axum::body::{Body, to_bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::error::ErrorBody;
use crate::app::error::ErrorDetail;
use crate::app::error::FieldError;
use shequ_domain::Code;

/// What axum puts before the serde path and message of a body that parsed
/// as JSON but did not fit the operation.
const DATA_ERROR: &str = "Failed to deserialize the JSON body into the target type: ";

/// Most of a framework error's text that is kept.
const MAX_TEXT: usize = 16 * 1024;

/// Rewrites an error answer that is not JSON into the API's error body,
/// keeping its status and headers (`Allow`, `Retry-After`).
pub async fn shape(resp: Response) -> Response {
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let text = to_bytes(body, MAX_TEXT)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let detail = describe(status, &text);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let body = serde_json::to_vec(&ErrorBody { error: detail }).unwrap_or_default();
    Response::from_parts(parts, Body::from(body))
}

/// The code and message for a framework's error answer.
fn describe(status: StatusCode, text: &str) -> ErrorDetail {
    let (code, default) = match status {
        StatusCode::BAD_REQUEST => (Code::BadRequest, "the request could not be read"),
        StatusCode::NOT_FOUND => (Code::NotFound, "no such API path; see /api/docs"),
        StatusCode::METHOD_NOT_ALLOWED => (
            Code::MethodNotAllowed,
            "this path does not take that method; the Allow header lists those it takes",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (Code::PayloadTooLarge, "the body is larger than allowed"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            Code::UnsupportedMediaType,
            "send the body as JSON, with Content-Type: application/json",
        ),
        StatusCode::UNPROCESSABLE_ENTITY => (Code::InvalidInput, "some fields are invalid"),
        s if s.is_server_error() => (
            Code::InternalError,
            "something went wrong on our side; it has been logged",
        ),
        _ => (Code::RequestRefused, "the request was refused"),
    };
    let mut fields = Vec::new();
    if status == StatusCode::UNPROCESSABLE_ENTITY
        && let Some(rest) = text.strip_prefix(DATA_ERROR)
    {
        // serde names the place in the body before the first ": ".
        let (field, message) = match rest.split_once(": ") {
            Some((path, message)) if !path.contains(' ') => (path, message),
            _ => ("body", rest),
        };
        fields.push(FieldError::new(field, Code::InvalidValue, message));
    }
    ErrorDetail {
        code: code.as_str().to_owned(),
        // A server error's text is ours, not the client's to read.
        message: if text.is_empty() || status.is_server_error() {
            default.to_owned()
        } else {
            text.to_owned()
        },
        fields,
    }
}

/// The answer for a path under `/api/v1` that names no operation.
pub async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_data_error_names_the_field_serde_named() {
        let d = describe(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Failed to deserialize the JSON body into the target type: members[0]: invalid type: string \"x\", expected i64 at line 1 column 20",
        );
        assert_eq!(d.code, "invalid_input");
        assert_eq!(d.fields.len(), 1);
        assert_eq!(d.fields[0].field, "members[0]");
        assert!(d.fields[0].message.starts_with("invalid type"));
        let missing = describe(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Failed to deserialize the JSON body into the target type: missing field `code` at line 1 column 2",
        );
        assert_eq!(missing.fields[0].field, "body");
        assert_eq!(
            describe(StatusCode::PAYLOAD_TOO_LARGE, "").message,
            "the body is larger than allowed"
        );
    }
}
