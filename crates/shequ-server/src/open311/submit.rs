//! `POST requests.{format}`: a form-encoded report from an Open311 client,
//! checked (api_key, service, location, attributes, lengths) and made into
//! a work order by the same intake as every other channel.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use shequ_domain::RegionPath;
use shequ_domain::order::attributes::validate;
use shequ_store::accounts::ApiToken;
use shequ_store::orders::catalogue::Category;

use crate::app::i18n::Lang;
use crate::open311::Ctx;
use crate::open311::api_key;
use crate::open311::errors::Problem;
use crate::open311::errors::Problems;
use crate::open311::form::Pairs;
use crate::open311::format::Node;
use crate::open311::services;
use crate::open311::view::META_KEY;
use crate::orders::OrdersState;
use crate::orders::intake;
use crate::orders::intake::IntakeError;
use crate::orders::intake::MAX_DESCRIPTION;
use crate::orders::intake::Report;
use crate::orders::intake::Submitted;
use shequ_domain::Code;

/// The longest media_url, address_string and name fields accepted.
const MAX_URL: usize = 2000;
const MAX_FIELD: usize = 200;

fn form(headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Pairs, Problem> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = content_type.split(';').next().unwrap_or("").trim();
    if !mime.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(Problem::bad(Code::Open311FormType).with(
            "mime",
            format!("{:?}", if mime.is_empty() { "nothing" } else { mime }),
        ));
    }
    let body = body.map_err(|e| {
        let too_big = e.status() == StatusCode::PAYLOAD_TOO_LARGE;
        Problem::new(
            if too_big {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::BAD_REQUEST
            },
            Code::Open311FormUnreadable,
        )
        .with("detail", e.body_text())
    })?;
    Pairs::parse_strict(&body)
}

fn too_long(field: &str, max: usize) -> Problem {
    Problem::bad(Code::Open311TooLong)
        .with("field", field)
        .with("max", max)
}

/// A text field, at most `max` characters.
fn text<'a>(p: &'a Pairs, name: &str, max: usize) -> Result<Option<&'a str>, Problem> {
    match p.single(name)? {
        Some(v) if v.chars().count() > max => Err(too_long(name, max)),
        other => Ok(other.map(str::trim)),
    }
}

fn coordinate(p: &Pairs, name: &str) -> Result<Option<f64>, Problem> {
    p.single(name)?
        .map(|v| {
            v.trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| Problem::bad(Code::Open311Coordinate).with("field", name))
        })
        .transpose()
}

/// The reporter's name: family name first for Chinese names, as written.
fn full_name(first: Option<&str>, last: Option<&str>) -> String {
    let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    match (first, last) {
        (Some(f), Some(l)) if cjk(f) || cjk(l) => format!("{l}{f}"),
        (Some(f), Some(l)) => format!("{f} {l}"),
        (Some(x), None) | (None, Some(x)) => x.to_owned(),
        (None, None) => String::new(),
    }
}

/// Everything in the form that is not the location or the attributes.
struct Details {
    description: String,
    address: String,
    reporter_name: String,
    phone: Option<String>,
    email: Option<String>,
    meta: serde_json::Map<String, serde_json::Value>,
}

fn details(p: &Pairs, problems: &mut Vec<Problem>) -> Details {
    let mut take = |name: &str, max: usize| match text(p, name, max) {
        Ok(v) => v.map(str::to_owned),
        Err(e) => {
            problems.push(e);
            None
        }
    };
    let description = take("description", MAX_DESCRIPTION).unwrap_or_default();
    let address = take("address_string", MAX_FIELD).unwrap_or_default();
    let first = take("first_name", MAX_FIELD);
    let last = take("last_name", MAX_FIELD);
    let phone = take("phone", MAX_FIELD);
    let email = take("email", MAX_FIELD);
    let mut meta = serde_json::Map::new();
    for field in ["media_url", "device_id", "account_id"] {
        let max = if field == "media_url" {
            MAX_URL
        } else {
            MAX_FIELD
        };
        if let Some(v) = take(field, max) {
            meta.insert(field.to_owned(), v.into());
        }
    }
    if let Some(url) = meta.get("media_url").and_then(|v| v.as_str())
        && !url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
    {
        problems.push(Problem::bad(Code::Open311MediaUrl));
    }
    if let Some(e) = &email
        && !e.contains('@')
    {
        problems.push(Problem::bad(Code::Open311Email));
    }
    Details {
        description,
        address,
        reporter_name: full_name(first.as_deref(), last.as_deref()),
        phone,
        email,
        meta,
    }
}

/// The report to hand to intake, or every problem with the form.
async fn report(
    state: &OrdersState,
    p: &Pairs,
    answers: &BTreeMap<String, Vec<String>>,
    token: &ApiToken,
) -> Result<(Report, Category), Problems> {
    let code = p
        .single("service_code")?
        .ok_or_else(|| Problem::missing("service_code"))?;
    let category = state
        .config
        .get(&state.store)
        .await?
        .categories
        .get(code)
        .filter(|c| c.active)
        .cloned()
        .ok_or_else(|| Problem::unknown_service(code))?;
    let mut problems = Vec::new();
    let (lat, long) = (coordinate(p, "lat"), coordinate(p, "long"));
    let point = match (lat, long) {
        (Ok(Some(lat)), Ok(Some(lon))) => Some((lon, lat)),
        (Ok(None), Ok(None)) => None,
        (Ok(_), Ok(_)) => {
            problems.push(Problem::bad(Code::Open311LatLongPair));
            None
        }
        (a, b) => {
            problems.extend(a.err());
            problems.extend(b.err());
            None
        }
    };
    let place_id = match p.single("address_id") {
        Ok(Some(v)) => match v.trim().parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                problems.push(Problem::bad(Code::Open311AddressId));
                None
            }
        },
        Ok(None) => None,
        Err(e) => {
            problems.push(e);
            None
        }
    };
    let d = details(p, &mut problems);
    if point.is_none() && place_id.is_none() && d.address.is_empty() && problems.is_empty() {
        problems.push(Problem::bad(Code::Open311LocationMissing));
    }
    let mut attributes = match validate(&services::definitions(&category)?, answers) {
        Ok(a) => a,
        Err(errors) => {
            problems.extend(errors.into_iter().map(Problem::from));
            serde_json::Map::new()
        }
    };
    if !problems.is_empty() {
        return Err(Problems(problems));
    }
    if !d.meta.is_empty() {
        attributes.insert(META_KEY.to_owned(), d.meta.into());
    }
    let scope_root = RegionPath::parse(&token.region_path)
        .map_err(|e| Problem::internal(&format!("api token {} region path: {e}", token.id)))?;
    let report = Report {
        category: category.code.clone(),
        source: "open311",
        // Open311 has no title; one without a description is named by
        // its service so that intake has something to show.
        title: if d.description.is_empty() {
            category.name_zh.clone()
        } else {
            String::new()
        },
        description: d.description,
        address: d.address,
        point,
        place_id,
        subject_person_id: None,
        reporter_name: d.reporter_name,
        reporter_phone: d.phone,
        reporter_email: d.email,
        external_id: None,
        attributes: attributes.into(),
        priority: None,
        scope_root,
        actor: format!("token:{}", token.name),
        actor_user_id: None,
        reporter_link: false,
        resolve_by: None,
    };
    Ok((report, category))
}

fn reply(s: &Submitted, category: &Category, account_id: Option<&str>, lang: Lang) -> Node {
    let mut notice = services::notice(category, lang);
    if let Some(d) = s.likely_duplicate_of {
        notice = match lang {
            Lang::Zh => format!("与服务请求 {d} 可能重复，已转街道指挥中心核对。"),
            Lang::En => format!(
                "This looks like a duplicate of request {d}; the street command centre will check it."
            ),
        };
    }
    Node::List(
        "request",
        vec![Node::Map(vec![
            ("service_request_id", Node::Text(s.id.to_string())),
            ("service_notice", Node::Text(notice)),
            ("account_id", Node::opt_text(account_id.map(str::to_owned))),
        ])],
    )
}

/// `POST requests.{format}`: 200 with `[{service_request_id,
/// service_notice, account_id}]`, as the spec's examples answer.
pub async fn create(
    state: &OrdersState,
    ctx: Ctx,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    // A body that cannot be read as an Open311 form is refused before
    // anything else, the api_key included.
    let (p, answers) = match form(headers, body).and_then(|p| {
        let answers = p.attributes()?;
        Ok((p, answers))
    }) {
        Ok(x) => x,
        Err(e) => return ctx.fail(e),
    };
    let lang = p.first("locale").and_then(Lang::parse).unwrap_or(ctx.lang);
    let ctx = Ctx { lang, ..ctx };
    let result = async {
        let token = api_key(state, p.single("api_key")?)
            .await?
            .ok_or_else(Problem::api_key_missing)?;
        let (report, category) = report(state, &p, &answers, &token).await?;
        let submitted = intake::submit(state, report).await.map_err(|e| {
            if matches!(e, IntakeError::OutsideScope) {
                tracing::warn!(
                    token.id = token.id,
                    "open311: report outside the key's area refused"
                );
            }
            Problem::from(e)
        })?;
        tracing::info!(
            order.id = submitted.id,
            token.id = token.id,
            service = %category.code,
            "open311 request created"
        );
        Ok::<_, Problems>(reply(&submitted, &category, p.first("account_id"), lang))
    }
    .await;
    ctx.answer("service_requests", result)
}
