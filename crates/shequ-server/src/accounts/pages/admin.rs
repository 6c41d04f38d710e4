//! Administrators' pages: the accounts in their scope and the access log
//! (who saw whose full numbers, and who was refused, when and why).

use axum::extract::{Query, State};
use fluent_bundle::FluentValue;
use maud::{Markup, html};
use serde::Deserialize;
use shequ_domain::Role;
use shequ_store::Paging;

use crate::accounts::AccountsState;
use crate::app::page::ctx::PageResult;
use crate::app::page::ctx::Viewer;
use crate::app::page::layout::Nav;
use crate::app::page::layout::empty;
use crate::app::page::layout::page;
use crate::app::page::layout::pager;

const PAGE_SIZE: u32 = 50;

/// `?page=` as text.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PageParam {
    pub page: String,
}

/// `GET /admin/users`
pub async fn users(
    State(state): State<AccountsState>,
    v: Viewer,
    Query(q): Query<PageParam>,
) -> PageResult<Markup> {
    v.user.require_role(Role::manages_accounts)?;
    let ctx = &v.ctx;
    let found = state
        .store
        .users_in(
            &v.user.scope,
            Paging::new(q.page.trim().parse().ok(), Some(PAGE_SIZE)),
        )
        .await?;
    let body = html! {
        p.result-count { (ctx.t_args("users-total", &[("count", FluentValue::from(found.total))])) }
        @if found.items.is_empty() {
            (empty(ctx, "users-none"))
        } @else {
            div.table-wrap {
                table.cards {
                    thead { tr {
                        th scope="col" { (ctx.t("user-username")) }
                        th scope="col" { (ctx.t("user-display-name")) }
                        th scope="col" { (ctx.t("user-role")) }
                        th scope="col" { (ctx.t("user-region")) }
                        th scope="col" { (ctx.t("user-status")) }
                    } }
                    tbody {
                        @for u in &found.items {
                            tr {
                                td.num data-label=(ctx.t("user-username")) { (u.username) }
                                td data-label=(ctx.t("user-display-name")) { (u.display_name) }
                                td data-label=(ctx.t("user-role")) { (ctx.label("role", &u.role)) }
                                td data-label=(ctx.t("user-region")) { a href={ "/regions/" (u.region_code) } { (u.region_name) } }
                                td data-label=(ctx.t("user-status")) {
                                    @if u.disabled { span.tag.tag-warn { (ctx.t("user-disabled")) } }
                                    @else { (ctx.t("user-active")) }
                                }
                            }
                        }
                    }
                }
            }
            (pager(ctx, "/admin/users", &[], found.page, found.page_size, found.total))
        }
        p.muted.small { (ctx.t("users-api-note")) }
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::Users,
        &ctx.t("users-title"),
        body,
    ))
}

/// `GET /admin/access-log`, newest first.
pub async fn access_log(
    State(state): State<AccountsState>,
    v: Viewer,
    Query(q): Query<PageParam>,
) -> PageResult<Markup> {
    v.user.require_role(Role::manages_accounts)?;
    let ctx = &v.ctx;
    let found = state
        .store
        .access_log_in(
            &v.user.scope,
            Paging::new(q.page.trim().parse().ok(), Some(PAGE_SIZE)),
        )
        .await?;
    let body = html! {
        p.muted { (ctx.t("access-intro")) }
        p.result-count { (ctx.t_args("access-total", &[("count", FluentValue::from(found.total))])) }
        @if found.items.is_empty() {
            (empty(ctx, "access-none"))
        } @else {
            div.table-wrap {
                table.cards {
                    thead { tr {
                        th scope="col" { (ctx.t("access-at")) }
                        th scope="col" { (ctx.t("access-actor")) }
                        th scope="col" { (ctx.t("access-col-action")) }
                        th scope="col" { (ctx.t("access-subject")) }
                        th scope="col" { (ctx.t("access-fields")) }
                        th scope="col" { (ctx.t("access-reason")) }
                        th scope="col" { (ctx.t("access-address")) }
                    } }
                    tbody {
                        @for e in &found.items {
                            tr {
                                td.num data-label=(ctx.t("access-at")) { time { (ctx.time(e.at)) } }
                                td.num data-label=(ctx.t("access-actor")) { (e.actor_username) }
                                td data-label=(ctx.t("access-col-action")) {
                                    span.tag.tag-warn[e.action == "denied"] { (ctx.label("access-action", &e.action)) }
                                }
                                td data-label=(ctx.t("access-subject")) {
                                    @match e.subject_kind.as_str() {
                                        "person" => a href={ "/people/" (e.subject_id) } { (ctx.label("access-kind", &e.subject_kind)) " #" (e.subject_id) },
                                        "region" => a href={ "/regions/" (e.subject_id) } { (ctx.label("access-kind", &e.subject_kind)) " " (e.subject_id) },
                                        _ => { (ctx.label("access-kind", &e.subject_kind)) " " (e.subject_id) },
                                    }
                                }
                                td data-label=(ctx.t("access-fields")) {
                                    @for (i, f) in e.fields.split(',').filter(|f| !f.is_empty()).enumerate() {
                                        @if i > 0 { (ctx.t("list-sep")) }
                                        (ctx.label("field", f))
                                    }
                                }
                                td data-label=(ctx.t("access-reason")) { (e.reason) }
                                td.num data-label=(ctx.t("access-address")) { (e.remote_addr.as_deref().unwrap_or("–")) }
                            }
                        }
                    }
                }
            }
            (pager(ctx, "/admin/access-log", &[], found.page, found.page_size, found.total))
        }
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::AccessLog,
        &ctx.t("access-title"),
        body,
    ))
}
