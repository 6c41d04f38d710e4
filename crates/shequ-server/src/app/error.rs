//! One error type for every handler. Each error has a stable snake_case
//! code that the web pages translate; a 5xx is logged once here with its
//! cause and the client sees only the code.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use shequ_domain::Code;
use shequ_store::{ConstraintKind, StoreError, Unavailability};

/// A problem with one input field.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    /// A code of the registry ([`Code`]), as text.
    pub code: String,
    pub message: String,
    /// The part of the field's value that is wrong, when the domain names
    /// one (`window_hours` of a rule's `params`): a form with one input
    /// per part marks that input. Not sent.
    #[serde(skip)]
    pub part: Option<&'static str>,
}

impl FieldError {
    pub fn new(field: &str, code: Code, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            code: code.as_str().to_owned(),
            message: message.into(),
            part: None,
        }
    }

    pub fn from_invalid(field: &str, e: &shequ_domain::InvalidValue) -> Self {
        Self {
            part: e.field(),
            ..Self::new(field, e.code, e.message.clone())
        }
    }
}

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not logged in, bad credentials or an expired session (401).
    #[error("{0}")]
    Unauthorized(Code),
    /// Logged in but not allowed (403).
    #[error("{0}")]
    Forbidden(Code),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Input failed validation (422), with each field's problem.
    #[error("invalid input")]
    Unprocessable(Vec<FieldError>),
    /// A unique value is taken (409).
    #[error("{field} already exists")]
    Conflict { field: &'static str },
    /// A business rule refused the request (409), e.g. an illegal order
    /// transition; the code and message say which rule.
    #[error("{message}")]
    Refused { code: Code, message: String },
    /// An upload is larger than allowed (413).
    #[error("{message}")]
    PayloadTooLarge { code: Code, message: String },
    /// An upload is of a type not accepted (415).
    #[error("{message}")]
    UnsupportedMediaType { code: Code, message: String },
    /// Too many attempts; try again after this many seconds (429).
    #[error("too many attempts")]
    TooManyRequests { retry_after_secs: u64 },
    /// The database cannot take the request now (503 with `Retry-After`):
    /// nothing was stored, and the sender should try again.
    #[error("service unavailable")]
    Unavailable(Unavailability),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The JSON body of every error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable code, e.g. `invalid_credentials`, `out_of_scope`.
    pub code: String,
    /// An English explanation; pages show a translation of the code.
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

impl AppError {
    pub fn unprocessable(field: &str, code: Code, message: impl Into<String>) -> Self {
        AppError::Unprocessable(vec![FieldError::new(field, code, message)])
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict { .. } | AppError::Refused { .. } => StatusCode::CONFLICT,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code clients and the UI key on, always one of the
    /// registry ([`Code`]). What is missing or taken is named by the store
    /// (`"routing rule"`, `"username"`); its code is `<thing>_not_found` or
    /// `<field>_taken` from the registry, so it has its messages. A name the
    /// registry lacks is a mistake caught in debug builds (the tests) and
    /// answered with the generic `not_found` / `conflict` in release.
    pub fn code(&self) -> String {
        match self {
            AppError::Unauthorized(c) | AppError::Forbidden(c) => c.as_str().to_owned(),
            AppError::NotFound(what) => registered(
                &format!("{}_not_found", what.replace(' ', "_")),
                Code::NotFound,
            ),
            AppError::Unprocessable(_) => Code::InvalidInput.as_str().to_owned(),
            AppError::Conflict { field } => registered(
                &format!("{}_taken", field.replace(' ', "_")),
                Code::Conflict,
            ),
            AppError::Refused { code, .. }
            | AppError::PayloadTooLarge { code, .. }
            | AppError::UnsupportedMediaType { code, .. } => code.as_str().to_owned(),
            AppError::TooManyRequests { .. } => Code::TooManyAttempts.as_str().to_owned(),
            AppError::Unavailable(Unavailability::Unreachable) => {
                Code::DatabaseUnavailable.as_str().to_owned()
            }
            AppError::Unavailable(Unavailability::Full) => Code::StorageFull.as_str().to_owned(),
            AppError::Unavailable(Unavailability::Busy) => Code::DatabaseBusy.as_str().to_owned(),
            AppError::Internal(_) => Code::InternalError.as_str().to_owned(),
        }
    }

    /// An English explanation for API clients and logs.
    pub fn message(&self) -> String {
        match self {
            AppError::Unauthorized(Code::InvalidCredentials) => {
                "the username or password is wrong".to_owned()
            }
            AppError::Unauthorized(Code::SessionExpired) => {
                "your session has expired; log in again".to_owned()
            }
            AppError::Unauthorized(_) => "log in first".to_owned(),
            AppError::Forbidden(Code::OutOfScope) => {
                "this lies outside the area you are responsible for".to_owned()
            }
            AppError::Forbidden(Code::CsrfOrigin) => {
                "the request came from another site; reload the page and try again".to_owned()
            }
            AppError::Forbidden(_) => "your role does not allow this".to_owned(),
            AppError::NotFound(what) => format!("no such {what}"),
            AppError::Unprocessable(_) => "some fields are invalid; see fields".to_owned(),
            AppError::Conflict { field } => format!("that {field} is already taken"),
            AppError::Refused { message, .. }
            | AppError::PayloadTooLarge { message, .. }
            | AppError::UnsupportedMediaType { message, .. } => message.clone(),
            AppError::TooManyRequests { retry_after_secs } => {
                format!("too many failed attempts; try again in {retry_after_secs} s")
            }
            AppError::Unavailable(Unavailability::Unreachable) => {
                "the database is not answering; nothing was stored, try again shortly".to_owned()
            }
            AppError::Unavailable(Unavailability::Full) => {
                "the server's storage is full; nothing was stored, try again later".to_owned()
            }
            AppError::Unavailable(Unavailability::Busy) => {
                "the database is busy; nothing was stored, try again in a moment".to_owned()
            }
            AppError::Internal(_) => {
                "something went wrong on our side; it has been logged".to_owned()
            }
        }
    }
}

/// `code` if the registry holds it, else `fallback`'s (see [`AppError::code`]).
fn registered(code: &str, fallback: Code) -> String {
    let found = Code::parse(code);
    debug_assert!(
        found.is_some(),
        "error code {code:?} is not in shequ_domain::Code: add it and its messages"
    );
    found.unwrap_or(fallback).as_str().to_owned()
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => AppError::NotFound(what),
            StoreError::Conflict { field, .. } => AppError::Conflict { field },
            StoreError::Invalid(e) => {
                AppError::unprocessable(e.field().unwrap_or("input"), e.code, e.message.clone())
            }
            other if other.constraint_violation().is_some() => constraint_error(&other),
            other => match other.unavailable() {
                Some(why) => {
                    // Logged here once: the answer carries only the code.
                    tracing::warn!(error = %other, "database cannot take the request now");
                    AppError::Unavailable(why)
                }
                None => AppError::Internal(anyhow::Error::new(other)),
            },
        }
    }
}

/// A write that broke a constraint the handler did not check first: the
/// client sent something the database refuses, never a failure on our side
/// (500). Handlers that take ids from the input check them before writing
/// and name the field; this is the one place that catches the rest.
fn constraint_error(e: &StoreError) -> AppError {
    let Some(v) = e.constraint_violation() else {
        return AppError::Internal(anyhow::anyhow!("{e}"));
    };
    tracing::info!(error = %e, "a write broke a constraint; answered 4xx");
    let field = v.column.unwrap_or_else(|| "body".to_owned());
    match v.kind {
        ConstraintKind::ForeignKey => AppError::Unprocessable(vec![FieldError::new(
            &field,
            Code::ReferenceNotFound,
            "refers to something that does not exist",
        )]),
        ConstraintKind::Unique => AppError::Refused {
            code: Code::AlreadyExists,
            message: format!("{field}: this value is already taken"),
        },
        ConstraintKind::NotNull => {
            AppError::Unprocessable(vec![FieldError::new(&field, Code::Required, "is required")])
        }
        ConstraintKind::Check => AppError::Unprocessable(vec![FieldError::new(
            &field,
            Code::ValueInvalid,
            "is not an allowed value",
        )]),
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = ?self, "request failed");
        }
        let fields = match &self {
            AppError::Unprocessable(f) => f.clone(),
            _ => Vec::new(),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.message(),
                fields,
            },
        };
        let mut resp = (status, Json(body)).into_response();
        let retry_after = match self {
            AppError::TooManyRequests { retry_after_secs } => Some(retry_after_secs),
            AppError::Unavailable(why) => Some(why.retry_after_secs()),
            _ => None,
        };
        if let Some(secs) = retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

/// Result alias for handlers.
pub type AppResult<T> = Result<T, AppError>;
