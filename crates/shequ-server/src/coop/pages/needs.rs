//! `/coop/needs`: the needs list (需求清单) of a year with the form that
//! raises one; `/coop/needs/{id}`: one need — who it serves, the work
//! orders it came from, its projects, and the resources ranked for it,
//! each with its score in words and a form to confirm it as a project.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use shequ_domain::coop::Urgency;

use super::{category, category_options, principal, status_tag, tabs, zh};
use crate::app::error::AppError;
use crate::app::page::ctx::{PageError, PageResult, Viewer, enc};
use crate::app::page::layout::{Nav, empty, page};
use crate::app::page::refusal::{refusal, shown_on_form};
use crate::coop::CoopState;
use crate::coop::service::{self, NeedInput};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub year: Option<i32>,
    /// A proposal taken up: the form starts with these.
    pub title: String,
    pub raised_by: String,
    pub orders: String,
}

/// `GET /coop/needs`
pub async fn list(
    State(core): State<CoopState>,
    v: Viewer,
    Query(q): Query<ListQuery>,
) -> PageResult<Markup> {
    let year = service::year_or_this(&core, q.year);
    let form = NeedInput {
        title: q.title,
        raised_by: q.raised_by,
        orders: q.orders,
        ..NeedInput::default()
    };
    render_list(&core, &v, year, &form, None).await
}

async fn render_list(
    core: &CoopState,
    v: &Viewer,
    year: i32,
    form: &NeedInput,
    refused: Option<&AppError>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let who = principal(&v.user);
    let needs = service::needs(core, &who, year).await?;
    let proposals = service::proposals(core, &who).await?;
    let body = html! {
        (tabs(ctx, "/coop/needs"))
        p.muted { (ctx.t("coop-needs-intro")) }
        @if needs.is_empty() {
            (empty(ctx, "coop-needs-none"))
        } @else {
            div.table-wrap { table.cards {
                thead { tr {
                    th { (ctx.t("coop-need")) } th { (ctx.t("coop-neighbourhood")) }
                    th { (ctx.t("coop-category")) } th { (ctx.t("coop-urgency")) }
                    th { (ctx.t("coop-beneficiaries")) } th { (ctx.t("coop-window")) }
                    th { (ctx.t("coop-projects")) }
                } }
                tbody { @for n in &needs { tr {
                    td data-label=(ctx.t("coop-need")) { a href={ "/coop/needs/" (n.id) } { (n.title) } br; small.muted { (n.code) } }
                    td data-label=(ctx.t("coop-neighbourhood")) { (n.neighbourhood.as_deref().unwrap_or(&n.region_name)) }
                    td data-label=(ctx.t("coop-category")) { (category(ctx, &n.category)) }
                    td data-label=(ctx.t("coop-urgency")) { span.tag { (ctx.label("coop-urgency", &n.urgency)) } }
                    td data-label=(ctx.t("coop-beneficiaries")) { (n.beneficiaries) " " (n.beneficiary_count) }
                    td data-label=(ctx.t("coop-window")) { (n.starts_on) "~" (n.ends_on) }
                    td data-label=(ctx.t("coop-projects")) { (n.projects) }
                } } }
            } }
        }
        @if !proposals.is_empty() {
            h2 #proposals { (ctx.t("coop-proposals")) }
            p.muted { (ctx.t_args("coop-proposals-intro", &[("days", service::RECURRING_DAYS.into()), ("min", (service::RECURRING_MIN as u32).into())])) }
            ul #proposed { @for p in &proposals {
                @let name = if zh(ctx) { &p.category_name.0 } else { &p.category_name.1 };
                li {
                    (p.neighbourhood) " · " (name) " · "
                    (ctx.t_args("coop-proposal-orders", &[("n", (p.order_ids.len() as u32).into())]))
                    @if service::may_write(&who) {
                        " · " a href={ "/coop/needs?title=" (enc(&format!("{}{}", p.neighbourhood, name)))
                            "&raised_by=" (enc(&p.neighbourhood))
                            "&orders=" (p.order_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","))
                            "#raise" } { (ctx.t("coop-proposal-take")) }
                    }
                }
            } }
        }
        @if service::may_write(&who) {
            h2 #raise { (ctx.t("coop-raise")) }
            @if let Some(e) = refused { (refusal(ctx, e)) }
            (need_form(ctx, form))
        }
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::Coop,
        &format!("{} · {year}", ctx.t("coop-title-needs")),
        body,
    ))
}

fn need_form(ctx: &crate::app::page::ctx::Ctx, f: &NeedInput) -> Markup {
    html! {
        form.stack method="post" action="/coop/needs" {
            div.field { label for="n-title" { (ctx.t("coop-need-title")) }
                input #n-title name="title" value=(f.title) required; }
            div.field { label for="n-category" { (ctx.t("coop-category")) }
                select #n-category name="category" { (category_options(ctx, &f.category)) } }
            div.field { label for="n-place" { (ctx.t("coop-place")) }
                p.muted #n-place-hint { (ctx.t("coop-place-hint")) }
                input #n-place name="place" value=(f.place) aria-describedby="n-place-hint" required; }
            div.field { label for="n-raised" { (ctx.t("coop-raised-by")) }
                input #n-raised name="raised_by" value=(f.raised_by) required; }
            div.field { label for="n-ben" { (ctx.t("coop-beneficiaries")) }
                input #n-ben name="beneficiaries" value=(f.beneficiaries) placeholder=(ctx.t("coop-beneficiaries-hint")); }
            div.field { label for="n-count" { (ctx.t("coop-beneficiary-count")) }
                input #n-count name="beneficiary_count" inputmode="numeric" value=(f.beneficiary_count); }
            div.field { label for="n-wanted" { (ctx.t("coop-wanted")) }
                p.muted #n-wanted-hint { (ctx.t("coop-wanted-hint")) }
                input #n-wanted name="wanted" inputmode="numeric" value=(f.wanted) aria-describedby="n-wanted-hint"; }
            div.field { label for="n-start" { (ctx.t("coop-starts-on")) }
                input #n-start name="starts_on" type="date" value=(f.starts_on) required; }
            div.field { label for="n-end" { (ctx.t("coop-ends-on")) }
                input #n-end name="ends_on" type="date" value=(f.ends_on) required; }
            div.field { label for="n-urgency" { (ctx.t("coop-urgency")) }
                select #n-urgency name="urgency" { @for u in Urgency::ALL {
                    option value=(u.as_str()) selected[u.as_str() == f.urgency || (f.urgency.is_empty() && *u == Urgency::Normal)] {
                        (ctx.label("coop-urgency", u.as_str()))
                    }
                } } }
            div.field { label for="n-orders" { (ctx.t("coop-orders")) }
                p.muted #n-orders-hint { (ctx.t("coop-orders-hint")) }
                input #n-orders name="orders" value=(f.orders) aria-describedby="n-orders-hint"; }
            div.field { label for="n-detail" { (ctx.t("coop-detail")) }
                textarea #n-detail name="detail" rows="3" { (f.detail) } }
            button.primary type="submit" { (ctx.t("coop-raise-submit")) }
        }
    }
}

/// `POST /coop/needs`
pub async fn save(
    State(core): State<CoopState>,
    v: Viewer,
    Form(f): Form<NeedInput>,
) -> PageResult<Response> {
    match service::save_need(&core, &principal(&v.user), &f).await {
        Ok((id, _)) => Ok(Redirect::to(&format!("/coop/needs/{id}")).into_response()),
        Err(e) if shown_on_form(&e) => {
            let status = e.status();
            let year = service::year_or_this(&core, None);
            Ok((status, render_list(&core, &v, year, &f, Some(&e)).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

/// `GET /coop/needs/{id}`
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
    let d = service::need(core, &who, id).await?;
    let n = &d.need;
    let writes = service::may_write(&who);
    let body = html! {
        (tabs(ctx, "/coop/needs"))
        dl.facts {
            dt { (ctx.t("coop-code")) } dd { (n.code) }
            dt { (ctx.t("coop-category")) } dd { (category(ctx, &n.category)) }
            dt { (ctx.t("coop-urgency")) } dd { span.tag { (ctx.label("coop-urgency", &n.urgency)) } }
            dt { (ctx.t("coop-place")) } dd { (n.place_name) " · " (n.region_name) }
            dt { (ctx.t("coop-raised-by")) } dd { (n.raised_by) }
            dt { (ctx.t("coop-beneficiaries")) } dd { (n.beneficiaries) " " (n.beneficiary_count) }
            dt { (ctx.t("coop-wanted")) } dd { @if n.wanted > 0 { (n.wanted) } @else { "—" } }
            dt { (ctx.t("coop-window")) } dd { (n.starts_on) "~" (n.ends_on) }
            @if !n.detail.is_empty() { dt { (ctx.t("coop-detail")) } dd { (n.detail) } }
            @if !d.orders.is_empty() {
                dt { (ctx.t("coop-orders")) }
                dd { @for o in &d.orders { a href={ "/orders/" (o) } { "#" (o) } " " } }
            }
        }
        h2 { (ctx.t("coop-projects")) }
        @if d.projects.is_empty() {
            (empty(ctx, "coop-projects-none"))
        } @else {
            ul { @for p in &d.projects {
                li { a href={ "/coop/projects/" (p.id) } { (p.title) } " " (status_tag(ctx, &p.status)) " · " (p.owner) }
            } }
        }
        h2 #matches { (ctx.t("coop-matches")) }
        p.muted { (ctx.t("coop-matches-intro")) }
        @if let Some(e) = refused { (refusal(ctx, e)) }
        @if d.matches.is_empty() {
            (empty(ctx, "coop-no-match"))
        } @else {
            ol.matches { @for m in &d.matches { li.match {
                p {
                    strong { a href={ "/coop/resources/" (m.resource.id) } { (m.resource.title) } }
                    " · " (m.resource.unit_name) " · "
                    span.points { (m.fit.points) } " / 1000"
                }
                p.explain { (m.explain(zh(ctx))) }
                @if writes {
                    form.inline method="post" action={ "/coop/needs/" (n.id) "/confirm" } {
                        input type="hidden" name="resource_id" value=(m.resource.id);
                        label { (ctx.t("coop-amount")) " "
                            input name="amount" inputmode="numeric" size="5" value=(m.default_amount(n)); }
                        " "
                        label { (ctx.t("coop-owner")) " "
                            input name="owner" size="10" value=(v.user.user.display_name); }
                        " "
                        button type="submit" { (ctx.t("coop-confirm")) }
                    }
                }
            } } }
        }
    };
    Ok(page(ctx, Some(&v.user), Nav::Coop, &n.title, body))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConfirmForm {
    pub resource_id: i64,
    pub amount: String,
    pub owner: String,
}

/// `POST /coop/needs/{id}/confirm`: a match becomes a proposed project.
pub async fn confirm(
    State(core): State<CoopState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<ConfirmForm>,
) -> PageResult<Response> {
    let who = principal(&v.user);
    let amount = match f.amount.trim() {
        "" => None,
        a => match a.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                let e = AppError::unprocessable(
                    "amount",
                    shequ_domain::Code::CoopCapacity,
                    format!("{a:?} is not a whole number"),
                );
                return Ok((e.status(), render(&core, &v, id, Some(&e)).await?).into_response());
            }
        },
    };
    match service::confirm_match(&core, &who, id, f.resource_id, amount, &f.owner).await {
        Ok(project) => Ok(Redirect::to(&format!("/coop/projects/{project}")).into_response()),
        Err(e) if shown_on_form(&e) => {
            let status = e.status();
            Ok((status, render(&core, &v, id, Some(&e)).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}
