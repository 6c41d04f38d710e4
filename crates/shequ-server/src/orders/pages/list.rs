//! Lists of orders: `/orders` with filters (state, category, region,
//! owner, overdue, source, 督办) and paging, and `/my`, the phone page of
//! grid workers and cadres: their own open orders first, with big tap
//! targets and accept in one tap.

use std::collections::HashMap;

use axum::extract::{Query, State};
use fluent_bundle::FluentValue;
use maud::{Markup, html};
use serde::Deserialize;
use shequ_domain::order::OrderState;
use shequ_store::orders::Order;
use shequ_store::orders::read::OrderFilter;
use shequ_store::regions::Region;
use shequ_store::{Page, Paging};

use crate::app::access::ClientAddr;
use crate::app::access::scope_for_region;
use crate::app::auth::AuthUser;
use crate::app::auth::Principal;
use crate::app::page::ctx::Ctx;
use crate::app::page::ctx::PageResult;
use crate::app::page::ctx::Viewer;
use crate::app::page::layout::Nav;
use crate::app::page::layout::empty;
use crate::app::page::layout::page;
use crate::app::page::layout::pager;
use crate::orders::OrdersState;
use crate::orders::intake::SOURCES;
use crate::orders::pages::OPEN_STATES;
use crate::orders::pages::badges;
use crate::orders::pages::category_names;
use crate::orders::pages::due_of;
use crate::orders::pages::file::may_file;
use crate::orders::pages::overdue;
use crate::orders::pages::short_time;
use crate::orders::pages::state_tag;

const PAGE_SIZE: u32 = 50;

/// Filters of the list; all text, so a hand-edited URL never fails.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListFilter {
    pub state: String,
    pub category: String,
    pub region: String,
    pub owner: String,
    pub overdue: String,
    pub source: String,
    pub supervised: String,
    pub page: String,
}

/// Display names of users by id, looked up once each.
pub async fn user_names(
    state: &OrdersState,
    ids: impl Iterator<Item = i64>,
) -> PageResult<HashMap<i64, (String, Option<String>)>> {
    let mut names = HashMap::new();
    for id in ids {
        if let std::collections::hash_map::Entry::Vacant(e) = names.entry(id)
            && let Some(u) = state.store.user_by_id(id).await?
        {
            e.insert((u.display_name, u.phone));
        }
    }
    Ok(names)
}

fn region_options(user: &AuthUser, regions: &[Region]) -> Vec<(String, String)> {
    let base = user.region_path.depth();
    regions
        .iter()
        .filter_map(|r| {
            let depth = r.path.matches('/').count().saturating_sub(2);
            (depth <= base + 2).then(|| {
                (
                    r.code.clone(),
                    format!(
                        "{}{}",
                        "\u{3000}".repeat(depth.saturating_sub(base)),
                        r.name
                    ),
                )
            })
        })
        .collect()
}

fn filter_of(f: &ListFilter, user: &AuthUser, now: i64) -> OrderFilter {
    let states = match f.state.as_str() {
        "open" => OPEN_STATES.iter().map(|s| (*s).to_owned()).collect(),
        s => OrderState::parse(s)
            .map(|st| vec![st.as_str().to_owned()])
            .unwrap_or_default(),
    };
    OrderFilter {
        states,
        categories: Some(f.category.clone())
            .filter(|c| !c.is_empty())
            .into_iter()
            .collect(),
        owner: (f.owner == "me").then_some(user.user.id),
        source: Some(f.source.clone()).filter(|s| SOURCES.contains(&s.as_str())),
        overdue_at: (!f.overdue.is_empty()).then_some(now),
        supervised: (!f.supervised.is_empty()).then_some(true),
        ..OrderFilter::default()
    }
}

/// The table of orders.
fn orders_table(
    ctx: &Ctx,
    orders: &[Order],
    cats: &HashMap<String, String>,
    owners: &HashMap<i64, (String, Option<String>)>,
    regions: &HashMap<i64, String>,
    now: i64,
) -> Markup {
    html! {
        div.table-wrap {
            table.cards.orders {
                thead {
                    tr {
                        th scope="col" { (ctx.t("order-number")) }
                        th scope="col" { (ctx.t("order-title-field")) }
                        th scope="col" { (ctx.t("order-category")) }
                        th scope="col" { (ctx.t("order-state")) }
                        th scope="col" { (ctx.t("order-where")) }
                        th scope="col" { (ctx.t("order-owner")) }
                        th scope="col" { (ctx.t("order-created")) }
                        th scope="col" { (ctx.t("order-due")) }
                    }
                }
                tbody {
                    @for o in orders {
                        tr.overdue[overdue(o, now).is_some()] {
                            td.num data-label=(ctx.t("order-number")) { a href={ "/orders/" (o.id) } { (o.id) } }
                            td data-label=(ctx.t("order-title-field")) { a href={ "/orders/" (o.id) } { (o.title) } }
                            td data-label=(ctx.t("order-category")) { (cats.get(&o.category_code).unwrap_or(&o.category_code)) }
                            td data-label=(ctx.t("order-state")) { (state_tag(ctx, &o.state)) (badges(ctx, o, now)) }
                            td data-label=(ctx.t("order-where")) {
                                (regions.get(&o.region_id).map_or("", String::as_str))
                                @if !o.address.is_empty() { " · " (o.address) }
                            }
                            td data-label=(ctx.t("order-owner")) {
                                (o.owner_user_id.and_then(|u| owners.get(&u)).map_or("–", |(n, _)| n.as_str()))
                            }
                            td.num data-label=(ctx.t("order-created")) { (short_time(ctx, o.created_at)) }
                            td.num data-label=(ctx.t("order-due")) {
                                @if let Some(d) = due_of(o) { (short_time(ctx, d)) } @else { "–" }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /orders`
pub async fn list(
    State(state): State<OrdersState>,
    v: Viewer,
    addr: ClientAddr,
    Query(f): Query<ListFilter>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let now = state.clock.now_ms();
    let who = Principal::User(Box::new(v.user.clone()));
    let scope = scope_for_region(&state, &who, Some(f.region.as_str()), &addr).await?;
    let page_no = f.page.trim().parse().ok();
    let found: Page<Order> = state
        .store
        .orders_in(
            &scope,
            &filter_of(&f, &v.user, now),
            Paging::new(page_no, Some(PAGE_SIZE)),
        )
        .await?;
    let all_cats = state.store.categories().await?;
    let cats = category_names(ctx, &all_cats);
    let regions = state.store.regions_in(&v.user.scope).await?;
    let region_names: HashMap<i64, String> =
        regions.iter().map(|r| (r.id, r.name.clone())).collect();
    let owners = user_names(&state, found.items.iter().filter_map(|o| o.owner_user_id)).await?;
    let params = [
        ("state", f.state.clone()),
        ("category", f.category.clone()),
        ("region", f.region.clone()),
        ("owner", f.owner.clone()),
        ("overdue", f.overdue.clone()),
        ("source", f.source.clone()),
        ("supervised", f.supervised.clone()),
    ];
    let body = html! {
        @if may_file(v.user.role) {
            p.actions-top { a.button.primary-link href="/orders/new" { "+ " (ctx.t("file-title")) } }
        }
        form.filters method="get" action="/orders" role="search" {
            div.field {
                label for="f-state" { (ctx.t("order-state")) }
                select #f-state name="state" {
                    option value="" { (ctx.t("filter-any")) }
                    option value="open" selected[f.state == "open"] { (ctx.t("orders-filter-open")) }
                    @for s in OrderState::ALL {
                        option value=(s.as_str()) selected[f.state == s.as_str()] { (ctx.label("order-state", s.as_str())) }
                    }
                }
            }
            div.field {
                label for="f-category" { (ctx.t("order-category")) }
                select #f-category name="category" {
                    option value="" { (ctx.t("filter-any")) }
                    @for c in &all_cats {
                        option value=(c.code) selected[f.category == c.code] { (cats[&c.code]) }
                    }
                }
            }
            div.field {
                label for="f-region" { (ctx.t("people-filter-region")) }
                select #f-region name="region" {
                    option value="" { (ctx.t("filter-any")) }
                    @for (code, name) in region_options(&v.user, &regions) {
                        option value=(code) selected[f.region == code] { (name) }
                    }
                }
            }
            div.field {
                label for="f-source" { (ctx.t("order-source")) }
                select #f-source name="source" {
                    option value="" { (ctx.t("filter-any")) }
                    @for s in SOURCES {
                        option value=(s) selected[f.source == *s] { (ctx.label("order-source", s)) }
                    }
                }
            }
            fieldset.field.checks {
                legend.visually-hidden { (ctx.t("orders-filter-more")) }
                label.check { input type="checkbox" name="owner" value="me" checked[f.owner == "me"]; " " (ctx.t("orders-filter-mine")) }
                label.check { input type="checkbox" name="overdue" value="1" checked[!f.overdue.is_empty()]; " " (ctx.t("orders-filter-overdue")) }
                label.check { input type="checkbox" name="supervised" value="1" checked[!f.supervised.is_empty()]; " " (ctx.t("orders-filter-supervised")) }
            }
            div.field.field-button { button.primary type="submit" { (ctx.t("filter-apply")) } }
        }
        p.result-count { (ctx.t_args("orders-total", &[("count", shown_total(found.total))])) }
        @if found.items.is_empty() {
            (empty(ctx, "orders-none"))
        } @else {
            (orders_table(ctx, &found.items, &cats, &owners, &region_names, now))
            (pager(ctx, "/orders", &params, found.page, found.page_size, found.total))
        }
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::Orders,
        &ctx.t("orders-title"),
        body,
    ))
}

fn my_card(
    ctx: &Ctx,
    o: &Order,
    cats: &HashMap<String, String>,
    regions: &HashMap<i64, String>,
    now: i64,
) -> Markup {
    html! {
        li.order-card.overdue[overdue(o, now).is_some()] {
            a.card-link href={ "/orders/" (o.id) } {
                span.card-title { (o.title) }
                span.card-meta {
                    (state_tag(ctx, &o.state)) (badges(ctx, o, now))
                    " " span.muted { (cats.get(&o.category_code).unwrap_or(&o.category_code)) " · #" (o.id) }
                }
                span.card-where {
                    (o.address)
                    @if let Some(r) = regions.get(&o.region_id) {
                        @if !o.address.is_empty() { " · " }
                        (r)
                    }
                }
                @if let Some(d) = due_of(o) {
                    span.card-due { (ctx.t("order-due")) " " (short_time(ctx, d)) }
                }
            }
            @if o.state().is_open() && let Some(href) = crate::orders::pages::way_href(o) {
                p.card-way { a.way href=(href) { "➜ " (ctx.t("order-way")) } }
            }
            @if o.state() == OrderState::Pending {
                form.one-tap method="post" action={ "/orders/" (o.id) "/act" } data-action="accept" {
                    input type="hidden" name="action" value="accept";
                    input type="hidden" name="next" value="/my";
                    button.primary.big type="submit" { (ctx.t("action-accept")) }
                }
            }
        }
    }
}

/// `GET /my`
pub async fn mine(State(state): State<OrdersState>, v: Viewer) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let now = state.clock.now_ms();
    let cats = category_names(ctx, &state.store.categories().await?);
    let everywhere = shequ_store::Scope::everything();
    let mut open = state
        .store
        .orders_in(
            &everywhere,
            &OrderFilter {
                states: OPEN_STATES.iter().map(|s| (*s).to_owned()).collect(),
                owner: Some(v.user.user.id),
                ..OrderFilter::default()
            },
            Paging::new(None, Some(200)),
        )
        .await?
        .items;
    // Pending first, then the most urgent deadline.
    open.sort_by_key(|o| {
        (
            o.state() != OrderState::Pending,
            due_of(o).unwrap_or(i64::MAX),
        )
    });
    let done = state
        .store
        .orders_in(
            &everywhere,
            &OrderFilter {
                states: vec!["resolved".to_owned(), "closed".to_owned()],
                owner: Some(v.user.user.id),
                ..OrderFilter::default()
            },
            Paging::new(None, Some(10)),
        )
        .await?
        .items;
    let mut regions = HashMap::new();
    for o in open.iter().chain(&done) {
        if let std::collections::hash_map::Entry::Vacant(e) = regions.entry(o.region_id)
            && let Some(r) = state.store.region_by_id(o.region_id).await?
        {
            e.insert(r.name);
        }
    }
    let pending = open
        .iter()
        .filter(|o| o.state() == OrderState::Pending)
        .count();
    let body = html! {
        @if open.is_empty() {
            (empty(ctx, "my-none"))
        } @else {
            p.lead { (ctx.t_args("my-summary", &[("open", FluentValue::from(open.len())), ("pending", FluentValue::from(pending))])) }
            ul.order-cards {
                @for o in &open { (my_card(ctx, o, &cats, &regions, now)) }
            }
        }
        @if !done.is_empty() {
            h2 { (ctx.t("my-done")) }
            ul.order-cards.done {
                @for o in &done { (my_card(ctx, o, &cats, &regions, now)) }
            }
        }
    };
    Ok(page(ctx, Some(&v.user), Nav::My, &ctx.t("my-title"), body))
}

/// The count of matches as the store gives it: capped, so a long history
/// reads "10000+" rather than a false exact number.
fn shown_total(total: i64) -> FluentValue<'static> {
    if total > shequ_store::orders::read::ORDER_COUNT_CAP {
        FluentValue::from(format!("{}+", shequ_store::orders::read::ORDER_COUNT_CAP))
    } else {
        FluentValue::from(total)
    }
}
