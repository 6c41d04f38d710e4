//! `/coop`: the year's project list (年度项目清单). Every need of the
//! year in the user's area, most urgent first, with the resource that
//! fits it best and why, and the projects already meeting it; the street
//! picks a need's best match to make it one of the year's projects (a
//! town's 158 needs become its 49 projects here).

use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::{category, principal, status_tag, tabs, zh};
use crate::app::error::AppError;
use crate::app::page::ctx::{PageError, PageResult, Viewer};
use crate::app::page::layout::{Nav, empty, figures, page};
use crate::app::page::refusal::{refusal, shown_on_form};
use crate::coop::CoopState;
use crate::coop::service;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct YearQuery {
    pub year: Option<i32>,
}

/// `GET /coop`
pub async fn show(
    State(core): State<CoopState>,
    v: Viewer,
    Query(q): Query<YearQuery>,
) -> PageResult<Markup> {
    render(&core, &v, service::year_or_this(&core, q.year), None).await
}

async fn render(
    core: &CoopState,
    v: &Viewer,
    year: i32,
    refused: Option<&AppError>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let who = principal(&v.user);
    let (lines, f) = service::year_list(core, &who, year).await?;
    let writes = service::may_write(&who);
    let body = html! {
        (tabs(ctx, "/coop"))
        p.muted { (ctx.t("coop-year-intro")) }
        nav.subnav aria-label=(ctx.t("coop-year")) {
            ul.links.inline {
                li { a href={ "/coop?year=" (year - 1) } { "← " (year - 1) } }
                li { strong { (year) } }
                li { a href={ "/coop?year=" (year + 1) } { (year + 1) " →" } }
            }
        }
        (figures(&[
            (ctx.t("coop-fig-needs"), f.needs.to_string(), Some(format!("/coop/needs?year={year}"))),
            (ctx.t("coop-fig-met"), f.met.to_string(), None),
            (ctx.t("coop-fig-unmatched"), f.unmatched.to_string(), None),
            (ctx.t("coop-fig-projects"), f.projects.to_string(), Some(format!("/coop/projects?year={year}"))),
        ]))
        @if let Some(e) = refused { (refusal(ctx, e)) }
        @if lines.is_empty() {
            (empty(ctx, "coop-needs-none"))
        } @else {
            div.table-wrap { table.cards #year-list {
                thead { tr {
                    th { (ctx.t("coop-need")) } th { (ctx.t("coop-neighbourhood")) }
                    th { (ctx.t("coop-category")) } th { (ctx.t("coop-urgency")) }
                    th { (ctx.t("coop-best-match")) } th { (ctx.t("coop-projects")) }
                } }
                tbody { @for l in &lines { tr #{ "need-" (l.need.id) } {
                    td data-label=(ctx.t("coop-need")) {
                        a href={ "/coop/needs/" (l.need.id) } { (l.need.title) }
                        br; small.muted { (l.need.code) }
                    }
                    td data-label=(ctx.t("coop-neighbourhood")) { (l.need.neighbourhood.as_deref().unwrap_or(&l.need.region_name)) }
                    td data-label=(ctx.t("coop-category")) { (category(ctx, &l.need.category)) }
                    td data-label=(ctx.t("coop-urgency")) { span.tag { (ctx.label("coop-urgency", &l.need.urgency)) } }
                    td data-label=(ctx.t("coop-best-match")) {
                        @if let Some(m) = &l.best {
                            a href={ "/coop/resources/" (m.resource.id) } { (m.resource.title) }
                            " · " (m.resource.unit_name)
                            br; small { (m.fit.points) " · " (m.explain(zh(ctx))) }
                        } @else {
                            span.muted { (ctx.t("coop-no-match")) }
                        }
                    }
                    td data-label=(ctx.t("coop-projects")) {
                        @for p in &l.projects {
                            a href={ "/coop/projects/" (p.id) } { (status_tag(ctx, &p.status)) } " "
                        }
                        @let live = l.projects.iter().any(|p| p.status != "dropped");
                        @if let (Some(m), true, false) = (&l.best, writes, live) {
                            form.inline method="post" action="/coop/pick" {
                                input type="hidden" name="need_id" value=(l.need.id);
                                input type="hidden" name="resource_id" value=(m.resource.id);
                                input type="hidden" name="year" value=(year);
                                button type="submit" { (ctx.t("coop-pick")) }
                            }
                        }
                    }
                } } }
            } }
        }
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::Coop,
        &format!("{} · {year}", ctx.t("coop-title-year")),
        body,
    ))
}

#[derive(Debug, Deserialize)]
pub struct PickForm {
    pub need_id: i64,
    pub resource_id: i64,
    pub year: Option<i32>,
}

/// `POST /coop/pick`: the need's best match becomes a proposed project.
pub async fn pick(
    State(core): State<CoopState>,
    v: Viewer,
    Form(f): Form<PickForm>,
) -> PageResult<Response> {
    let who = principal(&v.user);
    let year = service::year_or_this(&core, f.year);
    match service::confirm_match(&core, &who, f.need_id, f.resource_id, None, "").await {
        Ok(_) => Ok(Redirect::to(&format!("/coop?year={year}#need-{}", f.need_id)).into_response()),
        Err(e) if shown_on_form(&e) => {
            let status = e.status();
            Ok((status, render(&core, &v, year, Some(&e)).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}
