//! The order page `/orders/{id}`: details, the spot on a small map,
//! photos, owner and phone, deadlines, summoned departments, a likely
//! duplicate with one-click linking, the whole trail as a timeline with
//! its hash chain re-checked, and the actions this user may take.

use axum::extract::{Path, Query, State};
use fluent_bundle::FluentValue;
use maud::{Markup, html};
use serde::Deserialize;
use shequ_domain::order::ActorKind;
use shequ_store::orders::read::{Participant, PhotoMeta};
use shequ_store::orders::{Order, OrderEvent};

use crate::app::access::ClientAddr;
use crate::app::page::ctx::Ctx;
use crate::app::page::ctx::PageResult;
use crate::app::page::ctx::Viewer;
use crate::app::page::layout::Nav;
use crate::app::page::layout::page;
use crate::app::page::map::Marker;
use crate::app::page::map::Mode;
use crate::orders::OrdersState;
use crate::orders::api::orders::visible_order;
use crate::orders::pages::area_map;
use crate::orders::pages::badges;
use crate::orders::pages::bilingual;
use crate::orders::pages::category_name;
use crate::orders::pages::fields::attributes_of;
use crate::orders::pages::list::user_names;
use crate::orders::pages::offers::Offer;
use crate::orders::pages::offers::Standing;
use crate::orders::pages::offers::action_forms;
use crate::orders::pages::offers::allowed;
use crate::orders::pages::offers::standing;
use crate::orders::pages::overdue;
use crate::orders::pages::region_path;
use crate::orders::pages::short_time;
use crate::orders::pages::state_tag;
use crate::orders::pages::trail::Names;
use crate::orders::pages::trail::named_in;
use crate::orders::pages::trail::timeline;

/// A message above the order.
#[derive(Debug, Clone)]
pub enum Notice {
    None,
    /// An action just done (its name).
    Done(String),
    /// An action refused (an error code).
    Error(String),
}

/// `?done=accept` after an action.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Shown {
    pub done: String,
}

/// `GET /orders/{id}`
pub async fn show(
    State(state): State<OrdersState>,
    v: Viewer,
    addr: ClientAddr,
    Path(id): Path<i64>,
    Query(q): Query<Shown>,
) -> PageResult<Markup> {
    let notice = if q.done.is_empty() {
        Notice::None
    } else {
        Notice::Done(q.done)
    };
    order_page(&state, &v, &addr, id, notice).await
}

fn photo_strip(ctx: &Ctx, photos: &[PhotoMeta]) -> Markup {
    html! {
        @for stage in ["intake", "resolution"] {
            @let shots: Vec<&PhotoMeta> = photos.iter().filter(|p| p.stage == stage).collect();
            @if !shots.is_empty() {
                h3 { (ctx.t(&format!("order-photo-{stage}"))) }
                div.photos {
                    @for p in shots {
                        a href={ "/photos/" (p.id) } {
                            img src={ "/photos/" (p.id) } alt=(ctx.t(&format!("order-photo-{stage}"))) loading="lazy";
                        }
                    }
                }
            }
        }
    }
}

fn participants(ctx: &Ctx, list: &[Participant], names: &Names, now: i64) -> Markup {
    html! {
        ul.participants {
            @for p in list {
                li {
                    @if let Some(t) = &p.team_name { strong { (t) } }
                    @else if let Some((n, _)) = p.user_id.and_then(|u| names.get(&u)) { strong { (n) } }
                    " " span.muted { (ctx.label("participant", &p.kind)) }
                    " "
                    @if let Some(at) = p.reported_at {
                        span.tag.tag-ok { (ctx.t("participant-reported")) " " (short_time(ctx, at)) }
                    } @else if let Some(due) = p.due_at {
                        @if due <= now {
                            span.tag.tag-overdue { (ctx.t("participant-late")) }
                        } @else {
                            span.tag { (ctx.t("participant-waiting")) }
                        }
                        " " span.muted { (ctx.t("order-due")) " " (short_time(ctx, due)) }
                    }
                }
            }
        }
    }
}

/// The likely duplicate named by the dispatch event, if any.
fn likely_duplicate(events: &[OrderEvent]) -> Option<i64> {
    events
        .iter()
        .find(|e| e.action == "dispatch")
        .and_then(|e| serde_json::from_str::<serde_json::Value>(&e.data).ok())
        .and_then(|d| d.get("likely_duplicate_of")?.as_i64())
}

fn duplicate_hint(ctx: &Ctx, o: &Order, of: i64, may_link: bool) -> Markup {
    html! {
        div.notice.notice-warn {
            p { (ctx.t("order-likely-duplicate")) " " a href={ "/orders/" (of) } { "#" (of) } }
            @if may_link {
                form method="post" action={ "/orders/" (o.id) "/act" } data-action="link-duplicate" {
                    input type="hidden" name="action" value="cancel";
                    input type="hidden" name="reason" value="duplicate";
                    input type="hidden" name="of" value=(of);
                    button.primary type="submit" { (ctx.t_args("order-link-duplicate", &[("id", FluentValue::from(of))])) }
                }
            }
        }
    }
}

fn attribute_facts(
    ctx: &Ctx,
    o: &Order,
    cat: Option<&shequ_store::orders::catalogue::Category>,
) -> Markup {
    let values: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&o.attributes).unwrap_or_default();
    let defs = cat.map(attributes_of).unwrap_or_default();
    html! {
        @for (code, value) in &values {
            @let def = defs.iter().find(|d| &d.code == code);
            dt { (def.map_or_else(|| code.clone(), |d| bilingual(ctx, &d.description))) }
            dd {
                @let shown: Vec<String> = match value {
                    serde_json::Value::Array(items) => items.iter().map(|i| i.as_str().unwrap_or("").to_owned()).collect(),
                    serde_json::Value::String(s) => vec![s.clone()],
                    other => vec![other.to_string()],
                };
                @for (i, s) in shown.iter().enumerate() {
                    @if i > 0 { (ctx.t("list-sep")) }
                    (def.and_then(|d| d.values.iter().find(|x| &x.key == s)).map_or_else(|| s.clone(), |x| bilingual(ctx, &x.name)))
                }
            }
        }
    }
}

fn notice_box(ctx: &Ctx, notice: &Notice) -> Markup {
    html! {
        @match notice {
            Notice::None => {},
            Notice::Done(action) => div.notice.notice-ok role="status" {
                p { (ctx.t("order-done")) " " (ctx.label("action", action)) }
            },
            Notice::Error(code) => div.notice.notice-error role="alert" {
                p { (ctx.label("error", code)) }
            },
        }
    }
}

/// The whole order page, with a notice on top.
pub async fn order_page(
    state: &OrdersState,
    v: &Viewer,
    addr: &ClientAddr,
    id: i64,
    notice: Notice,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let o = visible_order(state, &v.user, id, addr).await?;
    let now = state.clock.now_ms();
    let events = state.store.order_events(id).await?;
    let parts = state.store.order_participants(id).await?;
    let photos = state.store.order_photos(id).await?;
    let cat = state.store.category_by_code(&o.category_code).await?;
    let region = state.store.region_by_id(o.region_id).await?;
    let st: Standing = standing(state, &v.user, &o, &parts).await?;
    let offers: Vec<Offer> = allowed(&o, &st);
    let mut ids: Vec<i64> = events.iter().filter_map(|e| e.actor_user_id).collect();
    ids.extend(o.owner_user_id);
    ids.extend(o.supervisor_user_id);
    ids.extend(parts.iter().filter_map(|p| p.user_id));
    ids.extend(named_in(&events));
    let names = user_names(state, ids.into_iter()).await?;
    let marker = o.lon.zip(o.lat).map(|(lon, lat)| Marker {
        lon,
        lat,
        title: o.title.clone(),
        class: "dot",
        href: None,
    });
    // The order's grid among its neighbours, the spot on it.
    let map = match &region {
        Some(r) => {
            let path = region_path(&r.path)?;
            let root = match path.parent() {
                Some(parent) if r.kind == "grid" => parent,
                _ => path,
            };
            let here = Some(r.code.as_str());
            area_map(state, ctx, &root, here, marker.as_slice(), Mode::Show).await?
        }
        None => None,
    };
    let dup = likely_duplicate(&events).filter(|d| Some(*d) != o.duplicate_of);
    let may_link = o.state().is_open() && st.kinds.contains(&ActorKind::Dispatcher);
    let person = |uid: Option<i64>| -> Markup {
        html! {
            @match uid.and_then(|u| names.get(&u)) {
                Some((name, phone)) => {
                    strong { (name) }
                    @if let Some(p) = phone { " " a.num href={ "tel:" (p) } { (p) } }
                },
                None => span.muted { (ctx.t("order-unassigned")) },
            }
        }
    };
    let late = overdue(&o, now);
    // An order about a resident (a welfare alert): the people to call,
    // numbers masked, for those who may read residents in that area.
    let contacts = match o.subject_person_id {
        Some(pid) if v.user.role.reads_residents() => {
            state.store.household_contacts(&v.user.scope, pid).await?
        }
        _ => Vec::new(),
    };
    let body = html! {
        (notice_box(ctx, &notice))
        p.order-head { (state_tag(ctx, &o.state)) (badges(ctx, &o, now))
            " " span.tag { (ctx.label("order-priority", &o.priority)) }
            " " span.tag { (ctx.label("order-source", &o.source)) } }
        @if let Some(d) = dup { (duplicate_hint(ctx, &o, d, may_link)) }
        // A joint meeting's decision links back to its meeting, whose page
        // shows this order's progress (seed 003's closed loop).
        @if let Some(decision) = meeting_decision(&o) {
            p.notice { (ctx.t("order-from-meeting")) " " a href={ "/party/decisions/" (decision) } { (o.reporter_name) } }
        }
        @if let Some(d) = o.duplicate_of {
            p.notice.notice-ok { (ctx.t("order-merged-into")) " " a href={ "/orders/" (d) } { "#" (d) } }
        }
        @if !offers.is_empty() {
            section.card.actions-card aria-labelledby="h-actions" {
                h2 #h-actions { (ctx.t("order-actions")) }
                (action_forms(ctx, &o, &offers, &st))
            }
        }
        div.split {
            section {
                dl.facts {
                    dt { (ctx.t("order-category")) } dd { (cat.as_ref().map_or_else(|| o.category_code.clone(), |c| category_name(ctx, c))) }
                    dt { (ctx.t("order-description")) } dd.pre { (o.description) }
                    (attribute_facts(ctx, &o, cat.as_ref()))
                    dt { (ctx.t("order-address")) } dd {
                        (o.address) @if let Some(r) = &region { " " span.muted { (r.name) } }
                        @if o.state().is_open() && let Some(href) = crate::orders::pages::way_href(&o) {
                            " " a.way href=(href) { "➜ " (ctx.t("order-way")) }
                        }
                    }
                    dt { (ctx.t("order-owner")) } dd { (person(o.owner_user_id)) }
                    @if o.supervisor_user_id.is_some() {
                        dt { (ctx.t("order-supervisor")) } dd { (person(o.supervisor_user_id)) }
                    }
                    dt { (ctx.t("order-reporter")) } dd {
                        @if o.reporter_name.is_empty() { span.muted { "–" } } @else { (o.reporter_name) }
                        @if let Some(p) = o.reporter_phone.as_deref().and_then(|p| shequ_domain::PhoneNumber::parse(p).ok()) {
                            " " span.num { (p.masked()) }
                        }
                    }
                    dt { (ctx.t("order-created")) } dd { (ctx.time(o.created_at)) }
                    dt { (ctx.t("order-accept-due")) } dd.late[late == Some("accept")] {
                        (ctx.time(o.accept_due_at))
                        @if let Some(at) = o.accepted_at { " · " (ctx.t("order-accepted-at")) " " (ctx.time(at)) }
                        @if late == Some("accept") { " " span.tag.tag-overdue { (ctx.t("order-overdue-accept")) } }
                    }
                    dt { (ctx.t("order-resolve-due")) } dd.late[late == Some("resolve")] {
                        (ctx.time(o.resolve_due_at))
                        @if let Some(at) = o.resolved_at { " · " (ctx.t("order-resolved-at")) " " (ctx.time(at)) }
                        @if late == Some("resolve") { " " span.tag.tag-overdue { (ctx.t("order-overdue-resolve")) } }
                    }
                    @if let Some(at) = o.clock_paused_at {
                        dt { (ctx.t("order-clock-paused")) } dd { (ctx.time(at)) }
                    }
                    @if let Some(r) = &o.rating {
                        dt { (ctx.t("order-rating")) } dd { (ctx.label("rating", r)) }
                    }
                    @if let Some(at) = o.closed_at {
                        dt { (ctx.t("order-closed-at")) } dd { (ctx.time(at)) }
                    }
                }
                @if !contacts.is_empty() {
                    h2 { (ctx.t("order-contacts")) }
                    ul.plain.care {
                        @for p in &contacts {
                            li {
                                a href={ "/people/" (p.id) } { (p.name) } " "
                                @for t in p.care_tags.split(',').filter(|t| !t.is_empty()) {
                                    span.tag { (ctx.label("tag", t)) } " "
                                }
                                span.num { (p.phone.masked()) }
                                @if !p.address.is_empty() { " · " (p.address) " " (p.room) }
                            }
                        }
                    }
                    p.muted.small { (ctx.t("people-masked-note")) }
                }
                @if !parts.is_empty() {
                    h2 { (ctx.t("order-participants")) }
                    (participants(ctx, &parts, &names, now))
                }
                @if !photos.is_empty() {
                    h2 { (ctx.t("order-photos")) }
                    (photo_strip(ctx, &photos))
                }
            }
            @if let Some(svg) = map {
                figure.map { (svg) figcaption.muted { (ctx.t("order-map-caption")) } }
            }
        }
        section aria-labelledby="h-trail" {
            h2 #h-trail { (ctx.t("order-trail")) }
            (timeline(ctx, &events, &names, o.owner_user_id))
        }
    };
    let title = ctx.t_args(
        "order-page-title",
        &[
            ("id", FluentValue::from(o.id)),
            ("title", FluentValue::from(o.title.as_str())),
        ],
    );
    Ok(page(ctx, Some(&v.user), Nav::Orders, &title, body))
}

/// The joint meeting decision an order was filed for (its external id
/// names it), if any.
fn meeting_decision(o: &Order) -> Option<i64> {
    if o.source != "meeting" {
        return None;
    }
    o.external_id
        .as_deref()
        .and_then(shequ_domain::party::meeting::decision_of_external_id)
}
