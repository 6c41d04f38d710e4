//! The OpenAPI description and a small self-contained page that lists it
//! (no CDN: the street's network may be closed).

use axum::Json;
use axum::response::Html;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "shequ API", description = "People, places and events of a street: the registry, accounts and data scopes."),
    paths(
        crate::accounts::api::auth::login, crate::accounts::api::auth::logout, crate::accounts::api::auth::me,
        crate::registry::api::regions::tree, crate::registry::api::regions::detail,
        crate::registry::api::places::list, crate::registry::api::places::detail,
        crate::registry::api::people::search, crate::registry::api::people::detail, crate::registry::api::people::reveal,
        crate::registry::api::people::households, crate::registry::api::people::household,
        crate::accounts::api::users::list, crate::accounts::api::users::create,
        crate::accounts::api::tokens::list, crate::accounts::api::tokens::create, crate::accounts::api::tokens::revoke,
        crate::accounts::api::access_log::list,
        crate::orders::api::orders::file, crate::orders::api::orders::list, crate::orders::api::orders::detail, crate::orders::api::orders::act, crate::orders::api::orders::counts,
        crate::orders::api::photos::upload,
        crate::orders::api::reports::status, crate::orders::api::reports::rate,
        crate::orders::api::catalogue::categories, crate::orders::api::catalogue::put_category, crate::orders::api::catalogue::teams,
        crate::orders::api::catalogue::create_team, crate::orders::api::catalogue::add_shift, crate::orders::api::catalogue::rules,
        crate::orders::api::catalogue::add_rule, crate::orders::api::catalogue::delete_rule, crate::orders::api::catalogue::figures,
        crate::orders::api::events::stream,
        crate::orders::api::notifications::dead, crate::orders::api::notifications::retry,
        crate::sensing::api::devices::post_events, crate::sensing::api::devices::list, crate::sensing::api::devices::create,
        crate::sensing::api::devices::rejected, crate::sensing::api::devices::ingest_health,
        crate::sensing::api::alerts::list_rules, crate::sensing::api::alerts::create_rule, crate::sensing::api::alerts::update_rule,
        crate::sensing::api::alerts::disable_rule, crate::sensing::api::alerts::list_alerts,
        crate::party::api::tree, crate::party::api::create, crate::party::api::org, crate::party::api::change,
        crate::party::api::dissolve, crate::party::api::member, crate::party::api::transfers,
        crate::party::api::create_transfer, crate::party::api::step, crate::party::api::coverage,
        crate::party::api::create_seat,
        crate::party::api::meetings::list, crate::party::api::meetings::create,
        crate::party::api::meetings::show, crate::party::api::meetings::add_member,
        crate::party::api::meetings::record_session, crate::party::api::meetings::add_decision,
        crate::party::api::evaluation::show, crate::party::api::evaluation::export,
        crate::party::api::registrations::list, crate::party::api::registrations::create,
        crate::party::api::search_members,
        crate::branches::api::rounds, crate::branches::api::open_round,
        crate::branches::api::round, crate::branches::api::enter_form, crate::branches::api::step,
        crate::branches::api::elections, crate::branches::api::create_election,
        crate::branches::api::election, crate::branches::api::record_round,
        crate::coop::api::units, crate::coop::api::unit, crate::coop::api::save_unit,
        crate::coop::api::needs, crate::coop::api::need, crate::coop::api::save_need,
        crate::coop::api::resources, crate::coop::api::save_resource,
        crate::coop::api::projects, crate::coop::api::project, crate::coop::api::create_project,
        crate::coop::api::step, crate::coop::api::rate, crate::coop::api::outcome,
        crate::coop::api::year,
        crate::assess::api::periods, crate::assess::api::open, crate::assess::api::period,
        crate::assess::api::close, crate::assess::api::subject, crate::assess::api::score,
        crate::assess::api::appeal, crate::assess::api::decide,
        crate::consult::api::matters, crate::consult::api::matter, crate::consult::api::open,
        crate::consult::api::next_round, crate::consult::api::answer, crate::consult::api::conclude,
        crate::consult::api::records,
    ),
    components(schemas(crate::app::error::ErrorBody, crate::app::error::ErrorDetail, crate::app::error::FieldError)),
    modifiers(&BearerAuth, &ErrorResponses),
    tags(
        (name = "auth", description = "Logging in"),
        (name = "registry", description = "Regions, places, households and residents (人、地)"),
        (name = "accounts", description = "Users, API tokens and the access log"),
        (name = "orders", description = "Work orders (工单): filing, lists, the trail, actions, reporters' links, figures, and the live stream of pop-ups and the feed"),
        (name = "catalogue", description = "Categories, teams and duty roster, routing rules"),
        (name = "devices", description = "Door controllers (门禁): event ingest, registry, health, refused events"),
        (name = "notifications", description = "Pop-ups and SMS: undeliverable messages for operators"),
        (name = "party", description = "Party organisation (党组织): the tree, organisations with committees and members, transfers (组织关系转接), coverage of the new sectors, joint meetings (联席会议) whose decisions become work orders"),
        (name = "branches", description = "三缘 branches: preference-form rounds and their assignment within size limits, and candidate-less direct elections (无候选人直选) of branch committees, recounted from the stored ballots"),
        (name = "coop", description = "Regional cooperation (区域化党建): resident units, the needs and resources lists, matching a need against the resources with each part of the score in words, projects from proposal to rating, and the year's project list"),
        (name = "assess", description = "Assessment from the bottom up (自下而上考核): periods under a scheme of weighted raters (the street 70% by default) and indicators computed from the orders' trail by the one definition of each figure or scored by hand; rankings with each score's arithmetic, appeals against counted orders, closing that freezes the scores"),
        (name = "consult", description = "The street's say over the departments (征询·会商·会签): a department's matters asked before, consulted during and signed after, each round with a deadline for the street's answer, the street's opinion and reasons, the documents, the outcome; the departments' year record, which their assessment counts"),
        (name = "alerts", description = "Welfare-alert rules (inactivity, night activity, visitors, device silence) and the alerts they raised"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Lists with every operation the errors it can answer, from what the
/// operation takes: every answer a client can get is in the document, as
/// the fuzzing test (`crates/shequ/tests/api_fuzz.rs`) checks. Each one
/// carries the one error body (`ErrorBody`), also the answers the
/// framework makes before a handler runs (see `api::json_errors`).
struct ErrorResponses;

impl Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{Operation, ParameterIn};
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let error = |description: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build(),
            )
        };
        let add = |op: &mut Operation, writes: bool| {
            let has_body = op.request_body.is_some();
            let params = op.parameters.iter().flatten().filter_map(|p| match p {
                RefOr::T(p) => Some(p.parameter_in.clone()),
                RefOr::Ref(_) => None,
            });
            let (mut in_path, mut in_query) = (false, false);
            for at in params {
                in_path |= matches!(at, ParameterIn::Path);
                in_query |= matches!(at, ParameterIn::Query);
            }
            let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let mut wanted: Vec<(&str, &str)> = Vec::new();
            if has_body || in_query || in_path {
                wanted.push((
                    "400",
                    "The body is not valid JSON, or a parameter could not be read.",
                ));
                wanted.push((
                    "422",
                    "A field or parameter is invalid; `fields` says which and why.",
                ));
            }
            if secured {
                wanted.push(("401", "Not logged in, or the session or token has expired."));
                wanted.push(("403", "The role or scope does not allow this, or the target lies outside the caller's area."));
            }
            if has_body || in_query || in_path {
                wanted.push((
                    "404",
                    "No such record, or the input names one that does not exist.",
                ));
            }
            if writes {
                wanted.push((
                    "409",
                    "A rule refused the change, or a unique value is taken.",
                ));
            }
            if has_body {
                wanted.push(("413", "The body is larger than allowed."));
                wanted.push(("415", "The body is not of a type this operation takes (send Content-Type: application/json)."));
            }
            wanted.push((
                "500",
                "A failure on our side; it is logged. Try again later.",
            ));
            wanted.push(("503", "The database cannot take the request now; nothing was stored. Try again after Retry-After seconds."));
            for (status, description) in wanted {
                op.responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| error(description));
            }
        };
        for item in openapi.paths.paths.values_mut() {
            for (op, writes) in [
                (&mut item.get, false),
                (&mut item.post, true),
                (&mut item.put, true),
                (&mut item.patch, true),
                (&mut item.delete, true),
            ] {
                if let Some(op) = op {
                    add(op, writes);
                }
            }
        }
    }
}

/// `GET /api/docs/openapi.json`
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// `GET /api/docs`: every operation with its parameters and responses,
/// rendered from the same description.
pub async fn page() -> Html<String> {
    Html(render_page(&ApiDoc::openapi()))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn render_page(doc: &utoipa::openapi::OpenApi) -> String {
    use std::fmt::Write;
    let mut body = String::new();
    for (path, item) in &doc.paths.paths {
        let ops = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
        ];
        for (method, op) in ops {
            let Some(op) = op else { continue };
            let _ = write!(
                body,
                "<section class=\"op\"><h2><span class=\"m m-{m}\">{m}</span> <code>{p}</code></h2><p>{s}</p>",
                m = method,
                p = esc(path),
                s = esc(op
                    .summary
                    .as_deref()
                    .or(op.description.as_deref())
                    .unwrap_or(""))
            );
            if let Some(params) = &op.parameters {
                body.push_str("<table><tr><th>parameter</th><th>in</th><th>description</th></tr>");
                for prm in params {
                    let utoipa::openapi::RefOr::T(prm) = prm else {
                        continue;
                    };
                    let location = serde_json::to_value(&prm.parameter_in)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default();
                    let _ = write!(
                        body,
                        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                        esc(&prm.name),
                        esc(&location),
                        esc(prm.description.as_deref().unwrap_or(""))
                    );
                }
                body.push_str("</table>");
            }
            body.push_str("<ul>");
            for (status, resp) in &op.responses.responses {
                let desc = match resp {
                    utoipa::openapi::RefOr::T(r) => r.description.clone(),
                    utoipa::openapi::RefOr::Ref(r) => r.ref_location.clone(),
                };
                let _ = write!(body, "<li><b>{}</b> {}</li>", esc(status), esc(&desc));
            }
            body.push_str("</ul></section>");
        }
    }
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>shequ API</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"stylesheet\" href=\"{css}\">\
         </head><body><h1>shequ API</h1><p>{desc} Machine-readable: <a href=\"/api/docs/openapi.json\">openapi.json</a>. \
         Authenticate with <code>POST /api/v1/auth/login</code> and send <code>Authorization: Bearer &lt;token&gt;</code>.</p>{body}</body></html>",
        desc = esc(doc.info.description.as_deref().unwrap_or("")),
        css = crate::app::page::assets::href("api-docs.css"),
    )
}
