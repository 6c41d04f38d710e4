//! The page kit every capability's pages are built with: server-rendered
//! pages (Chinese first, English second) in maud, with our own embedded
//! stylesheet and script, no CDN. The page context and errors (`ctx`), the
//! shell (`layout`), posted forms (`form`), maps drawn as SVG (`map`,
//! `outline`) and the static files (`assets`).
//!
//! Every page route runs through [`pages_layer`], which picks the language,
//! refuses cross-site form posts, turns a handler's [`ctx::PageError`] into
//! a translated error page (or a redirect to the login form), and marks
//! pages as not cacheable, since they carry personal data.

pub mod assets;
pub mod ctx;
pub mod form;
pub mod layout;
pub mod map;
pub mod outline;
pub mod refusal;

use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::app::auth::AuthUser;
use crate::app::auth::check_same_origin;
use crate::app::error::AppError;
use crate::app::page::ctx::Ctx;
use crate::app::page::ctx::PageError;
use crate::app::page::ctx::PageFailure;
use crate::app::page::ctx::enc;
use crate::app::state::Core;

/// The kit's own routes (the static files), the fallback page for unknown
/// paths, and the page middleware around `pages`, every capability's page
/// routes merged.
pub fn finish<S: Clone + Send + Sync + 'static>(pages: Router<S>, core: Core) -> Router<S> {
    pages
        .route("/static/{*path}", get(assets::serve))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(core, pages_layer))
}

/// Unknown paths: a JSON error under `/api/`, a page elsewhere.
async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        AppError::NotFound("route").into_response()
    } else {
        PageError(AppError::NotFound("page")).into_response()
    }
}

async fn pages_layer(State(state): State<Core>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let lang = ctx::resolve_lang(&parts, &state);
    parts.extensions.insert(lang);
    let saved = (
        parts.method.clone(),
        parts.uri.clone(),
        parts.headers.clone(),
    );
    let mut resp = if let Err(e) = check_same_origin(&parts) {
        // Checked here for every form post, logged in or not (login CSRF).
        PageError(e).into_response()
    } else {
        next.run(Request::from_parts(parts, body)).await
    };
    if let Some(failure) = resp.extensions_mut().remove::<PageFailure>() {
        resp = render_failure(&state, resp.status(), failure, saved).await;
    }
    // The security headers are set for every answer in crate::app::headers.
    resp.headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    resp
}

/// A login is needed: back to the form, then here again. Otherwise the
/// error page, with the navigation when the visitor is logged in.
async fn render_failure(
    state: &Core,
    status: StatusCode,
    failure: PageFailure,
    (method, uri, headers): (Method, Uri, axum::http::HeaderMap),
) -> Response {
    if status == StatusCode::UNAUTHORIZED {
        let location = if method == Method::GET {
            let here = uri.path_and_query().map_or("/", |p| p.as_str());
            format!("/login?next={}", enc(here))
        } else {
            "/login".to_owned()
        };
        return (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response();
    }
    // Look the visitor up again (only on this error path) for the shell.
    let mut req = Request::new(());
    *req.uri_mut() = uri;
    *req.headers_mut() = headers;
    let (mut parts, ()) = req.into_parts();
    let user = AuthUser::from_request_parts(&mut parts, state).await.ok();
    let ctx = Ctx::from_parts(&parts, state);
    let page = layout::error_page(&ctx, user.as_ref(), status, &failure.code);
    let mut resp = (status, page).into_response();
    if let Some(secs) = failure.retry_after_secs
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}
