//! `/branches/elections`: the committee elections of the user's branches
//! and the form that starts one; `/branches/elections/{id}`: its rounds,
//! each counted again from its stored ballots (a recount that differs
//! from the recorded tally is flagged), where it stands, the form for
//! the next round's numbers and ballots, and seating the committee;
//! `/branches/elections/{id}/sheet`: the printable result sheet
//! (计票结果报告单), in Chinese.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use shequ_domain::branches::{Decide, Purpose, RoundResult};
use shequ_domain::party::OrgKind;

use super::{principal, tabs};
use crate::app::access::ClientAddr;
use crate::app::error::AppError;
use crate::app::page::ctx::{Ctx, PageError, PageResult, Viewer};
use crate::app::page::layout::{Nav, empty, page};
use crate::app::page::refusal::{refusal, shown_on_form};
use crate::app::state::Core;
use crate::branches::service::{self, CountedRound, ElectionView, RoundNumbers};
use crate::party::service as party;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CreateForm {
    pub org: String,
    pub seats: String,
}

/// `GET /branches/elections`
pub async fn list(State(core): State<Core>, v: Viewer) -> PageResult<Markup> {
    render_list(&core, &v, &CreateForm::default(), None).await
}

async fn render_list(
    core: &Core,
    v: &Viewer,
    form: &CreateForm,
    refused: Option<&AppError>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let who = principal(&v.user);
    let rows = service::elections(core, &who).await?;
    let branches: Vec<_> = party::visible_orgs(core, &who)
        .await?
        .into_iter()
        .filter(|o| OrgKind::parse(&o.kind).is_ok_and(OrgKind::holds_members))
        .collect();
    let body = html! {
        (tabs(ctx, "/branches/elections"))
        p.muted { (ctx.t("branches-elections-intro")) }
        @if rows.is_empty() { (empty(ctx, "branches-elections-none")) } @else {
            div.table-wrap { table.cards {
                thead { tr { th { (ctx.t("branches-branch")) } th { (ctx.t("branches-seats")) } th { (ctx.t("branches-held-on")) } } }
                tbody { @for e in &rows { tr {
                    td data-label=(ctx.t("branches-branch")) { a href={ "/branches/elections/" (e.id) } { (e.org_name) } }
                    td.num data-label=(ctx.t("branches-seats")) { (e.seats) }
                    td data-label=(ctx.t("branches-held-on")) { (e.held_on) }
                } } }
            } }
        }
        @if v.user.role.manages_party() && !branches.is_empty() {
            h2 { (ctx.t("branches-election-new")) }
            @if let Some(e) = refused { (refusal(ctx, e)) }
            form.stack method="post" action="/branches/elections" {
                div.field { label for="e-org" { (ctx.t("branches-branch")) }
                    select #e-org name="org" { @for o in &branches { option value=(o.code) selected[o.code == form.org] { (o.name) } } } }
                div.field { label for="e-seats" { (ctx.t("branches-seats")) }
                    input #e-seats name="seats" type="number" min="3" max="7" value=(if form.seats.is_empty() { "5" } else { &form.seats }); }
                button.primary type="submit" { (ctx.t("branches-election-start")) }
            }
        }
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::Party,
        &ctx.t("branches-elections"),
        body,
    ))
}

/// `POST /branches/elections`
pub async fn create(
    State(core): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Form(f): Form<CreateForm>,
) -> PageResult<Response> {
    let seats = f.seats.trim().parse::<u32>().unwrap_or(0);
    match service::create_election(&core, &principal(&v.user), &f.org, seats, &addr).await {
        Ok(id) => Ok(Redirect::to(&format!("/branches/elections/{id}")).into_response()),
        Err(e) if shown_on_form(&e) => {
            let status = e.status();
            Ok((status, render_list(&core, &v, &f, Some(&e)).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

fn purpose_label(ctx: &Ctx, purpose: &str, decide: &str) -> String {
    format!(
        "{} · {}",
        ctx.label("branches-purpose", purpose),
        ctx.label("branches-decide", decide)
    )
}

/// The counts most votes first, then by name.
fn ranked(r: &RoundResult) -> Vec<(&str, u32)> {
    let mut v: Vec<(&str, u32)> = r.counts.iter().map(|(n, c)| (n.as_str(), *c)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    v
}

fn round_card(ctx: &Ctx, r: &CountedRound) -> Markup {
    let res = &r.result;
    html! {
        section.card.election-round id={ "round-" (r.row.seq) } {
            h3 { (ctx.t_args("branches-round-n", &[("n", r.row.seq.into())])) " · " (purpose_label(ctx, &r.row.purpose, &r.row.decide)) }
            @if !r.matches_record {
                div.notice.notice-error role="alert" { p { (ctx.t("branches-recount-differs")) } }
            }
            p {
                (ctx.t("branches-entitled")) " " (r.row.entitled) " · " (ctx.t("branches-present")) " " (r.row.present)
                " · " (ctx.t("branches-issued")) " " (r.row.issued) " · " (ctx.t("branches-returned")) " " (res.returned)
                " · " (ctx.t("branches-invalid")) " " (res.invalid) " · " (ctx.t("branches-blank")) " " (res.blank)
            }
            @if !res.valid {
                p.notice.notice-error { strong { (ctx.t("branches-round-void")) } " "
                    @if let Some(c) = res.reason_code { (ctx.label("error", c.as_str())) } }
            } @else {
                p { (ctx.t_args("branches-threshold", &[("n", res.threshold.into())])) }
                table.votes { tbody { @for (n, c) in ranked(res) { tr.elected[res.elected.iter().any(|e| e == n)] {
                    td { (n) } td.num { (c) }
                    td { @if res.elected.iter().any(|e| e == n) { span.tag { (ctx.t("branches-elected")) } }
                        @else if res.runoff_among.iter().any(|e| e == n) { span.tag.tag-muted { (ctx.t("branches-to-runoff")) } } }
                } } } }
                @if !res.not_counted.is_empty() {
                    p.muted { (ctx.t("branches-not-counted")) " "
                        @for (i, (n, c)) in res.not_counted.iter().enumerate() { @if i > 0 { "、" } (n) " (" (c) ")" } }
                }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RoundForm {
    pub entitled: String,
    pub present: String,
    pub issued: String,
    pub ballots: String,
}

/// `GET /branches/elections/{id}`
pub async fn show(
    State(core): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Path(id): Path<i64>,
) -> PageResult<Markup> {
    render(&core, &v, id, &addr, &RoundForm::default(), None).await
}

/// Who votes in the next round by default: the same meeting as the last
/// round of the same purpose (a further round's voters are the first
/// round's), else the branch's full members for a committee round and the
/// committee for its officers'.
fn default_entitled(view: &ElectionView) -> usize {
    let purpose = view
        .standing
        .next
        .as_ref()
        .map_or(Purpose::Committee, |n| n.purpose);
    if let Some(last) = view
        .rounds
        .iter()
        .rev()
        .find(|r| Purpose::parse(&r.row.purpose) == Some(purpose))
    {
        return usize::try_from(last.row.entitled).unwrap_or(0);
    }
    match purpose {
        Purpose::Committee => view.full_members.len(),
        _ => view.standing.committee.len(),
    }
}

async fn render(
    core: &Core,
    v: &Viewer,
    id: i64,
    addr: &ClientAddr,
    form: &RoundForm,
    refused: Option<&AppError>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let view = service::view_election(core, &principal(&v.user), id, addr).await?;
    let s = &view.standing;
    let e = &view.election;
    let entitled = if form.entitled.is_empty() {
        default_entitled(&view).to_string()
    } else {
        form.entitled.clone()
    };
    let body = html! {
        (tabs(ctx, "/branches/elections"))
        p { (e.org_name) " · " (ctx.t("branches-seats")) " " (e.seats) " · " (e.held_on)
            " · " a href={ "/branches/elections/" (id) "/sheet" } { (ctx.t("branches-sheet")) } }
        section.card #standing {
            h2 { (ctx.t("branches-standing-now")) }
            p { (ctx.t("branches-committee")) ": "
                @if s.committee.is_empty() { "–" } @else { @for (i, m) in s.committee.iter().enumerate() { @if i > 0 { "、" } span.member { (m) } } } }
            @if s.short > 0 { p.notice { (ctx.t_args("branches-short", &[("n", s.short.into())])) } }
            p { (ctx.t("branches-secretary")) ": " (s.secretary.as_deref().unwrap_or("–"))
                " · " (ctx.t("branches-deputy")) ": " (s.deputy.as_deref().unwrap_or("–")) }
            @if v.user.role.manages_party() && s.secretary.is_some() {
                form.action-form method="post" action={ "/branches/elections/" (id) "/seat" } {
                    button type="submit" { (ctx.t("branches-seat")) } }
            }
        }
        @if let Some(e) = refused { (refusal(ctx, e)) }
        @for r in &view.rounds { (round_card(ctx, r)) }
        @if let (Some(next), true) = (&s.next, v.user.role.manages_party()) {
            section.card #next {
                h2 { (ctx.t("branches-next-round")) ": " (purpose_label(ctx, next.purpose.as_str(), next.decide.as_str())) }
                p { (ctx.t_args("branches-next-seats", &[("n", next.seats.into())])) " "
                    @match &next.candidates {
                        Some(c) => { (ctx.t("branches-candidates")) ": " @for (i, n) in c.iter().enumerate() { @if i > 0 { "、" } span.candidate { (n) } } }
                        None => { (ctx.t_args("branches-any-full-member", &[("n", view.full_members.len().into())])) }
                    } }
                @if next.decide == Decide::Tie { p.muted { (ctx.t("branches-tie-hint")) } }
                form.stack method="post" action={ "/branches/elections/" (id) "/rounds" } {
                    div.field { label for="r-entitled" { (ctx.t("branches-entitled")) }
                        input #r-entitled name="entitled" type="number" min="1" value=(entitled); }
                    div.field { label for="r-present" { (ctx.t("branches-present")) }
                        input #r-present name="present" type="number" min="0" value=(form.present); }
                    div.field { label for="r-issued" { (ctx.t("branches-issued")) }
                        input #r-issued name="issued" type="number" min="0" value=(form.issued); }
                    div.field { label for="r-ballots" { (ctx.t("branches-ballots")) }
                        p.muted #r-ballots-hint { (ctx.t("branches-ballots-hint")) }
                        textarea #r-ballots name="ballots" rows="10" aria-describedby="r-ballots-hint" { (form.ballots) } }
                    button.primary type="submit" { (ctx.t("branches-count")) }
                }
            }
        }
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::Party,
        &ctx.t("branches-election"),
        body,
    ))
}

/// `POST /branches/elections/{id}/rounds`
pub async fn record(
    State(core): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Path(id): Path<i64>,
    Form(f): Form<RoundForm>,
) -> PageResult<Response> {
    let number = |field: &str, s: &str| {
        s.trim().parse::<u32>().map_err(|_| {
            AppError::unprocessable(
                field,
                shequ_domain::Code::ElectionNumbers,
                format!("{field}: write a whole number"),
            )
        })
    };
    let result = async {
        let numbers = RoundNumbers {
            entitled: number("entitled", &f.entitled)?,
            present: number("present", &f.present)?,
            issued: number("issued", &f.issued)?,
        };
        service::record_round(&core, &principal(&v.user), id, numbers, &f.ballots, &addr).await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/branches/elections/{id}")).into_response()),
        Err(e) if shown_on_form(&e) => {
            let status = e.status();
            Ok((status, render(&core, &v, id, &addr, &f, Some(&e)).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

/// `POST /branches/elections/{id}/seat`
pub async fn seat(
    State(core): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    match service::seat_elected(&core, &principal(&v.user), id, &addr).await {
        Ok(_) => {
            let view = service::view_election(&core, &principal(&v.user), id, &addr).await?;
            Ok(Redirect::to(&format!("/party/orgs/{}", view.election.org_code)).into_response())
        }
        Err(e) if shown_on_form(&e) => {
            let status = e.status();
            Ok((
                status,
                render(&core, &v, id, &addr, &RoundForm::default(), Some(&e)).await?,
            )
                .into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

/// `GET /branches/elections/{id}/sheet`: 计票结果报告单, one table a round,
/// with the lines the tellers and scrutineers sign. Chinese whatever the
/// page language: it is the record the branch files.
pub async fn sheet(
    State(core): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Path(id): Path<i64>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let view = service::view_election(&core, &principal(&v.user), id, &addr).await?;
    let e = &view.election;
    let purpose_zh = |p: &str, d: &str| {
        let p = match p {
            "secretary" => "选举书记",
            "deputy" => "选举副书记",
            _ => "选举支部委员会委员",
        };
        let d = match d {
            "further" => "（另行选举）",
            "tie" => "（得票相等者再次投票）",
            _ => "",
        };
        format!("{p}{d}")
    };
    let s = &view.standing;
    let body = html! {
        article.sheet lang="zh-CN" #sheet {
            h1 { "计票结果报告单" }
            p { "选举单位：" (e.org_name) "　　选举日期：" (e.held_on) "　　应选委员：" (e.seats) " 名" }
            @for r in &view.rounds {
                @let res = &r.result;
                section.sheet-round {
                    h2 { "第 " (r.row.seq) " 轮　" (purpose_zh(&r.row.purpose, &r.row.decide)) }
                    table.sheet-numbers { tbody {
                        tr { th { "应到会有选举权人数" } td { (r.row.entitled) } th { "实到会有选举权人数" } td { (r.row.present) } }
                        tr { th { "发出选票" } td { (r.row.issued) } th { "收回选票" } td { (res.returned) } }
                        tr { th { "有效票" } td { (res.returned - res.invalid) } th { "无效票" } td { (res.invalid) } }
                        tr { th { "空白票" } td { (res.blank) } th { "当选所需票数（超过实到会半数）" } td { (res.threshold) } }
                    } }
                    @if !res.valid {
                        p.sheet-void { strong { "本轮选举无效：" }
                            @match res.reason_code.map(|c| c.as_str()) {
                                Some("election_quorum") => { "到会有选举权的人数未超过应到会人数的五分之四。" }
                                Some("election_over_issued") => { "收回选票多于发出选票。" }
                                _ => { "" }
                            } }
                    } @else {
                        table.sheet-votes {
                            thead { tr { th { "姓名" } th { "得票数" } th { "结果" } } }
                            tbody { @for (n, c) in ranked(res) { tr {
                                td { (n) } td { (c) }
                                td { @if res.elected.iter().any(|x| x == n) { "当选" }
                                    @else if res.runoff_among.iter().any(|x| x == n) { "进入下一轮" } @else { "" } }
                            } } }
                        }
                        @if !res.not_counted.is_empty() {
                            p { "不计票的姓名（非本支部有选举权的正式党员）："
                                @for (i, (n, c)) in res.not_counted.iter().enumerate() { @if i > 0 { "、" } (n) "（" (c) "）" } }
                        }
                        @if res.seats_left > 0 && res.runoff.is_none() { p { "尚余 " (res.seats_left) " 个名额未选出。" } }
                    }
                    @if !r.matches_record { p.sheet-void { "注意：重新计票结果与录入时的记录不一致。" } }
                }
            }
            section.sheet-result {
                h2 { "选举结果" }
                p { "支部委员会委员：" @if s.committee.is_empty() { "（未选出）" } @else { @for (i, m) in s.committee.iter().enumerate() { @if i > 0 { "、" } (m) } } }
                @if s.short > 0 { p { "缺额 " (s.short) " 名。" } }
                p { "书记：" (s.secretary.as_deref().unwrap_or("（未选出）")) "　　副书记：" (s.deputy.as_deref().unwrap_or("（未选出）")) }
            }
            p.sheet-sign { "计票人（签字）：＿＿＿＿＿＿　　监票人（签字）：＿＿＿＿＿＿　　总监票人（签字）：＿＿＿＿＿＿" }
        }
        p.no-print { a href={ "/branches/elections/" (id) } { (ctx.t("branches-back")) } }
    };
    Ok(page(ctx, Some(&v.user), Nav::Party, "计票结果报告单", body))
}
