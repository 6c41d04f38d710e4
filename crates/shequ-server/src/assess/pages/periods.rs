//! `/assess`: the assessment periods, the latest first, and the street's
//! form to open one: its code, the raters' weights (the street 70% by
//! default) and each rater's indicators' weights within its part, each
//! indicator's definition beside it (0 leaves one out).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use shequ_domain::assess::{Period, PeriodKind, Rater, Scheme, Weights};

use super::{definition, indicator_name, principal, rater};
use crate::app::error::AppError;
use crate::app::page::ctx::{Ctx, PageError, PageResult, Viewer};
use crate::app::page::form::FormData;
use crate::app::page::layout::{Nav, empty, page};
use crate::app::page::refusal::{refusal, shown_on_form};
use crate::assess::AssessState;
use crate::assess::service;

/// The field of an indicator's weight on the form.
fn indicator_field(key: &str) -> String {
    format!("w_{key}")
}

/// `GET /assess`
pub async fn list(State(core): State<AssessState>, v: Viewer) -> PageResult<Markup> {
    render(&core, &v, &FormData::default(), None).await
}

async fn render(
    core: &AssessState,
    v: &Viewer,
    typed: &FormData,
    refused: Option<&AppError>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let who = principal(&v.user);
    let periods = service::periods(core).await?;
    let mine = service::mine(core, &who).await?;
    // This quarter, or the next once this one is open.
    let mut quarter = Period::containing(PeriodKind::Quarter, core.today());
    if periods.iter().any(|p| p.code == quarter.code()) {
        quarter = Period::containing(PeriodKind::Quarter, quarter.end_day());
    }
    let this_quarter = quarter.code();
    let scheme = Scheme::default();
    let or = |t: &str, d: &str| {
        if t.is_empty() {
            d.to_owned()
        } else {
            t.to_owned()
        }
    };
    let body = html! {
        nav.subnav aria-label=(ctx.t("assess-tabs")) { ul.links.inline {
            li { a href="/assess" aria-current="page" { (ctx.t("assess-title")) } }
            li { a href="/consult" { (ctx.t("assess-tab-consult")) } }
        } }
        p.muted { (ctx.t("assess-intro")) }
        @if let Some(e) = refused { (refusal(ctx, e)) }
        @if periods.is_empty() {
            (empty(ctx, "assess-periods-none"))
        } @else {
            div.table-wrap { table.cards #periods {
                thead { tr {
                    th { (ctx.t("assess-period")) } th { (ctx.t("assess-state")) }
                    th { (ctx.t("assess-subjects")) } th { (ctx.t("assess-pending-appeals")) }
                    @if !mine.is_empty() { th { (ctx.t("assess-mine")) } }
                } }
                tbody { @for p in &periods { tr {
                    td data-label=(ctx.t("assess-period")) {
                        a href={ "/assess/periods/" (p.id) } { (period_name(ctx, &p.code)) }
                    }
                    td data-label=(ctx.t("assess-state")) {
                        @if let Some(at) = p.closed_at {
                            span.tag { (ctx.t("assess-closed")) } " " small.muted { (ctx.time(at)) }
                        } @else {
                            span.tag.ok { (ctx.t("assess-open")) }
                        }
                    }
                    td data-label=(ctx.t("assess-subjects")) { (p.subjects) }
                    td data-label=(ctx.t("assess-pending-appeals")) {
                        @if p.pending_appeals > 0 { span.tag.warn { (p.pending_appeals) } } @else { "0" }
                    }
                    @if !mine.is_empty() { td data-label=(ctx.t("assess-mine")) {
                        @for s in mine.iter().filter(|s| s.period_id == p.id) {
                            a.mine href={ "/assess/subjects/" (s.id) } { (s.name) } " "
                        }
                    } }
                } } }
            } }
        }
        @if service::is_street(&who) {
            h2 { (ctx.t("assess-open-title")) }
            form.stack method="post" action="/assess" {
                div.field {
                    label for="a-period" { (ctx.t("assess-period-code")) }
                    input #a-period name="period" value=(or(typed.get("period"), &this_quarter)) required;
                    small.muted { (ctx.t("assess-period-hint")) }
                }
                h3 { (ctx.t("assess-weights")) }
                p.muted { (ctx.t("assess-weights-hint")) }
                @for r in Rater::ALL {
                    @let default_weight = scheme.weight_of(*r).to_string();
                    fieldset.scheme-part {
                        legend {
                            label { (rater(ctx, *r)) " "
                                input.weight name=(r.as_str()) inputmode="numeric" size="3"
                                    aria-label=(format!("{} %", rater(ctx, *r)))
                                    value=(or(typed.get(r.as_str()), &default_weight)); " %" }
                        }
                        @for i in scheme.indicators.iter().filter(|i| i.rater == *r) {
                            @let field = indicator_field(i.indicator.key());
                            div.field.indicator-weight {
                                label for=(field) { (indicator_name(ctx, &i.indicator)) " %" }
                                input #(field) name=(field) inputmode="numeric" size="3"
                                    value=(or(typed.get(&field), &i.weight.to_string()));
                                small.muted { (definition(ctx, &i.indicator)) }
                            }
                        }
                    }
                }
                button.primary type="submit" { (ctx.t("assess-open-submit")) }
            }
        }
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::Assess,
        &ctx.t("assess-title"),
        body,
    ))
}

/// A period's name in the page's language.
pub(crate) fn period_name(ctx: &Ctx, code: &str) -> String {
    match Period::parse(code) {
        Ok(p) if ctx.lang == crate::app::i18n::Lang::Zh => p.zh(),
        _ => code.to_owned(),
    }
}

fn weight(field: &str, text: &str) -> Result<u32, AppError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(0);
    }
    t.parse().map_err(|_| {
        AppError::unprocessable(
            field,
            shequ_domain::Code::AssessWeightsSum,
            format!("{t:?} is not a weight; give a whole percentage from 0 to 100"),
        )
    })
}

/// The weights as typed: the raters' (blank is 0), and each indicator's
/// of the default scheme that was sent (one not sent keeps its weight).
fn weights(f: &FormData) -> Result<Weights, AppError> {
    let mut indicators = BTreeMap::new();
    for i in &Scheme::default().indicators {
        let field = indicator_field(i.indicator.key());
        if f.has(&field) {
            indicators.insert(i.indicator.key().to_owned(), weight(&field, f.get(&field))?);
        }
    }
    Ok(Weights {
        street: weight("street", f.get("street"))?,
        department: weight("department", f.get("department"))?,
        residents: weight("residents", f.get("residents"))?,
        indicators,
    })
}

/// `POST /assess`
pub async fn open(State(core): State<AssessState>, v: Viewer, f: FormData) -> PageResult<Response> {
    let who = principal(&v.user);
    let result = async {
        let w = weights(&f)?;
        service::open(&core, &who, f.get("period"), &w).await
    }
    .await;
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/assess/periods/{id}")).into_response()),
        Err(e) if shown_on_form(&e) => {
            let status = e.status();
            Ok((status, render(&core, &v, &f, Some(&e)).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}
