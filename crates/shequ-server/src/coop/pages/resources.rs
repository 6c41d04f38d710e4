//! `/coop/resources`: the resources list (资源清单) of the user's area —
//! what each unit offers, how much of it projects have taken, and its
//! rating — with the form that offers one; `/coop/resources/{id}`: one
//! resource with the projects it serves.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use shequ_domain::coop::CapacityUnit;

use super::{amount, category, category_options, principal, status_tag, tabs};
use crate::app::error::AppError;
use crate::app::page::ctx::{Ctx, PageError, PageResult, Viewer};
use crate::app::page::layout::{Nav, empty, page};
use crate::app::page::refusal::{refusal, shown_on_form};
use crate::coop::CoopState;
use crate::coop::service::{self, ResourceInput};

fn rating(ctx: &Ctx, sum: i64, count: i64) -> String {
    if count == 0 {
        ctx.t("coop-unrated")
    } else {
        format!("{:.1} ({count})", sum as f64 / count as f64)
    }
}

/// `GET /coop/resources`
pub async fn list(State(core): State<CoopState>, v: Viewer) -> PageResult<Markup> {
    render_list(&core, &v, &ResourceInput::default(), None).await
}

async fn render_list(
    core: &CoopState,
    v: &Viewer,
    f: &ResourceInput,
    refused: Option<&AppError>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let who = principal(&v.user);
    let rows = service::resources(core, &who).await?;
    let units = service::units(core, &who).await?;
    let body = html! {
        (tabs(ctx, "/coop/resources"))
        p.muted { (ctx.t("coop-resources-intro")) }
        @if rows.is_empty() {
            (empty(ctx, "coop-resources-none"))
        } @else {
            div.table-wrap { table.cards {
                thead { tr {
                    th { (ctx.t("coop-resource")) } th { (ctx.t("coop-unit")) }
                    th { (ctx.t("coop-category")) } th { (ctx.t("coop-capacity")) }
                    th { (ctx.t("coop-left")) } th { (ctx.t("coop-rating")) }
                } }
                tbody { @for r in &rows { tr {
                    td data-label=(ctx.t("coop-resource")) { a href={ "/coop/resources/" (r.id) } { (r.title) } br; small.muted { (r.code) } }
                    td data-label=(ctx.t("coop-unit")) { a href={ "/coop/units/" (r.unit_id) } { (r.unit_name) } }
                    td data-label=(ctx.t("coop-category")) { (category(ctx, &r.category)) }
                    td data-label=(ctx.t("coop-capacity")) { (amount(ctx, r.capacity, &r.capacity_unit)) }
                    td data-label=(ctx.t("coop-left")) { (r.remaining()) }
                    td data-label=(ctx.t("coop-rating")) { (rating(ctx, r.rating_sum, r.rating_count)) }
                } } }
            } }
        }
        @if service::may_write(&who) && !units.is_empty() {
            h2 #offer { (ctx.t("coop-offer")) }
            @if let Some(e) = refused { (refusal(ctx, e)) }
            form.stack method="post" action="/coop/resources" {
                div.field { label for="r-title" { (ctx.t("coop-resource-title")) }
                    input #r-title name="title" value=(f.title) required; }
                div.field { label for="r-unit" { (ctx.t("coop-unit")) }
                    select #r-unit name="unit" { @for u in &units {
                        option value=(u.code) selected[u.code == f.unit] { (u.name) }
                    } } }
                div.field { label for="r-category" { (ctx.t("coop-category")) }
                    select #r-category name="category" { (category_options(ctx, &f.category)) } }
                div.field { label for="r-capacity" { (ctx.t("coop-capacity")) }
                    input #r-capacity name="capacity" inputmode="numeric" value=(f.capacity) required; }
                div.field { label for="r-unit-of" { (ctx.t("coop-capacity-unit")) }
                    select #r-unit-of name="capacity_unit" { @for c in CapacityUnit::ALL {
                        option value=(c.as_str()) selected[c.as_str() == f.capacity_unit] { (ctx.label("coop-capunit", c.as_str())) }
                    } } }
                div.field { label for="r-windows" { (ctx.t("coop-windows")) }
                    p.muted #r-windows-hint { (ctx.t("coop-windows-hint")) }
                    textarea #r-windows name="windows" rows="3" aria-describedby="r-windows-hint" placeholder="2026-03-01~2026-06-30" { (f.windows) } }
                div.field { label for="r-detail" { (ctx.t("coop-detail")) }
                    textarea #r-detail name="detail" rows="2" { (f.detail) } }
                button.primary type="submit" { (ctx.t("coop-offer-submit")) }
            }
        }
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::Coop,
        &ctx.t("coop-title-resources"),
        body,
    ))
}

/// `POST /coop/resources`
pub async fn save(
    State(core): State<CoopState>,
    v: Viewer,
    Form(f): Form<ResourceInput>,
) -> PageResult<Response> {
    match service::save_resource(&core, &principal(&v.user), &f).await {
        Ok((id, _)) => Ok(Redirect::to(&format!("/coop/resources/{id}")).into_response()),
        Err(e) if shown_on_form(&e) => {
            let status = e.status();
            Ok((status, render_list(&core, &v, &f, Some(&e)).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

/// `GET /coop/resources/{id}`
pub async fn show(
    State(core): State<CoopState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let who = principal(&v.user);
    let d = service::resource(&core, &who, id).await?;
    let r = &d.resource;
    let windows = r.windows().map_err(|e| PageError(e.into()))?;
    let body = html! {
        (tabs(ctx, "/coop/resources"))
        dl.facts {
            dt { (ctx.t("coop-code")) } dd { (r.code) }
            dt { (ctx.t("coop-unit")) } dd { a href={ "/coop/units/" (r.unit_id) } { (r.unit_name) } }
            dt { (ctx.t("coop-category")) } dd { (category(ctx, &r.category)) }
            dt { (ctx.t("coop-capacity")) } dd { (amount(ctx, r.capacity, &r.capacity_unit)) }
            dt { (ctx.t("coop-committed")) } dd { (r.committed) }
            dt { (ctx.t("coop-left")) } dd { (r.remaining()) }
            dt { (ctx.t("coop-windows")) } dd {
                @if windows.is_empty() { (ctx.t("coop-any-time")) }
                @else { (service::windows_text(&windows)) }
            }
            dt { (ctx.t("coop-rating")) } dd { (rating(ctx, r.rating_sum, r.rating_count)) }
            @if !r.detail.is_empty() { dt { (ctx.t("coop-detail")) } dd { (r.detail) } }
        }
        h2 { (ctx.t("coop-projects")) }
        @if d.projects.is_empty() {
            (empty(ctx, "coop-projects-none"))
        } @else {
            ul { @for p in &d.projects {
                li { a href={ "/coop/projects/" (p.id) } { (p.title) } " " (status_tag(ctx, &p.status)) " · " (p.need_title) }
            } }
        }
    };
    Ok(page(ctx, Some(&v.user), Nav::Coop, &r.title, body))
}
