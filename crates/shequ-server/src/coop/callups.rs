//! Call-ups in an emergency (应急响应, seed 003), the cooperation
//! capability's fourth service: the street or a neighbourhood calls its
//! registered members and volunteers to duty posts (a gate, a testing
//! point, deliveries to the housebound), each a shift needing so many
//! people. Those called answer on their own phone page (the volunteer's
//! signed link) and check in on duty; the shift's hours count as
//! volunteering, on their 双报到 record when they have one. The secretary
//! sees who answered, who is on duty now and which posts are short.

use serde::Deserialize;
use shequ_domain::Code;
use shequ_domain::coop::check_in_hours;
use shequ_store::coop::{AnswerRow, CallupRow, NewPost, PostRow, ServiceEntry};
use shequ_store::{Scope, StoreError};

use crate::app::access::actor;
use crate::app::auth::Principal;
use crate::app::error::{AppError, FieldError};
use crate::coop::CoopState;
use crate::coop::service::require_writer;
use crate::coop::volunteers::{self, CHECK_IN_EARLY_MS, CONFIRMED_BY};
use crate::party::service as party;

/// The call-ups of the caller's area, newest first.
pub async fn callups(core: &CoopState, who: &Principal) -> Result<Vec<CallupRow>, AppError> {
    Ok(core.store.callups_in(&who.scope()?).await?)
}

/// Issues a call-up for the caller's region; its id.
pub async fn issue(core: &CoopState, who: &Principal, title: &str) -> Result<i64, AppError> {
    require_writer(who)?;
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        return Err(AppError::unprocessable(
            "title",
            Code::Required,
            "say what the call-up is for, in up to 100 characters",
        ));
    }
    let region = match who {
        Principal::User(u) => u.user.region_id,
        Principal::Token(t) => t.region_id,
    };
    Ok(core
        .store
        .create_callup(title, region, &actor(who).1, core.clock.now_ms())
        .await?)
}

async fn in_view(core: &CoopState, who: &Principal, id: i64) -> Result<CallupRow, AppError> {
    let scope = who.scope()?;
    core.store
        .callup(id)
        .await?
        .filter(|c| scope.contains(&c.region_path))
        .ok_or(AppError::NotFound("coop callup"))
}

/// A post as a form gives it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PostInput {
    pub name: String,
    /// A place's code or exact name; empty for none (deliveries).
    pub place: String,
    /// Local time, `2026-12-05T08:00`.
    pub starts_at: String,
    pub ends_at: String,
    pub needed: String,
}

/// Opens a post of a call-up of the caller's area; its id.
pub async fn add_post(
    core: &CoopState,
    who: &Principal,
    callup: i64,
    input: &PostInput,
) -> Result<i64, AppError> {
    require_writer(who)?;
    let c = in_view(core, who, callup).await?;
    if c.closed_at.is_some() {
        return Err(AppError::Refused {
            code: Code::CoopCallupClosed,
            message: "the call-up is closed".into(),
        });
    }
    let scope = who.scope()?;
    let mut errors = Vec::new();
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        errors.push(FieldError::new(
            "name",
            Code::Required,
            "name the post, in up to 60 characters",
        ));
    }
    let place = if input.place.trim().is_empty() {
        Some(None)
    } else {
        super::service::place_of(core, &scope, &input.place, &mut errors)
            .await?
            .map(Some)
    };
    let start = volunteers::local_ms(core, "starts_at", &input.starts_at, &mut errors);
    let end = volunteers::local_ms(core, "ends_at", &input.ends_at, &mut errors);
    if let (Some(a), Some(b)) = (start, end)
        && let Err(e) = check_in_hours(volunteers::naive(a), volunteers::naive(b))
    {
        errors.push(FieldError::from_invalid("ends_at", &e));
    }
    let needed = match input.needed.trim().parse::<u32>() {
        Ok(n) if n > 0 => Some(n),
        _ => {
            errors.push(FieldError::new(
                "needed",
                Code::CoopCapacity,
                "how many people: a whole number above zero",
            ));
            None
        }
    };
    let (Some(place_id), Some(starts_at), Some(ends_at), Some(needed), true) =
        (place, start, end, needed, errors.is_empty())
    else {
        return Err(AppError::Unprocessable(errors));
    };
    Ok(core
        .store
        .add_callup_post(
            callup,
            &NewPost {
                name,
                place_id,
                starts_at,
                ends_at,
                needed,
            },
        )
        .await?)
}

/// Closes a call-up of the caller's area.
pub async fn close(core: &CoopState, who: &Principal, id: i64) -> Result<(), AppError> {
    require_writer(who)?;
    in_view(core, who, id).await?;
    Ok(core.store.close_callup(id, core.clock.now_ms()).await?)
}

/// A post with its answers, how many are on duty now, and whether it is
/// short of people.
pub struct PostView {
    pub post: PostRow,
    pub answers: Vec<AnswerRow>,
    pub on_duty: usize,
    pub short: bool,
}

/// A call-up with its posts, and the registered members of its region
/// with their own links (to send them the call).
pub struct CallupDetail {
    pub callup: CallupRow,
    pub posts: Vec<PostView>,
    pub members: Vec<(String, String)>,
    pub now: i64,
}

/// Call-up `id` of the caller's area.
pub async fn callup(core: &CoopState, who: &Principal, id: i64) -> Result<CallupDetail, AppError> {
    let callup = in_view(core, who, id).await?;
    let now = core.clock.now_ms();
    let answers = core.store.callup_answers(id).await?;
    let posts = core
        .store
        .callup_posts(id)
        .await?
        .into_iter()
        .map(|post| {
            let answers: Vec<AnswerRow> = answers
                .iter()
                .filter(|a| a.post_id == post.id)
                .cloned()
                .collect();
            let live = post.starts_at <= now && now <= post.ends_at;
            let on_duty = if live {
                answers.iter().filter(|a| a.checked_in_at.is_some()).count()
            } else {
                0
            };
            let short = post.ends_at >= now && post.answered < post.needed;
            PostView {
                post,
                answers,
                on_duty,
                short,
            }
        })
        .collect();
    let members = if party::reads_members(who) {
        let key = volunteers::link_key(core).await?;
        party::registrations(core, who)
            .await?
            .into_iter()
            .filter(|(r, _)| r.region_path.starts_with(&callup.region_path))
            .filter_map(|(r, _)| {
                r.person_id
                    .map(|p| (r.name, volunteers::volunteer_link(&key, p)))
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(CallupDetail {
        callup,
        posts,
        members,
        now,
    })
}

// ------------------------------------------------- the volunteer's side

/// An open call-up's post for a volunteer, with their own answer.
#[derive(Debug, Clone)]
pub struct DutyPost {
    pub callup_title: String,
    pub post: PostRow,
    pub mine: Option<AnswerRow>,
}

/// The posts of open call-ups whose region holds one of `paths` (where
/// the person lives, their teams' regions) and whose shift has not ended.
pub async fn open_posts_for(
    core: &CoopState,
    person: i64,
    paths: &[String],
) -> Result<Vec<DutyPost>, AppError> {
    let now = core.clock.now_ms();
    let mine = core.store.answers_of_person(person).await?;
    let mut out = Vec::new();
    for c in core.store.open_callups().await? {
        if !paths.iter().any(|p| p.starts_with(&c.region_path)) {
            continue;
        }
        for post in core.store.callup_posts(c.id).await? {
            if post.ends_at < now {
                continue;
            }
            let answer = mine.iter().find(|a| a.post_id == post.id).cloned();
            out.push(DutyPost {
                callup_title: c.title.clone(),
                post,
                mine: answer,
            });
        }
    }
    Ok(out)
}

/// The post, if it belongs to an open call-up the person is called to.
async fn their_post(core: &CoopState, person: i64, post: i64) -> Result<PostRow, AppError> {
    let p = core
        .store
        .callup_post(post)
        .await?
        .ok_or(AppError::NotFound("coop post"))?;
    let c = core
        .store
        .callup(p.callup_id)
        .await?
        .ok_or(AppError::NotFound("coop post"))?;
    if c.closed_at.is_some() {
        return Err(AppError::Refused {
            code: Code::CoopCallupClosed,
            message: "the call-up is closed".into(),
        });
    }
    let teams = core.store.volunteer_teams_of_person(person).await?;
    let home = core
        .store
        .person_in(&Scope::everything(), person)
        .await?
        .map(|p| p.region_path);
    let called = teams
        .iter()
        .any(|t| t.region_path.starts_with(&c.region_path))
        || home.is_some_and(|h| h.starts_with(&c.region_path));
    if !called {
        return Err(AppError::NotFound("coop post"));
    }
    Ok(p)
}

/// The volunteer answers a post while it needs people and before its
/// shift ends.
pub async fn answer(core: &CoopState, person: i64, tag: &str, post: i64) -> Result<(), AppError> {
    volunteers::verify(core, person, tag).await?;
    let p = their_post(core, person, post).await?;
    let now = core.clock.now_ms();
    if now > p.ends_at {
        return Err(AppError::Refused {
            code: Code::CoopCheckInWindow,
            message: "the shift is over".into(),
        });
    }
    core.store
        .answer_post(post, person, now)
        .await
        .map(|_| ())
        .map_err(volunteers::refused)
}

/// The volunteer checks in on duty, from an hour before the shift to its
/// end, once; the shift's length is credited as volunteering.
pub async fn check_in(core: &CoopState, person: i64, tag: &str, post: i64) -> Result<(), AppError> {
    volunteers::verify(core, person, tag).await?;
    let p = their_post(core, person, post).await?;
    let now = core.clock.now_ms();
    if now < p.starts_at - CHECK_IN_EARLY_MS || now > p.ends_at {
        return Err(AppError::Refused {
            code: Code::CoopCheckInWindow,
            message: "check-in opens an hour before the shift and closes at its end".into(),
        });
    }
    let hours = check_in_hours(volunteers::naive(p.starts_at), volunteers::naive(p.ends_at))
        .map_err(|e| AppError::from(StoreError::Corrupt(format!("post {}: {e}", p.id))))?;
    let registration = party::registration_of(core, person).await?;
    let today = core.today();
    let what = format!("应急响应：{}", p.name);
    let entry = registration.map(|registration_id| ServiceEntry {
        registration_id,
        day: today,
        today,
        what: &what,
        confirmed_by: CONFIRMED_BY,
    });
    core.store
        .check_in_on_duty(post, person, hours, entry.as_ref(), now)
        .await
        .map_err(volunteers::refused)
}
