//! Joint meetings (联席会议): `/party/meetings`, the meetings of the user's
//! area with their decisions counted by stage and the form for a new one;
//! `/party/meetings/{id}`, one meeting — each decision with its work
//! order's state, owner and deadline (refreshed in place by shequ.js as
//! the orders change), the sessions with attendance, agenda and minutes, the members
//! and the meetings below — with the forms that record a session (its
//! decisions become orders), add a decision and seat a member.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use shequ_domain::party::meeting::{Stage, attendance_rate};
use shequ_store::orders::catalogue::Category;
use shequ_store::places::PlaceQuery;
use shequ_store::{Paging, Scope};

use super::{principal, refusal, shown_on_form, tabs};
use crate::app::access::ClientAddr;
use crate::app::error::AppError;
use crate::app::i18n::Lang;
use crate::app::page::ctx::{Ctx, PageError, PageResult, Viewer};
use crate::app::page::form::FormData;
use crate::app::page::layout::{Nav, figures, page};
use crate::orders::service::active_categories;
use crate::party::PartyState;
use crate::party::meetings::{
    self, DecisionInput, DecisionView, MeetingDetail, MeetingInput, MemberInput, SessionInput,
};

/// Decision rows the session form offers (more are added to the session
/// afterwards).
const DECISION_ROWS: usize = 3;

/// Places offered for a decision (the meeting's region's, by name).
const PLACES_OFFERED: u32 = 300;

fn category_name(ctx: &Ctx, c: &Category) -> String {
    match ctx.lang {
        Lang::Zh => c.name_zh.clone(),
        Lang::En => c.name_en.clone(),
    }
}

/// `GET /party/meetings`
pub async fn list(State(state): State<PartyState>, v: Viewer) -> PageResult<Markup> {
    render_list(&state, &v, None, &FormData::default()).await
}

async fn render_list(
    state: &PartyState,
    v: &Viewer,
    refused: Option<&AppError>,
    form: &FormData,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let who = principal(&v.user);
    let rows = meetings::visible(state, &who).await?;
    let regions = state.store.regions_in(&v.user.scope).await?;
    let orgs = crate::party::service::visible_orgs(state, &who).await?;
    let body = html! {
        (tabs(ctx, &v.user, "/party/meetings"))
        @if let Some(e) = refused { (refusal(ctx, e)) }
        p.muted { (ctx.t("party-meetings-intro")) }
        @if rows.is_empty() {
            p.empty { (ctx.t("party-meetings-none")) }
        } @else {
            div.table-wrap { table.cards {
                thead { tr {
                    th { (ctx.t("party-meeting")) } th { (ctx.t("party-meeting-level")) }
                    th { (ctx.t("party-meeting-region")) } th { (ctx.t("party-meeting-last")) }
                    th { (ctx.t("party-decisions")) } th { (ctx.t("party-decision-done")) }
                    th { (ctx.t("party-decision-overdue")) }
                } }
                tbody { @for r in &rows {
                    tr.overdue[r.tally.overdue > 0] {
                        td data-label=(ctx.t("party-meeting")) {
                            a href={ "/party/meetings/" (r.meeting.id) } { (r.meeting.name) }
                            @if let Some(p) = &r.meeting.parent_name { br; span.muted { "↑ " (p) } }
                        }
                        td data-label=(ctx.t("party-meeting-level")) { (ctx.label("party-meeting-level", &r.meeting.level)) }
                        td data-label=(ctx.t("party-meeting-region")) { (r.meeting.region_name) }
                        td data-label=(ctx.t("party-meeting-last")) { (r.meeting.last_held.as_deref().unwrap_or("–")) }
                        td.num data-label=(ctx.t("party-decisions")) { (r.tally.decisions) }
                        td.num data-label=(ctx.t("party-decision-done")) { (r.tally.done) }
                        td.num data-label=(ctx.t("party-decision-overdue")) {
                            (r.tally.overdue)
                        }
                    }
                } }
            } }
        }
        @if v.user.role.manages_party() {
            form.stack method="post" action="/party/meetings" {
                h2 { (ctx.t("party-meeting-new")) }
                div.field { label for="m-name" { (ctx.t("party-meeting-name")) }
                    input #m-name name="name" required maxlength="100" value=(form.get("name")); }
                div.field { label for="m-code" { (ctx.t("party-meeting-code")) }
                    input #m-code name="code" required maxlength="40" value=(form.get("code")) placeholder="LXH-TL-01"; }
                div.field { label for="m-region" { (ctx.t("party-meeting-region")) }
                    select #m-region name="region" {
                        @for r in regions.iter().filter(|r| r.kind != "grid" && r.kind != "city") {
                            option value=(r.code) selected[form.get("region") == r.code] { (r.name) }
                        }
                    } }
                div.field { label for="m-convener" { (ctx.t("party-meeting-convener")) }
                    select #m-convener name="convener" {
                        option value="" { "–" }
                        @for o in &orgs { option value=(o.code) selected[form.get("convener") == o.code] { (o.name) } }
                    } }
                div.field { label for="m-parent" { (ctx.t("party-meeting-parent")) }
                    select #m-parent name="parent" {
                        option value="" { "–" }
                        @for r in &rows { option value=(r.meeting.id) selected[form.get("parent") == r.meeting.id.to_string()] { (r.meeting.name) } }
                    } }
                button.primary type="submit" { (ctx.t("party-meeting-create")) }
            }
        }
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::Party,
        &ctx.t("party-meetings"),
        body,
    ))
}

/// `POST /party/meetings`
pub async fn create(
    State(state): State<PartyState>,
    v: Viewer,
    addr: ClientAddr,
    form: FormData,
) -> PageResult<Response> {
    let input = MeetingInput {
        code: form.get("code").to_owned(),
        name: form.get("name").to_owned(),
        region: form.get("region").to_owned(),
        convener: form.get("convener").to_owned(),
        parent_id: form.get("parent").parse().ok(),
    };
    match meetings::create(&state, &principal(&v.user), &input, &addr).await {
        Ok(m) => Ok(Redirect::to(&format!("/party/meetings/{}", m.id)).into_response()),
        Err(e) if shown_on_form(&e) => {
            let status = e.status();
            Ok((status, render_list(&state, &v, Some(&e), &form).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

/// `GET /party/meetings/{id}`
pub async fn show(
    State(state): State<PartyState>,
    v: Viewer,
    addr: ClientAddr,
    Path(id): Path<i64>,
) -> PageResult<Markup> {
    render(&state, &v, &addr, id, None).await
}

/// `GET /party/meetings/{id}/progress`: the decisions table alone, which
/// the page fetches again when one of its orders changes.
pub async fn progress(
    State(state): State<PartyState>,
    v: Viewer,
    addr: ClientAddr,
    Path(id): Path<i64>,
) -> PageResult<Markup> {
    let d = meetings::detail(&state, &principal(&v.user), id, &addr).await?;
    Ok(decisions_table(&v.ctx, &d))
}

/// `GET /party/decisions/{id}`: where an order's link back lands.
pub async fn decision(
    State(state): State<PartyState>,
    v: Viewer,
    addr: ClientAddr,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let m = meetings::meeting_of_decision(&state, &principal(&v.user), id, &addr).await?;
    Ok(Redirect::to(&format!("/party/meetings/{}#decision-{id}", m.id)).into_response())
}

fn all_decisions(d: &MeetingDetail) -> impl Iterator<Item = (&str, &DecisionView)> {
    d.sessions
        .iter()
        .rev()
        .flat_map(|s| s.decisions.iter().map(|x| (s.session.held_on.as_str(), x)))
}

fn stage_tag(ctx: &Ctx, x: &DecisionView) -> Markup {
    let class = match x.stage.as_str() {
        "overdue" | "unfiled" => "tag tag-overdue",
        "done" => "tag tag-ok",
        _ => "tag",
    };
    html! {
        span class=(class) data-stage=(x.stage.as_str()) { (ctx.label("party-stage", x.stage.as_str())) }
        @if let (Some(o), Stage::Open { .. }) = (&x.order, x.stage) {
            " " span.muted { (ctx.label("order-state", &o.state)) }
        }
    }
}

/// The decisions of every session with their orders: what the meeting is
/// judged by (seed 003: 决定 → 工单 → 办结).
fn decisions_table(ctx: &Ctx, d: &MeetingDetail) -> Markup {
    let order_ids: Vec<String> = all_decisions(d)
        .filter_map(|(_, x)| x.decision.order_id)
        .map(|id| id.to_string())
        .collect();
    let t = &d.tally;
    let figs = vec![
        (ctx.t("party-decisions"), t.decisions.to_string(), None),
        (ctx.t("party-decision-done"), t.done.to_string(), None),
        (ctx.t("party-decision-open"), t.open.to_string(), None),
        (ctx.t("party-decision-overdue"), t.overdue.to_string(), None),
        (
            ctx.t("party-decision-rate"),
            t.done_rate().map_or("–".to_owned(), |r| format!("{r:.0}%")),
            None,
        ),
    ];
    html! {
        div #progress data-orders=(order_ids.join(",")) data-src={ "/party/meetings/" (d.meeting.id) "/progress" } aria-live="polite" {
            (figures(&figs))
            @if d.tally.decisions == 0 {
                p.empty { (ctx.t("party-decisions-none")) }
            } @else {
                div.table-wrap { table.cards {
                    thead { tr {
                        th { (ctx.t("party-decision")) } th { (ctx.t("party-session-day")) }
                        th { (ctx.t("party-decision-order")) } th { (ctx.t("party-decision-owner")) }
                        th { (ctx.t("party-decision-due")) } th { (ctx.t("party-decision-stage")) }
                    } }
                    tbody { @for (held_on, x) in all_decisions(d) {
                        tr #{ "decision-" (x.decision.id) } .overdue[x.stage == (Stage::Open { overdue: true })] {
                            td data-label=(ctx.t("party-decision")) { (x.decision.title) }
                            td data-label=(ctx.t("party-session-day")) { (held_on) }
                            td data-label=(ctx.t("party-decision-order")) {
                                @if let Some(o) = x.decision.order_id { a href={ "/orders/" (o) } { "#" (o) } } @else { "–" }
                            }
                            td data-label=(ctx.t("party-decision-owner")) {
                                (x.order.as_ref().and_then(|o| o.owner_name.as_deref()).unwrap_or("–"))
                            }
                            td data-label=(ctx.t("party-decision-due")) {
                                @if let Some(o) = &x.order {
                                    (ctx.time(o.resolve_due_at))
                                } @else { (x.decision.due_on.as_deref().unwrap_or("–")) }
                            }
                            td data-label=(ctx.t("party-decision-stage")) { (stage_tag(ctx, x)) }
                        }
                    } }
                } }
            }
        }
    }
}

async fn render(
    state: &PartyState,
    v: &Viewer,
    addr: &ClientAddr,
    id: i64,
    refused: Option<(&AppError, &FormData)>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let who = principal(&v.user);
    let d = meetings::detail(state, &who, id, addr).await?;
    let manages = v.user.role.manages_party();
    let empty = FormData::default();
    let form = refused.map_or(&empty, |(_, f)| f);
    let choices = if manages {
        Some(Choices::load(state, &d).await?)
    } else {
        None
    };
    let m = &d.meeting;
    let parent_visible = match m.parent_id {
        Some(p) => state
            .store
            .meeting(p)
            .await?
            .is_some_and(|upper| v.user.scope.contains(&upper.region_path)),
        None => false,
    };
    let body = html! {
        (tabs(ctx, &v.user, "/party/meetings"))
        @if let Some((e, _)) = refused { (refusal(ctx, e)) }
        dl.facts {
            dt { (ctx.t("party-meeting-level")) } dd { (ctx.label("party-meeting-level", &m.level)) }
            dt { (ctx.t("party-meeting-region")) } dd { (m.region_name) }
            @if let (Some(code), Some(name)) = (&m.convener_code, &m.convener_name) {
                dt { (ctx.t("party-meeting-convener")) } dd { a href={ "/party/orgs/" (code) } { (name) } }
            }
            @if let (Some(pid), Some(name)) = (m.parent_id, &m.parent_name) {
                // A neighbourhood's secretary sees the street's meeting
                // named, but its page is the street's.
                dt { (ctx.t("party-meeting-parent")) } dd {
                    @if parent_visible { a href={ "/party/meetings/" (pid) } { (name) } } @else { (name) }
                }
            }
            dt { (ctx.t("party-meeting-code")) } dd { code { (m.code) } }
        }
        section aria-labelledby="h-progress" {
            h2 #h-progress { (ctx.t("party-decisions-progress")) }
            (decisions_table(ctx, &d))
        }
        section aria-labelledby="h-sessions" {
            h2 #h-sessions { (ctx.t("party-sessions")) " " span.muted { "(" (d.sessions.len()) ")" } }
            @if let Some(choices) = &choices { (session_form(state, ctx, &d, choices, form)) }
            @if d.sessions.is_empty() { p.empty { (ctx.t("party-sessions-none")) } }
            @for s in &d.sessions {
                article.session #{ "session-" (s.session.id) } {
                    h3 { (s.session.held_on) @if !s.session.venue.is_empty() { " · " (s.session.venue) } }
                    p.muted {
                        (ctx.t_args("party-session-attendance", &[
                            ("present", (s.attended.len() as i64).into()),
                            ("members", (d.members.len() as i64).into()),
                            ("people", s.session.attendees.into()),
                        ]))
                        @if let Some(r) = attendance_rate(s.attended.len() as u32, d.members.len() as u32) { " (" (format!("{r:.0}%")) ")" }
                    }
                    @if !s.attended.is_empty() {
                        p { @for mem in d.members.iter().filter(|x| s.attended.contains(&x.id)) { span.tag { (mem.name) } " " } }
                    }
                    h4 { (ctx.t("party-session-agenda")) }
                    p.pre { (s.session.agenda) }
                    @if !s.session.minutes.is_empty() {
                        details { summary { (ctx.t("party-session-minutes")) } p.pre { (s.session.minutes) } }
                    }
                    @if !s.decisions.is_empty() {
                        h4 { (ctx.t("party-decisions")) }
                        ol { @for x in &s.decisions {
                            li { a href={ "#decision-" (x.decision.id) } { (x.decision.title) }
                                @if let Some(o) = x.decision.order_id { " · " a href={ "/orders/" (o) } { "#" (o) } } }
                        } }
                    }
                    @if let Some(choices) = &choices { (decision_form(ctx, choices, s.session.id)) }
                }
            }
        }
        section aria-labelledby="h-members" {
            h2 #h-members { (ctx.t("party-meeting-members")) " " span.muted { "(" (d.members.len()) ")" } }
            @if d.members.is_empty() { p.empty { (ctx.t("party-meeting-members-none")) } }
            @else {
                ul { @for mem in &d.members {
                    li {
                        @if let Some(code) = &mem.org_code { a href={ "/party/orgs/" (code) } { (mem.name) } }
                        @else { (mem.name) " " span.tag { (ctx.t("party-meeting-unit")) } }
                        @if !mem.representative.is_empty() { " · " span.muted { (mem.representative) } }
                    }
                } }
            }
            @if manages {
                details.form-box open[form.has("unit_name")] { summary { (ctx.t("party-meeting-member-add")) }
                form.stack method="post" action={ "/party/meetings/" (m.id) "/members" } {
                    div.field { label for="mm-org" { (ctx.t("party-meeting-member-org")) }
                        input #mm-org name="org" maxlength="40" placeholder="TL-01" value=(form.get("org")); }
                    div.field { label for="mm-unit" { (ctx.t("party-meeting-member-unit")) }
                        input #mm-unit name="unit_name" maxlength="100" value=(form.get("unit_name")); }
                    div.field { label for="mm-rep" { (ctx.t("party-meeting-member-rep")) }
                        input #mm-rep name="representative" maxlength="60" value=(form.get("representative")); }
                    button type="submit" { (ctx.t("party-meeting-member-add")) }
                }
                }
            }
        }
        @if !d.lower.is_empty() {
            section aria-labelledby="h-lower" {
                h2 #h-lower { (ctx.t("party-meeting-lower")) }
                ul { @for l in &d.lower { li { a href={ "/party/meetings/" (l.id) } { (l.name) } " · " (l.region_name) } } }
            }
        }
    };
    Ok(page(ctx, Some(&v.user), Nav::Party, &m.name, body))
}

/// The category a decision is filed under unless another is chosen.
const DECISION_CATEGORY: &str = "meeting_decision";

/// What a decision may be filed under and where: read once for the page,
/// shared by the session form and every session's decision form.
struct Choices {
    categories: Vec<Category>,
    places: Vec<shequ_store::places::Place>,
}

impl Choices {
    async fn load(state: &PartyState, d: &MeetingDetail) -> PageResult<Choices> {
        let path = shequ_domain::RegionPath::parse(&d.meeting.region_path)
            .map_err(|e| PageError(AppError::Internal(anyhow::anyhow!("stored path: {e}"))))?;
        let places = state
            .store
            .places_in(
                &Scope::under(&path),
                &PlaceQuery::default(),
                Paging::new(Some(1), Some(PLACES_OFFERED)),
            )
            .await?
            .items;
        Ok(Choices {
            categories: active_categories(&state.orders).await?,
            places,
        })
    }

    fn category_options(&self, ctx: &Ctx, chosen: &str) -> Markup {
        let chosen = match chosen {
            "" => DECISION_CATEGORY,
            c => c,
        };
        html! {
            @for c in &self.categories { option value=(c.code) selected[chosen == c.code] { (category_name(ctx, c)) } }
        }
    }

    fn place_options(&self, chosen: &str) -> Markup {
        html! {
            option value="" { "–" }
            @for p in &self.places { option value=(p.id) selected[chosen == p.id.to_string()] { (p.name) } }
        }
    }
}

fn session_form(
    state: &PartyState,
    ctx: &Ctx,
    d: &MeetingDetail,
    choices: &Choices,
    form: &FormData,
) -> Markup {
    let today = state.today().to_string();
    let held_on = match form.get("held_on") {
        "" => today.as_str(),
        s => s,
    };
    let titles = values(form, "d_title");
    let cats = values(form, "d_category");
    let dues = values(form, "d_due");
    let places = values(form, "d_place");
    let mut rows = Vec::new();
    for i in 0..DECISION_ROWS {
        let cat = cats.get(i).copied().unwrap_or("");
        rows.push((
            i,
            titles.get(i).copied().unwrap_or(""),
            choices.category_options(ctx, cat),
            dues.get(i).copied().unwrap_or(""),
            choices.place_options(places.get(i).copied().unwrap_or("")),
        ));
    }
    let attended = form.all("attended");
    html! {
        details.form-box open[d.sessions.is_empty() || form.has("agenda")] {
            summary { (ctx.t("party-session-record")) }
            form.stack method="post" action={ "/party/meetings/" (d.meeting.id) "/sessions" } {
                div.field { label for="s-day" { (ctx.t("party-session-day")) }
                    input #s-day name="held_on" type="date" required max=(today) value=(held_on); }
                div.field { label for="s-venue" { (ctx.t("party-session-venue")) }
                    input #s-venue name="venue" maxlength="100" value=(form.get("venue")); }
                div.field { label for="s-people" { (ctx.t("party-session-people")) }
                    input #s-people name="attendees" inputmode="numeric" value=(form.get("attendees")); }
                @if !d.members.is_empty() {
                    fieldset { legend { (ctx.t("party-session-present")) }
                        @for mem in &d.members {
                            label.check { input type="checkbox" name="attended" value=(mem.id) checked[attended.contains(&mem.id.to_string().as_str())]; " " (mem.name) }
                        }
                    }
                }
                div.field { label for="s-agenda" { (ctx.t("party-session-agenda")) }
                    textarea #s-agenda name="agenda" required rows="3" maxlength="4000" { (form.get("agenda")) } }
                div.field { label for="s-minutes" { (ctx.t("party-session-minutes")) }
                    textarea #s-minutes name="minutes" rows="5" maxlength="20000" { (form.get("minutes")) } }
                fieldset { legend { (ctx.t("party-session-decisions")) }
                    p.muted { (ctx.t("party-session-decisions-hint")) }
                    @for (i, title, cats, due, places) in rows {
                        div.decision-row {
                            div.field { label for={ "d-title-" (i) } { (ctx.t("party-decision")) " " (i + 1) }
                                input id={ "d-title-" (i) } name="d_title" maxlength="200" value=(title); }
                            div.field { label for={ "d-cat-" (i) } { (ctx.t("party-decision-category")) }
                                select id={ "d-cat-" (i) } name="d_category" { (cats) } }
                            div.field { label for={ "d-place-" (i) } { (ctx.t("party-decision-place")) }
                                select id={ "d-place-" (i) } name="d_place" { (places) } }
                            div.field { label for={ "d-due-" (i) } { (ctx.t("party-decision-due")) }
                                input id={ "d-due-" (i) } name="d_due" type="date" value=(due); }
                        }
                    }
                }
                button.primary type="submit" { (ctx.t("party-session-record")) }
            }
        }
    }
}

fn decision_form(ctx: &Ctx, choices: &Choices, session_id: i64) -> Markup {
    let cats = choices.category_options(ctx, "");
    let places = choices.place_options("");
    html! {
        details.form-box {
            summary { (ctx.t("party-decision-add")) }
            form.stack method="post" action={ "/party/sessions/" (session_id) "/decisions" } {
                div.field { label for={ "a-title-" (session_id) } { (ctx.t("party-decision")) }
                    input id={ "a-title-" (session_id) } name="title" required maxlength="200"; }
                div.field { label for={ "a-detail-" (session_id) } { (ctx.t("party-decision-detail")) }
                    textarea id={ "a-detail-" (session_id) } name="detail" rows="2" maxlength="4000" {} }
                div.field { label for={ "a-cat-" (session_id) } { (ctx.t("party-decision-category")) }
                    select id={ "a-cat-" (session_id) } name="category" { (cats) } }
                div.field { label for={ "a-place-" (session_id) } { (ctx.t("party-decision-place")) }
                    select id={ "a-place-" (session_id) } name="place" { (places) } }
                div.field { label for={ "a-due-" (session_id) } { (ctx.t("party-decision-due")) }
                    input id={ "a-due-" (session_id) } name="due_on" type="date"; }
                button type="submit" { (ctx.t("party-decision-add")) }
            }
        }
    }
}

/// Every value of `name` in order, empty ones kept: the rows of a form
/// whose fields repeat line up by position.
fn values<'a>(form: &'a FormData, name: &str) -> Vec<&'a str> {
    form.fields
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .collect()
}

/// Shows the meeting page again with the refusal above it, or passes on
/// an error that is not the form's.
async fn refused_or(
    state: &PartyState,
    v: &Viewer,
    addr: &ClientAddr,
    id: i64,
    e: AppError,
    form: &FormData,
) -> PageResult<Response> {
    if !shown_on_form(&e) {
        return Err(PageError(e));
    }
    let status = e.status();
    Ok((status, render(state, v, addr, id, Some((&e, form))).await?).into_response())
}

/// `POST /party/meetings/{id}/sessions`
pub async fn record_session(
    State(state): State<PartyState>,
    v: Viewer,
    addr: ClientAddr,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult<Response> {
    let titles = values(&form, "d_title");
    let cats = values(&form, "d_category");
    let dues = values(&form, "d_due");
    let places = values(&form, "d_place");
    let decisions = titles
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.is_empty())
        .map(|(i, t)| DecisionInput {
            title: (*t).to_owned(),
            detail: String::new(),
            category: cats.get(i).copied().unwrap_or("").to_owned(),
            place_id: places.get(i).and_then(|p| p.parse().ok()),
            due_on: dues.get(i).copied().unwrap_or("").to_owned(),
        })
        .collect();
    let input = SessionInput {
        held_on: form.get("held_on").to_owned(),
        venue: form.get("venue").to_owned(),
        agenda: form.get("agenda").to_owned(),
        minutes: form.get("minutes").to_owned(),
        attended: form
            .all("attended")
            .iter()
            .filter_map(|a| a.parse().ok())
            .collect(),
        attendees: form.get("attendees").to_owned(),
        decisions,
    };
    match meetings::record_session(&state, &principal(&v.user), id, &input, &addr).await {
        Ok(r) => Ok(
            Redirect::to(&format!("/party/meetings/{id}#session-{}", r.session_id)).into_response(),
        ),
        Err(e) => refused_or(&state, &v, &addr, id, e, &form).await,
    }
}

/// `POST /party/sessions/{id}/decisions`
pub async fn add_decision(
    State(state): State<PartyState>,
    v: Viewer,
    addr: ClientAddr,
    Path(session_id): Path<i64>,
    form: FormData,
) -> PageResult<Response> {
    let input = DecisionInput {
        title: form.get("title").to_owned(),
        detail: form.get("detail").to_owned(),
        category: form.get("category").to_owned(),
        place_id: form.get("place").parse().ok(),
        due_on: form.get("due_on").to_owned(),
    };
    let who = principal(&v.user);
    match meetings::add_decision(&state, &who, session_id, &input, &addr).await {
        Ok(x) => Ok(Redirect::to(&format!(
            "/party/meetings/{}#decision-{}",
            x.decision.meeting_id, x.decision.id
        ))
        .into_response()),
        Err(e) => {
            let session = state
                .store
                .session(session_id)
                .await?
                .ok_or(PageError(AppError::NotFound("party session")))?;
            refused_or(&state, &v, &addr, session.meeting_id, e, &form).await
        }
    }
}

/// `POST /party/meetings/{id}/members`
pub async fn add_member(
    State(state): State<PartyState>,
    v: Viewer,
    addr: ClientAddr,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult<Response> {
    let input = MemberInput {
        org: form.get("org").to_owned(),
        unit_name: form.get("unit_name").to_owned(),
        place_id: form.get("place").parse().ok(),
        representative: form.get("representative").to_owned(),
    };
    match meetings::add_member(&state, &principal(&v.user), id, &input, &addr).await {
        Ok(_) => Ok(Redirect::to(&format!("/party/meetings/{id}#h-members")).into_response()),
        Err(e) => refused_or(&state, &v, &addr, id, e, &form).await,
    }
}
