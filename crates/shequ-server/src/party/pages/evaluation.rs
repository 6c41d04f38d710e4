//! `/party/registrations/{id}`: one registration's year for the democratic
//! evaluation (民主评议) — posts, every service with its hours and who
//! confirmed it, the year's total, six months without service flagged —
//! and the form that exports it as XLSX, with the reason the access log
//! keeps.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use shequ_domain::party::registration::Hours;

use super::{principal, refusal, tabs};
use crate::app::access::ClientAddr;
use crate::app::error::AppError;
use crate::app::page::ctx::{PageError, PageResult, Viewer};
use crate::app::page::form::FormData;
use crate::app::page::layout::{Nav, figures, page};
use crate::app::state::Core;
use crate::party::evaluation::{self, Evaluation};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct YearQuery {
    pub year: String,
}

fn year_of(s: &str) -> Option<i32> {
    s.trim()
        .parse()
        .ok()
        .filter(|y| evaluation::YEARS.contains(y))
}

/// `GET /party/registrations/{id}`
pub async fn show(
    State(core): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> PageResult<Markup> {
    let e = evaluation::view(&core, &principal(&v.user), id, year_of(&q.year), &addr).await?;
    Ok(render(&v, &e, None, ""))
}

fn render(v: &Viewer, e: &Evaluation, refused: Option<&AppError>, reason: &str) -> Markup {
    let ctx = &v.ctx;
    let r = &e.registration;
    let figs = vec![
        (
            ctx.t("party-eval-services"),
            e.records.len().to_string(),
            None,
        ),
        (ctx.t("party-reg-hours"), e.hours().to_string(), None),
        (
            ctx.t("party-reg-last"),
            r.last_served.clone().unwrap_or_else(|| "–".to_owned()),
            None,
        ),
    ];
    let body = html! {
        (tabs(ctx, &v.user, "/party/registrations"))
        @if let Some(err) = refused { (refusal(ctx, err)) }
        dl.facts {
            dt { (ctx.t("party-reg-who")) }
            dd {
                @if let Some(p) = r.person_id { a href={ "/party/members/" (p) } { (r.name) } } @else { (r.name) " " span.tag { (ctx.t("party-reg-unit")) } }
            }
            dt { (ctx.t("party-reg-where")) } dd { (r.region_name) }
            dt { (ctx.t("party-eval-registered")) } dd { (r.registered_on) }
            dt { (ctx.t("party-reg-posts")) } dd { @for p in r.posts.split(',').filter(|p| !p.is_empty()) { span.tag { (p) } " " } }
            dt { (ctx.t("party-eval-year")) } dd {
                (e.year) " · "
                a href={ "?year=" (e.year - 1) } { (e.year - 1) }
            }
        }
        @if e.lapsed { p.notice.notice-warn { (ctx.t("party-eval-lapsed")) } }
        (figures(&figs))
        section aria-labelledby="h-services" {
            h2 #h-services { (ctx.t("party-eval-records")) }
            @if e.records.is_empty() {
                p.empty { (ctx.t("party-eval-none")) }
            } @else {
                div.table-wrap { table.cards {
                    thead { tr {
                        th { (ctx.t("party-reg-day")) } th { (ctx.t("party-reg-hours-one")) }
                        th { (ctx.t("party-reg-what")) } th { (ctx.t("party-eval-source")) }
                        th { (ctx.t("party-eval-confirmed")) }
                    } }
                    tbody { @for s in &e.records {
                        tr {
                            td data-label=(ctx.t("party-reg-day")) { (s.day) }
                            td.num data-label=(ctx.t("party-reg-hours-one")) { (Hours::from_tenths(s.hours_tenths.max(0) as u32)) }
                            td data-label=(ctx.t("party-reg-what")) { (s.what) }
                            td data-label=(ctx.t("party-eval-source")) { (ctx.label("party-eval-source", &s.source)) }
                            td data-label=(ctx.t("party-eval-confirmed")) { (s.confirmed_by) }
                        }
                    } }
                } }
            }
        }
        form.stack method="post" action={ "/party/registrations/" (r.id) "/evaluation.xlsx?year=" (e.year) } {
            h2 { (ctx.t("party-eval-export")) }
            p.muted { (ctx.t("party-eval-export-hint")) }
            div.field { label for="f-reason" { (ctx.t("party-eval-reason")) }
                input #f-reason name="reason" required minlength="2" maxlength="200" value=(reason) placeholder=(ctx.t("party-eval-reason-example")); }
            button.primary type="submit" { (ctx.t("party-eval-export")) }
        }
    };
    page(
        ctx,
        Some(&v.user),
        Nav::Party,
        &format!("{} · {}", ctx.t("party-eval"), r.name),
        body,
    )
}

/// `POST /party/registrations/{id}/evaluation.xlsx`: the file, or the page
/// again with the refusal.
pub async fn export(
    State(core): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
    form: FormData,
) -> PageResult<Response> {
    let who = principal(&v.user);
    let year = year_of(&q.year);
    match evaluation::export(&core, &who, id, year, form.get("reason"), &addr).await {
        Ok((e, bytes)) => Ok(evaluation::download(&e, bytes)),
        Err(err) if super::shown_on_form(&err) => {
            let e = evaluation::view(&core, &who, id, year, &addr).await?;
            let status = err.status();
            Ok((status, render(&v, &e, Some(&err), form.get("reason"))).into_response())
        }
        Err(err) => Err(PageError(err)),
    }
}
