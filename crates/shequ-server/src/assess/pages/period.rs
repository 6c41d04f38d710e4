//! `/assess/periods/{id}`: a period's ranking — each kind of subject
//! ranked among its own, every indicator's value and rate in its column
//! and its definition below — the appeals waiting for the street with
//! their accept and reject forms, the close button, and the printable page
//! and XLSX of the same ranking.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::periods::period_name;
use super::{
    definitions, indicator_name, kind, part_cell, principal, rater, score_text, with_words,
};
use crate::app::access::ClientAddr;
use crate::app::error::AppError;
use crate::app::page::ctx::{Ctx, PageError, PageResult, Viewer};
use crate::app::page::layout::{Nav, empty, figures, page};
use crate::app::page::refusal::{refusal, shown_on_form};
use crate::assess::service::{self, Ranking};
use crate::assess::{AssessState, export};

/// `GET /assess/periods/{id}`
pub async fn show(
    State(core): State<AssessState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> PageResult<Markup> {
    render(&core, &v, id, None).await
}

/// The ranking tables, one per kind of subject.
fn tables(ctx: &Ctx, r: &Ranking) -> Markup {
    let scheme = &r.info.scheme;
    let mut kinds: Vec<&str> = r.subjects.iter().map(|s| s.subject.kind.as_str()).collect();
    kinds.dedup();
    html! {
        @for k in kinds {
            h2 { (kind(ctx, k)) }
            div.table-wrap { table.ranking data-kind=(k) {
                thead { tr {
                    th { (ctx.t("assess-rank")) } th { (ctx.t("assess-subject")) } th { (ctx.t("assess-score")) }
                    th { (ctx.t("assess-orders")) }
                    @for i in &scheme.indicators {
                        th title=(super::definition(ctx, &i.indicator)) {
                            (indicator_name(ctx, &i.indicator)) br; small.muted { (rater(ctx, i.rater)) }
                        }
                    }
                } }
                tbody { @for s in r.subjects.iter().filter(|s| s.subject.kind == k) { tr data-subject=(s.subject.id) {
                    td.rank { (s.rank.map_or("—".to_owned(), |x| x.to_string())) }
                    td { a href={ "/assess/subjects/" (s.subject.id) } { (s.subject.name) } }
                    td.score { strong { (score_text(s.score.rounded())) } }
                    td { (s.inputs.counts.orders) }
                    @for p in &s.score.indicators { td { (part_cell(ctx, p)) } }
                } } }
            } }
        }
    }
}

async fn render(
    core: &AssessState,
    v: &Viewer,
    id: i64,
    refused: Option<&AppError>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let who = principal(&v.user);
    let r = service::ranking(core, id).await?;
    let mine: Vec<_> = service::mine(core, &who)
        .await?
        .into_iter()
        .filter(|s| s.period_id == id)
        .collect();
    let street = service::is_street(&who);
    let pending: Vec<_> = r.appeals.iter().filter(|a| a.state == "pending").collect();
    let decided: Vec<_> = r.appeals.iter().filter(|a| a.state != "pending").collect();
    let title = period_name(ctx, &r.info.row.code);
    let weights: Vec<String> = r
        .info
        .scheme
        .raters
        .iter()
        .map(|(x, w)| format!("{} {w}%", rater(ctx, *x)))
        .collect();
    let body = html! {
        p { a href="/assess" { "← " (ctx.t("assess-title")) } }
        @if let Some(e) = refused { (refusal(ctx, e)) }
        @if !mine.is_empty() {
            p.notice #mine { (ctx.t("assess-mine")) ": "
                @for s in &mine { a.mine href={ "/assess/subjects/" (s.id) } { (s.name) } " " } }
        }
        (figures(&[
            (ctx.t("assess-subjects"), r.subjects.len().to_string(), None),
            (ctx.t("assess-pending-appeals"), pending.len().to_string(), Some("#appeals".to_owned())),
        ]))
        dl.facts {
            dt { (ctx.t("assess-state")) } dd #period-state {
                @if let Some(at) = r.info.row.closed_at {
                    (ctx.t("assess-closed")) " · " (ctx.time(at)) " · " (r.info.row.closed_by.as_deref().unwrap_or(""))
                    " · " small.muted { (ctx.t("assess-frozen")) }
                } @else {
                    (ctx.t("assess-open")) " · " small.muted { (ctx.t("assess-live")) }
                }
            }
            dt { (ctx.t("assess-weights")) } dd { (weights.join(" · ")) }
        }
        p.actions {
            a.button href={ "/assess/periods/" (id) "/export.xlsx" } { (ctx.t("assess-export")) } " "
            a.button href={ "/assess/periods/" (id) "/print" } { (ctx.t("assess-print")) }
        }
        (tables(ctx, &r))
        h2 { (ctx.t("assess-definitions")) }
        p.muted { (ctx.t("assess-arithmetic")) }
        (definitions(ctx, &r.info.scheme))
        h2 #appeals { (ctx.t("assess-appeals")) }
        @if r.appeals.is_empty() {
            (empty(ctx, "assess-appeals-none"))
        } @else {
            ul.appeals {
                @for a in &pending { li.appeal.pending data-appeal=(a.id) {
                    (appeal_line(ctx, a))
                    @if street && !r.info.closed() {
                        form.inline method="post" action={ "/assess/appeals/" (a.id) "/decision" } {
                            label { (ctx.t("assess-decision-reason")) " " input name="reason" size="24" required; }
                            button name="accept" value="true" type="submit" { (ctx.t("assess-accept")) }
                            button name="accept" value="false" type="submit" { (ctx.t("assess-reject")) }
                        }
                    }
                } }
                @for a in &decided { li.appeal data-appeal=(a.id) {
                    (appeal_line(ctx, a))
                    " → " span.tag { (ctx.label("assess-appeal", &a.state)) } " "
                    (a.decision.as_deref().unwrap_or("")) " · " small.muted { (a.decided_by.as_deref().unwrap_or("")) }
                } }
            }
        }
        @if street && !r.info.closed() {
            h2 { (ctx.t("assess-close-title")) }
            p.muted { (ctx.t("assess-close-hint")) }
            form method="post" action={ "/assess/periods/" (id) "/close" } {
                button.primary type="submit" { (ctx.t("assess-close-submit")) }
            }
        }
    };
    Ok(page(ctx, Some(&v.user), Nav::Assess, &title, body))
}

fn appeal_line(ctx: &Ctx, a: &shequ_store::assess::AppealRow) -> Markup {
    html! {
        a href={ "/assess/subjects/" (a.subject_id) } { (a.subject_name) } " · "
        a href={ "/orders/" (a.order_id) } { "#" (a.order_id) " " (a.order_title) } " · "
        (ctx.label("assess-ground", &a.ground)) ": " (a.reason) " · "
        small.muted { (a.actor) " " (ctx.time(a.filed_at)) }
    }
}

/// `GET /assess/periods/{id}/print`: the ranking on one sheet.
pub async fn print(
    State(core): State<AssessState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let r = service::ranking(&core, id).await?;
    let title = format!(
        "{} {}",
        period_name(ctx, &r.info.row.code),
        ctx.t("assess-title")
    );
    let body = html! {
        div.sheet.assess-sheet {
            h1 { (title) }
            p.no-print { a href={ "/assess/periods/" (id) } { "← " (ctx.t("assess-back")) } }
            p { (if r.info.closed() { ctx.t("assess-frozen") } else { ctx.t("assess-live") }) }
            (tables(ctx, &r))
            h2 { (ctx.t("assess-definitions")) }
            (definitions(ctx, &r.info.scheme))
            p.sheet-sign { (ctx.t("assess-signed")) }
        }
    };
    Ok(page(ctx, Some(&v.user), Nav::Assess, &title, body))
}

/// `GET /assess/periods/{id}/export.xlsx`
pub async fn export(
    State(core): State<AssessState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let r = service::ranking(&core, id).await?;
    let bytes = with_words(&v.ctx, |w| export::workbook(&r, w))
        .map_err(|e| PageError(AppError::Internal(anyhow::anyhow!("xlsx: {e}"))))?;
    Ok(export::download(&r, bytes))
}

/// `POST /assess/periods/{id}/close`
pub async fn close(
    State(core): State<AssessState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    match service::close(&core, &principal(&v.user), id).await {
        Ok(()) => Ok(Redirect::to(&format!("/assess/periods/{id}")).into_response()),
        Err(e) if shown_on_form(&e) => {
            let status = e.status();
            Ok((status, render(&core, &v, id, Some(&e)).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

/// The decision form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    pub accept: String,
    pub reason: String,
}

/// `POST /assess/appeals/{id}/decision`
pub async fn decide(
    State(core): State<AssessState>,
    v: Viewer,
    addr: ClientAddr,
    Path(id): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> PageResult<Response> {
    let who = principal(&v.user);
    let accept = f.accept == "true";
    match service::decide(&core, &who, id, accept, &f.reason, &addr).await {
        Ok(_) => {
            let period = service::period_of_appeal(&core, id).await?;
            Ok(Redirect::to(&format!("/assess/periods/{period}#appeals")).into_response())
        }
        Err(e) if shown_on_form(&e) => {
            let period = service::period_of_appeal(&core, id).await?;
            let status = e.status();
            Ok((status, render(&core, &v, period, Some(&e)).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}
