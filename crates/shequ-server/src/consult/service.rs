//! The consultations' reads and changes. The street's command centre
//! (admin, operators) answers; a department's members, or the street on
//! their behalf, open matters and rounds and record the outcome. Days are
//! whole days from now for a round's deadline (10 by default).

use shequ_domain::Code;
use shequ_domain::consult::{
    ConsultCounts, DEFAULT_ANSWER_DAYS, MatterKind, Outcome, Stage, answer,
};
use shequ_store::consult::{DocumentRow, MatterRow, RoundRow};
use shequ_store::orders::teams::Team;

use crate::app::access::actor;
use crate::app::auth::Principal;
use crate::app::error::AppError;
use crate::consult::ConsultState;

const DAY: i64 = 86_400_000;

fn invalid(e: shequ_domain::InvalidValue) -> AppError {
    AppError::unprocessable(e.field().unwrap_or("input"), e.code, e.message.clone())
}

fn refused(code: Code, message: impl Into<String>) -> AppError {
    AppError::Refused {
        code,
        message: message.into(),
    }
}

/// Whether the caller is the street's command centre.
pub fn is_street(who: &Principal) -> bool {
    matches!(who, Principal::User(u) if u.role.runs_command_centre())
}

/// The departments the caller may speak for: every department of the
/// area for the street, their own teams for a member. (An API token reads
/// its area's departments; it changes nothing, see [`speaks_for`].)
pub async fn departments(core: &ConsultState, who: &Principal) -> Result<Vec<Team>, AppError> {
    if reads_area(who) {
        let scope = who.scope()?;
        return Ok(core
            .store
            .teams_in(&scope)
            .await?
            .into_iter()
            .filter(|t| t.kind == "department")
            .collect());
    }
    let Principal::User(u) = who else {
        return Ok(Vec::new());
    };
    // A member speaks for their own departments wherever these sit: the
    // agency's staff need not live in the region the agency serves.
    let mut mine = Vec::new();
    for id in core.store.teams_of_member(u.user.id).await? {
        if let Some(t) = core
            .store
            .team(id)
            .await?
            .filter(|t| t.kind == "department")
        {
            mine.push(t);
        }
    }
    Ok(mine)
}

async fn speaks_for(core: &ConsultState, who: &Principal, team_id: i64) -> Result<(), AppError> {
    if matches!(who, Principal::Token(_)) {
        return Err(AppError::Forbidden(Code::ForbiddenRole));
    }
    if departments(core, who)
        .await?
        .iter()
        .any(|t| t.id == team_id)
    {
        Ok(())
    } else {
        Err(AppError::Forbidden(Code::ForbiddenRole))
    }
}

fn days(text: &str) -> Result<i64, AppError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(i64::from(DEFAULT_ANSWER_DAYS));
    }
    match t.parse::<i64>() {
        Ok(d) if (1..=90).contains(&d) => Ok(d),
        _ => Err(AppError::unprocessable(
            "days",
            Code::NumberInvalid,
            format!("{t:?} is not a number of days from 1 to 90 for the street to answer"),
        )),
    }
}

/// Whether the caller reads every matter of its area: the street, and an
/// API token (bound to its region, with `consult:read`).
fn reads_area(who: &Principal) -> bool {
    is_street(who) || matches!(who, Principal::Token(_))
}

/// The matters the caller sees, with their rounds, the latest first.
pub async fn matters(
    core: &ConsultState,
    who: &Principal,
) -> Result<Vec<(MatterRow, Vec<RoundRow>)>, AppError> {
    // The street sees its area's matters; a member, their departments'.
    let area = reads_area(who);
    let scope = if area {
        who.scope()?
    } else {
        shequ_store::Scope::everything()
    };
    let teams: Vec<i64> = departments(core, who).await?.iter().map(|t| t.id).collect();
    let mut out = Vec::new();
    for m in core.store.consult_matters(&scope).await? {
        if area || teams.contains(&m.team_id) {
            let rounds = core.store.consult_rounds(m.id).await?;
            out.push((m, rounds));
        }
    }
    Ok(out)
}

/// One matter the caller sees, by the same rule as [`matters`]: the
/// street (or a token) in its area, a member in their departments; any
/// other is not found.
pub async fn matter(
    core: &ConsultState,
    who: &Principal,
    id: i64,
) -> Result<(MatterRow, Vec<RoundRow>), AppError> {
    let not_found = AppError::NotFound("consult matter");
    let Some(m) = core.store.consult_matter(id).await? else {
        return Err(not_found);
    };
    let seen = if reads_area(who) {
        who.scope()?.contains(&m.region_path)
    } else {
        departments(core, who)
            .await?
            .iter()
            .any(|t| t.id == m.team_id)
    };
    if !seen {
        return Err(not_found);
    }
    let rounds = core.store.consult_rounds(m.id).await?;
    Ok((m, rounds))
}

/// The matter of round `round_id`, if the caller sees it (another
/// street's round is not found, as its matter is not).
pub async fn matter_of_round(
    core: &ConsultState,
    who: &Principal,
    round_id: i64,
) -> Result<(MatterRow, Vec<RoundRow>), AppError> {
    let matter_id = core
        .store
        .consult_round(round_id)
        .await?
        .ok_or(AppError::NotFound("consult round"))?
        .matter_id;
    matter(core, who, matter_id).await
}

/// Opens a matter for a department with its first round.
pub async fn open(
    core: &ConsultState,
    who: &Principal,
    team_id: i64,
    (kind, title, body, days_text): (&str, &str, &str, &str),
) -> Result<i64, AppError> {
    speaks_for(core, who, team_id).await?;
    let kind = MatterKind::parse(kind).map_err(invalid)?;
    let (title, body) = (title.trim(), body.trim());
    if title.is_empty() || body.is_empty() {
        return Err(AppError::unprocessable(
            if title.is_empty() { "title" } else { "body" },
            Code::Required,
            "a matter needs a title and what the street is asked",
        ));
    }
    let now = core.clock.now_ms();
    let due = now + days(days_text)? * DAY;
    let (_, name) = actor(who);
    Ok(core
        .store
        .open_consult_matter(team_id, (kind.as_str(), title, body), due, &name, now)
        .await?)
}

/// Opens the next round of a matter.
pub async fn next_round(
    core: &ConsultState,
    who: &Principal,
    id: i64,
    stage: &str,
    body: &str,
    days_text: &str,
) -> Result<i64, AppError> {
    let (m, _) = matter(core, who, id).await?;
    speaks_for(core, who, m.team_id).await?;
    let stage = Stage::parse(stage).map_err(invalid)?;
    if body.trim().is_empty() {
        return Err(AppError::unprocessable(
            "body",
            Code::Required,
            "say what the street is asked",
        ));
    }
    let now = core.clock.now_ms();
    let due = now + days(days_text)? * DAY;
    Ok(core
        .store
        .open_consult_round(id, stage, body.trim(), due, now)
        .await?)
}

/// The street's answer to a round; the round's matter.
pub async fn answer_round(
    core: &ConsultState,
    who: &Principal,
    round_id: i64,
    opinion: &str,
    reasons: &str,
) -> Result<i64, AppError> {
    if !is_street(who) {
        return Err(AppError::Forbidden(Code::ForbiddenRole));
    }
    let (m, _) = matter_of_round(core, who, round_id).await?;
    if m.concluded_at.is_some() {
        return Err(refused(
            Code::ConsultConcluded,
            "the matter is concluded: its rounds are closed",
        ));
    }
    let (opinion, reasons) = answer(opinion, reasons).map_err(invalid)?;
    let (_, name) = actor(who);
    if !core
        .store
        .answer_consult_round(
            round_id,
            (opinion.as_str(), &reasons),
            &name,
            core.clock.now_ms(),
        )
        .await?
    {
        return Err(refused(Code::Conflict, "this round was answered already"));
    }
    Ok(m.id)
}

/// What the department did.
pub async fn conclude(
    core: &ConsultState,
    who: &Principal,
    id: i64,
    outcome: &str,
    note: &str,
) -> Result<(), AppError> {
    let (m, _) = matter(core, who, id).await?;
    speaks_for(core, who, m.team_id).await?;
    let outcome = Outcome::parse(outcome).map_err(invalid)?;
    if !core
        .store
        .conclude_consult_matter(id, outcome, note.trim(), core.clock.now_ms())
        .await?
    {
        return Err(refused(Code::Conflict, "the matter is concluded already"));
    }
    Ok(())
}

/// Each department's record in `span` judged at `now`, by team: what the
/// assessment's 征询采纳率 reads.
pub async fn record(
    store: &shequ_store::Store,
    span: (i64, i64),
    now: i64,
) -> Result<std::collections::HashMap<i64, ConsultCounts>, AppError> {
    Ok(store.consult_counts(span, now).await?.into_iter().collect())
}

/// Department `team_id`'s matters concluded in `span`: what its record
/// counted, for the subject's page to trace.
pub async fn concluded(
    store: &shequ_store::Store,
    team_id: i64,
    span: (i64, i64),
) -> Result<Vec<MatterRow>, AppError> {
    Ok(store.consult_matters_concluded(team_id, span).await?)
}

/// The calendar year `year` in the street's time zone, as epoch
/// milliseconds `[from, to)`.
pub fn year_span(core: &ConsultState, year: i32) -> (i64, i64) {
    let new_year = |y| {
        chrono::NaiveDate::from_ymd_opt(y, 1, 1)
            .and_then(|d| crate::app::state::midnight_ms(core.tz, d))
            .unwrap_or(0)
    };
    (new_year(year), new_year(year.saturating_add(1)))
}

/// The record of the departments of the caller's area over `span`, with
/// each department's name, for the consult page: the street's answers in
/// time and the departments' following.
pub async fn records(
    core: &ConsultState,
    who: &Principal,
    span: (i64, i64),
) -> Result<Vec<(Team, ConsultCounts)>, AppError> {
    let by = record(&core.store, span, core.clock.now_ms()).await?;
    Ok(departments(core, who)
        .await?
        .into_iter()
        .filter_map(|t| by.get(&t.id).map(|c| (t.clone(), *c)))
        .collect())
}

/// The rounds of the caller's area waiting for the street past their
/// deadline: what the command centre flags. Nothing for anyone but the
/// street, who answers.
pub async fn overdue(
    store: &shequ_store::Store,
    who: &Principal,
    now: i64,
) -> Result<Vec<RoundRow>, AppError> {
    if !is_street(who) {
        return Ok(Vec::new());
    }
    Ok(store.consult_rounds_overdue(&who.scope()?, now).await?)
}

/// The documents of a matter the caller was given by [`matter`] or
/// [`matters`] (which checked that they see it).
pub async fn documents(core: &ConsultState, m: &MatterRow) -> Result<Vec<DocumentRow>, AppError> {
    Ok(core.store.consult_documents(m.id).await?)
}

/// Attaches a document to a round: by the department it belongs to (its
/// papers) or the street (its written answer), while the matter is open.
/// `too_large`: the upload's limit, when the file went over it and was
/// not read. The matter's id.
pub async fn attach(
    core: &ConsultState,
    who: &Principal,
    round_id: i64,
    (name, bytes): (&str, &[u8]),
    too_large: Option<u32>,
) -> Result<i64, AppError> {
    let (m, _) = matter_of_round(core, who, round_id).await?;
    if !is_street(who) {
        speaks_for(core, who, m.team_id).await?;
    }
    let max = core.settings.max_photo_bytes as usize;
    if let Some(limit) = too_large {
        return Err(AppError::PayloadTooLarge {
            code: Code::ConsultDocumentTooLarge,
            message: format!("the document is over {limit} bytes, the most an upload may be"),
        });
    }
    let doc = shequ_domain::consult::document(name, bytes, max).map_err(invalid)?;
    core.store
        .add_consult_document(
            round_id,
            (&doc.name, doc.content_type),
            bytes,
            core.clock.now_ms(),
        )
        .await?
        .ok_or_else(|| {
            refused(
                Code::ConsultConcluded,
                "the matter is concluded: nothing more is attached to it",
            )
        })?;
    Ok(m.id)
}

/// A document's row and bytes, if the caller sees its matter.
pub async fn document(
    core: &ConsultState,
    who: &Principal,
    id: i64,
) -> Result<(DocumentRow, Vec<u8>), AppError> {
    let (row, matter_id, data) = core
        .store
        .consult_document_data(id)
        .await?
        .ok_or(AppError::NotFound("consult document"))?;
    // Another area's document is not found, as its matter is not.
    matter(core, who, matter_id)
        .await
        .map_err(|_| AppError::NotFound("consult document"))?;
    Ok((row, data))
}
