//! `/party/orgs/{code}`: one organisation — its facts, committee (flagged
//! when due for election), members, places covered, the organisations
//! under it and its change log — with the forms that change it: a new
//! organisation under it, rename, move, dissolve.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use shequ_domain::party::{OrgKind, SeatRole};

use super::{kind_label, principal, refusal, tabs};
use crate::app::access::ClientAddr;
use crate::app::auth::Principal;
use crate::app::error::AppError;
use crate::app::page::ctx::{Ctx, PageError, PageResult, Viewer, enc};
use crate::app::page::layout::{Nav, page, pager};
use crate::app::state::Core;
use crate::party::api::{
    NewOrgBody, OrgChange, OrgDetail, change_org, create_org, dissolve_org, org_detail,
};
use crate::party::api::{SeatBody, seat};
use crate::party::service;

/// Members listed per page of an organisation.
const MEMBERS_PER_PAGE: u32 = 50;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OrgQuery {
    pub page: String,
}

/// `GET /party/orgs/{code}`
pub async fn show(
    State(core): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Path(code): Path<String>,
    Query(q): Query<OrgQuery>,
) -> PageResult<Markup> {
    let page = q.page.trim().parse::<u32>().unwrap_or(1).max(1);
    render(&core, &v, &addr, &code, None, page).await
}

async fn render(
    core: &Core,
    v: &Viewer,
    addr: &ClientAddr,
    code: &str,
    refused: Option<&AppError>,
    page_no: u32,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let who = principal(&v.user);
    let d = org_detail(core, &who, code, addr).await?;
    let orgs = service::visible_orgs(core, &who).await?;
    let me = orgs.iter().find(|o| o.code == d.code).map(|o| o.id);
    let children: Vec<_> = orgs
        .iter()
        .filter(|o| me.is_some() && o.parent_id == me)
        .collect();
    // Organisations of units (a new-sector organisation, a joint branch)
    // register with the street or a neighbourhood (双报到).
    let unit_org = matches!(
        OrgKind::parse(&d.kind),
        Ok(OrgKind::NewSector | OrgKind::JointBranch)
    );
    let register_regions: Vec<(String, String)> = if unit_org && v.user.role.manages_party() {
        core.store
            .regions_in(&v.user.scope)
            .await?
            .into_iter()
            .filter(|r| r.kind == "street" || r.kind == "neighbourhood")
            .map(|r| (r.code, r.name))
            .collect()
    } else {
        Vec::new()
    };
    let meetings = match me {
        Some(id) => crate::party::meetings::of_org(core, &who, id).await?,
        None => Vec::new(),
    };
    let today = core.today().to_string();
    let members_here = d.members.as_ref().map(Vec::len);
    let skip = (page_no.saturating_sub(1) * MEMBERS_PER_PAGE) as usize;
    let parent_name = d
        .parent
        .as_deref()
        .and_then(|p| orgs.iter().find(|o| o.code == p))
        .map(|o| o.name.clone());
    let body = html! {
        (tabs(ctx, &v.user, ""))
        @if let Some(e) = refused {
            (refusal(ctx, e))
            @if e.code() == "invalid_input" && matches!(e, AppError::Unprocessable(f) if f.iter().any(|f| f.code == "party_dissolve_not_empty")) {
                p.notice.notice-warn { (ctx.t_args("party-dissolve-remains", &[
                    ("members", (members_here.unwrap_or(0) as i64).into()),
                    ("orgs", (children.len() as i64).into()),
                ])) }
            }
        }
        (facts(ctx, &d, parent_name.as_deref()))
        section aria-labelledby="h-committee" {
            h2 #h-committee { (ctx.t("party-committee")) }
            @if d.election_due {
                p.notice.notice-warn { (ctx.t("party-election-due")) }
            }
            @if d.committee.is_empty() {
                p.empty { (ctx.t("party-committee-none")) }
            } @else {
                div.table-wrap { table.cards {
                    thead { tr {
                        th { (ctx.t("party-seat")) } th { (ctx.t("party-seat-holder")) }
                        th { (ctx.t("party-term")) }
                    } }
                    tbody { @for s in &d.committee {
                        @let current = s.term_start <= today && today < s.term_end;
                        tr {
                            td data-label=(ctx.t("party-seat")) { (ctx.label("party-seat", &s.role)) }
                            td data-label=(ctx.t("party-seat-holder")) { (s.name) }
                            td data-label=(ctx.t("party-term")) {
                                (s.term_start) " – " (s.term_end)
                                @if !current { " " span.tag.tag-warn { (ctx.t("party-term-ended")) } }
                            }
                        }
                    } }
                } }
            }
        }
        @if !children.is_empty() {
            section aria-labelledby="h-children" {
                h2 #h-children { (ctx.t("party-children")) }
                ul { @for c in &children {
                    li { a href={ "/party/orgs/" (c.code) } { (c.name) } " " span.tag { (kind_label(ctx, &c.kind)) } }
                } }
            }
        }
        @if let Some(members) = &d.members {
            section aria-labelledby="h-members" {
                h2 #h-members { (ctx.t("party-members")) " " span.muted { "(" (members.len()) ")" } }
                @if members.is_empty() {
                    p.empty { (ctx.t("party-members-none")) }
                } @else {
                    div.table-wrap { table.cards {
                        thead { tr {
                            th { (ctx.t("person-name")) } th { (ctx.t("party-standing")) }
                            th { (ctx.t("party-joined")) } th { (ctx.t("party-unit")) }
                        } }
                        tbody { @for m in members.iter().skip(skip).take(MEMBERS_PER_PAGE as usize) {
                            tr {
                                td data-label=(ctx.t("person-name")) {
                                    a href={ "/party/members/" (m.person_id) } { (m.name) }
                                    @if m.mobile { " " span.tag { (ctx.t("party-mobile")) } }
                                }
                                td data-label=(ctx.t("party-standing")) {
                                    (ctx.label("party-standing", &m.standing))
                                    @if m.conversion_overdue { " " span.tag.tag-overdue { (ctx.t("party-conversion-overdue")) } }
                                }
                                td data-label=(ctx.t("party-joined")) { (m.joined_on) }
                                td data-label=(ctx.t("party-unit")) { (m.unit) }
                            }
                        } }
                    } }
                    (pager(ctx, &format!("/party/orgs/{}", enc(&d.code)), &[], page_no, MEMBERS_PER_PAGE, members.len() as i64))
                }
            }
        }
        @if !meetings.is_empty() {
            section aria-labelledby="h-meetings" {
                h2 #h-meetings { (ctx.t("party-meetings")) }
                ul { @for m in &meetings {
                    li { a href={ "/party/meetings/" (m.id) } { (m.name) } " · " span.muted { (m.last_held.as_deref().unwrap_or("–")) } }
                } }
            }
        }
        @if !d.places.is_empty() {
            section aria-labelledby="h-places" {
                h2 #h-places { (ctx.t("party-places")) }
                ul { @for (id, _, name) in &d.places { li { a href={ "/places/" (id) } { (name) } } } }
            }
        }
        @if v.user.role.manages_party() && unit_org {
            section aria-labelledby="h-register" {
                h2 #h-register { (ctx.t("party-reg-unit-new")) }
                p.muted { (ctx.t("party-reg-unit-new-hint")) }
                (super::registrations::register_form(ctx, &format!("/party/orgs/{}/register", enc(&d.code)), &register_regions, &today))
            }
        }
        @if v.user.role.manages_party() { (forms(ctx, &d)) }
        section aria-labelledby="h-changes" {
            h2 #h-changes { (ctx.t("party-changes")) }
            ol.changes { @for c in d.changes.iter().rev() {
                li { (ctx.time(c.at)) " · " (c.actor) " · " (ctx.label("party-change", &c.action)) }
            } }
        }
    };
    Ok(page(ctx, Some(&v.user), Nav::Party, &d.name, body))
}

fn facts(ctx: &Ctx, d: &OrgDetail, parent_name: Option<&str>) -> Markup {
    html! {
        dl.facts {
            dt { (ctx.t("party-kind")) } dd { (kind_label(ctx, &d.kind)) }
            dt { (ctx.t("party-code")) } dd { (d.code) }
            @if let Some(p) = &d.parent {
                dt { (ctx.t("party-parent")) } dd { a href={ "/party/orgs/" (enc(p)) } { (parent_name.unwrap_or(p)) } }
            }
            @if let Some(f) = &d.founded_on { dt { (ctx.t("party-founded")) } dd { (f) } }
        }
    }
}

fn forms(ctx: &Ctx, d: &OrgDetail) -> Markup {
    let kinds: Vec<OrgKind> = OrgKind::parse(&d.kind)
        .map(|k| {
            OrgKind::ALL
                .into_iter()
                .filter(|c| k.may_hold(*c))
                .collect()
        })
        .unwrap_or_default();
    let base = format!("/party/orgs/{}", enc(&d.code));
    html! {
        section aria-labelledby="h-manage" {
            h2 #h-manage { (ctx.t("party-manage")) }
            @if !kinds.is_empty() {
                form.stack method="post" action="/party/orgs" {
                    h3 { (ctx.t("party-new-under")) }
                    input type="hidden" name="parent" value=(d.code);
                    div.field { label for="f-kind" { (ctx.t("party-kind")) }
                        select #f-kind name="kind" { @for k in &kinds { option value=(k.as_str()) { (kind_label(ctx, k.as_str())) } } } }
                    div.field { label for="f-code" { (ctx.t("party-code")) }
                        input #f-code name="code" required maxlength="40"; }
                    div.field { label for="f-name" { (ctx.t("party-name")) }
                        input #f-name name="name" required maxlength="100"; }
                    div.field { label for="f-founded_on" { (ctx.t("party-founded")) }
                        input #f-founded_on name="founded_on" type="date"; }
                    button.primary type="submit" { (ctx.t("party-create")) }
                }
            }
            @if let Some(members) = d.members.as_ref().filter(|m| !m.is_empty()) {
                form.stack method="post" action={ (base) "/seats" } {
                    h3 { (ctx.t("party-seat-add")) }
                    div.field { label for="f-person" { (ctx.t("party-seat-holder")) }
                        select #f-person name="person" { @for m in members { option value=(m.person_id) { (m.name) } } } }
                    div.field { label for="f-role" { (ctx.t("party-seat")) }
                        select #f-role name="role" { @for r in SeatRole::ALL { option value=(r.as_str()) { (ctx.label("party-seat", r.as_str())) } } } }
                    div.field { label for="f-term_start" { (ctx.t("party-term-start")) }
                        input #f-term_start name="term_start" type="date" required; }
                    div.field { label for="f-term_end" { (ctx.t("party-term-end")) }
                        input #f-term_end name="term_end" type="date" required; }
                    button type="submit" { (ctx.t("party-seat-add")) }
                }
            }
            form.stack method="post" action={ (base) "/rename" } {
                h3 { (ctx.t("party-rename")) }
                div.field { label for="f-rename" { (ctx.t("party-name")) }
                    input #f-rename name="name" required maxlength="100" value=(d.name); }
                button type="submit" { (ctx.t("party-rename")) }
            }
            form.stack method="post" action={ (base) "/move" } {
                h3 { (ctx.t("party-move")) }
                div.field { label for="f-parent" { (ctx.t("party-new-parent")) }
                    input #f-parent name="parent" required value=[d.parent.as_deref()]; }
                button type="submit" { (ctx.t("party-move")) }
            }
            form.stack method="post" action={ (base) "/dissolve" } {
                h3 { (ctx.t("party-dissolve")) }
                p.hint { (ctx.t("party-dissolve-hint")) }
                button.danger type="submit" { (ctx.t("party-dissolve")) }
            }
        }
    }
}

/// Re-renders the organisation's page with the refusal, or goes back to
/// it (or to `to`) once the change is made.
async fn after(
    core: &Core,
    v: &Viewer,
    addr: &ClientAddr,
    code: &str,
    result: Result<String, AppError>,
) -> PageResult<Response> {
    match result {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(e) if super::shown_on_form(&e) => {
            let status = e.status();
            let page = render(core, v, addr, code, Some(&e), 1).await?;
            Ok((status, page).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

/// The fields of the party forms; every value is text, so a hand-made
/// post never fails to parse and each problem is named by the service.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OrgForm {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent: String,
    pub region: String,
    pub founded_on: String,
}

/// `POST /party/orgs`: a new organisation under `parent`.
pub async fn create(
    State(core): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Form(f): Form<OrgForm>,
) -> PageResult<Response> {
    let body = NewOrgBody {
        code: f.code,
        name: f.name,
        kind: f.kind,
        parent: f.parent,
        region: Some(f.region),
        founded_on: Some(f.founded_on),
    };
    let who: Principal = principal(&v.user);
    let result = create_org(&core, &who, &body, &addr)
        .await
        .map(|r| format!("/party/orgs/{}", enc(&r.code)));
    after(&core, &v, &addr, &body.parent, result).await
}

/// `POST /party/orgs/{code}/rename`
pub async fn rename(
    State(core): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Path(code): Path<String>,
    Form(f): Form<OrgForm>,
) -> PageResult<Response> {
    let change = OrgChange {
        name: Some(f.name),
        parent: None,
    };
    let result = change_org(&core, &principal(&v.user), &code, &change, &addr)
        .await
        .map(|r| format!("/party/orgs/{}", enc(&r.code)));
    after(&core, &v, &addr, &code, result).await
}

/// `POST /party/orgs/{code}/move`
pub async fn move_to(
    State(core): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Path(code): Path<String>,
    Form(f): Form<OrgForm>,
) -> PageResult<Response> {
    let change = OrgChange {
        name: None,
        parent: Some(f.parent),
    };
    let result = change_org(&core, &principal(&v.user), &code, &change, &addr)
        .await
        .map(|r| format!("/party/orgs/{}", enc(&r.code)));
    after(&core, &v, &addr, &code, result).await
}

/// `POST /party/orgs/{code}/dissolve`: back to the tree once dissolved.
pub async fn dissolve(
    State(core): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let result = dissolve_org(&core, &principal(&v.user), &code, &addr)
        .await
        .map(|()| "/party".to_owned());
    after(&core, &v, &addr, &code, result).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SeatForm {
    pub person: String,
    pub role: String,
    pub term_start: String,
    pub term_end: String,
}

/// `POST /party/orgs/{code}/seats`: seats a member on the committee.
pub async fn add_seat(
    State(core): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Path(code): Path<String>,
    Form(f): Form<SeatForm>,
) -> PageResult<Response> {
    let body = SeatBody {
        person_id: f.person.trim().parse().unwrap_or(0),
        role: f.role,
        term_start: f.term_start,
        term_end: f.term_end,
    };
    let result = seat(&core, &principal(&v.user), &code, &body, &addr)
        .await
        .map(|_| format!("/party/orgs/{}#h-committee", enc(&code)));
    after(&core, &v, &addr, &code, result).await
}

/// `POST /party/orgs/{code}/register`: the unit organisation registers.
pub async fn register(
    State(core): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Path(code): Path<String>,
    form: crate::app::page::form::FormData,
) -> PageResult<Response> {
    let registrant = service::Registrant::Unit(code.clone());
    let result = service::register(
        &core,
        &principal(&v.user),
        &registrant,
        form.get("region"),
        form.get("posts"),
        form.get("registered_on"),
        &addr,
    )
    .await
    .map(|_| "/party/registrations".to_owned());
    after(&core, &v, &addr, &code, result).await
}
