//! Logging in and out with the session cookie, and the language switch.

use axum::Form;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;
use shequ_store::accounts::SessionKind;

use crate::accounts::AccountsState;
use crate::accounts::api::auth::authenticate;
use crate::accounts::api::auth::start_session;
use crate::app::access::ClientAddr;
use crate::app::auth::AuthUser;
use crate::app::auth::SESSION_COOKIE;
use crate::app::auth::cookie;
use crate::app::auth::token_hash;
use crate::app::error::AppError;
use crate::app::i18n::Lang;
use crate::app::page::assets;
use crate::app::page::ctx::Ctx;
use crate::app::page::ctx::LANG_COOKIE;
use crate::app::page::ctx::PageError;
use crate::app::page::ctx::PageResult;
use crate::app::page::ctx::safe_next;

/// `?next=` on the login form and the language switch.
#[derive(Debug, Deserialize)]
pub struct NextParam {
    pub next: Option<String>,
}

/// The fields of the login form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
    pub next: String,
}

fn redirect(to: &str, cookies: &[String]) -> Response {
    let mut resp = (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response();
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

fn session_cookie(state: &AccountsState, token: &str, max_age_secs: i64) -> String {
    let secure = if state.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age_secs}{secure}"
    )
}

/// The login page; `error` is a message key shown above the form.
fn login_page(ctx: &Ctx, username: &str, next: &str, error: Option<&str>) -> Markup {
    let title = ctx.t("login-title");
    html! {
        (DOCTYPE)
        html lang=(ctx.lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (ctx.t("app-name")) }
                link rel="stylesheet" href=(assets::href("shequ.css"));
                link rel="icon" type="image/svg+xml" href=(assets::href("favicon.svg"));
            }
            body.login-body {
                main.login #main {
                    p.login-lang {
                        a href=(ctx.switch_href()) lang=(ctx.lang.other().tag()) hreflang=(ctx.lang.other().tag()) {
                            (ctx.t("lang-switch"))
                        }
                    }
                    p.login-app { (ctx.t("app-name")) }
                    p.login-tagline { (ctx.t("app-tagline")) }
                    h1 { (title) }
                    @if let Some(key) = error {
                        div.notice.notice-error role="alert" { p { (ctx.t(key)) } }
                    }
                    form.stack method="post" action="/login" {
                        input type="hidden" name="next" value=(next);
                        label for="username" { (ctx.t("login-username")) }
                        // After a failure the username is kept: focus the password.
                        input #username type="text" name="username" value=(username)
                            autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus[error.is_none()];
                        label for="password" { (ctx.t("login-password")) }
                        input #password type="password" name="password" autocomplete="current-password" required autofocus[error.is_some()];
                        button.primary type="submit" { (ctx.t("login-submit")) }
                    }
                }
            }
        }
    }
}

/// `GET /login?next=…`; a visitor who is already logged in goes on.
pub async fn form(
    State(state): State<AccountsState>,
    ctx: Ctx,
    mut parts: Parts,
    Query(q): Query<NextParam>,
) -> Response {
    let next = safe_next(q.next.as_deref());
    if AuthUser::from_request_parts(&mut parts, &state)
        .await
        .is_ok()
    {
        return redirect(&next, &[]);
    }
    login_page(&ctx, "", &next, None).into_response()
}

/// `POST /login`: check the password (with the failure limits), start a
/// cookie session and go to `next`. A failure shows the form again without
/// saying which part was wrong.
pub async fn submit(
    State(state): State<AccountsState>,
    ctx: Ctx,
    addr: ClientAddr,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> PageResult<Response> {
    let next = safe_next(Some(&f.next));
    let logged_in = match authenticate(&state, &f.username, &f.password, &addr, &headers).await {
        Ok(u) => u,
        Err(AppError::Unauthorized(_)) => {
            let page = login_page(
                &ctx,
                f.username.trim(),
                &next,
                Some("error-invalid_credentials"),
            );
            return Ok((StatusCode::UNAUTHORIZED, page).into_response());
        }
        Err(AppError::TooManyRequests { retry_after_secs }) => {
            let page = login_page(
                &ctx,
                f.username.trim(),
                &next,
                Some("error-too_many_attempts"),
            );
            return Ok((
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, retry_after_secs.to_string())],
                page,
            )
                .into_response());
        }
        Err(e) => return Err(PageError(e)),
    };
    let (token, _) = start_session(&state, &logged_in.user, SessionKind::Cookie).await?;
    let max_age = i64::from(state.settings.session_hours) * 3600;
    Ok(redirect(
        &next,
        &[
            session_cookie(&state, &token, max_age),
            logged_in.device_cookie,
        ],
    ))
}

/// `POST /logout`: end the session and drop the cookie.
pub async fn logout(State(state): State<AccountsState>, parts: Parts) -> PageResult<Response> {
    if let Some(token) = cookie(&parts, SESSION_COOKIE) {
        state.store.delete_session(&token_hash(token)).await?;
    }
    Ok(redirect("/login", &[session_cookie(&state, "", 0)]))
}

/// `GET /lang/{zh-CN|en}?next=…`: remember the language for a year.
pub async fn switch_language(
    Path(tag): Path<String>,
    Query(q): Query<NextParam>,
) -> PageResult<Response> {
    let lang = match tag.as_str() {
        "zh-CN" | "zh" => Lang::Zh,
        "en" => Lang::En,
        _ => return Err(PageError(AppError::NotFound("language"))),
    };
    let next = safe_next(q.next.as_deref());
    let cookie = format!(
        "{LANG_COOKIE}={}; SameSite=Lax; Path=/; Max-Age=31536000",
        lang.tag()
    );
    Ok(redirect(&next, &[cookie]))
}
