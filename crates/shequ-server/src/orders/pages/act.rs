//! `POST /orders/{id}/act`: reads an action's form into an [`Action`],
//! checks what the user picked (people, teams, orders they may see),
//! runs it through the order service, stores a resolution photo, and goes
//! back to the order page — or shows it again with the refusal translated.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use shequ_domain::order::{Action, CancelReason};
use shequ_store::orders::Order;

use crate::app::access::ClientAddr;
use crate::app::auth::AuthUser;
use crate::app::error::AppError;
use crate::app::error::FieldError;
use crate::app::page::ctx::PageError;
use crate::app::page::ctx::PageResult;
use crate::app::page::ctx::Viewer;
use crate::app::page::ctx::safe_next;
use crate::app::page::form::FormData;
use crate::orders::OrdersState;
use crate::orders::api::orders::visible_order;
use crate::orders::pages::detail::Notice;
use crate::orders::pages::detail::order_page;
use crate::orders::photos;
use crate::orders::service;
use crate::orders::service::Who;
use shequ_domain::Code;

fn id_field(form: &FormData, name: &str, missing: Code) -> Result<i64, FieldError> {
    form.get(name)
        .parse()
        .map_err(|_| FieldError::new(name, missing, name))
}

/// Reads the posted action. Choices (people, teams, orders) are checked
/// against what the user may pick.
async fn read_action(
    state: &OrdersState,
    user: &AuthUser,
    o: &Order,
    form: &FormData,
    addr: &ClientAddr,
) -> PageResult<Result<Action, FieldError>> {
    let text = |name: &str| form.get(name).to_owned();
    let action = match form.get("action") {
        "accept" => Action::Accept,
        "start" => Action::Start,
        "resume_clock" => Action::ResumeClock,
        "note" => Action::Note { text: text("text") },
        "resolve" => Action::Resolve { note: text("note") },
        "return" => Action::Return {
            reason: text("reason"),
        },
        "pause_clock" => Action::PauseClock {
            reason: text("reason"),
        },
        "reassign" | "escalate" => {
            let to_user = match id_field(form, "to_user", Code::ToUserMissing) {
                Ok(id) => id,
                Err(e) => return Ok(Err(e)),
            };
            let ok = state
                .store
                .user_by_id(to_user)
                .await?
                .is_some_and(|u| !u.disabled);
            if !ok {
                return Ok(Err(FieldError::new(
                    "to_user",
                    Code::ToUserMissing,
                    "no such user",
                )));
            }
            if form.get("action") == "reassign" {
                Action::Reassign { to_user }
            } else {
                Action::Escalate {
                    to_user,
                    reason: text("reason"),
                    overdue: None,
                }
            }
        }
        "cancel" => match form.get("reason") {
            "duplicate" => {
                let of = match id_field(form, "of", Code::OfMissing) {
                    Ok(of) if of != o.id => of,
                    _ => return Ok(Err(FieldError::new("of", Code::OfMissing, "order number"))),
                };
                // The order it duplicates must exist and be visible.
                visible_order(state, user, of, addr).await?;
                Action::Cancel {
                    reason: CancelReason::Duplicate { of },
                }
            }
            _ => Action::Cancel {
                reason: CancelReason::Invalid { note: text("note") },
            },
        },
        "summon" => {
            let mut teams = Vec::new();
            for t in form.all("teams") {
                match t.parse::<i64>() {
                    Ok(id) if state.store.team(id).await?.is_some() => teams.push(id),
                    _ => return Ok(Err(FieldError::new("teams", Code::TeamsMissing, "teams"))),
                }
            }
            let within_minutes = match form.get("minutes") {
                "" => 30,
                m => match m.parse::<u32>() {
                    Ok(m) if (1..=1440).contains(&m) => m,
                    _ => {
                        return Ok(Err(FieldError::new(
                            "minutes",
                            Code::MinutesInvalid,
                            "minutes",
                        )));
                    }
                },
            };
            Action::Summon {
                teams,
                within_minutes,
            }
        }
        "report_in" => match id_field(form, "team", Code::TeamMissing) {
            Ok(team) => Action::ReportIn {
                team,
                note: text("note"),
            },
            Err(e) => return Ok(Err(e)),
        },
        _ => {
            return Ok(Err(FieldError::new(
                "action",
                Code::ActionInvalid,
                "action",
            )));
        }
    };
    Ok(Ok(action))
}

/// `POST /orders/{id}/act`
pub async fn act(
    State(state): State<OrdersState>,
    v: Viewer,
    addr: ClientAddr,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult<Response> {
    let (state, v, addr) = (&state, &v, &addr);
    let order = visible_order(state, &v.user, id, addr).await?;
    let failed = |code: String, status: StatusCode| async move {
        let page = order_page(state, v, addr, id, Notice::Error(code)).await?;
        Ok::<Response, PageError>((status, page).into_response())
    };
    let action = match read_action(state, &v.user, &order, &form, addr).await? {
        Ok(a) => a,
        Err(e) => return failed(e.code, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    // A resolution photo is checked before the change, stored after it.
    let photo = match (&action, &photos::refused_upload(&form), &form.file) {
        (_, Some(e), _) => {
            return failed(e.code().as_str().to_owned(), StatusCode::PAYLOAD_TOO_LARGE).await;
        }
        (Action::Resolve { .. }, None, Some(bytes)) => {
            if let Err(e) = photos::check(bytes, state.settings.max_photo_bytes) {
                let status = match e {
                    photos::PhotoError::NotAnImage => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    _ => StatusCode::PAYLOAD_TOO_LARGE,
                };
                return failed(e.code().as_str().to_owned(), status).await;
            }
            Some(bytes)
        }
        _ => None,
    };
    let who = Who::User(Box::new(v.user.clone()));
    match service::act(state, id, &who, &action, addr).await {
        Ok(_) => {}
        Err(AppError::Refused { code, .. }) => {
            return failed(code.as_str().to_owned(), StatusCode::CONFLICT).await;
        }
        Err(e) => return Err(PageError(e)),
    }
    if let Some(bytes) = photo {
        let by = format!("user:{}", v.user.user.id);
        photos::save(state, id, "resolution", bytes, &by).await?;
    }
    let next = match form.get("next") {
        "" => format!("/orders/{id}?done={}", action.name()),
        n => safe_next(Some(n)),
    };
    Ok(Redirect::to(&next).into_response())
}
