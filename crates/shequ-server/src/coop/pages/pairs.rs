//! `/coop/pairs`: pairing (结对帮扶) in the user's area — every pair with
//! its last visit, those overdue a visit flagged first; the households in
//! difficulty no pair looks after, each with a form to pair a cadre with
//! it; and the form that pairs two organisations. `/coop/pairs/{id}`: a
//! pair's visits and the form that logs one.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::{principal, tabs};
use crate::app::error::AppError;
use crate::app::page::ctx::{Ctx, PageError, PageResult, Viewer};
use crate::app::page::layout::{Nav, empty, figures, page};
use crate::app::page::refusal::{refusal, shown_on_form};
use crate::coop::CoopState;
use crate::coop::pairing::{self, PairInput};
use crate::coop::service;
use shequ_store::coop::PairRow;

fn helper(p: &PairRow) -> String {
    p.helper_org_name
        .clone()
        .unwrap_or_else(|| p.helper_name.clone())
}

fn helped(ctx: &Ctx, p: &PairRow) -> String {
    match (&p.helped_org_name, &p.household_code) {
        (Some(o), _) => o.clone(),
        (None, Some(h)) => format!("{} {h}", ctx.t("coop-household")),
        _ => String::new(),
    }
}

/// `GET /coop/pairs`
pub async fn list(State(core): State<CoopState>, v: Viewer) -> PageResult<Markup> {
    render_list(&core, &v, None).await
}

async fn render_list(
    core: &CoopState,
    v: &Viewer,
    refused: Option<&AppError>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let who = principal(&v.user);
    let view = pairing::pairs(core, &who).await?;
    let late = view.pairs.iter().filter(|(_, l)| *l).count();
    let mut pairs: Vec<_> = view.pairs.iter().collect();
    pairs.sort_by_key(|(p, l)| (!*l, p.id));
    let writes = service::may_write(&who);
    let body = html! {
        (tabs(ctx, "/coop/pairs"))
        p.muted { (ctx.t("coop-pairs-intro")) }
        (figures(&[
            (ctx.t("coop-fig-pairs"), view.pairs.len().to_string(), None),
            (ctx.t("coop-fig-overdue"), late.to_string(), None),
            (ctx.t("coop-fig-unpaired"), view.unpaired.len().to_string(), Some("#unpaired".to_owned())),
        ]))
        @if let Some(e) = refused { (refusal(ctx, e)) }
        @if pairs.is_empty() {
            (empty(ctx, "coop-pairs-none"))
        } @else {
            div.table-wrap { table.cards #pairs {
                thead { tr {
                    th { (ctx.t("coop-pair-kind")) } th { (ctx.t("coop-helper")) } th { (ctx.t("coop-helped")) }
                    th { (ctx.t("coop-paired-on")) } th { (ctx.t("coop-last-visit")) }
                } }
                tbody { @for (p, l) in &pairs { tr.overdue[*l] {
                    td data-label=(ctx.t("coop-pair-kind")) { a href={ "/coop/pairs/" (p.id) } { (ctx.label("coop-pair", &p.kind)) } }
                    td data-label=(ctx.t("coop-helper")) { (helper(p)) }
                    td data-label=(ctx.t("coop-helped")) { (helped(ctx, p)) }
                    td data-label=(ctx.t("coop-paired-on")) { (p.paired_on) }
                    td data-label=(ctx.t("coop-last-visit")) {
                        (p.last_visit.as_deref().unwrap_or("—"))
                        @if *l { " " span.tag.warn { (ctx.t_args("coop-overdue", &[("days", p.visit_days.into())])) } }
                    }
                } } }
            } }
        }
        h2 #unpaired { (ctx.t("coop-unpaired")) }
        @if view.unpaired.is_empty() {
            (empty(ctx, "coop-unpaired-none"))
        } @else {
            ul.unpaired { @for u in &view.unpaired {
                li {
                    a href={ "/households/" (u.household_id) } { (u.building_name) " " (u.household_code) }
                    " · " @for t in &u.tags { span.tag { (ctx.label("tag", t)) } " " }
                    @if writes {
                        form.inline method="post" action="/coop/pairs" {
                            input type="hidden" name="kind" value="cadre_household";
                            input type="hidden" name="household" value=(u.household_id);
                            label { (ctx.t("coop-cadre")) " " input name="helper_name" size="8" required; }
                            button type="submit" { (ctx.t("coop-pair-submit")) }
                        }
                    }
                }
            } }
        }
        @if writes {
            h2 { (ctx.t("coop-pair-orgs")) }
            form.stack method="post" action="/coop/pairs" {
                input type="hidden" name="kind" value="org_org";
                div.field { label for="p-helper" { (ctx.t("coop-helper-org")) } input #p-helper name="helper_org" required; }
                div.field { label for="p-helped" { (ctx.t("coop-helped-org")) } input #p-helped name="helped_org" required; }
                div.field { label for="p-days" { (ctx.t("coop-visit-days")) } input #p-days name="visit_days" inputmode="numeric" placeholder="60"; }
                button.primary type="submit" { (ctx.t("coop-pair-submit")) }
            }
        }
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::Coop,
        &ctx.t("coop-title-pairs"),
        body,
    ))
}

/// `POST /coop/pairs`
pub async fn create(
    State(core): State<CoopState>,
    v: Viewer,
    Form(f): Form<PairInput>,
) -> PageResult<Response> {
    match pairing::create_pair(&core, &principal(&v.user), &f).await {
        Ok(id) => Ok(Redirect::to(&format!("/coop/pairs/{id}")).into_response()),
        Err(e) if shown_on_form(&e) => {
            let status = e.status();
            Ok((status, render_list(&core, &v, Some(&e)).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

/// `GET /coop/pairs/{id}`
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
    let (p, late, visits) = pairing::pair(core, &who, id).await?;
    let body = html! {
        (tabs(ctx, "/coop/pairs"))
        @if let Some(e) = refused { (refusal(ctx, e)) }
        dl.facts {
            dt { (ctx.t("coop-pair-kind")) } dd { (ctx.label("coop-pair", &p.kind)) }
            dt { (ctx.t("coop-helper")) } dd { (helper(&p)) }
            dt { (ctx.t("coop-helped")) } dd {
                @if let Some(h) = p.household_id { a href={ "/households/" (h) } { (helped(ctx, &p)) } } @else { (helped(ctx, &p)) }
            }
            dt { (ctx.t("coop-paired-on")) } dd { (p.paired_on) }
            dt { (ctx.t("coop-last-visit")) } dd #last-visit {
                (p.last_visit.as_deref().unwrap_or("—"))
                @if late { " " span.tag.warn { (ctx.t_args("coop-overdue", &[("days", p.visit_days.into())])) } }
            }
        }
        @if service::may_write(&who) {
            h2 { (ctx.t("coop-visit-log")) }
            form.stack method="post" action={ "/coop/pairs/" (p.id) "/visits" } {
                div.field { label for="v-day" { (ctx.t("coop-visit-day")) } input #v-day name="day" type="date" value=(core.today().to_string()) required; }
                div.field { label for="v-what" { (ctx.t("coop-visit-what")) } textarea #v-what name="what" rows="2" required {} }
                button.primary type="submit" { (ctx.t("coop-visit-submit")) }
            }
        }
        h2 { (ctx.t("coop-visits")) }
        @if visits.is_empty() {
            (empty(ctx, "coop-visits-none"))
        } @else {
            ul #visits { @for vi in &visits { li { (vi.day) " · " (vi.what) " · " (vi.visitor) } } }
        }
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::Coop,
        &ctx.t("coop-title-pair"),
        body,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct VisitForm {
    pub day: String,
    pub what: String,
}

/// `POST /coop/pairs/{id}/visits`
pub async fn visit(
    State(core): State<CoopState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<VisitForm>,
) -> PageResult<Response> {
    match pairing::log_visit(&core, &principal(&v.user), id, &f.day, &f.what).await {
        Ok(_) => Ok(Redirect::to(&format!("/coop/pairs/{id}")).into_response()),
        Err(e) if shown_on_form(&e) => {
            let status = e.status();
            Ok((status, render(&core, &v, id, Some(&e)).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}
