//! The page shell (header, navigation, user, language switch, logout), the
//! error page, and small pieces shared by pages: pager, counts, tables.

use axum::http::StatusCode;
use fluent_bundle::FluentValue;
use maud::{DOCTYPE, Markup, html};

use crate::app::auth::AuthUser;
use crate::app::page::assets;
use crate::app::page::ctx::Ctx;
use crate::app::page::ctx::enc;

/// Which navigation entry a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Home,
    Command,
    Regions,
    People,
    Places,
    Orders,
    Party,
    Coop,
    Assess,
    Circle,
    My,
    Users,
    AccessLog,
    Operations,
    None,
}

/// The HTML document around a page body: head, header with navigation and
/// the user, the body under `<main>`, and a footer.
pub fn page(ctx: &Ctx, user: Option<&AuthUser>, nav: Nav, title: &str, body: Markup) -> Markup {
    let app = ctx.t("app-name");
    html! {
        (DOCTYPE)
        html lang=(ctx.lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (app) }
                link rel="stylesheet" href=(assets::href("shequ.css"));
                link rel="icon" type="image/svg+xml" href=(assets::href("favicon.svg"));
                script src=(assets::href("shequ.js")) defer {}
            }
            body data-live=[user.map(|_| "1")] {
                a.skip href="#main" { (ctx.t("skip-to-content")) }
                header.top {
                    div.bar {
                        a.brand href="/" { (app) }
                        @if let Some(u) = user {
                            p.who {
                                span.who-name { (u.user.display_name) }
                                span.who-role { (ctx.label("role", u.role.as_str())) }
                                span.who-region { (u.user.region_name) }
                            }
                        }
                        div.tools {
                            a.lang href=(ctx.switch_href()) lang=(ctx.lang.other().tag()) hreflang=(ctx.lang.other().tag()) {
                                (ctx.t("lang-switch"))
                            }
                            @if user.is_some() {
                                button.mute type="button" hidden aria-pressed="false"
                                    data-on=(ctx.t("popup-sound-on")) data-off=(ctx.t("popup-sound-off")) {
                                    (ctx.t("popup-sound-on"))
                                }
                                form.logout method="post" action="/logout" {
                                    button type="submit" { (ctx.t("nav-logout")) }
                                }
                            }
                        }
                    }
                    @if let Some(u) = user {
                        (navigation(ctx, u, nav))
                    }
                }
                @if user.is_some() {
                    div #popups.popups aria-live="polite" data-new=(ctx.t("popup-new")) data-kinds=(popup_kinds(ctx))
                        data-open=(ctx.t("popup-open")) data-dismiss=(ctx.t("popup-dismiss")) {}
                }
                main #main.wide[nav == Nav::Command] tabindex="-1" {
                    h1 { (title) }
                    (body)
                }
                footer.foot { p { (app) " · " (ctx.t("app-tagline")) } }
            }
        }
    }
}

/// Headings of pop-ups by the notice's kind, for the script.
fn popup_kinds(ctx: &Ctx) -> String {
    let kinds: serde_json::Map<String, serde_json::Value> = [
        ("new_order", "popup-kind-new_order"),
        ("reassigned", "popup-kind-reassigned"),
        ("escalated", "popup-kind-escalated"),
        ("reopened", "popup-kind-reopened"),
        ("summoned", "popup-kind-summoned"),
        ("returned", "popup-kind-returned"),
    ]
    .into_iter()
    .map(|(kind, key)| (kind.to_owned(), ctx.t(key).into()))
    .collect();
    serde_json::Value::Object(kinds).to_string()
}

fn navigation(ctx: &Ctx, user: &AuthUser, current: Nav) -> Markup {
    let mut items = vec![
        (Nav::Home, "/", "nav-home"),
        (Nav::Command, "/command", "nav-command"),
        (Nav::Regions, "/regions", "nav-regions"),
    ];
    if user.role.reads_residents() {
        items.push((Nav::People, "/people", "nav-people"));
    }
    items.push((Nav::Places, "/places", "nav-places"));
    items.push((Nav::Orders, "/orders", "nav-orders"));
    items.push((Nav::Party, "/party", "nav-party"));
    items.push((Nav::Coop, "/coop", "nav-coop"));
    if user.role != shequ_domain::Role::DistrictOrganiser {
        items.push((Nav::Assess, "/assess", "nav-assess"));
    }
    items.push((Nav::Circle, "/circle", "nav-circle"));
    if user.role != shequ_domain::Role::DistrictOrganiser {
        items.push((Nav::My, "/my", "nav-my"));
    }
    // Operations (categories and routing, duty roster; alert rules and
    // devices join here) for those who run the street.
    if user.role.runs_command_centre() {
        items.push((Nav::Operations, "/ops", "nav-ops"));
    }
    if user.role.manages_accounts() {
        items.push((Nav::Users, "/admin/users", "nav-users"));
        items.push((Nav::AccessLog, "/admin/access-log", "nav-access-log"));
    }
    html! {
        nav.main-nav aria-label=(ctx.t("nav-label")) {
            ul {
                @for (which, href, key) in items {
                    li {
                        @if which == current {
                            a href=(href) aria-current="page" { (ctx.t(key)) }
                        } @else {
                            a href=(href) { (ctx.t(key)) }
                        }
                    }
                }
                li { a href="/api/docs" { (ctx.t("nav-api-docs")) } }
            }
        }
    }
}

/// The page shown for a failed request, in the visitor's language.
pub fn error_page(ctx: &Ctx, user: Option<&AuthUser>, status: StatusCode, code: &str) -> Markup {
    let title = match status {
        StatusCode::FORBIDDEN => ctx.t("error-title-forbidden"),
        StatusCode::NOT_FOUND => ctx.t("error-title-not-found"),
        StatusCode::TOO_MANY_REQUESTS => ctx.t("error-title-too-many"),
        s if s.is_client_error() => ctx.t("error-title-bad-request"),
        _ => ctx.t("error-title-server"),
    };
    let key = format!("error-{code}");
    let message = if ctx.i18n.has(ctx.lang, &key) {
        ctx.t(&key)
    } else if code.ends_with("_not_found") || status == StatusCode::NOT_FOUND {
        ctx.t("error-not_found")
    } else if status.is_server_error() {
        ctx.t("error-internal_error")
    } else {
        ctx.t("error-generic")
    };
    let body = html! {
        div.notice.notice-error role="alert" {
            p { (message) }
            p.code { (ctx.t("error-code")) " " code { (code) } " · " (status.as_u16()) }
        }
        p.actions {
            a.button href="/" { (ctx.t("error-home")) }
        }
    };
    page(ctx, user, Nav::None, &title, body)
}

/// "Page 2 of 7" with previous/next links that keep the other filters.
pub fn pager(
    ctx: &Ctx,
    base: &str,
    params: &[(&str, String)],
    page: u32,
    page_size: u32,
    total: i64,
) -> Markup {
    let pages =
        u32::try_from((total.max(0) + i64::from(page_size) - 1) / i64::from(page_size.max(1)))
            .unwrap_or(u32::MAX)
            .max(1);
    let href = |p: u32| {
        let mut q: Vec<String> = params
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", enc(v)))
            .collect();
        if p > 1 {
            q.push(format!("page={p}"));
        }
        if q.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", q.join("&"))
        }
    };
    html! {
        nav.pager aria-label=(ctx.t("pager-label")) {
            @if page > 1 {
                a rel="prev" href=(href(page - 1)) { "‹ " (ctx.t("pager-prev")) }
            }
            span.pager-pos {
                (ctx.t_args("pager-position", &[("page", FluentValue::from(page)), ("pages", FluentValue::from(pages))]))
            }
            @if page < pages {
                a rel="next" href=(href(page + 1)) { (ctx.t("pager-next")) " ›" }
            }
        }
    }
}

/// A row of headline figures.
pub fn figures(items: &[(String, String, Option<String>)]) -> Markup {
    html! {
        ul.figures {
            @for (label, value, href) in items {
                li {
                    @if let Some(h) = href {
                        a href=(h) {
                            span.fig-value { (value) }
                            span.fig-label { (label) }
                        }
                    } @else {
                        div {
                            span.fig-value { (value) }
                            span.fig-label { (label) }
                        }
                    }
                }
            }
        }
    }
}

/// A message shown when a list has no rows.
pub fn empty(ctx: &Ctx, key: &str) -> Markup {
    html! { p.empty { (ctx.t(key)) } }
}
