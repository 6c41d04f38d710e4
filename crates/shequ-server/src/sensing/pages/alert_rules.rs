//! Welfare-alert rules (预警规则) for the command centre: the list, one
//! rule with its change log and latest alerts, and the form that creates
//! or edits a rule. The checks, the scope and the audit entry are the
//! API's ([`crate::sensing::api::alerts`]); these pages turn form fields into the
//! same rule. The rules engine picks a change up within its polling
//! interval.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use fluent_bundle::FluentValue;
use maud::{Markup, html};
use serde::Deserialize;
use shequ_domain::sensing::rules::RuleKind;
use shequ_store::alerts::{Alert, AlertQuery, AlertRule};
use shequ_store::regions::Region;
use shequ_store::{Paging, Scope};

use crate::app::access::ClientAddr;
use crate::app::error::AppError;
use crate::app::error::FieldError;
use crate::app::page::ctx::Ctx;
use crate::app::page::ctx::PageError;
use crate::app::page::ctx::PageResult;
use crate::app::page::ctx::Viewer;
use crate::app::page::form::FormData;
use crate::app::page::layout::Nav;
use crate::app::page::layout::empty;
use crate::app::page::layout::page;
use crate::orders::pages::fields::error_summary;
use crate::orders::pages::fields::field_error;
use crate::sensing::SensingState;
use crate::sensing::api::alerts as rules_api;
use crate::sensing::api::alerts::RuleIn;
use shequ_domain::Code;

/// The kinds a rule can have, in the order the form offers them.
const KINDS: [&str; 4] = [
    "inactivity",
    "night_activity",
    "visitor_threshold",
    "device_silence",
];

/// Alerts shown on a rule's page.
const RECENT_ALERTS: u32 = 20;

/// Whether the rule runs now, is switched off, or has passed its expiry.
fn status(r: &AlertRule, now: i64) -> &'static str {
    if !r.enabled {
        "disabled"
    } else if r.expires_at.is_some_and(|at| at <= now) {
        "expired"
    } else {
        "active"
    }
}

fn status_tag(ctx: &Ctx, r: &AlertRule, now: i64) -> Markup {
    let s = status(r, now);
    let class = match s {
        "active" => "tag tag-ok",
        "expired" => "tag tag-warn",
        _ => "tag",
    };
    html! { span class=(class) { (ctx.label("rule-status", s)) } }
}

fn targets_of(r: &AlertRule) -> Vec<String> {
    serde_json::from_str(&r.targets).unwrap_or_default()
}

/// What the rule watches, in words.
fn summary(ctx: &Ctx, r: &AlertRule) -> String {
    let params = serde_json::from_str(&r.params).unwrap_or_default();
    let Ok(kind) = RuleKind::from_parts(&r.kind, &params) else {
        return r.params.clone();
    };
    let n = |v: u32| FluentValue::from(v);
    let main = match &kind {
        RuleKind::Inactivity { window_hours, .. } => {
            ctx.t_args("rules-sum-inactivity", &[("hours", n(*window_hours))])
        }
        RuleKind::NightActivity {
            start_hour,
            end_hour,
            max_passes,
            ..
        } => ctx.t_args(
            "rules-sum-night",
            &[
                ("start", n(u32::from(*start_hour))),
                ("end", n(u32::from(*end_hour))),
                ("max", n(*max_passes)),
            ],
        ),
        RuleKind::VisitorThreshold { max_visitors } => {
            ctx.t_args("rules-sum-visitors", &[("max", n(*max_visitors))])
        }
        RuleKind::DeviceSilence { window_hours } => {
            ctx.t_args("rules-sum-silence", &[("hours", n(*window_hours))])
        }
    };
    let mut who = Vec::new();
    if let Some(f) = kind.filter() {
        if !f.tags.is_empty() {
            let tags: Vec<String> = f.tags.iter().map(|t| ctx.label("tag", t)).collect();
            who.push(ctx.t_args(
                "rules-sum-tags",
                &[("tags", FluentValue::from(tags.join("、")))],
            ));
        }
        if let Some(age) = f.min_age {
            who.push(ctx.t_args("rules-sum-age", &[("age", n(age))]));
        }
    }
    if who.is_empty() {
        main
    } else {
        format!("{main} · {}", who.join(" · "))
    }
}

/// Region names by path, for the regions in the viewer's scope and above.
async fn region_names(state: &SensingState) -> PageResult<HashMap<String, Region>> {
    Ok(state
        .store
        .regions_in(&Scope::everything())
        .await?
        .into_iter()
        .map(|r| (r.path.clone(), r))
        .collect())
}

/// `GET /ops/alert-rules`
pub async fn list(State(state): State<SensingState>, v: Viewer) -> PageResult<Markup> {
    v.user.require_command_centre()?;
    let (ctx, u) = (&v.ctx, &v.user);
    let now = state.clock.now_ms();
    let mine = u.region_path.as_str();
    let rules: Vec<AlertRule> = state
        .store
        .alert_rules()
        .await?
        .into_iter()
        .filter(|r| u.scope.contains(&r.region_path) || mine.starts_with(&r.region_path))
        .collect();
    let regions = region_names(&state).await?;
    let mut open = HashMap::new();
    for r in &rules {
        let p = state
            .store
            .alerts_in(
                &u.scope,
                &AlertQuery {
                    rule_id: Some(r.id),
                    state: Some("open".to_owned()),
                },
                Paging::new(Some(1), Some(1)),
            )
            .await?;
        open.insert(r.id, p.total);
    }
    let body = html! {
        p.lead { (ctx.t("rules-intro")) }
        p { a.button.primary href="/ops/alert-rules/new" { (ctx.t("rules-new")) } }
        @if rules.is_empty() { (empty(ctx, "rules-none")) } @else {
            div.table-wrap { table.cards {
                thead { tr {
                    th scope="col" { (ctx.t("rules-name")) }
                    th scope="col" { (ctx.t("rules-kind")) }
                    th scope="col" { (ctx.t("rules-watches")) }
                    th scope="col" { (ctx.t("ops-region")) }
                    th scope="col" { (ctx.t("rules-expires")) }
                    th scope="col" { (ctx.t("rules-open-alerts")) }
                    th scope="col" { (ctx.t("rules-status")) }
                } }
                tbody { @for r in &rules { tr {
                    td data-label=(ctx.t("rules-name")) {
                        a href={ "/ops/alert-rules/" (r.id) } { (r.name) }
                        " " code.muted { (r.code) }
                        @if !targets_of(r).is_empty() {
                            " " span.tag.tag-warn title=(r.purpose) { (ctx.t("rules-targeted")) }
                        }
                    }
                    td data-label=(ctx.t("rules-kind")) { (ctx.label("rule-kind", &r.kind)) }
                    td data-label=(ctx.t("rules-watches")) { (summary(ctx, r)) }
                    td data-label=(ctx.t("ops-region")) { (regions.get(&r.region_path).map_or(r.region_path.as_str(), |g| g.name.as_str())) }
                    td data-label=(ctx.t("rules-expires")) {
                        @match r.expires_at { Some(at) => (ctx.time(at)), None => span.muted { (ctx.t("rules-no-expiry")) } }
                    }
                    td.num data-label=(ctx.t("rules-open-alerts")) { (open.get(&r.id).copied().unwrap_or(0)) }
                    td data-label=(ctx.t("rules-status")) { (status_tag(ctx, r, now)) }
                } } }
            } }
        }
        p.muted.small { (ctx.t("rules-api-note")) }
    };
    Ok(page(
        ctx,
        Some(u),
        Nav::Operations,
        &ctx.t("rules-title"),
        body,
    ))
}

/// The form's fields, as typed (kept when the form is shown again).
#[derive(Debug, Default, Clone)]
struct RuleForm {
    code: String,
    name: String,
    kind: String,
    tags: String,
    min_age: String,
    window_hours: String,
    start_hour: String,
    end_hour: String,
    max_passes: String,
    max_visitors: String,
    targets: String,
    purpose: String,
    expires: String,
    region: String,
    enabled: bool,
}

impl RuleForm {
    fn from_form(f: &FormData) -> Self {
        Self {
            code: f.get("code").to_owned(),
            name: f.get("name").to_owned(),
            kind: f.get("kind").to_owned(),
            tags: f.get("tags").to_owned(),
            min_age: f.get("min_age").to_owned(),
            window_hours: f.get("window_hours").to_owned(),
            start_hour: f.get("start_hour").to_owned(),
            end_hour: f.get("end_hour").to_owned(),
            max_passes: f.get("max_passes").to_owned(),
            max_visitors: f.get("max_visitors").to_owned(),
            targets: f.get("targets").to_owned(),
            purpose: f.get("purpose").to_owned(),
            expires: f.get("expires").to_owned(),
            region: f.get("region").to_owned(),
            enabled: f.has("enabled"),
        }
    }

    /// A new rule's defaults: the default welfare rule's shape.
    fn fresh(region: &str) -> Self {
        Self {
            kind: "inactivity".to_owned(),
            tags: "elderly_living_alone".to_owned(),
            min_age: "80".to_owned(),
            window_hours: "48".to_owned(),
            region: region.to_owned(),
            enabled: true,
            ..Self::default()
        }
    }

    /// The form filled from a stored rule.
    fn of_rule(ctx: &Ctx, r: &AlertRule, region_code: &str) -> Self {
        let p: serde_json::Value = serde_json::from_str(&r.params).unwrap_or_default();
        let num = |v: &serde_json::Value| v.as_u64().map(|n| n.to_string()).unwrap_or_default();
        let filter = &p["filter"];
        let tags: Vec<&str> = filter["tags"]
            .as_array()
            .map(|a| a.iter().filter_map(|t| t.as_str()).collect())
            .unwrap_or_default();
        // The form's date is the last day the rule runs.
        let expires = r.expires_at.map_or_else(String::new, |at| {
            chrono::DateTime::from_timestamp_millis(at - 1).map_or_else(String::new, |t| {
                t.with_timezone(&ctx.tz).format("%Y-%m-%d").to_string()
            })
        });
        Self {
            code: r.code.clone(),
            name: r.name.clone(),
            kind: r.kind.clone(),
            tags: tags.join(", "),
            min_age: num(&filter["min_age"]),
            window_hours: num(&p["window_hours"]),
            start_hour: num(&p["start_hour"]),
            end_hour: num(&p["end_hour"]),
            max_passes: num(&p["max_passes"]),
            max_visitors: num(&p["max_visitors"]),
            targets: targets_of(r).join("\n"),
            purpose: r.purpose.clone(),
            expires,
            region: region_code.to_owned(),
            enabled: r.enabled,
        }
    }

    /// The rule the API would take, or the fields that are wrong before it
    /// gets that far (numbers that are not numbers, a bad date).
    fn to_rule_in(&self, ctx: &Ctx) -> Result<RuleIn, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut number = |field: &str, text: &str| -> Option<u64> {
            if text.is_empty() {
                return None;
            }
            match text.parse::<u64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.push(FieldError::new(
                        field,
                        Code::NumberInvalid,
                        "a whole number",
                    ));
                    None
                }
            }
        };
        let min_age = number("min_age", &self.min_age);
        let window_hours = number("window_hours", &self.window_hours);
        let start_hour = number("start_hour", &self.start_hour);
        let end_hour = number("end_hour", &self.end_hour);
        let max_passes = number("max_passes", &self.max_passes);
        let max_visitors = number("max_visitors", &self.max_visitors);
        let tags: Vec<&str> = self
            .tags
            .split([',', '，', '、', ' '])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect();
        let filter = serde_json::json!({ "tags": tags, "min_age": min_age });
        // Only the kind's own parameters; a missing one is named by the
        // kind's parser.
        let mut params = serde_json::Map::new();
        let mut put = |k: &str, v: Option<u64>| {
            if let Some(v) = v {
                params.insert(k.to_owned(), v.into());
            }
        };
        match self.kind.as_str() {
            "inactivity" => put("window_hours", window_hours),
            "night_activity" => {
                put("start_hour", start_hour);
                put("end_hour", end_hour);
                put("max_passes", max_passes);
            }
            "visitor_threshold" => put("max_visitors", max_visitors),
            "device_silence" => put("window_hours", window_hours),
            _ => errors.push(FieldError::new("kind", Code::RuleKind, "choose a kind")),
        }
        if matches!(self.kind.as_str(), "inactivity" | "night_activity") {
            params.insert("filter".to_owned(), filter);
        }
        // The rule runs to the end of the chosen day.
        let expires_at = (!self.expires.is_empty())
            .then(|| {
                NaiveDate::parse_from_str(&self.expires, "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.succ_opt())
                    .and_then(|d| crate::app::state::midnight_ms(ctx.tz, d))
            })
            .flatten();
        if !self.expires.is_empty() && expires_at.is_none() {
            errors.push(FieldError::new("expires", Code::DateInvalid, "a date"));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(RuleIn {
            code: self.code.clone(),
            name: self.name.clone(),
            kind: self.kind.clone(),
            params: serde_json::Value::Object(params),
            targets: self
                .targets
                .split(['\n', ',', '，', ' '])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
            purpose: self.purpose.clone(),
            expires_at,
            enabled: self.enabled,
            region: (!self.region.is_empty()).then(|| self.region.clone()),
        })
    }
}

/// Maps a field of the API's errors onto the form's inputs: the API names
/// `params`, the form has one input per parameter, and the domain's error
/// says which parameter is wrong when one is.
fn form_field(kind: &str, e: &FieldError) -> String {
    if e.field != "params" {
        return e.field.clone();
    }
    if let Some(part) = e.part {
        return part.to_owned();
    }
    match kind {
        "night_activity" => "start_hour",
        "visitor_threshold" => "max_visitors",
        _ => "window_hours",
    }
    .to_owned()
}

fn text_input(
    ctx: &Ctx,
    errors: &[FieldError],
    name: &str,
    value: &str,
    kind: &str,
    hint: Option<&str>,
) -> Markup {
    let id = format!("f-{}", name.replace('_', "-"));
    let err = field_error(ctx, errors, name);
    html! {
        div.field {
            label for=(id) { (ctx.t(&format!("rules-f-{name}"))) }
            @if let Some(h) = hint { span.hint.muted.small { (ctx.t(h)) } }
            input id=(id) name=(name) type=(kind) value=(value)
                aria-invalid=[err.is_some().then_some("true")]
                aria-describedby=[err.is_some().then(|| format!("err-{name}"))];
            @if let Some(e) = err { (e) }
        }
    }
}

/// The create/edit form. `id` is the rule being edited.
fn rule_form(
    ctx: &Ctx,
    regions: &[Region],
    f: &RuleForm,
    errors: &[FieldError],
    id: Option<i64>,
) -> Markup {
    let action = id.map_or_else(
        || "/ops/alert-rules".to_owned(),
        |i| format!("/ops/alert-rules/{i}"),
    );
    let kind_err = field_error(ctx, errors, "kind");
    html! {
        (error_summary(ctx, errors))
        form.rule-form.stack-wide method="post" action=(action) novalidate {
            @if id.is_none() {
                (text_input(ctx, errors, "code", &f.code, "text", Some("rules-h-code")))
            }
            (text_input(ctx, errors, "name", &f.name, "text", None))
            div.field {
                label for="f-kind" { (ctx.t("rules-kind")) }
                select #f-kind name="kind" {
                    @for k in KINDS {
                        option value=(k) selected[f.kind == k] { (ctx.label("rule-kind", k)) }
                    }
                }
                @if let Some(e) = kind_err { (e) }
            }
            fieldset data-kinds="inactivity night_activity" {
                legend { (ctx.t("rules-who")) }
                (text_input(ctx, errors, "tags", &f.tags, "text", Some("rules-h-tags")))
                (text_input(ctx, errors, "min_age", &f.min_age, "number", None))
            }
            fieldset data-kinds="inactivity device_silence" {
                legend { (ctx.t("rules-window")) }
                (text_input(ctx, errors, "window_hours", &f.window_hours, "number", Some("rules-h-window")))
            }
            fieldset data-kinds="night_activity" {
                legend { (ctx.t("rules-night")) }
                (text_input(ctx, errors, "start_hour", &f.start_hour, "number", Some("rules-h-hours")))
                (text_input(ctx, errors, "end_hour", &f.end_hour, "number", None))
                (text_input(ctx, errors, "max_passes", &f.max_passes, "number", None))
            }
            fieldset data-kinds="visitor_threshold" {
                legend { (ctx.t("rules-visitors")) }
                (text_input(ctx, errors, "max_visitors", &f.max_visitors, "number", None))
            }
            div.field {
                label for="f-region" { (ctx.t("ops-region")) }
                select #f-region name="region" {
                    @for r in regions {
                        option value=(r.code) selected[f.region == r.code] { (r.name) " (" (ctx.label("region", &r.kind)) ")" }
                    }
                }
                @if let Some(e) = field_error(ctx, errors, "region") { (e) }
            }
            fieldset {
                legend { (ctx.t("rules-targets-legend")) }
                p.muted.small { (ctx.t("rules-h-targets")) }
                div.field {
                    label for="f-targets" { (ctx.t("rules-f-targets")) }
                    textarea #f-targets name="targets" rows="3" aria-invalid=[field_error(ctx, errors, "targets").is_some().then_some("true")] { (f.targets) }
                    @if let Some(e) = field_error(ctx, errors, "targets") { (e) }
                }
                div.field {
                    label for="f-purpose" { (ctx.t("rules-f-purpose")) }
                    textarea #f-purpose name="purpose" rows="2" aria-invalid=[field_error(ctx, errors, "purpose").is_some().then_some("true")] { (f.purpose) }
                    @if let Some(e) = field_error(ctx, errors, "purpose") { (e) }
                }
                (text_input(ctx, errors, "expires", &f.expires, "date", Some("rules-h-expires")))
                @if let Some(e) = field_error(ctx, errors, "expires_at") { (e) }
            }
            label.check { input type="checkbox" name="enabled" value="1" checked[f.enabled]; (ctx.t("rules-f-enabled")) }
            button.primary type="submit" { (ctx.t(if id.is_some() { "rules-save" } else { "rules-create" })) }
        }
    }
}

/// Regions a rule may watch: the viewer's own and those under it.
async fn rule_regions(state: &SensingState, v: &Viewer) -> PageResult<Vec<Region>> {
    Ok(state.store.regions_in(&v.user.scope).await?)
}

fn own_region_code(regions: &[Region], v: &Viewer) -> String {
    regions
        .iter()
        .find(|r| r.path == v.user.region_path.as_str())
        .map(|r| r.code.clone())
        .unwrap_or_default()
}

async fn new_page(
    state: &SensingState,
    v: &Viewer,
    f: &RuleForm,
    errors: &[FieldError],
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let regions = rule_regions(state, v).await?;
    let body = html! {
        p { a href="/ops/alert-rules" { "‹ " (ctx.t("rules-title")) } }
        (rule_form(ctx, &regions, f, errors, None))
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::Operations,
        &ctx.t("rules-new"),
        body,
    ))
}

/// `GET /ops/alert-rules/new`
pub async fn new_form(State(state): State<SensingState>, v: Viewer) -> PageResult<Markup> {
    v.user.require_command_centre()?;
    let regions = rule_regions(&state, &v).await?;
    let fresh = RuleForm::fresh(&own_region_code(&regions, &v));
    new_page(&state, &v, &fresh, &[]).await
}

/// The form's problems, if the API refused it for a reason the person
/// filling it in can fix.
fn form_errors(kind: &str, e: AppError) -> Result<Vec<FieldError>, AppError> {
    match e {
        AppError::Unprocessable(list) => Ok(list
            .into_iter()
            .map(|fe| FieldError {
                field: form_field(kind, &fe),
                ..fe
            })
            .collect()),
        AppError::Conflict { field } => Ok(vec![FieldError::new(
            field,
            Code::CodeTaken,
            "that code is already taken",
        )]),
        AppError::NotFound("region") => Ok(vec![FieldError::new(
            "region",
            Code::RegionInvalid,
            "choose a region in your area",
        )]),
        other => Err(other),
    }
}

/// `POST /ops/alert-rules`
pub async fn create(
    State(state): State<SensingState>,
    v: Viewer,
    addr: ClientAddr,
    form: FormData,
) -> PageResult<Response> {
    v.user.require_command_centre()?;
    let f = RuleForm::from_form(&form);
    let outcome = match f.to_rule_in(&v.ctx) {
        Ok(r) => rules_api::create(&state, &v.user, &addr, &r)
            .await
            .map_err(|e| form_errors(&f.kind, e)),
        Err(errors) => Err(Ok(errors)),
    };
    match outcome {
        Ok(rule) => {
            Ok(Redirect::to(&format!("/ops/alert-rules/{}?done=created", rule.id)).into_response())
        }
        Err(Ok(errors)) => {
            let page = new_page(&state, &v, &f, &errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(Err(e)) => Err(PageError(e)),
    }
}

/// `?done=` after a change.
#[derive(Debug, Deserialize)]
pub struct Done {
    pub done: Option<String>,
}

fn subject_link(a: &Alert) -> Markup {
    let href = match a.subject.split_once(':') {
        Some(("person", id)) => format!("/people/{id}"),
        Some(("household", id)) => format!("/households/{id}"),
        Some(("device", _)) => "/ops/devices".to_owned(),
        _ => String::new(),
    };
    html! {
        @if href.is_empty() { (a.subject) } @else { a href=(href) { (a.subject) } }
    }
}

async fn rule_page(
    state: &SensingState,
    v: &Viewer,
    addr: &ClientAddr,
    id: i64,
    form: Option<(&RuleForm, &[FieldError])>,
    done: Option<&str>,
) -> PageResult<Markup> {
    let (ctx, u) = (&v.ctx, &v.user);
    let rule = rules_api::rule_in_scope(state, u, id).await?;
    let now = state.clock.now_ms();
    let names = region_names(state).await?;
    let regions = rule_regions(state, v).await?;
    let region_code = names
        .get(&rule.region_path)
        .map(|r| r.code.clone())
        .unwrap_or_default();
    let changes = state.store.alert_rule_changes(id).await?;
    let alerts = state
        .store
        .alerts_in(
            &u.scope,
            &AlertQuery {
                rule_id: Some(id),
                state: None,
            },
            Paging::new(Some(1), Some(RECENT_ALERTS)),
        )
        .await?;
    rules_api::log_targeted_views(state, u, addr, &alerts.items).await?;
    let filled;
    let (f, errors) = match form {
        Some(x) => x,
        None => {
            filled = RuleForm::of_rule(ctx, &rule, &region_code);
            (&filled, &[][..])
        }
    };
    let targets = targets_of(&rule);
    let body = html! {
        p { a href="/ops/alert-rules" { "‹ " (ctx.t("rules-title")) } }
        @if let Some(d) = done {
            div.notice.notice-ok role="status" { p { (ctx.label("rules-done", d)) } }
        }
        dl.facts {
            dt { (ctx.t("rules-status")) } dd { (status_tag(ctx, &rule, now)) }
            dt { (ctx.t("rules-code")) } dd { code { (rule.code) } }
            dt { (ctx.t("rules-kind")) } dd { (ctx.label("rule-kind", &rule.kind)) }
            dt { (ctx.t("rules-watches")) } dd { (summary(ctx, &rule)) }
            dt { (ctx.t("ops-region")) } dd { (names.get(&rule.region_path).map_or(rule.region_path.as_str(), |r| r.name.as_str())) }
            @if !targets.is_empty() {
                dt { (ctx.t("rules-f-targets")) } dd { (targets.join("、")) }
                dt { (ctx.t("rules-f-purpose")) } dd { (rule.purpose) }
            }
            dt { (ctx.t("rules-expires")) } dd {
                @match rule.expires_at { Some(at) => (ctx.time(at)), None => (ctx.t("rules-no-expiry")) }
            }
            dt { (ctx.t("rules-created")) } dd { (rule.created_by) " · " (ctx.time(rule.created_at)) }
        }
        @if rule.enabled {
            form method="post" action={ "/ops/alert-rules/" (id) "/disable" } {
                button.danger type="submit" { (ctx.t("rules-disable")) }
            }
        }
        section aria-labelledby="h-alerts" {
            h2 #h-alerts { (ctx.t("rules-alerts")) " " span.muted { "(" (alerts.total) ")" } }
            @if !targets.is_empty() { p.muted.small { (ctx.t("rules-views-logged")) } }
            @if alerts.items.is_empty() { (empty(ctx, "rules-alerts-none")) } @else {
                div.table-wrap { table.cards {
                    thead { tr {
                        th scope="col" { (ctx.t("rules-alert-raised")) }
                        th scope="col" { (ctx.t("rules-alert-subject")) }
                        th scope="col" { (ctx.t("rules-alert-last-seen")) }
                        th scope="col" { (ctx.t("rules-status")) }
                        th scope="col" { (ctx.t("rules-alert-order")) }
                    } }
                    tbody { @for a in &alerts.items { tr {
                        td data-label=(ctx.t("rules-alert-raised")) { (ctx.time(a.raised_at)) }
                        td data-label=(ctx.t("rules-alert-subject")) { (subject_link(a)) }
                        td data-label=(ctx.t("rules-alert-last-seen")) { @match a.last_seen_at { Some(t) => (ctx.time(t)), None => span.muted { "—" } } }
                        td data-label=(ctx.t("rules-status")) { (ctx.label("alert-state", &a.state)) }
                        td data-label=(ctx.t("rules-alert-order")) { @if let Some(o) = a.order_id { a href={ "/orders/" (o) } { "#" (o) } } }
                    } } }
                } }
            }
        }
        section aria-labelledby="h-edit" {
            h2 #h-edit { (ctx.t("rules-edit")) }
            (rule_form(ctx, &regions, f, errors, Some(id)))
        }
        section aria-labelledby="h-changes" {
            h2 #h-changes { (ctx.t("rules-changes")) }
            @if changes.is_empty() { (empty(ctx, "rules-changes-none")) } @else {
                ol.plain.changes {
                    @for c in changes.iter().rev() {
                        li {
                            strong { (ctx.label("rules-change", &c.action)) } " · " (c.actor) " · " (ctx.time(c.at))
                            @let diff = changed_fields(&c.before, &c.after);
                            @if !diff.is_empty() {
                                ul.plain.diff {
                                    @for (field, before, after) in &diff {
                                        li { code { (field) } " " del { (before) } " → " ins { (after) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(ctx, Some(u), Nav::Operations, &rule.name, body))
}

/// The fields a change altered, as `(field, before, after)`; the rule's
/// parameters (stored as a JSON text) are compared one by one.
fn changed_fields(before: &str, after: &str) -> Vec<(String, String, String)> {
    fn flat(text: &str) -> Vec<(String, serde_json::Value)> {
        let mut out = Vec::new();
        let serde_json::Value::Object(map) = serde_json::from_str(text).unwrap_or_default() else {
            return out;
        };
        for (k, v) in map {
            match (k.as_str(), &v) {
                ("updated_at" | "created_at" | "id", _) => {}
                ("params" | "targets", serde_json::Value::String(inner)) => {
                    match serde_json::from_str::<serde_json::Value>(inner) {
                        Ok(serde_json::Value::Object(p)) => {
                            out.extend(p);
                        }
                        Ok(other) => out.push((k, other)),
                        Err(_) => out.push((k, v)),
                    }
                }
                _ => out.push((k, v)),
            }
        }
        out
    }
    if before.is_empty() {
        return Vec::new();
    }
    let old = flat(before);
    let new = flat(after);
    let show = |v: Option<&serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => "—".to_owned(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    };
    let mut keys: Vec<&String> = old.iter().chain(&new).map(|(k, _)| k).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let a = old.iter().find(|(x, _)| x == k).map(|(_, v)| v);
            let b = new.iter().find(|(x, _)| x == k).map(|(_, v)| v);
            (a != b).then(|| (k.clone(), show(a), show(b)))
        })
        .collect()
}

/// `GET /ops/alert-rules/{id}`
pub async fn show(
    State(state): State<SensingState>,
    v: Viewer,
    addr: ClientAddr,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> PageResult<Markup> {
    v.user.require_command_centre()?;
    rule_page(&state, &v, &addr, id, None, q.done.as_deref()).await
}

/// `POST /ops/alert-rules/{id}`
pub async fn update(
    State(state): State<SensingState>,
    v: Viewer,
    addr: ClientAddr,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult<Response> {
    v.user.require_command_centre()?;
    let f = RuleForm::from_form(&form);
    let outcome = match f.to_rule_in(&v.ctx) {
        Ok(r) => rules_api::update(&state, &v.user, &addr, id, &r)
            .await
            .map_err(|e| form_errors(&f.kind, e)),
        Err(errors) => Err(Ok(errors)),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/ops/alert-rules/{id}?done=updated")).into_response()),
        Err(Ok(errors)) => {
            let page = rule_page(&state, &v, &addr, id, Some((&f, &errors)), None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(Err(e)) => Err(PageError(e)),
    }
}

/// `POST /ops/alert-rules/{id}/disable`
pub async fn disable(
    State(state): State<SensingState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> PageResult<Redirect> {
    rules_api::disable(&state, &v.user, id).await?;
    Ok(Redirect::to(&format!(
        "/ops/alert-rules/{id}?done=disabled"
    )))
}
