//! `/assess/subjects/{id}`: one subject's score traced down to the orders
//! counted — each rater's part, each indicator's rate, value, share and
//! points (which add up to the score) — then every order counted with the
//! figures it counts in, the summons of a team, a department's
//! consultations concluded, the appeals, and the forms:
//! the street's hand scores, and the subject's appeal against an order.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use shequ_domain::assess::AppealGround;
use shequ_domain::order::figures;

use super::periods::period_name;
use super::{definition, indicator_name, kind, part_cell, principal, rater, score_text};
use crate::app::error::AppError;
use crate::app::page::ctx::{Ctx, PageError, PageResult, Viewer};
use crate::app::page::layout::{Nav, empty, page};
use crate::app::page::refusal::{refusal, shown_on_form};
use crate::assess::AssessState;
use crate::assess::service::{self, SubjectView};

/// `GET /assess/subjects/{id}`
pub async fn show(
    State(core): State<AssessState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> PageResult<Markup> {
    render(&core, &v, id, None).await
}

/// The figures an order counts in, from its flags, as tags: on time or
/// late (for what was accepted, resolved), settled for good, reopened,
/// satisfied or not (for what was rated), overdue.
fn flag_tags(ctx: &Ctx, f: i64) -> Markup {
    let c = shequ_store::assess::flags::counts([f]);
    let judged = [
        (c.accepted, c.accepted_on_time, "accepted_on_time"),
        (c.resolved, c.resolved_on_time, "resolved_on_time"),
        (c.rated, c.satisfied, "satisfied"),
    ];
    html! {
        @for (was, ok, key) in judged {
            @if ok > 0 { span.tag.ok { (ctx.label("assess-flag", key)) } " " }
            @else if was > 0 { span.tag.bad { (ctx.label("assess-flag-not", key)) } " " }
        }
        @if c.resolved_for_good > 0 { span.tag.ok { (ctx.label("assess-flag", "resolved_for_good")) } " " }
        @if c.reopened > 0 { span.tag.warn { (ctx.label("assess-flag", "reopened")) } " " }
        @if c.overdue > 0 { span.tag.warn { (ctx.label("assess-flag", "overdue")) } " " }
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
    let view: SubjectView = service::subject(core, &who, id).await?;
    let r = &view.ranked;
    let street = service::is_street(&who);
    let open = !view.info.closed();
    let title = format!(
        "{} · {}",
        r.subject.name,
        period_name(ctx, &view.info.row.code)
    );
    let appealed: Vec<i64> = view.appeals.iter().map(|a| a.order_id).collect();
    let body = html! {
        p { a href={ "/assess/periods/" (view.info.row.id) } { "← " (period_name(ctx, &view.info.row.code)) } }
        @if let Some(e) = refused { (refusal(ctx, e)) }
        dl.facts {
            dt { (ctx.t("assess-kind")) } dd { (kind(ctx, &r.subject.kind)) }
            dt { (ctx.t("assess-score")) } dd #score { strong { (score_text(r.score.rounded())) } }
            dt { (ctx.t("assess-rank")) } dd #rank {
                @if let Some(rank) = r.rank { (ctx.t_args("assess-rank-of", &[("rank", rank.into()), ("of", (view.of as i64).into())])) } @else { "—" }
            }
            dt { (ctx.t("assess-state")) } dd { (if open { ctx.t("assess-live") } else { ctx.t("assess-frozen") }) }
        }
        h2 { (ctx.t("assess-arithmetic-title")) }
        p.muted { (ctx.t("assess-arithmetic")) }
        div.table-wrap { table.cards.arithmetic #arithmetic {
            thead { tr {
                th { (ctx.t("assess-rater")) } th { (ctx.t("assess-indicator")) } th { (ctx.t("assess-weight")) }
                th { (ctx.t("assess-value")) } th { (ctx.t("assess-share")) } th { (ctx.t("assess-points")) }
            } }
            tbody {
                @for p in &r.score.indicators { tr {
                    td data-label=(ctx.t("assess-rater")) { (rater(ctx, p.rater)) " " small.muted { (view.info.scheme.weight_of(p.rater)) "%" } }
                    td data-label=(ctx.t("assess-indicator")) { (indicator_name(ctx, &p.indicator)) br; small.muted { (definition(ctx, &p.indicator)) } }
                    td data-label=(ctx.t("assess-weight")) { (p.weight) "%" }
                    td data-label=(ctx.t("assess-value")) { (part_cell(ctx, p)) }
                    td data-label=(ctx.t("assess-share")) { (format!("{:.1}%", p.share * 100.0)) }
                    td data-label=(ctx.t("assess-points")) { (format!("{:.2}", p.points)) }
                } }
                tr.total { td colspan="5" data-label=(ctx.t("assess-total")) { strong { (ctx.t("assess-total")) } } td data-label=(ctx.t("assess-total")) { strong { (score_text(r.score.rounded())) } } }
            }
        } }
        @if street && open {
            h2 { (ctx.t("assess-hand-scores")) }
            @for (_, key, name) in view.info.scheme.manual() {
                @let given = r.inputs.manual.get(key);
                form.inline.hand-score method="post" action={ "/assess/subjects/" (id) "/scores" } {
                    input type="hidden" name="indicator" value=(key);
                    strong { (name) } " "
                    label { (ctx.t("assess-score")) " " input name="score" size="5" inputmode="decimal" value=(given.map(|g| g.score.to_string()).unwrap_or_default()) required; }
                    label { (ctx.t("assess-comment")) " " input name="comment" size="28" value=(given.map(|g| g.comment.clone()).unwrap_or_default()) required; }
                    button type="submit" { (ctx.t("assess-score-submit")) }
                }
            }
        } @else if !r.inputs.manual.is_empty() {
            h2 { (ctx.t("assess-hand-scores")) }
            ul { @for (key, m) in &r.inputs.manual { li { (key) ": " (m.score) " · " (m.comment) } } }
        }
        h2 #orders { (ctx.t("assess-orders-counted")) " (" (view.orders.len()) ")" }
        @if view.orders.is_empty() {
            (empty(ctx, "assess-orders-none"))
        } @else {
            div.table-wrap { table.cards #counted {
                thead { tr {
                    th { (ctx.t("assess-order")) } th { (ctx.t("assess-owner")) } th { (ctx.t("assess-filed")) }
                    th { (ctx.t("assess-counts-in")) }
                    @if view.may_appeal { th { (ctx.t("assess-appeal")) } }
                } }
                tbody { @for (o, f) in &view.orders { tr data-order=(o.id) {
                    td data-label=(ctx.t("assess-order")) { a href={ "/orders/" (o.id) } { "#" (o.id) " " (o.title) } " " small.muted { (ctx.label("order-state", &o.state)) } }
                    td data-label=(ctx.t("assess-owner")) { (o.owner_name.as_deref().unwrap_or("—")) }
                    td data-label=(ctx.t("assess-filed")) { (ctx.time(o.created_at)) }
                    td data-label=(ctx.t("assess-counts-in")) { (flag_tags(ctx, *f)) }
                    @if view.may_appeal { td data-label=(ctx.t("assess-appeal")) {
                        @if appealed.contains(&o.id) {
                            span.muted { (ctx.t("assess-appealed")) }
                        } @else {
                            details { summary { (ctx.t("assess-appeal-this")) }
                                form.stack method="post" action={ "/assess/subjects/" (id) "/appeals" } {
                                    input type="hidden" name="order_id" value=(o.id);
                                    select name="ground" aria-label=(ctx.t("assess-ground")) { @for g in AppealGround::ALL { option value=(g.as_str()) { (ctx.label("assess-ground", g.as_str())) } } }
                                    input name="reason" placeholder=(ctx.t("assess-appeal-reason")) required;
                                    button type="submit" { (ctx.t("assess-appeal-submit")) }
                                }
                            }
                        }
                    } }
                } } }
            } }
        }
        @if !view.appealed_out.is_empty() {
            p #appealed-out { (ctx.t("assess-appealed-out")) ": "
                @for o in &view.appealed_out { a href={ "/orders/" (o) } { "#" (o) } " " } }
        }
        @if r.subject.team_id.is_some() {
            h2 { (ctx.t("assess-summons")) " (" (view.summons.len()) ")" }
            @if view.summons.is_empty() { (empty(ctx, "assess-summons-none")) } @else {
                ul #summons { @for s in &view.summons { li {
                    a href={ "/orders/" (s.order_id) } { "#" (s.order_id) " " (s.title) } " · "
                    @if figures::reported_on_time(&s.summons()) { span.tag.ok { (ctx.t("assess-reported-on-time")) } }
                    @else if s.reported_at.is_some() { span.tag.bad { (ctx.t("assess-reported-late")) } }
                    @else { span.tag.warn { (ctx.t("assess-not-reported")) } }
                } } }
            }
        }
        @if r.subject.kind == "department" {
            h2 { (ctx.t("assess-consultations")) " (" (view.consultations.len()) ")" }
            @if view.consultations.is_empty() { (empty(ctx, "assess-consultations-none")) } @else {
                ul #consultations { @for m in &view.consultations { li {
                    a href={ "/consult/" (m.id) } { (m.title) } " · "
                    @let outcome = m.outcome.as_deref().unwrap_or_default();
                    @let class = match outcome { "followed" | "partly_followed" => "tag ok", "not_followed" => "tag bad", _ => "tag" };
                    span class=(class) { (ctx.label("consult-outcome", outcome)) }
                    @if let Some(n) = m.outcome_note.as_deref().filter(|n| !n.is_empty()) { " " (n) }
                    " " small.muted { (m.concluded_at.map(|t| ctx.time(t)).unwrap_or_default()) }
                } } }
            }
        }
        h2 { (ctx.t("assess-appeals")) }
        @if view.appeals.is_empty() { (empty(ctx, "assess-appeals-none")) } @else {
            ul.appeals { @for a in &view.appeals { li {
                a href={ "/orders/" (a.order_id) } { "#" (a.order_id) " " (a.order_title) } " · "
                (ctx.label("assess-ground", &a.ground)) ": " (a.reason) " → " span.tag { (ctx.label("assess-appeal", &a.state)) }
                @if let Some(d) = &a.decision { " " (d) }
            } } }
        }
    };
    Ok(page(ctx, Some(&v.user), Nav::Assess, &title, body))
}

/// The hand-score form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ScoreForm {
    pub indicator: String,
    pub score: String,
    pub comment: String,
}

/// `POST /assess/subjects/{id}/scores`
pub async fn score(
    State(core): State<AssessState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<ScoreForm>,
) -> PageResult<Response> {
    let who = principal(&v.user);
    respond(
        &core,
        &v,
        id,
        service::set_score(&core, &who, id, &f.indicator, &f.score, &f.comment).await,
    )
    .await
}

/// The appeal form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AppealForm {
    pub order_id: String,
    pub ground: String,
    pub reason: String,
}

/// `POST /assess/subjects/{id}/appeals`
pub async fn appeal(
    State(core): State<AssessState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<AppealForm>,
) -> PageResult<Response> {
    let who = principal(&v.user);
    let result = match f.order_id.trim().parse::<i64>() {
        Ok(order) => service::file_appeal(&core, &who, id, order, &f.ground, &f.reason)
            .await
            .map(|_| ()),
        Err(_) => Err(AppError::unprocessable(
            "order",
            shequ_domain::Code::AssessAppealNotCounted,
            format!("{:?} is not an order number", f.order_id),
        )),
    };
    respond(&core, &v, id, result).await
}

async fn respond(
    core: &AssessState,
    v: &Viewer,
    id: i64,
    result: Result<(), AppError>,
) -> PageResult<Response> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/assess/subjects/{id}")).into_response()),
        Err(e) if shown_on_form(&e) => {
            let status = e.status();
            Ok((status, render(core, v, id, Some(&e)).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}
