//! `/party/transfers`: the transfers touching the user's organisations,
//! those under way first, a request unanswered for 30 days flagged; with
//! the receiver's accept and refuse, the sender's withdraw, and complete.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use shequ_domain::party::{TransferState, TransferStep};

use super::{principal, refusal, tabs};
use crate::app::access::ClientAddr;
use crate::app::error::AppError;
use crate::app::page::ctx::{PageError, PageResult, Viewer};
use crate::app::page::layout::{Nav, page};
use crate::app::state::Core;
use crate::party::service;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TransferFilter {
    /// `all` shows finished ones too.
    pub show: String,
}

/// `GET /party/transfers`
pub async fn show(
    State(core): State<Core>,
    v: Viewer,
    Query(q): Query<TransferFilter>,
) -> PageResult<Markup> {
    render(&core, &v, q.show != "all", None).await
}

async fn render(
    core: &Core,
    v: &Viewer,
    open_only: bool,
    refused: Option<&AppError>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let rows = service::transfers(core, &principal(&v.user), open_only).await?;
    let manages = v.user.role.manages_party();
    let body = html! {
        (tabs(ctx, &v.user, "/party/transfers"))
        @if let Some(e) = refused { (refusal(ctx, e)) }
        p.muted { (ctx.t("party-transfers-intro")) }
        p { @if open_only {
            a href="/party/transfers?show=all" { (ctx.t("party-transfers-all")) }
        } @else {
            a href="/party/transfers" { (ctx.t("party-transfers-open")) }
        } }
        @if rows.is_empty() {
            p.empty { (ctx.t("party-transfers-none")) }
        } @else {
            div.table-wrap { table.cards {
                thead { tr {
                    th { (ctx.t("person-name")) } th { (ctx.t("party-transfer-from")) }
                    th { (ctx.t("party-transfer-to")) } th { (ctx.t("party-requested")) }
                    th { (ctx.t("party-transfer-state")) } th { (ctx.t("party-actions")) }
                } }
                tbody { @for (t, late) in &rows {
                    tr.overdue[*late] {
                        td data-label=(ctx.t("person-name")) { a href={ "/party/members/" (t.person_id) } { (t.person_name) } }
                        td data-label=(ctx.t("party-transfer-from")) { (t.from_name.as_deref().or(t.from_outside.as_deref()).unwrap_or("–")) }
                        td data-label=(ctx.t("party-transfer-to")) { (t.to_name.as_deref().or(t.to_outside.as_deref()).unwrap_or("–")) }
                        td data-label=(ctx.t("party-requested")) {
                            (t.requested_on)
                            @if *late { " " span.tag.tag-overdue { (ctx.t("party-unanswered")) } }
                        }
                        td data-label=(ctx.t("party-transfer-state")) {
                            span.tag { (ctx.label("party-transfer-state", &t.state)) }
                            @if !t.letter_no.is_empty() { " " span.muted { (t.letter_no) } }
                        }
                        td data-label=(ctx.t("party-actions")) {
                            @if manages { @for step in steps(&t.state, t.to_org_id.is_some()) {
                                form.action-form method="post" action={ "/party/transfers/" (t.id) "/" (step.as_str()) } {
                                    @if step == TransferStep::Complete {
                                        label.visually-hidden for={ "letter-" (t.id) } { (ctx.t("party-letter")) }
                                        input id={ "letter-" (t.id) } name="letter_no" placeholder=(ctx.t("party-letter")) value=(t.letter_no);
                                    }
                                    button type="submit" class=[(step == TransferStep::Refuse || step == TransferStep::Withdraw).then_some("danger")] {
                                        (ctx.label("party-step", step.as_str()))
                                    }
                                }
                            } }
                        }
                    }
                } }
            } }
        }
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::Party,
        &ctx.t("party-transfers"),
        body,
    ))
}

/// The steps a transfer in `state` offers.
fn steps(state: &str, to_here: bool) -> Vec<TransferStep> {
    match TransferState::parse(state) {
        Ok(TransferState::Requested) if to_here => {
            vec![
                TransferStep::Accept,
                TransferStep::Refuse,
                TransferStep::Withdraw,
            ]
        }
        Ok(TransferState::Requested) => vec![TransferStep::Complete, TransferStep::Withdraw],
        Ok(TransferState::Accepted) => vec![TransferStep::Complete],
        _ => Vec::new(),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StepForm {
    pub letter_no: String,
}

/// `POST /party/transfers/{id}/{step}`
pub async fn step(
    State(core): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Path((id, step)): Path<(i64, String)>,
    Form(f): Form<StepForm>,
) -> PageResult<Response> {
    let result = match TransferStep::parse(&step) {
        Ok(step) => {
            let letter = Some(f.letter_no.trim()).filter(|s| !s.is_empty());
            service::step_transfer(&core, &principal(&v.user), id, step, letter, &addr).await
        }
        Err(e) => Err(AppError::Unprocessable(vec![
            crate::app::error::FieldError::from_invalid("step", &e),
        ])),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/party/transfers").into_response()),
        Err(e @ (AppError::Unprocessable(_) | AppError::Refused { .. })) => {
            let status = e.status();
            Ok((status, render(&core, &v, true, Some(&e)).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}
