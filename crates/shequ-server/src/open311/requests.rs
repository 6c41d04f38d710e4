//! Reading service requests: `requests.{format}` with the spec's filters
//! and the `page`/`page_size` extension, `requests/{id}.{format}`, and
//! `tokens/{id}.{format}`.
//!
//! With an api_key the answer covers the key's region; without one, the
//! whole deployment in its public form (see `view.rs`).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{Days, TimeZone};
use shequ_domain::RegionPath;
use shequ_domain::order::attributes::{Instant, parse_instant};
use shequ_store::orders::Order;
use shequ_store::orders::read::OrderFilter;
use shequ_store::{Paging, Scope};

use crate::open311::Ctx;
use crate::open311::api_key;
use crate::open311::errors::Problem;
use crate::open311::errors::Problems;
use crate::open311::form::Pairs;
use crate::open311::format::Format;
use crate::open311::format::Node;
use crate::open311::language;
use crate::open311::view::Viewer;
use crate::open311::view::states_of;
use crate::orders::OrdersState;
use shequ_domain::Code;

/// The spec's default and largest answer: 1,000 requests.
pub const MAX_PAGE_SIZE: u32 = 1000;
/// The spec's window: the most recent 90 days, and no wider.
pub const WINDOW_MS: i64 = 90 * 86_400_000;

/// The part of the tree a caller sees, and whether in public form.
async fn audience(state: &OrdersState, query: &Pairs) -> Result<(Scope, bool), Problems> {
    match api_key(state, query.single("api_key")?).await? {
        Some(token) => {
            let path = RegionPath::parse(&token.region_path).map_err(|e| {
                Problem::internal(&format!("api token {} region path: {e}", token.id))
            })?;
            Ok((Scope::under(&path), false))
        }
        None => Ok((Scope::everything(), true)),
    }
}

fn whole_number(query: &Pairs, name: &str, max: u32) -> Result<Option<u32>, Problem> {
    query
        .single(name)?
        .map(|v| {
            v.trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| {
                    Problem::bad(Code::Open311WholeNumber)
                        .with("field", name)
                        .with("max", max)
                })
        })
        .transpose()
}

/// A date argument as epoch ms; a bare date is its first (or, for the end
/// of a range, last) millisecond in the street's zone.
fn instant_ms(
    state: &OrdersState,
    query: &Pairs,
    name: &str,
    end: bool,
) -> Result<Option<i64>, Problem> {
    let Some(raw) = query.single(name)? else {
        return Ok(None);
    };
    let bad = || Problem::bad(Code::Open311Datetime).with("field", name);
    match parse_instant(raw).ok_or_else(bad)? {
        Instant::DateTime(t) => Ok(Some(t.timestamp_millis())),
        Instant::Date(d) => {
            let day = if end {
                d.checked_add_days(Days::new(1))
            } else {
                Some(d)
            };
            let start = day
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .and_then(|t| state.tz.from_local_datetime(&t).earliest())
                .ok_or_else(bad)?;
            Ok(Some(start.timestamp_millis() - i64::from(end)))
        }
    }
}

/// `[from, to]` of `requested_datetime`, inclusive.
fn window(state: &OrdersState, query: &Pairs) -> Result<(i64, Option<i64>), Problem> {
    let start = instant_ms(state, query, "start_date", false)?;
    let end = instant_ms(state, query, "end_date", true)?;
    match (start, end) {
        (None, None) => Ok((state.clock.now_ms() - WINDOW_MS, None)),
        (Some(s), None) => Ok((s, Some(s + WINDOW_MS))),
        (None, Some(e)) => Ok((e - WINDOW_MS, Some(e))),
        (Some(s), Some(e)) if e < s => Err(Problem::bad(Code::Open311DatesReversed)),
        (Some(s), Some(e)) if e - s > WINDOW_MS => Err(Problem::bad(Code::Open311DatesSpan)),
        (Some(s), Some(e)) => Ok((s, Some(e))),
    }
}

fn ids(query: &Pairs) -> Result<Vec<i64>, Problem> {
    let list = query.list("service_request_id");
    if list.len() > MAX_PAGE_SIZE as usize {
        return Err(Problem::bad(Code::Open311IdsTooMany));
    }
    list.iter()
        .map(|s| {
            s.parse::<i64>()
                .map_err(|_| Problem::bad(Code::Open311IdInvalid).with("id", format!("{s:?}")))
        })
        .collect()
}

/// Orders matching the filter in any of `codes` (all when empty), newest
/// first, one page — without a total, which Open311 does not return and
/// which would cost a scan of a large history.
async fn fetch(
    state: &OrdersState,
    scope: &Scope,
    filter: OrderFilter,
    codes: &[String],
    page: u32,
    page_size: u32,
) -> Result<Vec<Order>, Problems> {
    let f = OrderFilter {
        categories: codes.to_vec(),
        ..filter
    };
    Ok(state
        .store
        .orders_page(scope, &f, Paging { page, page_size })
        .await?)
}

/// `GET requests.{format}`.
pub async fn list(state: &OrdersState, ctx: Ctx, query: &Pairs) -> Response {
    let result = async {
        let (scope, public) = audience(state, query).await?;
        let page = whole_number(query, "page", u32::MAX)?.unwrap_or(1);
        let page_size = whole_number(query, "page_size", MAX_PAGE_SIZE)?.unwrap_or(MAX_PAGE_SIZE);
        let ids = ids(query)?;
        let mut filter = OrderFilter::default();
        let mut codes = Vec::new();
        if ids.is_empty() {
            for s in query.list("status") {
                let states = states_of(&s.to_ascii_lowercase()).ok_or_else(|| {
                    Problem::bad(Code::Open311StatusInvalid).with("status", format!("{s:?}"))
                })?;
                filter.states.extend(states);
            }
            let (from, to) = window(state, query)?;
            filter.created_from = Some(from);
            filter.created_to = to.map(|t| t + 1);
            for c in query.list("service_code") {
                if !codes.contains(&c) {
                    codes.push(c);
                }
            }
        }
        let orders = if ids.is_empty() {
            fetch(state, &scope, filter, &codes, page, page_size).await?
        } else {
            // The spec: service_request_id overrides all other arguments.
            state.store.orders_by_ids(&scope, &ids).await?
        };
        Viewer::new(state, ctx.lang, public)
            .await?
            .requests(&orders)
            .await
    }
    .await;
    ctx.answer("service_requests", result)
}

/// The answer's format and the id of `{id}.{format}` (`None` when it is
/// not a number), or the refusal of an unknown format.
fn split_file(
    state: &OrdersState,
    headers: &HeaderMap,
    path: Result<Path<String>, PathRejection>,
    query: &Pairs,
) -> (Ctx, Result<Option<i64>, Problem>) {
    let lang = language(state, headers, query.first("locale"));
    let file = path.map(|Path(f)| f).unwrap_or_default();
    let (id, format) = Format::split(&file);
    match format {
        Some(format) => (
            Ctx {
                format,
                lang,
                words: state.i18n.clone(),
            },
            Ok(id.parse().ok()),
        ),
        None => (
            Ctx {
                format: Format::Json,
                lang,
                words: state.i18n.clone(),
            },
            Err(Problem::unknown_format()),
        ),
    }
}

fn no_request(id: impl std::fmt::Display) -> Problem {
    Problem::not_found(Code::Open311RequestUnknown).with("id", id)
}

/// `GET requests/{id}.{format}`: the one request, in a list as the spec
/// shows it; 404 when absent (or outside the api_key's region).
pub async fn one(
    State(state): State<OrdersState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Response {
    let query = Pairs::parse_lossy(query.as_deref().unwrap_or(""));
    let (ctx, id) = split_file(&state, &headers, path, &query);
    let id = match id {
        Ok(id) => id,
        Err(p) => return ctx.fail(p),
    };
    let result = async {
        let (scope, public) = audience(&state, &query).await?;
        let id = id.ok_or_else(|| no_request("?"))?;
        let order = state
            .store
            .order_by_id(id)
            .await?
            .filter(|o| scope.contains(&o.region_path))
            .ok_or_else(|| no_request(id))?;
        Viewer::new(&state, ctx.lang, public)
            .await?
            .requests(&[order])
            .await
    }
    .await;
    ctx.answer("service_requests", result)
}

/// `GET tokens/{token}.{format}`: requests are made at once, so no token
/// is ever handed out; for clients that ask anyway, a request's id is its
/// own token.
pub async fn token(
    State(state): State<OrdersState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Response {
    let query = Pairs::parse_lossy(query.as_deref().unwrap_or(""));
    let (ctx, id) = split_file(&state, &headers, path, &query);
    let id = match id {
        Ok(id) => id,
        Err(p) => return ctx.fail(p),
    };
    let result = async {
        let not_found = || Problem::not_found(Code::Open311TokenUnknown);
        let id = id.ok_or_else(not_found)?;
        let order = state
            .store
            .order_by_id(id)
            .await?
            .filter(|o| o.source == "open311")
            .ok_or_else(not_found)?;
        Ok::<_, Problems>(Node::List(
            "request",
            vec![Node::Map(vec![
                ("service_request_id", Node::Text(order.id.to_string())),
                ("token", Node::Text(order.id.to_string())),
            ])],
        ))
    }
    .await;
    ctx.answer("service_requests", result)
}
