//! Open311 GeoReport v2 at `/open311/v2/`: discovery, services and their
//! definitions, creating requests (through the same intake as every other
//! channel) and reading them, in JSON and XML.
//!
//! The format is the path's extension (`services.json`, `services.xml`);
//! anything else is a 404. Errors are always the spec's error array, never
//! a plain-text rejection: every extractor used here cannot fail, or its
//! failure is turned into that array.
//!
//! Choices where the spec leaves room, for clients to rely on:
//! - Names and messages are Chinese; `?locale=en` (or `Accept-Language:
//!   en`) gives English service names, groups, notes and error texts.
//! - `POST requests` answers 200, as the spec's examples and Swagger do,
//!   with the id at once (every service is `realtime`).
//! - `tokens/{id}` takes the request id as its token.
//! - `status=closed` covers resolved (办结), closed and cancelled orders:
//!   the spec's "closed" is "it has been resolved".
//! - `GET requests` pages with `page` (from 1) and `page_size` (1–1000,
//!   default 1000, the spec's limit), newest first. Without dates it
//!   covers the last 90 days; `start_date` alone the 90 days from it,
//!   `end_date` alone the 90 days up to it; a range may not span more
//!   than 90 days. A bare date (`2026-11-23`) is a whole day in the
//!   street's zone.
//! - An api_key (scope `open311`) is required to post and confines what
//!   is read to the key's region; without one, `GET requests` lists the
//!   whole deployment in public form (see `view.rs`).
//! - One jurisdiction per deployment: `jurisdiction_id` is ignored, as the
//!   spec allows.
//! - Answers to a category's attributes are stored with the order;
//!   `media_url`, `device_id` and `account_id` under `_open311` beside them.

mod discovery;
pub mod errors;
pub mod form;
pub mod format;
mod requests;
mod services;
mod submit;
mod view;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use shequ_store::accounts::ApiToken;

use crate::app::auth::token_hash;
use crate::app::i18n::{I18n, Lang};
use crate::orders::OrdersState;
use errors::{Problem, Problems};
use format::Format;
use shequ_domain::Code;
use std::sync::Arc;

/// The API token scope Open311 clients need.
pub const SCOPE: &str = "open311";

/// The specification this endpoint implements, as discovery names it.
pub const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";

/// The largest form accepted: a 4,000-character description and a few
/// attributes fit many times over.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// The routes under `/open311/v2`.
pub fn router() -> Router<OrdersState> {
    Router::new()
        .route("/", get(discovery::root))
        .route("/{file}", get(get_file).post(post_file))
        .route("/services/{file}", get(services::definition))
        .route("/requests/{file}", get(requests::one))
        .route("/tokens/{file}", get(requests::token))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// What every answer needs: its format and language, and the words of
/// its error descriptions.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub format: Format,
    pub lang: Lang,
    pub words: Arc<I18n>,
}

impl Ctx {
    /// Renders a result: the node under `root`, or the error array.
    pub fn answer(self, root: &str, result: Result<format::Node, Problems>) -> Response {
        match result {
            Ok(node) => format::render(self.format, StatusCode::OK, root, &node),
            Err(p) => p.render(self.format, self.lang, &self.words),
        }
    }

    pub fn fail(self, p: impl Into<Problems>) -> Response {
        p.into().render(self.format, self.lang, &self.words)
    }
}

/// The language asked for: `locale=` (query or form), then the
/// `Accept-Language` header in preference order, then the configured
/// default.
pub fn language(state: &OrdersState, headers: &HeaderMap, locale: Option<&str>) -> Lang {
    if let Some(l) = locale.and_then(Lang::parse) {
        return l;
    }
    let mut ranked: Vec<(f32, Lang)> = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(',')
        .filter_map(|part| {
            let mut bits = part.split(';');
            let lang = Lang::parse(bits.next()?)?;
            let q = bits
                .find_map(|b| b.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            Some((q, lang))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranked
        .first()
        .map(|(_, l)| *l)
        .or_else(|| Lang::parse(&state.settings.default_language))
        .unwrap_or(Lang::Zh)
}

/// Checks an api_key: `None` when none was sent; a 403 when it is unknown,
/// expired, revoked or lacks the `open311` scope.
pub async fn api_key(state: &OrdersState, key: Option<&str>) -> Result<Option<ApiToken>, Problem> {
    let Some(key) = key.map(str::trim).filter(|k| !k.is_empty()) else {
        return Ok(None);
    };
    let token = state
        .tokens
        .live(&state.store, &token_hash(key), state.clock.now_ms())
        .await?;
    match token {
        None => {
            tracing::warn!("open311: refused an unknown or expired api_key");
            Err(Problem::api_key_invalid())
        }
        Some(t) if !t.has_scope(SCOPE) => {
            tracing::warn!(
                token.id = t.id,
                "open311: api_key without the open311 scope"
            );
            Err(Problem::api_key_scope())
        }
        Some(t) => Ok(Some(t)),
    }
}

/// The format of a request whose path could not even be read: JSON.
fn fallback_ctx(state: &OrdersState, headers: &HeaderMap) -> Ctx {
    Ctx {
        format: Format::Json,
        lang: language(state, headers, None),
        words: state.i18n.clone(),
    }
}

/// `GET /{file}`: discovery, services or requests, by name.
async fn get_file(
    State(state): State<OrdersState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Response {
    let query = form::Pairs::parse_lossy(query.as_deref().unwrap_or(""));
    let lang = language(&state, &headers, query.first("locale"));
    let Ok(Path(file)) = path else {
        return fallback_ctx(&state, &headers).fail(Problem::no_such_path());
    };
    let (stem, format) = Format::split(&file);
    let ctx = Ctx {
        format: format.unwrap_or(Format::Json),
        lang,
        words: state.i18n.clone(),
    };
    match (stem, format) {
        ("discovery", None) if file == "discovery" => discovery::answer(&state, ctx),
        ("discovery" | "services" | "requests", None) => ctx.fail(Problem::unknown_format()),
        ("discovery", Some(_)) => discovery::answer(&state, ctx),
        ("services", Some(_)) => services::list(&state, ctx).await,
        ("requests", Some(_)) => requests::list(&state, ctx, &query).await,
        _ => ctx.fail(Problem::no_such_path()),
    }
}

/// `POST /{file}`: only `requests.{format}` takes a post.
async fn post_file(
    State(state): State<OrdersState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let query = form::Pairs::parse_lossy(query.as_deref().unwrap_or(""));
    let lang = language(&state, &headers, query.first("locale"));
    let Ok(Path(file)) = path else {
        return fallback_ctx(&state, &headers).fail(Problem::no_such_path());
    };
    let (stem, format) = Format::split(&file);
    let ctx = Ctx {
        format: format.unwrap_or(Format::Json),
        lang,
        words: state.i18n.clone(),
    };
    match (stem, format) {
        ("requests", Some(_)) => submit::create(&state, ctx, &headers, body).await,
        ("requests", None) => ctx.fail(Problem::unknown_format()),
        ("discovery" | "services", _) => method_not_allowed_in(ctx),
        _ => ctx.fail(Problem::no_such_path()),
    }
}

fn method_not_allowed_in(ctx: Ctx) -> Response {
    ctx.fail(Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        Code::Open311MethodNotAllowed,
    ))
}

async fn not_found(State(state): State<OrdersState>, headers: HeaderMap) -> Response {
    fallback_ctx(&state, &headers).fail(Problem::no_such_path())
}

async fn method_not_allowed(State(state): State<OrdersState>, headers: HeaderMap) -> Response {
    method_not_allowed_in(fallback_ctx(&state, &headers))
}
