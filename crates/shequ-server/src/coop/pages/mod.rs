//! The cooperation pages: the year's project list (`/coop`), the needs
//! with their ranked matches, the resources, the resident units, and the
//! projects with their steps, outcome, rating and trail.

pub mod callups;
pub mod needs;
pub mod pairs;
pub mod projects;
pub mod resources;
pub mod teams;
pub mod units;
pub mod volunteer;
pub mod year;

use maud::{Markup, html};
use shequ_domain::coop::{Category, ProjectStatus};

use crate::app::auth::{AuthUser, Principal};
use crate::app::i18n::Lang;
use crate::app::page::ctx::Ctx;

/// The caller as the service takes them.
pub(crate) fn principal(user: &AuthUser) -> Principal {
    Principal::User(Box::new(user.clone()))
}

/// Whether the page is in Chinese (the matcher's words come in both).
pub(crate) fn zh(ctx: &Ctx) -> bool {
    ctx.lang == Lang::Zh
}

/// The sub-navigation of the cooperation pages.
pub(crate) fn tabs(ctx: &Ctx, current: &str) -> Markup {
    let items = [
        ("/coop", "coop-tab-year"),
        ("/coop/needs", "coop-tab-needs"),
        ("/coop/resources", "coop-tab-resources"),
        ("/coop/projects", "coop-tab-projects"),
        ("/coop/units", "coop-tab-units"),
        ("/coop/teams", "coop-tab-teams"),
        ("/coop/pairs", "coop-tab-pairs"),
        ("/coop/callups", "coop-tab-callups"),
    ];
    html! {
        nav.subnav aria-label=(ctx.t("coop-tabs")) {
            ul.links.inline {
                @for (href, key) in items {
                    li {
                        @if href == current {
                            a href=(href) aria-current="page" { (ctx.t(key)) }
                        } @else {
                            a href=(href) { (ctx.t(key)) }
                        }
                    }
                }
            }
        }
    }
}

/// A category's label (助餐 elderly meals…).
pub(crate) fn category(ctx: &Ctx, code: &str) -> String {
    ctx.label("coop-category", code)
}

/// A project status as a tag.
pub(crate) fn status_tag(ctx: &Ctx, status: &str) -> Markup {
    html! { span.tag class={ "status-" (status) } { (ctx.label("coop-status", status)) } }
}

/// The category choices of a form, `selected` chosen.
pub(crate) fn category_options(ctx: &Ctx, selected: &str) -> Markup {
    html! {
        @for c in Category::ALL {
            option value=(c.as_str()) selected[c.as_str() == selected] { (category(ctx, c.as_str())) }
        }
    }
}

/// An amount with its unit (20 小时/月, 40 places…).
pub(crate) fn amount(ctx: &Ctx, n: i64, unit: &str) -> String {
    format!("{n} {}", ctx.label("coop-capunit", unit))
}

/// The statuses a project may be filtered by.
pub(crate) fn statuses() -> &'static [ProjectStatus] {
    ProjectStatus::ALL
}

/// The start and end a form shows: what was typed, or for an empty form
/// the next full hour and `hours` after it, in the street's time (what
/// the inputs are read in).
pub(crate) fn times_or_next_hour(
    core: &crate::coop::CoopState,
    starts_at: &str,
    ends_at: &str,
    hours: i64,
) -> (String, String) {
    if !starts_at.is_empty() {
        return (starts_at.to_owned(), ends_at.to_owned());
    }
    let next = (core.clock.now_ms() / 3_600_000 + 1) * 3_600_000;
    let at = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|t| {
                t.with_timezone(&core.tz)
                    .format("%Y-%m-%dT%H:%M")
                    .to_string()
            })
            .unwrap_or_default()
    };
    (at(next), at(next + hours * 3_600_000))
}
