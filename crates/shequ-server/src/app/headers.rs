//! The security headers every answer carries, set in one place for pages,
//! JSON, errors, 404s, the API docs and static files alike.

use axum::http::{HeaderValue, header};
use axum::response::Response;

/// Only our own scripts, styles and images; no plug-ins, no `<base>`, forms
/// post only to us, and no other site may frame us (clickjacking). JSON and
/// images ignore most of it; `frame-ancestors` still keeps them out of
/// frames. The pages and the API docs use no inline script or style, so
/// none needs allowing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
     style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// Sets the headers on `resp`, replacing any a handler set, so no route can
/// weaken them.
pub async fn security_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    // Uploaded photos and JSON must never be run as a script or page by a
    // browser guessing the type.
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Links out of the pages would otherwise carry page addresses, which
    // name people and orders, to other sites.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    resp
}
