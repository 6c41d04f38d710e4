//! Intake: every channel (the public page, the operator's form, the JSON
//! API, Open311, sensor alerts) turns a report into the same order here —
//! located, checked against open orders nearby, routed to one person,
//! given deadlines, and stored with its trail and notifications.

use serde::Serialize;
use shequ_domain::order::routing::{Candidate, Target, match_rule, pick_person};
use shequ_domain::order::sla::deadlines;
use shequ_domain::{Code, RegionPath, Role};
use shequ_store::orders::catalogue::Category;
use shequ_store::orders::create::NewOrder;
use shequ_store::{Scope, StoreError};

use crate::app::auth::new_token;
use crate::app::auth::token_hash;
use crate::app::error::{AppError, FieldError};
use crate::app::live::LiveEvent;
use crate::orders::OrdersState;
use crate::orders::notices;

/// Sources an order can come from.
pub const SOURCES: &[&str] = &[
    "public",
    "hotline",
    "open311",
    "api",
    "sensor",
    "meeting",
    "inspection",
];

/// Longest description accepted (Open311's limit).
pub const MAX_DESCRIPTION: usize = 4000;

/// Prefix of reporters' private link tokens.
pub const REPORTER_TOKEN_PREFIX: &str = "shequ_r_";

/// A report from any channel.
#[derive(Debug, Clone)]
pub struct Report {
    pub category: String,
    pub source: &'static str,
    pub title: String,
    pub description: String,
    pub address: String,
    /// WGS-84 (lon, lat).
    pub point: Option<(f64, f64)>,
    /// A known place (building, facility); its grid locates the order.
    pub place_id: Option<i64>,
    /// The resident the order is about (welfare alerts).
    pub subject_person_id: Option<i64>,
    pub reporter_name: String,
    pub reporter_phone: Option<String>,
    pub reporter_email: Option<String>,
    pub external_id: Option<String>,
    /// Answers to the category's attributes (a JSON object).
    pub attributes: serde_json::Value,
    pub priority: Option<String>,
    /// Where the caller may file orders: the order must lie inside, and a
    /// report that cannot be placed more precisely lands on this region.
    pub scope_root: RegionPath,
    /// `user:12`, `reporter`, `token:name`, `system`.
    pub actor: String,
    pub actor_user_id: Option<i64>,
    /// Give the reporter a private link (follow and rate without an account).
    pub reporter_link: bool,
    /// A resolve deadline the source set (a meeting decision's due day),
    /// in place of the category's; never before the accept deadline.
    pub resolve_by: Option<i64>,
}

/// What intake made.
#[derive(Debug, Clone, Serialize)]
pub struct Submitted {
    pub id: i64,
    /// False when the external id was seen before (the first order returned).
    pub new: bool,
    pub owner_user_id: Option<i64>,
    /// An open order this one probably duplicates.
    pub likely_duplicate_of: Option<i64>,
    /// The reporter's private link token, shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reporter_token: Option<String>,
}

/// Why a report was not taken. Each refusal has its code and field here;
/// the channels answer it in their own form (the API's error body, the
/// report form's field errors, Open311's error array) from these alone.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("unknown category {0:?}")]
    UnknownCategory(String),
    #[error("invalid {field}: {message}")]
    Invalid {
        /// The report's field, as the API names it.
        field: &'static str,
        code: Code,
        /// In English, for API clients and logs.
        message: String,
    },
    #[error("the place lies outside the area you may report for")]
    OutsideScope,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl IntakeError {
    /// The refusal's code; `None` for a failure of the store.
    pub fn code(&self) -> Option<Code> {
        match self {
            IntakeError::UnknownCategory(_) => Some(Code::CategoryUnknown),
            IntakeError::Invalid { code, .. } => Some(*code),
            IntakeError::OutsideScope => Some(Code::LocationOutside),
            IntakeError::Store(_) => None,
        }
    }

    /// The report's field that is wrong.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            IntakeError::UnknownCategory(_) => Some("category"),
            IntakeError::Invalid { field, .. } => Some(field),
            IntakeError::OutsideScope => Some("location"),
            IntakeError::Store(_) => None,
        }
    }
}

/// The one mapping of an intake refusal to the error every handler
/// answers with: a 422 naming the field and its code, or, for a place
/// outside the caller's area, the API's uniform 403 `out_of_scope`.
impl From<IntakeError> for AppError {
    fn from(e: IntakeError) -> Self {
        match e {
            IntakeError::UnknownCategory(c) => AppError::unprocessable(
                "category",
                Code::CategoryUnknown,
                format!("no active category {c:?}"),
            ),
            IntakeError::Invalid {
                field,
                code,
                message,
            } => AppError::Unprocessable(vec![FieldError::new(field, code, message)]),
            IntakeError::OutsideScope => AppError::Forbidden(Code::OutOfScope),
            IntakeError::Store(e) => e.into(),
        }
    }
}

/// Where an order lands: the grid (or region) and its path.
struct Located {
    region_id: i64,
    region_path: String,
    address: String,
    point: Option<(f64, f64)>,
}

async fn locate(state: &OrdersState, r: &Report) -> Result<Located, IntakeError> {
    if let Some(place_id) = r.place_id {
        let place = state
            .store
            .place_in(&Scope::everything(), place_id)
            .await?
            .ok_or(IntakeError::Invalid {
                field: "place_id",
                code: Code::PlaceUnknown,
                message: "no such place".to_owned(),
            })?;
        return Ok(Located {
            region_id: place.region_id,
            region_path: place.region_path,
            address: if r.address.trim().is_empty() {
                place.address
            } else {
                r.address.clone()
            },
            point: r.point.or(Some((place.lon, place.lat))),
        });
    }
    if let Some((lon, lat)) = r.point {
        if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
            return Err(IntakeError::Invalid {
                field: "location",
                code: Code::CoordinatesOutOfRange,
                message: "longitude must be within ±180 and latitude within ±90".to_owned(),
            });
        }
        if let Some((region_id, path)) = state.grids().await?.locate(lon, lat) {
            return Ok(Located {
                region_id,
                region_path: path.to_owned(),
                address: r.address.clone(),
                point: r.point,
            });
        }
    }
    // No point inside a grid: the caller's own region takes it, and the
    // command centre places it by hand.
    let root = state
        .store
        .region_by_code(r.scope_root.leaf_code())
        .await?
        .ok_or(IntakeError::OutsideScope)?;
    Ok(Located {
        region_id: root.region.id,
        region_path: root.region.path,
        address: r.address.clone(),
        point: r.point,
    })
}

fn check(r: &Report) -> Result<(), IntakeError> {
    let invalid = |field, code, message: &str| {
        Err(IntakeError::Invalid {
            field,
            code,
            message: message.to_owned(),
        })
    };
    if r.description.chars().count() > MAX_DESCRIPTION {
        return invalid(
            "description",
            Code::DescriptionTooLong,
            "is longer than 4000 characters",
        );
    }
    if r.title.chars().count() > 200 {
        return invalid("title", Code::TitleTooLong, "is longer than 200 characters");
    }
    if r.description.trim().is_empty() && r.title.trim().is_empty() {
        return invalid(
            "description",
            Code::DescriptionMissing,
            "say what the problem is",
        );
    }
    if r.point.is_none() && r.place_id.is_none() && r.address.trim().is_empty() {
        return invalid(
            "location",
            Code::LocationMissing,
            "give a point on the map, a place or an address",
        );
    }
    if let Some(p) = &r.reporter_phone
        && shequ_domain::PhoneNumber::parse(p).is_err()
    {
        return invalid("phone", Code::PhoneInvalid, "is not a phone number");
    }
    if !r.attributes.is_object() && !r.attributes.is_null() {
        return invalid("attributes", Code::AttributesInvalid, "must be an object");
    }
    Ok(())
}

/// The person for an order at `path`, and why: the matching rule's target
/// resolved through the roster, falling back to the command centre.
async fn route(
    state: &OrdersState,
    category: &str,
    path: &str,
    now: i64,
    force_command_centre: bool,
) -> Result<(Option<i64>, serde_json::Value), IntakeError> {
    let store = &state.store;
    if !force_command_centre {
        let config = state.config.get(store).await?;
        let rule = match_rule(&config.rules, category, path).cloned();
        let default_rule = shequ_domain::order::routing::Rule {
            id: 0,
            category: None,
            region_path: "/".to_owned(),
            target: Target::Role(Role::GridWorker),
        };
        let rule = rule.unwrap_or(default_rule);
        let candidates: Vec<Candidate> = match &rule.target {
            Target::Role(role) => state.people.role_candidates(store, *role, path).await?,
            Target::Team(team) => store.team_candidates(*team, now).await?,
            Target::User(user) => vec![Candidate {
                user_id: *user,
                region_path: path.to_owned(),
                open_orders: 0,
                on_duty: true,
            }],
        };
        // Team members may be bound anywhere; what matters is the roster.
        let person = match &rule.target {
            Target::Team(_) => candidates
                .iter()
                .filter(|c| c.on_duty)
                .min_by_key(|c| (c.open_orders, c.user_id))
                .map(|c| c.user_id),
            _ => pick_person(&candidates, path),
        };
        if let Some(p) = person {
            return Ok((
                Some(p),
                serde_json::json!({ "rule": rule.id, "target": rule.target }),
            ));
        }
    }
    let operators = state
        .people
        .role_candidates(store, Role::StreetOperator, path)
        .await?;
    let person = pick_person(&operators, path);
    Ok((
        person,
        serde_json::json!({ "rule": null, "fallback": "command_centre", "duplicate_suspected": force_command_centre }),
    ))
}

/// Takes a report, makes the order, and pushes the owner's pop-up.
pub async fn submit(state: &OrdersState, r: Report) -> Result<Submitted, IntakeError> {
    check(&r)?;
    let now = state.clock.now_ms();
    let category: Category = state
        .config
        .get(&state.store)
        .await?
        .categories
        .get(&r.category)
        .filter(|c| c.active)
        .cloned()
        .ok_or_else(|| IntakeError::UnknownCategory(r.category.clone()))?;
    let at = locate(state, &r).await?;
    if !Scope::under(&r.scope_root).contains(&at.region_path) {
        return Err(IntakeError::OutsideScope);
    }
    if let Some(person) = r.subject_person_id {
        // A person outside the caller's area is answered as one who does
        // not exist: the answer must not tell which ids are taken.
        let path = state.store.person_path(person).await?;
        if !path.is_some_and(|p| Scope::under(&r.scope_root).contains(&p)) {
            return Err(IntakeError::Invalid {
                field: "subject_person_id",
                code: Code::PersonUnknown,
                message: "no such person in your area".to_owned(),
            });
        }
    }

    let likely_duplicate_of = match at.point {
        Some(p) => {
            state
                .recent
                .near(&state.store, &category.code, p, now)
                .await?
        }
        None => None,
    };
    // A likely duplicate goes to the command centre to link, not to the
    // worker a second time.
    let (owner, mut why) = route(
        state,
        &category.code,
        &at.region_path,
        now,
        likely_duplicate_of.is_some(),
    )
    .await?;
    if let Some(d) = likely_duplicate_of {
        why["likely_duplicate_of"] = d.into();
    }
    let (accept_due_at, resolve_due_at) = deadlines(category.sla(), now);
    let resolve_due_at = r
        .resolve_by
        .map_or(resolve_due_at, |by| by.max(accept_due_at));
    let reporter_token = r.reporter_link.then(|| new_token(REPORTER_TOKEN_PREFIX));
    let title = if r.title.trim().is_empty() {
        r.description.chars().take(40).collect()
    } else {
        r.title.trim().to_owned()
    };
    let mut order = NewOrder {
        category_id: category.id,
        category_code: category.code.clone(),
        source: r.source.to_owned(),
        priority: r
            .priority
            .clone()
            .unwrap_or_else(|| category.default_priority.clone()),
        title,
        description: r.description.trim().to_owned(),
        address: at.address.trim().to_owned(),
        point: at.point,
        region_id: at.region_id,
        region_path: at.region_path.clone(),
        place_id: r.place_id,
        subject_person_id: r.subject_person_id,
        reporter_name: r.reporter_name.trim().to_owned(),
        reporter_phone: r
            .reporter_phone
            .as_deref()
            .and_then(|p| shequ_domain::PhoneNumber::parse(p).ok())
            .map(|p| p.expose().to_owned()),
        reporter_email: r.reporter_email.clone().filter(|e| !e.trim().is_empty()),
        reporter_token_hash: reporter_token.as_deref().map(token_hash),
        external_id: r.external_id.clone(),
        attributes: if r.attributes.is_null() {
            "{}".to_owned()
        } else {
            r.attributes.to_string()
        },
        owner_user_id: owner,
        accept_due_at,
        resolve_due_at,
        actor: r.actor.clone(),
        actor_user_id: r.actor_user_id,
        dispatch_data: why.to_string(),
        dispatch_note: String::new(),
        notices: Vec::new(),
        now,
    };
    if let Some(user) = owner {
        // The id is not known until the insert; the store fills it in.
        order.notices = notices::to_worker(
            state,
            &notices::Brief::of_new(&order),
            &category.name_zh,
            user,
            "new_order",
        );
    }
    let (created, queued) = state.orders.create(order.clone()).await?;
    if created.new {
        if let Some(p) = order.point {
            state.recent.add(created.id, &category.code, p, now).await;
        }
        if let Some(owner) = owner {
            state.people.bump(owner, 1);
        }
        publish_created(state, created.id, &order, &category, &queued);
    }
    Ok(Submitted {
        id: created.id,
        new: created.new,
        owner_user_id: owner,
        likely_duplicate_of,
        reporter_token: if created.new { reporter_token } else { None },
    })
}

fn publish_created(
    state: &OrdersState,
    id: i64,
    o: &NewOrder,
    category: &Category,
    queued: &[shequ_store::orders::create::Queued],
) {
    let payload = serde_json::json!({
        "order_id": id,
        "title": o.title,
        "category": category.name_zh,
        "category_en": category.name_en,
        "address": o.address,
        "lon": o.point.map(|p| p.0),
        "lat": o.point.map(|p| p.1),
        "state": "pending",
        "source": o.source,
        "owner_user_id": o.owner_user_id,
        "url": format!("/orders/{id}"),
    });
    for q in queued.iter().filter(|q| q.channel == "popup") {
        state.hub.publish(LiveEvent {
            id: q.id,
            user_id: q.user_id,
            kind: "popup",
            order_id: Some(id),
            region_path: o.region_path.clone(),
            payload: payload.to_string(),
        });
    }
    state.hub.publish(LiveEvent {
        id: 0,
        user_id: None,
        kind: "order_created",
        order_id: Some(id),
        region_path: o.region_path.clone(),
        payload: payload.to_string(),
    });
    crate::orders::workers::sms::wake_if_queued(state, queued);
}
