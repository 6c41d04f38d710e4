//! `/coop/projects`: the projects list (项目清单) of a year, by status;
//! `/coop/projects/{id}`: one project — its need, what it takes of each
//! resource, its steps (proposed → agreed → running → done, or dropped
//! with a reason), its outcome, the needing side's rating, and the trail
//! of every change.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use shequ_domain::coop::ProjectStatus;

use super::{amount, category, principal, status_tag, statuses, tabs};
use crate::app::error::AppError;
use crate::app::page::ctx::{PageError, PageResult, Viewer};
use crate::app::page::layout::{Nav, empty, page};
use crate::app::page::refusal::{refusal, shown_on_form};
use crate::coop::CoopState;
use crate::coop::service::{self, OutcomeInput};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub year: Option<i32>,
    pub status: String,
}

/// `GET /coop/projects`
pub async fn list(
    State(core): State<CoopState>,
    v: Viewer,
    Query(q): Query<ListQuery>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let who = principal(&v.user);
    let year = service::year_or_this(&core, q.year);
    let status = ProjectStatus::parse(&q.status).ok();
    let rows = service::projects(&core, &who, year, status).await?;
    let body = html! {
        (tabs(ctx, "/coop/projects"))
        form.inline method="get" action="/coop/projects" {
            label { (ctx.t("coop-year")) " " input name="year" inputmode="numeric" size="5" value=(year); }
            " "
            label { (ctx.t("coop-status")) " "
                select name="status" {
                    option value="" { (ctx.t("coop-status-any")) }
                    @for s in statuses() {
                        option value=(s.as_str()) selected[status == Some(*s)] { (ctx.label("coop-status", s.as_str())) }
                    }
                } }
            " "
            button type="submit" { (ctx.t("coop-filter")) }
        }
        @if rows.is_empty() {
            (empty(ctx, "coop-projects-none"))
        } @else {
            div.table-wrap { table.cards {
                thead { tr {
                    th { (ctx.t("coop-project")) } th { (ctx.t("coop-need")) }
                    th { (ctx.t("coop-category")) } th { (ctx.t("coop-owner")) }
                    th { (ctx.t("coop-status")) } th { (ctx.t("coop-rating")) }
                } }
                tbody { @for p in &rows { tr {
                    td data-label=(ctx.t("coop-project")) { a href={ "/coop/projects/" (p.id) } { (p.title) } }
                    td data-label=(ctx.t("coop-need")) { a href={ "/coop/needs/" (p.need_id) } { (p.need_code) } }
                    td data-label=(ctx.t("coop-category")) { (category(ctx, &p.category)) }
                    td data-label=(ctx.t("coop-owner")) { (p.owner) }
                    td data-label=(ctx.t("coop-status")) { (status_tag(ctx, &p.status)) }
                    td data-label=(ctx.t("coop-rating")) { @if let Some(r) = p.rating { (r) " / 5" } @else { "—" } }
                } } }
            } }
        }
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::Coop,
        &format!("{} · {year}", ctx.t("coop-title-projects")),
        body,
    ))
}

/// `GET /coop/projects/{id}`
pub async fn show(
    State(core): State<CoopState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> PageResult<Markup> {
    render(&core, &v, id, None).await
}

async fn render(
    core: &CoopState,
    v: &Viewer,
    id: i64,
    refused: Option<&AppError>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let who = principal(&v.user);
    let d = service::project(core, &who, id).await?;
    let p = &d.project;
    let status = ProjectStatus::parse(&p.status)
        .map_err(|e| PageError(AppError::Internal(anyhow::anyhow!("{e}"))))?;
    let next: Vec<ProjectStatus> = ProjectStatus::ALL
        .iter()
        .copied()
        .filter(|to| *to != ProjectStatus::Dropped && status.step(*to).is_ok())
        .collect();
    let writes = service::may_write(&who);
    let body = html! {
        (tabs(ctx, "/coop/projects"))
        @if let Some(e) = refused { (refusal(ctx, e)) }
        dl.facts {
            dt { (ctx.t("coop-status")) } dd #project-status { (status_tag(ctx, &p.status)) }
            dt { (ctx.t("coop-need")) } dd { a href={ "/coop/needs/" (p.need_id) } { (p.need_title) } " · " (p.need_code) }
            dt { (ctx.t("coop-category")) } dd { (category(ctx, &p.category)) }
            dt { (ctx.t("coop-owner")) } dd { (p.owner) }
            dt { (ctx.t("coop-window")) } dd { (p.starts_on) "~" (p.ends_on) }
            dt { (ctx.t("coop-participants")) } dd { (p.participants) }
            dt { (ctx.t("coop-beneficiaries")) } dd { (p.beneficiaries) }
            @if !p.outcome.is_empty() { dt { (ctx.t("coop-outcome")) } dd { (p.outcome) } }
            @if let Some(r) = &p.drop_reason { dt { (ctx.t("coop-drop-reason")) } dd { (r) } }
            @if let Some(r) = p.rating {
                dt { (ctx.t("coop-rating")) } dd #project-rating { (r) " / 5" @if let Some(n) = p.rating_note.as_deref().filter(|n| !n.is_empty()) { " · " (n) } }
            }
            @if let Some(dec) = p.decision_id { dt { (ctx.t("coop-decision")) } dd { "#" (dec) } }
        }
        h2 { (ctx.t("coop-takes")) }
        ul { @for r in &d.resources {
            li { a href={ "/coop/resources/" (r.resource_id) } { (r.resource_title) } " · " (r.unit_name)
                 " · " (amount(ctx, r.amount, &r.capacity_unit)) }
        } }
        @if writes && !status.is_final() {
            h2 { (ctx.t("coop-steps")) }
            @for to in &next {
                form.inline method="post" action={ "/coop/projects/" (p.id) "/step" } {
                    input type="hidden" name="status" value=(to.as_str());
                    button.primary type="submit" { (ctx.label("coop-step", to.as_str())) }
                }
                " "
            }
            form.inline method="post" action={ "/coop/projects/" (p.id) "/step" } {
                input type="hidden" name="status" value="dropped";
                label { (ctx.t("coop-drop-reason")) " " input name="reason" size="20"; }
                " "
                button type="submit" { (ctx.label("coop-step", "dropped")) }
            }
        }
        @if writes && status != ProjectStatus::Dropped {
            h2 { (ctx.t("coop-record-outcome")) }
            form.stack method="post" action={ "/coop/projects/" (p.id) "/outcome" } {
                div.field { label for="o-owner" { (ctx.t("coop-owner")) } input #o-owner name="owner" value=(p.owner) required; }
                div.field { label for="o-part" { (ctx.t("coop-participants")) } input #o-part name="participants" inputmode="numeric" value=(p.participants); }
                div.field { label for="o-ben" { (ctx.t("coop-beneficiaries")) } input #o-ben name="beneficiaries" inputmode="numeric" value=(p.beneficiaries); }
                div.field { label for="o-outcome" { (ctx.t("coop-outcome")) } textarea #o-outcome name="outcome" rows="3" { (p.outcome) } }
                button type="submit" { (ctx.t("coop-save")) }
            }
        }
        @if writes && status == ProjectStatus::Done {
            h2 { (ctx.t("coop-rate")) }
            p.muted { (ctx.t("coop-rate-intro")) }
            form.inline method="post" action={ "/coop/projects/" (p.id) "/rating" } {
                label { (ctx.t("coop-rating")) " "
                    select name="rating" { @for n in (1..=5).rev() {
                        option value=(n) selected[p.rating == Some(n)] { (n) }
                    } } }
                " "
                label { (ctx.t("coop-rating-note")) " " input name="note" size="24" value=(p.rating_note.as_deref().unwrap_or("")); }
                " "
                button.primary type="submit" { (ctx.t("coop-rate-submit")) }
            }
        }
        h2 { (ctx.t("coop-trail")) }
        ol.trail { @for c in &d.changes {
            li { (ctx.time(c.at)) " · " (ctx.label("coop-action", &c.action)) " · " (c.actor) }
        } }
    };
    Ok(page(ctx, Some(&v.user), Nav::Coop, &p.title, body))
}

/// Renders the outcome of a change: back to the project, or the project
/// with the refusal.
async fn after(
    core: &CoopState,
    v: &Viewer,
    id: i64,
    r: Result<(), AppError>,
) -> PageResult<Response> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/coop/projects/{id}")).into_response()),
        Err(e) if shown_on_form(&e) => {
            let status = e.status();
            Ok((status, render(core, v, id, Some(&e)).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StepForm {
    pub status: String,
    pub reason: String,
}

/// `POST /coop/projects/{id}/step`
pub async fn step(
    State(core): State<CoopState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> PageResult<Response> {
    let r = service::step_project(&core, &principal(&v.user), id, &f.status, &f.reason).await;
    after(&core, &v, id, r).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RateForm {
    pub rating: String,
    pub note: String,
}

/// `POST /coop/projects/{id}/rating`
pub async fn rate(
    State(core): State<CoopState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<RateForm>,
) -> PageResult<Response> {
    let r = service::rate_project(&core, &principal(&v.user), id, &f.rating, &f.note).await;
    after(&core, &v, id, r).await
}

/// `POST /coop/projects/{id}/outcome`
pub async fn outcome(
    State(core): State<CoopState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<OutcomeInput>,
) -> PageResult<Response> {
    let r = service::update_project(&core, &principal(&v.user), id, &f).await;
    after(&core, &v, id, r).await
}
