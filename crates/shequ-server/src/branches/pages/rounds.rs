//! `/branches`: the preference-form rounds of the user's organisations and
//! the form that opens one; `/branches/rounds/{id}`: one round — its
//! offers, who has sent a form, the paper-form entry, and the assignment
//! (previewed while open, to confirm once closed, as made once
//! confirmed), with how many got which choice and who was placed without
//! one of theirs, and why.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use shequ_domain::branches::assign::AssignError;
use shequ_domain::branches::{Assignment, Placement};
use shequ_domain::party::OrgKind;
use shequ_store::branches::RoundState;

use super::{kind_label, principal, rank_label, tabs};
use crate::app::access::ClientAddr;
use crate::app::error::AppError;
use crate::app::page::ctx::{Ctx, PageError, PageResult, Viewer};
use crate::app::page::layout::{Nav, empty, figures, page};
use crate::app::page::refusal::{refusal, shown_on_form};
use crate::app::state::Core;
use crate::branches::service::{self, Outcome, RoundStep, RoundView};
use crate::party::service as party;

/// The example shown in the offers field.
const OFFERS_EXAMPLE: &str = "TJQ,太极拳,趣缘,3,30\nSHF,书法,趣缘,3,30\nYL,医疗卫生,业缘,3,40\nYH1,一号楼,地缘,3,60,REGION-CODE";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OpenForm {
    pub org: String,
    pub title: String,
    pub offers: String,
}

/// `GET /branches`
pub async fn list(State(core): State<Core>, v: Viewer) -> PageResult<Markup> {
    render_list(&core, &v, &OpenForm::default(), None).await
}

async fn render_list(
    core: &Core,
    v: &Viewer,
    form: &OpenForm,
    refused: Option<&AppError>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let who = principal(&v.user);
    let rounds = service::rounds(core, &who).await?;
    let mut orgs: Vec<_> = party::visible_orgs(core, &who)
        .await?
        .into_iter()
        .filter(|o| OrgKind::parse(&o.kind).is_ok_and(|k| k.may_hold(OrgKind::InterestBranch)))
        .collect();
    // A neighbourhood's 党总支 first: the usual organiser of a round.
    orgs.sort_by_key(|o| o.kind != OrgKind::NeighbourhoodGeneralBranch.as_str());
    let manages = v.user.role.manages_party();
    let body = html! {
        (tabs(ctx, "/branches"))
        p.muted { (ctx.t("branches-intro")) }
        @if rounds.is_empty() {
            (empty(ctx, "branches-rounds-none"))
        } @else {
            div.table-wrap { table.cards {
                thead { tr {
                    th { (ctx.t("branches-round")) } th { (ctx.t("branches-org")) }
                    th { (ctx.t("branches-state")) } th { (ctx.t("branches-opened")) }
                } }
                tbody { @for r in &rounds { tr {
                    td data-label=(ctx.t("branches-round")) { a href={ "/branches/rounds/" (r.id) } { (r.title) } }
                    td data-label=(ctx.t("branches-org")) { (r.org_name) }
                    td data-label=(ctx.t("branches-state")) { span.tag { (ctx.label("branches-state", &r.state)) } }
                    td data-label=(ctx.t("branches-opened")) { (r.opened_on) }
                } } }
            } }
        }
        @if manages && !orgs.is_empty() {
            h2 #open { (ctx.t("branches-open")) }
            @if let Some(e) = refused { (refusal(ctx, e)) }
            form.stack method="post" action="/branches" {
                div.field { label for="o-org" { (ctx.t("branches-org")) }
                    select #o-org name="org" { @for o in &orgs {
                        option value=(o.code) selected[o.code == form.org] { (o.name) }
                    } } }
                div.field { label for="o-title" { (ctx.t("branches-title")) }
                    input #o-title name="title" value=(form.title) placeholder=(ctx.t("branches-title-hint")); }
                div.field { label for="o-offers" { (ctx.t("branches-offers")) }
                    p.muted #o-offers-hint { (ctx.t("branches-offers-hint")) }
                    textarea #o-offers name="offers" rows="8" aria-describedby="o-offers-hint" placeholder=(OFFERS_EXAMPLE) { (form.offers) } }
                button.primary type="submit" { (ctx.t("branches-open-submit")) }
            }
        }
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::Party,
        &ctx.t("branches-title-page"),
        body,
    ))
}

/// `POST /branches`
pub async fn open(
    State(core): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Form(f): Form<OpenForm>,
) -> PageResult<Response> {
    match service::open_round(
        &core,
        &principal(&v.user),
        &f.org,
        &f.title,
        &f.offers,
        &addr,
    )
    .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/branches/rounds/{id}")).into_response()),
        Err(e) if shown_on_form(&e) => {
            let status = e.status();
            Ok((status, render_list(&core, &v, &f, Some(&e)).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

/// `GET /branches/rounds/{id}`
pub async fn show(
    State(core): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Path(id): Path<i64>,
) -> PageResult<Markup> {
    render(&core, &v, id, &addr, None).await
}

/// Why a member was placed outside their choices, in the page's
/// language; `None` when they got one of them or ranked nothing.
fn reason(ctx: &Ctx, p: &shequ_domain::branches::Placed) -> Option<String> {
    p.reason()?;
    Some(match p.placement {
        Placement::Home => ctx.t("branches-reason-home"),
        _ => ctx.t("branches-reason-moved"),
    })
}

async fn render(
    core: &Core,
    v: &Viewer,
    id: i64,
    addr: &ClientAddr,
    refused: Option<&AppError>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let who = principal(&v.user);
    let view = service::view_round(core, &who, id, addr).await?;
    let RoundView {
        round,
        offers,
        members,
        outcome,
    } = &view;
    let state = view.state();
    let manages = v.user.role.manages_party();
    let name_of: HashMap<String, &str> = members
        .iter()
        .map(|m| (m.person_id.to_string(), m.name.as_str()))
        .collect();
    let offer_name: HashMap<&str, String> = offers
        .iter()
        .map(|o| {
            (
                o.code.as_str(),
                format!("{}·{}", kind_label(ctx, &o.kind), o.name),
            )
        })
        .collect();
    let forms_in = members.iter().filter(|m| m.entered_by.is_some()).count();
    let first_choices: HashMap<&str, usize> = members
        .iter()
        .filter_map(|m| m.choices.first())
        .fold(HashMap::new(), |mut acc, c| {
            *acc.entry(c.as_str()).or_insert(0) += 1;
            acc
        });
    let (assignment, failure): (Option<&Assignment>, Option<&AssignError>) = match outcome {
        Outcome::Preview(r) | Outcome::Computed(r) => match r {
            Ok(a) => (Some(a), None),
            Err(e) => (None, Some(e)),
        },
        Outcome::Confirmed(_) => (None, None),
    };
    let counts = outcome.counts();
    let sizes: HashMap<String, u32> = match outcome {
        Outcome::Confirmed(placed) => placed.iter().fold(HashMap::new(), |mut acc, p| {
            *acc.entry(p.branch.clone()).or_insert(0) += 1;
            acc
        }),
        _ => assignment
            .map(|a| {
                a.sizes()
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect()
            })
            .unwrap_or_default(),
    };
    let links: Vec<String> = if manages && state == RoundState::Open {
        let persons: Vec<i64> = members.iter().map(|m| m.person_id).collect();
        service::form_links(core, id, &persons).await?
    } else {
        Vec::new()
    };
    let rank_keys = ["1", "2", "3", "home", "moved"];
    let body = html! {
        (tabs(ctx, "/branches"))
        p { (round.org_name) " · " span.tag { (ctx.label("branches-state", &round.state)) } " · " (ctx.t("branches-opened")) " " (round.opened_on)
            @if let Some(d) = &round.confirmed_on { " · " (ctx.t("branches-confirmed-on")) " " (d) } }
        @if let Some(e) = refused { (refusal(ctx, e)) }
        (figures(&[
            (ctx.t("branches-members"), members.len().to_string(), None),
            (ctx.t("branches-forms-in"), forms_in.to_string(), None),
        ]))
        @if let Some(c) = counts {
            h2 { @if state == RoundState::Confirmed { (ctx.t("branches-result-confirmed")) } @else if state == RoundState::Closed { (ctx.t("branches-result-to-confirm")) } @else { (ctx.t("branches-result-preview")) } }
            (figures(&rank_keys.iter().zip(c).map(|(k, n)| (rank_label(ctx, k), n.to_string(), None)).collect::<Vec<_>>()))
        }
        @if let Some(e) = failure {
            div.notice.notice-error role="alert" #infeasible {
                @match e {
                    AssignError::Infeasible(why) => {
                        p { strong { (ctx.t("branches-infeasible")) } }
                        ul { @for w in why { li lang="en" { (w.to_string()) } } }
                    }
                    AssignError::Invalid(v) => {
                        p { strong { (ctx.label("error", v.code.as_str())) } }
                        ul { li lang="en" { (v.message) } }
                    }
                }
            }
        }
        @if manages {
            div.actions {
                @match state {
                    RoundState::Open => {
                        form.action-form method="post" action={ "/branches/rounds/" (id) "/step/close" } {
                            button type="submit" { (ctx.t("branches-close")) } }
                    }
                    RoundState::Closed => {
                        form.action-form method="post" action={ "/branches/rounds/" (id) "/step/reopen" } {
                            button type="submit" { (ctx.t("branches-reopen")) } }
                        @if assignment.is_some() {
                            form.action-form method="post" action={ "/branches/rounds/" (id) "/step/confirm" } {
                                button.primary type="submit" { (ctx.t("branches-confirm")) } }
                        }
                    }
                    RoundState::Confirmed => {}
                }
            }
        }
        h2 { (ctx.t("branches-offers")) }
        div.table-wrap { table.cards #offers {
            thead { tr {
                th { (ctx.t("branches-branch")) } th { (ctx.t("branches-limits")) }
                th { (ctx.t("branches-first-choices")) } th { (ctx.t("branches-placed")) }
            } }
            tbody { @for o in offers.iter() { tr {
                td data-label=(ctx.t("branches-branch")) { (offer_name[o.code.as_str()]) " " span.muted { (o.code) }
                    @if let Some(r) = &o.region_name { " · " (r) } }
                td data-label=(ctx.t("branches-limits")) { (o.min_full) "–" (o.max_size) }
                td.num data-label=(ctx.t("branches-first-choices")) { (first_choices.get(o.code.as_str()).copied().unwrap_or(0)) }
                td.num data-label=(ctx.t("branches-placed")) { (sizes.get(&o.code).copied().unwrap_or(0)) }
            } } }
        } }
        @if let Some(a) = assignment {
            @let without: Vec<_> = a.placed.iter().filter_map(|p| reason(ctx, p).map(|r| (p, r))).collect();
            h2 #without { (ctx.t("branches-without-choice")) " (" (without.len()) ")" }
            @if without.is_empty() { (empty(ctx, "branches-without-none")) } @else {
                ul { @for (p, r) in &without { li {
                    (name_of.get(&p.member).copied().unwrap_or(&p.member)) " → " (offer_name.get(p.branch.as_str()).cloned().unwrap_or_default()) ": " (r)
                } } }
            }
            h2 { (ctx.t("branches-assignment")) }
            div.table-wrap { table.cards #assignment {
                thead { tr { th { (ctx.t("person-name")) } th { (ctx.t("branches-branch")) } th { (ctx.t("branches-rank")) } } }
                tbody { @for p in &a.placed { tr {
                    td data-label=(ctx.t("person-name")) { (name_of.get(&p.member).copied().unwrap_or(&p.member)) }
                    td data-label=(ctx.t("branches-branch")) { (offer_name.get(p.branch.as_str()).cloned().unwrap_or_default()) }
                    td data-label=(ctx.t("branches-rank")) { (rank_label(ctx, p.placement.as_str())) }
                } } }
            } }
        }
        @if let Outcome::Confirmed(placed) = outcome {
            h2 { (ctx.t("branches-assignment")) }
            div.table-wrap { table.cards #assignment {
                thead { tr { th { (ctx.t("person-name")) } th { (ctx.t("branches-branch")) } th { (ctx.t("branches-rank")) } } }
                tbody { @for p in placed { tr {
                    td data-label=(ctx.t("person-name")) { (name_of.get(&p.person_id.to_string()).copied().unwrap_or("–")) }
                    td data-label=(ctx.t("branches-branch")) { (offer_name.get(p.branch.as_str()).cloned().unwrap_or_default()) }
                    td data-label=(ctx.t("branches-rank")) { (rank_label(ctx, &p.rank)) }
                } } }
            } }
        }
        h2 { (ctx.t("branches-forms")) }
        @if manages && state == RoundState::Open {
            form.stack method="post" action={ "/branches/rounds/" (id) "/forms" } #paper {
                p.muted { (ctx.t("branches-paper-hint")) }
                div.field { label for="p-person" { (ctx.t("person-name")) }
                    select #p-person name="person_id" { @for m in members.iter() { option value=(m.person_id) { (m.name) " · " (m.org_name) } } } }
                @for i in 1..=3 {
                    div.field { label for={ "p-choice" (i) } { (ctx.t_args("branches-choice-n", &[("n", i.into())])) }
                        select id={ "p-choice" (i) } name={ "choice" (i) } {
                            option value="" { (ctx.t("branches-choice-none")) }
                            @for o in offers.iter() { option value=(o.code) { (offer_name[o.code.as_str()]) } }
                        } }
                }
                button.primary type="submit" { (ctx.t("branches-paper-submit")) }
            }
        }
        div.table-wrap { table.cards #members {
            thead { tr {
                th { (ctx.t("person-name")) } th { (ctx.t("branches-standing")) } th { (ctx.t("branches-now-in")) }
                th { (ctx.t("branches-home")) } th { (ctx.t("branches-choices")) }
                @if !links.is_empty() { th { (ctx.t("branches-form-link")) } }
            } }
            tbody { @for (i, m) in members.iter().enumerate() { tr {
                td data-label=(ctx.t("person-name")) { a href={ "/party/members/" (m.person_id) } { (m.name) } }
                td data-label=(ctx.t("branches-standing")) { @if m.full { (ctx.t("branches-full")) } @else { span.tag { (ctx.t("branches-probationary")) } } }
                td data-label=(ctx.t("branches-now-in")) { (m.org_name) }
                td data-label=(ctx.t("branches-home")) { (m.home.as_deref().and_then(|h| offer_name.get(h).cloned()).unwrap_or_else(|| "–".into())) }
                td data-label=(ctx.t("branches-choices")) {
                    @if m.entered_by.is_none() { span.muted { (ctx.t("branches-no-form")) } }
                    @else {
                        @for (j, c) in m.choices.iter().enumerate() { @if j > 0 { " › " } (offer_name.get(c.as_str()).cloned().unwrap_or_else(|| c.clone())) }
                        @if m.choices.is_empty() { (ctx.t("branches-ranked-nothing")) }
                        @if m.entered_by.as_deref() != Some("self") { " " span.muted { (ctx.t("branches-paper")) } }
                    }
                }
                @if let Some(l) = links.get(i) { td data-label=(ctx.t("branches-form-link")) { a href=(l) { (ctx.t("branches-form-open")) } } }
            } } }
        } }
    };
    Ok(page(ctx, Some(&v.user), Nav::Party, &round.title, body))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PaperForm {
    pub person_id: String,
    pub choice1: String,
    pub choice2: String,
    pub choice3: String,
}

/// `POST /branches/rounds/{id}/forms`
pub async fn enter_form(
    State(core): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Path(id): Path<i64>,
    Form(f): Form<PaperForm>,
) -> PageResult<Response> {
    let result = match f.person_id.trim().parse::<i64>() {
        Ok(person) => {
            let choices = [f.choice1, f.choice2, f.choice3];
            service::enter_form(&core, &principal(&v.user), id, person, &choices, &addr).await
        }
        Err(_) => Err(AppError::unprocessable(
            "person_id",
            shequ_domain::Code::BranchNotInRound,
            "choose the member whose form this is",
        )),
    };
    after(&core, &v, id, &addr, result.map(|_| ())).await
}

/// `POST /branches/rounds/{id}/step/{step}`
pub async fn step(
    State(core): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Path((id, step)): Path<(i64, String)>,
) -> PageResult<Response> {
    let result = match RoundStep::parse(&step) {
        Some(s) => service::step_round(&core, &principal(&v.user), id, s, &addr)
            .await
            .map(|_| ()),
        None => Err(AppError::NotFound("branch step")),
    };
    after(&core, &v, id, &addr, result).await
}

/// Back to the round after a change, or the round again with the refusal.
async fn after(
    core: &Core,
    v: &Viewer,
    id: i64,
    addr: &ClientAddr,
    result: Result<(), AppError>,
) -> PageResult<Response> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/branches/rounds/{id}")).into_response()),
        Err(e) if shown_on_form(&e) => {
            let status = e.status();
            Ok((status, render(core, v, id, addr, Some(&e)).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}
