//! `/party/members?q=`: members of the user's organisations found by the
//! beginning of their name, across the whole tree under the user (for
//! the roles that work with membership).

use axum::extract::{Query, State};
use maud::{Markup, html};
use serde::Deserialize;

use super::{principal, tabs};
use crate::app::page::ctx::{Ctx, PageResult, Viewer, enc};
use crate::app::page::layout::{Nav, page};
use crate::app::state::Core;
use crate::party::service;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    pub q: String,
}

/// The search box, on this page and the tree's.
pub(crate) fn search_box(ctx: &Ctx, q: &str) -> Markup {
    html! {
        form.search-form method="get" action="/party/members" role="search" {
            label for="f-q" { (ctx.t("party-members-search-label")) }
            input #f-q name="q" type="search" maxlength="40" value=(q);
            button type="submit" { (ctx.t("party-members-search")) }
        }
    }
}

/// `GET /party/members`
pub async fn show(
    State(core): State<Core>,
    v: Viewer,
    Query(q): Query<SearchQuery>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let found = service::search_members(&core, &principal(&v.user), &q.q).await?;
    let body = html! {
        (tabs(ctx, &v.user, ""))
        (search_box(ctx, &q.q))
        @if !q.q.trim().is_empty() {
            @if found.is_empty() {
                p.empty { (ctx.t("party-members-found-none")) }
            } @else {
                p.muted { (ctx.t_args("party-members-found", &[("count", (found.len() as i64).into())])) }
                div.table-wrap { table.cards {
                    thead { tr {
                        th { (ctx.t("person-name")) } th { (ctx.t("party-org")) }
                        th { (ctx.t("party-standing")) } th { (ctx.t("party-unit")) }
                    } }
                    tbody { @for m in &found {
                        tr {
                            td data-label=(ctx.t("person-name")) {
                                a href={ "/party/members/" (m.person_id) } { (m.name) }
                                @if m.mobile { " " span.tag { (ctx.t("party-mobile")) } }
                            }
                            td data-label=(ctx.t("party-org")) { a href={ "/party/orgs/" (enc(&m.org_code)) } { (m.org_name) } }
                            td data-label=(ctx.t("party-standing")) {
                                (ctx.label("party-standing", if m.probation_end.is_some() { "probationary" } else { "full" }))
                            }
                            td data-label=(ctx.t("party-unit")) { (m.unit) }
                        }
                    } }
                } }
            }
        }
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::Party,
        &ctx.t("party-members-search"),
        body,
    ))
}
