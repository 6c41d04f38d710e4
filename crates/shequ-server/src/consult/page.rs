//! `/consult`: the departments' matters the caller sees, those with a
//! round past its deadline unanswered flagged first, this year's record
//! of each department (the street's answers in time, the department's
//! following, which its assessment counts), and the form that opens one; `/consult/{id}`: a matter's rounds with the street's answer
//! form on the waiting one, the form for the next round, and the outcome.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use shequ_domain::consult::{MatterKind, Opinion, Outcome, Stage};
use shequ_store::consult::RoundRow;

use crate::app::auth::Principal;
use crate::app::error::AppError;
use crate::app::page::ctx::{PageError, PageResult, Viewer};
use crate::app::page::form::FormData;
use crate::app::page::layout::{Nav, empty, page};
use crate::app::page::refusal::{refusal, shown_on_form};
use crate::consult::ConsultState;
use crate::consult::service;

fn who(v: &Viewer) -> Principal {
    Principal::User(Box::new(v.user.clone()))
}

/// The tabs shared with the assessment's pages (the street's say over
/// the departments feeds their assessment; one entry in the navigation).
fn tabs(ctx: &crate::app::page::ctx::Ctx) -> Markup {
    html! {
        nav.subnav aria-label=(ctx.t("consult-tabs")) { ul.links.inline {
            li { a href="/assess" { (ctx.t("consult-tab-assess")) } }
            li { a href="/consult" aria-current="page" { (ctx.t("consult-title-page")) } }
        } }
    }
}

/// A size as people read it.
fn size(bytes: i64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
        b if b >= 1024 => format!("{} KB", b / 1024),
        b => format!("{b} B"),
    }
}

/// `n/d (p%)`, or a dash when there is nothing to judge.
fn rate(r: shequ_domain::order::figures::Rate) -> String {
    match r.percent() {
        Some(p) => format!("{}/{} ({p:.0}%)", r.numerator, r.denominator),
        None => "—".to_owned(),
    }
}

fn overdue(r: &RoundRow, now: i64) -> bool {
    r.answered_at.is_none() && r.due_at <= now
}

/// `GET /consult`
pub async fn list(State(core): State<ConsultState>, v: Viewer) -> PageResult<Markup> {
    render_list(&core, &v, None).await
}

async fn render_list(
    core: &ConsultState,
    v: &Viewer,
    refused: Option<&AppError>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let p = who(v);
    let now = core.clock.now_ms();
    let mut matters = service::matters(core, &p).await?;
    matters.sort_by_key(|(m, rounds)| {
        (
            !rounds.iter().any(|r| overdue(r, now)),
            std::cmp::Reverse(m.created_at),
        )
    });
    let departments = service::departments(core, &p).await?;
    let year = chrono::Datelike::year(&core.today());
    let records = service::records(core, &p, service::year_span(core, year)).await?;
    let body = html! {
        (tabs(ctx))
        p.muted { (ctx.t("consult-intro")) }
        @if let Some(e) = refused { (refusal(ctx, e)) }
        @if matters.is_empty() {
            (empty(ctx, "consult-none"))
        } @else {
            div.table-wrap { table.cards #matters {
                thead { tr {
                    th { (ctx.t("consult-matter")) } th { (ctx.t("consult-department")) }
                    th { (ctx.t("consult-stage")) } th { (ctx.t("consult-outcome")) }
                } }
                tbody { @for (m, rounds) in &matters {
                    @let late = rounds.iter().any(|r| overdue(r, now));
                    tr.overdue[late] {
                        td data-label=(ctx.t("consult-matter")) {
                            a href={ "/consult/" (m.id) } { (m.title) } " " small.muted { (ctx.label("consult-kind", &m.kind)) }
                        }
                        td data-label=(ctx.t("consult-department")) { (m.team_name) }
                        td data-label=(ctx.t("consult-stage")) {
                            @if let Some(r) = rounds.last() {
                                (ctx.label("consult-stage", &r.stage)) " "
                                @if let Some(o) = &r.opinion { span.tag { (ctx.label("consult-opinion", o)) } }
                                @else if late { span.tag.warn { (ctx.t("consult-overdue")) } }
                                @else { span.tag { (ctx.t("consult-waiting")) } " " small.muted { (ctx.time(r.due_at)) } }
                            }
                        }
                        td data-label=(ctx.t("consult-outcome")) { (m.outcome.as_deref().map(|o| ctx.label("consult-outcome", o)).unwrap_or_default()) }
                    }
                } }
            } }
        }
        @if !records.is_empty() {
            h2 #record { (ctx.t_args("consult-record", &[("year", year.to_string().into())])) }
            p.muted { (ctx.t("consult-record-def")) }
            div.table-wrap { table.cards #records {
                thead { tr {
                    th { (ctx.t("consult-department")) } th { (ctx.t("consult-answered-on-time")) }
                    th { (ctx.t("consult-followed")) }
                } }
                tbody { @for (t, c) in &records { tr {
                    td data-label=(ctx.t("consult-department")) { (t.name) }
                    td data-label=(ctx.t("consult-answered-on-time")) { (rate(c.answered_rate())) }
                    td data-label=(ctx.t("consult-followed")) { (rate(c.followed_rate())) }
                } } }
            } }
        }
        @if !departments.is_empty() {
            h2 { (ctx.t("consult-open")) }
            form.stack method="post" action="/consult" {
                div.field { label for="c-team" { (ctx.t("consult-department")) }
                    select #c-team name="team" { @for t in &departments { option value=(t.id) { (t.name) } } } }
                div.field { label for="c-kind" { (ctx.t("consult-kind")) }
                    select #c-kind name="kind" { @for k in MatterKind::ALL { option value=(k.as_str()) { (ctx.label("consult-kind", k.as_str())) } } } }
                div.field { label for="c-title" { (ctx.t("consult-title")) } input #c-title name="title" required; }
                div.field { label for="c-body" { (ctx.t("consult-body")) } textarea #c-body name="body" rows="3" required {} }
                div.field { label for="c-days" { (ctx.t("consult-days")) } input #c-days name="days" inputmode="numeric" placeholder="10"; }
                button.primary type="submit" { (ctx.t("consult-open-submit")) }
            }
        }
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::Assess,
        &ctx.t("consult-title-page"),
        body,
    ))
}

/// The open-a-matter form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OpenForm {
    pub team: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub days: String,
}

/// `POST /consult`
pub async fn open(
    State(core): State<ConsultState>,
    v: Viewer,
    Form(f): Form<OpenForm>,
) -> PageResult<Response> {
    let p = who(&v);
    let result = match f.team.trim().parse::<i64>() {
        Ok(team) => service::open(&core, &p, team, (&f.kind, &f.title, &f.body, &f.days)).await,
        Err(_) => Err(AppError::unprocessable(
            "team",
            shequ_domain::Code::Required,
            "choose the department",
        )),
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/consult/{id}")).into_response()),
        Err(e) if shown_on_form(&e) => {
            let status = e.status();
            Ok((status, render_list(&core, &v, Some(&e)).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

/// `GET /consult/{id}`
pub async fn show(
    State(core): State<ConsultState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> PageResult<Markup> {
    render(&core, &v, id, None).await
}

async fn render(
    core: &ConsultState,
    v: &Viewer,
    id: i64,
    refused: Option<&AppError>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let p = who(v);
    let now = core.clock.now_ms();
    let (m, rounds) = service::matter(core, &p, id).await?;
    let street = service::is_street(&p);
    let speaks = service::departments(core, &p)
        .await?
        .iter()
        .any(|t| t.id == m.team_id);
    let last = rounds.last();
    let next = last
        .filter(|r| r.answered_at.is_some())
        .and_then(|r| Stage::parse(&r.stage).ok())
        .and_then(Stage::next);
    let open = m.concluded_at.is_none();
    let documents = service::documents(core, &m).await?;
    let may_attach = open && (street || speaks);
    let body = html! {
        p { a href="/consult" { "← " (ctx.t("consult-title-page")) } }
        @if let Some(e) = refused { (refusal(ctx, e)) }
        dl.facts {
            dt { (ctx.t("consult-department")) } dd { (m.team_name) }
            dt { (ctx.t("consult-kind")) } dd { (ctx.label("consult-kind", &m.kind)) }
            @if let Some(o) = &m.outcome {
                dt { (ctx.t("consult-outcome")) } dd #outcome { (ctx.label("consult-outcome", o)) " " (m.outcome_note.as_deref().unwrap_or("")) }
            }
        }
        ol.rounds #rounds { @for r in &rounds { li data-stage=(r.stage) {
            strong { (ctx.label("consult-stage", &r.stage)) } " · " (r.body) br;
            small.muted { (ctx.t("consult-asked")) " " (ctx.time(r.asked_at)) " · " (ctx.t("consult-due")) " " (ctx.time(r.due_at)) }
            @let docs: Vec<_> = documents.iter().filter(|d| d.round_id == r.id).collect();
            @if !docs.is_empty() {
                ul.plain.documents { @for d in docs { li {
                    a href={ "/consult/documents/" (d.id) } download=(d.name) { (d.name) }
                    " " small.muted { (size(d.size)) " · " (ctx.time(d.created_at)) }
                } } }
            }
            @if may_attach {
                form.inline.attach method="post" action={ "/consult/rounds/" (r.id) "/documents" } enctype="multipart/form-data" {
                    label { (ctx.t("consult-attach")) " "
                        input type="file" name="document" required
                            accept=".pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.png,.jpg,.jpeg,.txt"; }
                    button type="submit" { (ctx.t("consult-attach-submit")) }
                }
            }
            @if let Some(o) = &r.opinion {
                p { span.tag { (ctx.label("consult-opinion", o)) } " " (r.reasons.as_deref().unwrap_or("")) " · " small.muted { (r.answered_by.as_deref().unwrap_or("")) " " (r.answered_at.map(|a| ctx.time(a)).unwrap_or_default()) } }
            } @else {
                @if overdue(r, now) { p { span.tag.warn { (ctx.t("consult-overdue")) } } }
                @if street && open {
                    form.inline method="post" action={ "/consult/rounds/" (r.id) "/answer" } {
                        select name="opinion" aria-label=(ctx.t("consult-opinion")) { @for o in Opinion::ALL { option value=(o.as_str()) { (ctx.label("consult-opinion", o.as_str())) } } }
                        input name="reasons" size="30" placeholder=(ctx.t("consult-reasons"));
                        button type="submit" { (ctx.t("consult-answer-submit")) }
                    }
                }
            }
        } } }
        @if speaks && open {
            @if let Some(stage) = next {
                h2 { (ctx.label("consult-stage", stage.as_str())) }
                form.stack method="post" action={ "/consult/" (m.id) "/rounds" } {
                    input type="hidden" name="stage" value=(stage.as_str());
                    div.field { label for="r-body" { (ctx.t("consult-body")) } textarea #r-body name="body" rows="3" required {} }
                    div.field { label for="r-days" { (ctx.t("consult-days")) } input #r-days name="days" inputmode="numeric" placeholder="10"; }
                    button.primary type="submit" { (ctx.t("consult-round-submit")) }
                }
            }
            h2 { (ctx.t("consult-conclude")) }
            form.inline method="post" action={ "/consult/" (m.id) "/outcome" } {
                select name="outcome" aria-label=(ctx.t("consult-outcome")) { @for o in Outcome::ALL { option value=(o.as_str()) { (ctx.label("consult-outcome", o.as_str())) } } }
                input name="note" size="30" placeholder=(ctx.t("consult-note"));
                button type="submit" { (ctx.t("consult-conclude-submit")) }
            }
        }
    };
    Ok(page(ctx, Some(&v.user), Nav::Assess, &m.title, body))
}

async fn back(
    core: &ConsultState,
    v: &Viewer,
    id: i64,
    result: Result<(), AppError>,
) -> PageResult<Response> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/consult/{id}")).into_response()),
        Err(e) if shown_on_form(&e) => {
            let status = e.status();
            Ok((status, render(core, v, id, Some(&e)).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

/// The next-round form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RoundForm {
    pub stage: String,
    pub body: String,
    pub days: String,
}

/// `POST /consult/{id}/rounds`
pub async fn next_round(
    State(core): State<ConsultState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<RoundForm>,
) -> PageResult<Response> {
    let r = service::next_round(&core, &who(&v), id, &f.stage, &f.body, &f.days)
        .await
        .map(|_| ());
    back(&core, &v, id, r).await
}

/// The answer form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AnswerForm {
    pub opinion: String,
    pub reasons: String,
}

/// `POST /consult/rounds/{id}/answer`
pub async fn answer(
    State(core): State<ConsultState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<AnswerForm>,
) -> PageResult<Response> {
    let p = who(&v);
    match service::answer_round(&core, &p, id, &f.opinion, &f.reasons).await {
        Ok(matter) => Ok(Redirect::to(&format!("/consult/{matter}")).into_response()),
        Err(e) if shown_on_form(&e) => {
            let matter = service::matter_of_round(&core, &p, id).await?.0.id;
            let status = e.status();
            Ok((status, render(&core, &v, matter, Some(&e)).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

/// The outcome form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OutcomeForm {
    pub outcome: String,
    pub note: String,
}

/// `POST /consult/{id}/outcome`
pub async fn conclude(
    State(core): State<ConsultState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<OutcomeForm>,
) -> PageResult<Response> {
    let r = service::conclude(&core, &who(&v), id, &f.outcome, &f.note).await;
    back(&core, &v, id, r).await
}

/// `POST /consult/rounds/{id}/documents` (multipart, the file in
/// `document`).
pub async fn attach(
    State(core): State<ConsultState>,
    v: Viewer,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult<Response> {
    let p = who(&v);
    let file = (
        form.file_name.as_deref().unwrap_or(""),
        form.file.as_deref().unwrap_or(&[]),
    );
    match service::attach(&core, &p, id, file, form.file_too_large).await {
        Ok(matter) => Ok(Redirect::to(&format!("/consult/{matter}")).into_response()),
        Err(e) if shown_on_form(&e) || matches!(e, AppError::PayloadTooLarge { .. }) => {
            let matter = service::matter_of_round(&core, &p, id).await?.0.id;
            let status = e.status();
            Ok((status, render(&core, &v, matter, Some(&e)).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

/// `GET /consult/documents/{id}`: the document's bytes, as an attachment
/// under its own name, never sniffed into something else by the browser.
pub async fn download(
    State(core): State<ConsultState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    use axum::http::header;
    let (row, data) = service::document(&core, &who(&v), id).await?;
    let encoded: String = url::form_urlencoded::byte_serialize(row.name.as_bytes()).collect();
    // The form encoding writes spaces as `+`; RFC 5987 wants `%20`.
    let encoded = encoded.replace('+', "%20");
    Ok((
        [
            (header::CONTENT_TYPE, row.content_type),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename*=UTF-8''{encoded}"),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        data,
    )
        .into_response())
}
