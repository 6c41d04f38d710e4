//! What every page handler gets: the visitor's language, the words, the
//! street's time zone and where they are ([`Ctx`]); the logged-in user
//! ([`Viewer`]); and [`PageError`], which the page middleware turns into a
//! translated error page or a redirect to the login form.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use fluent_bundle::FluentValue;
use shequ_store::StoreError;

use crate::app::auth::AuthUser;
use crate::app::auth::cookie;
use crate::app::error::AppError;
use crate::app::i18n::I18n;
use crate::app::i18n::Lang;
use axum::extract::FromRef;

use crate::app::state::Core;

/// Name of the cookie holding the chosen page language.
pub const LANG_COOKIE: &str = "lang";

/// The language of this request: `?lang=`, then the `lang` cookie, then
/// the configured default.
pub fn resolve_lang(parts: &Parts, state: &Core) -> Lang {
    let from_query = parts.uri.query().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "lang")
            .and_then(|(_, v)| Lang::parse(&v))
    });
    from_query
        .or_else(|| cookie(parts, LANG_COOKIE).and_then(Lang::parse))
        .or_else(|| Lang::parse(&state.settings.default_language))
        .unwrap_or(Lang::Zh)
}

/// A local path to go back to after logging in or switching language;
/// anything that could leave the site becomes `/`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.chars().any(|c| c.is_control() || c == '\\') =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// Percent-encodes a query value.
pub fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The rendering context of one request.
#[derive(Clone)]
pub struct Ctx {
    pub i18n: Arc<I18n>,
    pub lang: Lang,
    pub tz: chrono_tz::Tz,
    /// Path and query of this request (for the language switch).
    pub here: String,
}

impl std::fmt::Debug for Ctx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx")
            .field("lang", &self.lang)
            .field("here", &self.here)
            .finish()
    }
}

impl Ctx {
    /// Builds the context from a request.
    pub fn from_parts(parts: &Parts, state: &Core) -> Self {
        let lang = parts
            .extensions
            .get::<Lang>()
            .copied()
            .unwrap_or_else(|| resolve_lang(parts, state));
        Self {
            i18n: state.i18n.clone(),
            lang,
            tz: state.tz,
            here: parts
                .uri
                .path_and_query()
                .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()),
        }
    }

    /// The message `key` in this language.
    pub fn t(&self, key: &str) -> String {
        self.i18n.t(self.lang, key)
    }

    /// The message `key` with arguments.
    pub fn t_args(&self, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        self.i18n.t_args(self.lang, key, args)
    }

    /// The label of a stored code (`role-admin`, `tag-disabled`…), or the
    /// code itself when no label exists (a street's own care tags).
    pub fn label(&self, prefix: &str, code: &str) -> String {
        let key = format!("{prefix}-{code}");
        if self.i18n.has(self.lang, &key) {
            self.i18n.t(self.lang, &key)
        } else {
            code.to_owned()
        }
    }

    /// An epoch-millisecond time in the street's zone.
    pub fn time(&self, ms: i64) -> String {
        chrono::DateTime::from_timestamp_millis(ms).map_or_else(String::new, |t| {
            t.with_timezone(&self.tz)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
    }

    /// Today's date in the street's zone.
    pub fn today(&self) -> chrono::NaiveDate {
        chrono::Utc::now().with_timezone(&self.tz).date_naive()
    }

    /// The link that switches to the other language and comes back here.
    pub fn switch_href(&self) -> String {
        // A `?lang=` on this page would win over the cookie: drop it.
        let back = match self.here.split_once('?') {
            Some((path, query)) => {
                let kept: Vec<&str> = query
                    .split('&')
                    .filter(|kv| !kv.starts_with("lang=") && *kv != "lang")
                    .collect();
                if kept.is_empty() {
                    path.to_owned()
                } else {
                    format!("{path}?{}", kept.join("&"))
                }
            }
            None => self.here.clone(),
        };
        format!("/lang/{}?next={}", self.lang.other().tag(), enc(&back))
    }
}

impl<S> FromRequestParts<S> for Ctx
where
    Core: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = &Core::from_ref(state);
        Ok(Ctx::from_parts(parts, state))
    }
}

/// A logged-in user looking at a page. Without a valid session the page
/// middleware sends the browser to `/login?next=…`.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub ctx: Ctx,
    pub user: AuthUser,
}

impl<S> FromRequestParts<S> for Viewer
where
    Core: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = &Core::from_ref(state);
        let ctx = Ctx::from_parts(parts, state);
        let user = <AuthUser as FromRequestParts<Core>>::from_request_parts(parts, state).await?;
        Ok(Viewer { ctx, user })
    }
}

/// A failed page request. Its response carries a [`PageFailure`] marker
/// that the page middleware renders in the visitor's language.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError(e)
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        PageError(AppError::from(e))
    }
}

/// What the page middleware needs to render a failure.
#[derive(Debug, Clone)]
pub struct PageFailure {
    pub code: String,
    pub retry_after_secs: Option<u64>,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status: StatusCode = self.0.status();
        if status.is_server_error() {
            tracing::error!(error = ?self.0, "page failed");
        }
        let retry_after_secs = match self.0 {
            AppError::TooManyRequests { retry_after_secs } => Some(retry_after_secs),
            _ => None,
        };
        let mut resp = status.into_response();
        resp.extensions_mut().insert(PageFailure {
            code: self.0.code(),
            retry_after_secs,
        });
        resp
    }
}

/// Result alias for page handlers.
pub type PageResult<T> = Result<T, PageError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/people?name=王")), "/people?name=王");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/a\nb")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
