//! A volunteer's own phone page, what it shows: their teams' activities
//! with their sign-ups (volunteering, [`super::volunteers`]), the open
//! call-ups' posts where they live or serve ([`super::callups`]), and
//! their hours this year. It stands above both, which call neither
//! through it.

use chrono::{Datelike, TimeZone};
use shequ_store::coop::{ActivityRow, SignupRow, TeamRow};

use crate::app::error::AppError;
use crate::coop::CoopState;
use crate::coop::callups::{self, DutyPost};
use crate::coop::volunteers;
use crate::party::service as party;

/// What a volunteer's own page shows.
pub struct VolunteerView {
    pub person_id: i64,
    pub name: String,
    pub teams: Vec<TeamRow>,
    /// The activities of their teams from twelve hours ago to a month
    /// ahead, with their own sign-up if any.
    pub activities: Vec<(ActivityRow, Option<SignupRow>)>,
    /// Hours credited this year, in tenths.
    pub hours_tenths: i64,
    /// Whether their hours reach a double registration (双报到).
    pub registered: bool,
    /// The open call-ups' posts for where they live or serve, with their
    /// own answer if any.
    pub duty: Vec<DutyPost>,
    pub now: i64,
}

impl VolunteerView {
    /// Whether `a` takes check-ins now.
    pub fn check_in_open(&self, a: &ActivityRow) -> bool {
        a.starts_at - volunteers::CHECK_IN_EARLY_MS <= self.now && self.now <= a.ends_at
    }
}

/// The volunteer's page behind a signed link; not found for a link that
/// does not verify (no hint which part is wrong).
pub async fn volunteer(
    core: &CoopState,
    person: i64,
    tag: &str,
) -> Result<VolunteerView, AppError> {
    volunteers::verify(core, person, tag).await?;
    let teams = core.store.volunteer_teams_of_person(person).await?;
    let registered = party::registration_of(core, person).await?.is_some();
    // A link opens the page of a team's volunteer, or of a registered
    // member (who answers call-ups).
    let Some(someone) = core
        .store
        .person_in(&shequ_store::Scope::everything(), person)
        .await?
        .filter(|_| registered || !teams.is_empty())
    else {
        return Err(AppError::NotFound("coop volunteer link"));
    };
    let name = someone.name.clone();
    let mut paths: Vec<String> = teams.iter().map(|t| t.region_path.clone()).collect();
    paths.push(someone.region_path.clone());
    let duty = callups::open_posts_for(core, person, &paths).await?;
    let now = core.clock.now_ms();
    let activities = core
        .store
        .activities_for_person(
            person,
            now - volunteers::DAY_MS / 2,
            now + volunteers::AHEAD_DAYS * volunteers::DAY_MS,
        )
        .await?;
    let mine = core.store.signups_of_person(person).await?;
    let activities = activities
        .into_iter()
        .map(|a| {
            let s = mine.iter().find(|s| s.activity_id == a.id).cloned();
            (a, s)
        })
        .collect();
    let year = core.today().year();
    let from = core
        .tz
        .with_ymd_and_hms(year, 1, 1, 0, 0, 0)
        .earliest()
        .map_or(0, |d| d.timestamp_millis());
    let to = core
        .tz
        .with_ymd_and_hms(year + 1, 1, 1, 0, 0, 0)
        .earliest()
        .map_or(i64::MAX, |d| d.timestamp_millis());
    let hours_tenths = core.store.volunteer_hours(person, from, to).await?;
    Ok(VolunteerView {
        person_id: person,
        name,
        teams,
        activities,
        hours_tenths,
        registered,
        duty,
        now,
    })
}
