//! Volunteering (志愿服务), the cooperation capability's second service:
//! teams and their members, the activities they run, and each
//! volunteer's own phone page behind a signed link (no login: the link
//! opens that volunteer's page and no other) where they sign up and check
//! in. A check-in credits the activity's length; when the volunteer is a
//! party member with a double registration (双报到), found through the
//! party capability's service, the hours are written to it in the
//! check-in's transaction, so they reach the member's record and the
//! democratic-evaluation export.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{NaiveDateTime, TimeZone};
use hmac::digest::Key;
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::Sha256;
use shequ_domain::Code;
use shequ_domain::coop::{Category, check_in_hours};
use shequ_store::StoreError;
use shequ_store::coop::{
    ActivityRow, NewActivity, NewTeam, ServiceEntry, SignupRow, TeamMemberRow, TeamRow,
};

use crate::app::access::actor;
use crate::app::auth::Principal;
use crate::app::error::{AppError, FieldError};
use crate::coop::CoopState;
use crate::coop::service::require_writer;
use crate::party::service as party;

/// Check-in opens this long before an activity starts.
pub const CHECK_IN_EARLY_MS: i64 = 3_600_000;
/// How far ahead a volunteer's page lists activities.
pub const AHEAD_DAYS: i64 = 30;
pub(crate) const DAY_MS: i64 = 86_400_000;
/// Who the double registration's record says confirmed the hours: the
/// volunteer's own check-in at the activity.
pub const CONFIRMED_BY: &str = "志愿者签到";

fn field(name: &str, code: Code, message: impl Into<String>) -> FieldError {
    FieldError::new(name, code, message.into())
}

/// A team as a form or the API gives it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TeamInput {
    /// Left empty, one is made.
    pub code: String,
    pub name: String,
    pub category: String,
    /// The code of the resident unit it belongs to, if any.
    pub unit: String,
    pub leader: String,
}

/// The teams of the caller's area.
pub async fn teams(core: &CoopState, who: &Principal) -> Result<Vec<TeamRow>, AppError> {
    Ok(core.store.volunteer_teams_in(&who.scope()?).await?)
}

fn region_of(who: &Principal) -> i64 {
    match who {
        Principal::User(u) => u.user.region_id,
        Principal::Token(t) => t.region_id,
    }
}

/// Creates a team of the caller's region; its id.
pub async fn create_team(
    core: &CoopState,
    who: &Principal,
    input: &TeamInput,
) -> Result<i64, AppError> {
    require_writer(who)?;
    let scope = who.scope()?;
    let mut errors = Vec::new();
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        errors.push(field(
            "name",
            Code::Required,
            "name the team, in up to 60 characters",
        ));
    }
    let category = Category::parse(&input.category)
        .map_err(|e| errors.push(FieldError::from_invalid("category", &e)))
        .ok();
    let unit = match input.unit.trim() {
        "" => None,
        code => match core
            .store
            .unit_by_code(code)
            .await?
            .filter(|u| scope.contains(&u.region_path))
        {
            Some(u) => Some(u.id),
            None => {
                errors.push(field(
                    "unit",
                    Code::CoopUnitUnknown,
                    format!("no resident unit of your area has the code {code:?}"),
                ));
                None
            }
        },
    };
    let (Some(category), true) = (category, errors.is_empty()) else {
        return Err(AppError::Unprocessable(errors));
    };
    let now = core.clock.now_ms();
    let code = match input.code.trim() {
        "" => format!(
            "ZYD{}-{:05}",
            core.today().format("%Y%m%d"),
            now.rem_euclid(100_000)
        ),
        c => c.to_owned(),
    };
    let team = NewTeam {
        code: &code,
        name,
        category,
        unit_id: unit,
        region_id: region_of(who),
        leader: input.leader.trim(),
    };
    Ok(core
        .store
        .create_volunteer_team(&team, &actor(who).1, now)
        .await?)
}

/// A team with its members (and each one's own link), and its activities
/// from yesterday on.
pub struct TeamDetail {
    pub team: TeamRow,
    pub members: Vec<(TeamMemberRow, String)>,
    pub activities: Vec<ActivityRow>,
}

async fn team_in_view(core: &CoopState, who: &Principal, id: i64) -> Result<TeamRow, AppError> {
    let scope = who.scope()?;
    core.store
        .volunteer_team(id)
        .await?
        .filter(|t| scope.contains(&t.region_path))
        .ok_or(AppError::NotFound("coop team"))
}

/// Team `id` of the caller's area.
pub async fn team(core: &CoopState, who: &Principal, id: i64) -> Result<TeamDetail, AppError> {
    let team = team_in_view(core, who, id).await?;
    let members = core.store.volunteer_team_members(id).await?;
    let key = link_key(core).await?;
    let members = members
        .into_iter()
        .map(|m| {
            let link = volunteer_link(&key, m.person_id);
            (m, link)
        })
        .collect();
    let activities = core
        .store
        .activities_of_team(id, core.clock.now_ms() - DAY_MS)
        .await?;
    Ok(TeamDetail {
        team,
        members,
        activities,
    })
}

/// Adds a resident of the caller's area to a team, by their registry
/// number or identity number. Whether they were new.
pub async fn add_member(
    core: &CoopState,
    who: &Principal,
    team_id: i64,
    person: &str,
) -> Result<bool, AppError> {
    require_writer(who)?;
    let scope = who.scope()?;
    team_in_view(core, who, team_id).await?;
    let person = person.trim();
    let id = if person.len() <= 10 && person.chars().all(|c| c.is_ascii_digit()) {
        person.parse::<i64>().ok()
    } else {
        core.store
            .person_ids_by_identity(&[person])
            .await?
            .get(person)
            .copied()
    };
    let found = match id {
        Some(id) => core.store.person_in(&scope, id).await?,
        None => None,
    };
    let Some(found) = found else {
        return Err(AppError::unprocessable(
            "person",
            Code::PersonUnknown,
            "no resident of your area has that number: give the registry number or the identity number",
        ));
    };
    Ok(core
        .store
        .add_volunteer(team_id, found.id, core.clock.now_ms())
        .await?)
}

/// An activity as a form gives it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ActivityInput {
    pub title: String,
    /// The place's code or exact name.
    pub place: String,
    /// Local time, `2026-12-05T09:00`.
    pub starts_at: String,
    pub ends_at: String,
    pub capacity: String,
}

/// A local `2026-12-05T09:00` (seconds optional) in the street's zone, as
/// epoch ms.
pub(crate) fn local_ms(
    core: &CoopState,
    name: &str,
    text: &str,
    errors: &mut Vec<FieldError>,
) -> Option<i64> {
    let t = text.trim();
    let parsed = NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M"))
        .ok()
        .and_then(|n| core.tz.from_local_datetime(&n).earliest())
        .map(|d| d.timestamp_millis());
    if parsed.is_none() {
        errors.push(field(
            name,
            Code::DateInvalid,
            "write the time as 2026-12-05T09:00",
        ));
    }
    parsed
}

/// Creates an activity of a team of the caller's area; its id.
pub async fn create_activity(
    core: &CoopState,
    who: &Principal,
    team_id: i64,
    input: &ActivityInput,
) -> Result<i64, AppError> {
    require_writer(who)?;
    let scope = who.scope()?;
    team_in_view(core, who, team_id).await?;
    let mut errors = Vec::new();
    let title = input.title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        errors.push(field(
            "title",
            Code::Required,
            "say what the activity is, in up to 100 characters",
        ));
    }
    let place = super::service::place_of(core, &scope, &input.place, &mut errors).await?;
    let start = local_ms(core, "starts_at", &input.starts_at, &mut errors);
    let end = local_ms(core, "ends_at", &input.ends_at, &mut errors);
    if let (Some(a), Some(b)) = (start, end)
        && let Err(e) = check_in_hours(naive(a), naive(b))
    {
        errors.push(FieldError::from_invalid("ends_at", &e));
    }
    let capacity = match input.capacity.trim().parse::<u32>() {
        Ok(n) if n > 0 => Some(n),
        _ => {
            errors.push(field(
                "capacity",
                Code::CoopCapacity,
                "how many may sign up: a whole number above zero",
            ));
            None
        }
    };
    let (Some(place_id), Some(starts_at), Some(ends_at), Some(capacity), true) =
        (place, start, end, capacity, errors.is_empty())
    else {
        return Err(AppError::Unprocessable(errors));
    };
    let activity = NewActivity {
        team_id,
        title,
        place_id,
        starts_at,
        ends_at,
        capacity,
    };
    Ok(core
        .store
        .create_activity(&activity, &actor(who).1, core.clock.now_ms())
        .await?)
}

pub(crate) fn naive(ms: i64) -> NaiveDateTime {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .naive_utc()
}

/// Activity `id` of the caller's area with its sign-ups.
pub async fn activity(
    core: &CoopState,
    who: &Principal,
    id: i64,
) -> Result<(ActivityRow, Vec<SignupRow>), AppError> {
    let scope = who.scope()?;
    let a = core
        .store
        .activity(id)
        .await?
        .filter(|a| scope.contains(&a.region_path))
        .ok_or(AppError::NotFound("coop activity"))?;
    let signups = core.store.signups(id).await?;
    Ok((a, signups))
}

/// A volunteer's sign-up or check-in the rules refuse (full, twice):
/// a conflict with what is stored (409), not a bad form (422).
pub(crate) fn refused(e: StoreError) -> AppError {
    match e {
        StoreError::Invalid(v) => AppError::Refused {
            code: v.code,
            message: v.message,
        },
        other => other.into(),
    }
}

// ------------------------------------------------- the volunteer's page

/// The key that signs volunteers' links.
pub(crate) async fn link_key(core: &CoopState) -> Result<[u8; 64], AppError> {
    let mut fresh = [0u8; 64];
    rand::fill(&mut fresh);
    let stored = core
        .store
        .server_secret("coop_volunteer_v1", &hex::encode(fresh))
        .await?;
    hex::decode(&stored)
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .ok_or_else(|| {
            AppError::from(StoreError::Corrupt(
                "server secret coop_volunteer_v1 is not 64 hex bytes".into(),
            ))
        })
}

fn sign(key: &[u8; 64], person: i64) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new(&Key::<Hmac<Sha256>>::from(*key));
    mac.update(format!("coop-volunteer:{person}").as_bytes());
    mac
}

pub(crate) fn volunteer_link(key: &[u8; 64], person: i64) -> String {
    let tag = sign(key, person).finalize().into_bytes();
    format!("/v/{person}/{}", URL_SAFE_NO_PAD.encode(&tag[..16]))
}

pub(crate) async fn verify(core: &CoopState, person: i64, tag: &str) -> Result<(), AppError> {
    let key = link_key(core).await?;
    let ok = URL_SAFE_NO_PAD
        .decode(tag)
        .ok()
        .is_some_and(|t| t.len() == 16 && sign(&key, person).verify_truncated_left(&t).is_ok());
    if ok {
        Ok(())
    } else {
        Err(AppError::NotFound("coop volunteer link"))
    }
}

/// An activity of the volunteer's teams.
async fn their_activity(
    core: &CoopState,
    person: i64,
    activity: i64,
) -> Result<ActivityRow, AppError> {
    let a = core
        .store
        .activity(activity)
        .await?
        .ok_or(AppError::NotFound("coop activity"))?;
    let teams = core.store.volunteer_teams_of_person(person).await?;
    if !teams.iter().any(|t| t.id == a.team_id) {
        return Err(AppError::NotFound("coop activity"));
    }
    Ok(a)
}

/// Signs the volunteer up, while places are left and before it ends.
pub async fn sign_up(
    core: &CoopState,
    person: i64,
    tag: &str,
    activity: i64,
) -> Result<(), AppError> {
    verify(core, person, tag).await?;
    let a = their_activity(core, person, activity).await?;
    let now = core.clock.now_ms();
    if now > a.ends_at {
        return Err(AppError::Refused {
            code: Code::CoopCheckInWindow,
            message: "the activity is over".into(),
        });
    }
    core.store
        .sign_up(activity, person, now)
        .await
        .map(|_| ())
        .map_err(refused)
}

/// Checks the volunteer in: from an hour before the activity to its end,
/// once. The activity's length is credited, and written to their double
/// registration when they have one.
pub async fn check_in(
    core: &CoopState,
    person: i64,
    tag: &str,
    activity: i64,
) -> Result<(), AppError> {
    verify(core, person, tag).await?;
    let a = their_activity(core, person, activity).await?;
    let now = core.clock.now_ms();
    if now < a.starts_at - CHECK_IN_EARLY_MS || now > a.ends_at {
        return Err(AppError::Refused {
            code: Code::CoopCheckInWindow,
            message: "check-in opens an hour before the activity and closes at its end".into(),
        });
    }
    let hours = check_in_hours(naive(a.starts_at), naive(a.ends_at))
        .map_err(|e| AppError::from(StoreError::Corrupt(format!("activity {}: {e}", a.id))))?;
    let registration = party::registration_of(core, person).await?;
    let today = core.today();
    let what = format!("志愿服务：{}", a.title);
    let entry = registration.map(|registration_id| ServiceEntry {
        registration_id,
        day: today,
        today,
        what: &what,
        confirmed_by: CONFIRMED_BY,
    });
    core.store
        .check_in_volunteer(activity, person, hours, entry.as_ref(), now)
        .await
        .map_err(refused)
}
