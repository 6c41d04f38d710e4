//! Server-rendered web pages (Chinese first, English second), built with
//! maud and served with our own embedded stylesheet; no CDN.
//!
//! Every page route runs through [`pages_layer`], which picks the language,
//! refuses cross-site form posts, turns a handler's [`ctx::PageError`] into
//! a translated error page (or a redirect to the login form), and marks
//! pages as not cacheable, since they carry personal data.

mod admin;
mod alert_rules;
pub(crate) mod assets;
pub mod command;
pub mod ctx;
mod devices;
pub mod form;
mod home;
mod layout;
mod login;
pub mod map;
mod ops;
mod orders;
mod outline;
mod people;
mod places;
mod regions;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use self::ctx::{Ctx, PageError, PageFailure, enc};
use crate::auth::{AuthUser, check_same_origin};
use crate::error::AppError;
use crate::state::AppState;

/// The page routes, with the page middleware.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(home::show))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/lang/{tag}", get(login::switch_language))
        .route("/command", get(command::show))
        .route("/command/counters", get(command::counters))
        .route("/command/grid/{code}", get(command::grid))
        .route("/regions", get(regions::tree))
        .route("/regions/{code}", get(regions::detail))
        .route("/people", get(people::list))
        .route("/people/{id}", get(people::detail))
        .route("/people/{id}/reveal", post(people::reveal))
        .route("/households/{id}", get(people::household))
        .route("/places", get(places::list))
        .route("/places/{id}", get(places::detail))
        .route("/ops", get(ops::show))
        .route(
            "/ops/alert-rules",
            get(alert_rules::list).post(alert_rules::create),
        )
        .route("/ops/alert-rules/new", get(alert_rules::new_form))
        .route(
            "/ops/alert-rules/{id}",
            get(alert_rules::show).post(alert_rules::update),
        )
        .route("/ops/alert-rules/{id}/disable", post(alert_rules::disable))
        .route("/ops/devices", get(devices::list))
        .route("/admin/users", get(admin::users))
        .route("/admin/access-log", get(admin::access_log))
        // Forms with a photo read their own limits while streaming.
        .route(
            "/report",
            get(orders::report::form)
                .post(orders::report::submit)
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/r", get(orders::status::lookup))
        .route(
            "/r/{token}",
            get(orders::status::show).post(orders::status::rate),
        )
        .route("/orders", get(orders::list::list))
        .route(
            "/orders/new",
            get(orders::file::form)
                .post(orders::file::submit)
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/orders/{id}", get(orders::detail::show))
        .route(
            "/orders/{id}/act",
            post(orders::act::act).layer(DefaultBodyLimit::disable()),
        )
        .route("/my", get(orders::list::mine))
        .route("/photos/{id}", get(orders::photo::serve))
        .route("/static/{*path}", get(assets::serve))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state, pages_layer))
}

/// Unknown paths: a JSON error under `/api/`, a page elsewhere.
async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        AppError::NotFound("route").into_response()
    } else {
        PageError(AppError::NotFound("page")).into_response()
    }
}

async fn pages_layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
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
    // The security headers are set for every answer in crate::headers.
    resp.headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    resp
}

/// A login is needed: back to the form, then here again. Otherwise the
/// error page, with the navigation when the visitor is logged in.
async fn render_failure(
    state: &AppState,
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

#[cfg(test)]
mod tests {
    use crate::i18n::{EN_FTL, ZH_FTL, message_ids};

    /// The page sources, scanned for the message keys they use.
    const SOURCES: &[&str] = &[
        include_str!("admin.rs"),
        include_str!("command/mod.rs"),
        include_str!("command/panel.rs"),
        include_str!("command/map.rs"),
        include_str!("ops.rs"),
        include_str!("home.rs"),
        include_str!("layout.rs"),
        include_str!("login.rs"),
        include_str!("orders/act.rs"),
        include_str!("orders/detail.rs"),
        include_str!("orders/fields.rs"),
        include_str!("orders/file.rs"),
        include_str!("orders/list.rs"),
        include_str!("orders/mod.rs"),
        include_str!("orders/offers.rs"),
        include_str!("orders/parse.rs"),
        include_str!("orders/trail.rs"),
        include_str!("orders/report.rs"),
        include_str!("orders/status.rs"),
        include_str!("people.rs"),
        include_str!("places.rs"),
        include_str!("regions.rs"),
    ];

    fn keys_used() -> Vec<String> {
        let mut keys = Vec::new();
        for src in SOURCES {
            for pat in [".t(\"", ".t_args(\"", "empty(ctx, \""] {
                for (i, _) in src.match_indices(pat) {
                    let rest = &src[i + pat.len()..];
                    if let Some(end) = rest.find('"') {
                        keys.push(rest[..end].to_owned());
                    }
                }
            }
        }
        keys.sort();
        keys.dedup();
        keys
    }

    #[test]
    fn every_literal_key_exists_in_both_languages() {
        let keys = keys_used();
        assert!(keys.len() > 40, "scanner found too few keys: {keys:?}");
        let zh = message_ids(ZH_FTL);
        let en = message_ids(EN_FTL);
        let missing: Vec<_> = keys
            .iter()
            .filter(|k| !zh.contains(k) || !en.contains(k))
            .collect();
        assert!(
            missing.is_empty(),
            "keys used by pages but not defined: {missing:?}"
        );
    }

    /// Labels looked up from stored codes (states, actions, sources…) and
    /// the error codes the order pages show: each in both languages.
    #[test]
    fn labels_of_codes_exist_in_both_languages() {
        use super::orders::offers::Offer;
        use shequ_domain::order::OrderState;
        let mut keys: Vec<String> = Vec::new();
        keys.extend(OrderState::ALL.map(|s| format!("order-state-{}", s.as_str())));
        for o in Offer::ALL {
            keys.push(format!("action-{}", o.name()));
            keys.push(format!("order-step-{}", o.name()));
        }
        for step in ["create", "dispatch", "rate", "auto_close"] {
            keys.push(format!("order-step-{step}"));
        }
        keys.extend(
            crate::orders::intake::SOURCES
                .iter()
                .map(|s| format!("order-source-{s}")),
        );
        for r in ["satisfied", "basically_satisfied", "unsatisfied"] {
            keys.push(format!("rating-{r}"));
        }
        for p in ["low", "normal", "high", "urgent"] {
            keys.push(format!("order-priority-{p}"));
        }
        for code in [
            "order_wrong_state",
            "order_action_not_allowed",
            "order_field_missing",
            "order_clock_state",
            "order_reopen_used",
            "photo_too_large",
            "photo_not_image",
            "photo_empty",
            "photo_missing",
            "photo_stage_invalid",
            "category_missing",
            "description_missing",
            "description_too_long",
            "location_missing",
            "location_invalid",
            "location_outside",
            "address_too_long",
            "name_too_long",
            "phone_invalid",
            "attribute_required",
            "attribute_invalid",
            "attribute_number",
            "attribute_datetime",
            "form_too_large",
            "form_invalid",
            "source_invalid",
            "rating_missing",
            "to_user_missing",
            "of_missing",
            "teams_missing",
            "minutes_invalid",
            "team_missing",
            "action_invalid",
        ] {
            keys.push(format!("error-{code}"));
        }
        keys.extend(
            [
                "order-overdue-accept",
                "order-overdue-resolve",
                "action-file",
            ]
            .map(String::from),
        );
        keys.extend(["order-photo-intake", "order-photo-resolution"].map(String::from));
        for kind in [
            "new_order",
            "reassigned",
            "escalated",
            "reopened",
            "summoned",
            "returned",
        ] {
            keys.push(format!("popup-kind-{kind}"));
        }
        keys.extend(
            [
                "order-actor-reporter",
                "order-actor-system",
                "participant-summoned",
            ]
            .map(String::from),
        );
        let zh = message_ids(ZH_FTL);
        let en = message_ids(EN_FTL);
        let missing: Vec<_> = keys
            .iter()
            .filter(|k| !zh.contains(k) || !en.contains(k))
            .collect();
        assert!(missing.is_empty(), "labels missing: {missing:?}");
    }
}
