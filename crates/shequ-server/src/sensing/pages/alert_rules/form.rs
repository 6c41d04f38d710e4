//! The form that creates or edits a rule: its fields as typed, turned
//! into the API's rule, and the API's refusals put back on its inputs.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use maud::{Markup, html};
use shequ_store::alerts::AlertRule;
use shequ_store::regions::Region;

use crate::app::access::ClientAddr;
use crate::app::error::AppError;
use crate::app::error::FieldError;
use crate::app::page::ctx::Ctx;
use crate::app::page::ctx::PageError;
use crate::app::page::ctx::PageResult;
use crate::app::page::ctx::Viewer;
use crate::app::page::form::FormData;
use crate::app::page::layout::Nav;
use crate::app::page::layout::page;
use crate::orders::pages::fields::error_summary;
use crate::orders::pages::fields::field_error;
use crate::sensing::SensingState;
use crate::sensing::api::alerts as rules_api;
use crate::sensing::api::alerts::RuleIn;
use shequ_domain::Code;

use super::targets_of;

/// The kinds a rule can have, in the order the form offers them.
const KINDS: [&str; 4] = [
    "inactivity",
    "night_activity",
    "visitor_threshold",
    "device_silence",
];

/// The form's fields, as typed (kept when the form is shown again).
#[derive(Debug, Default, Clone)]
pub(super) struct RuleForm {
    code: String,
    name: String,
    pub(super) kind: String,
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
    pub(super) fn from_form(f: &FormData) -> Self {
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
    pub(super) fn of_rule(ctx: &Ctx, r: &AlertRule, region_code: &str) -> Self {
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
    pub(super) fn to_rule_in(&self, ctx: &Ctx) -> Result<RuleIn, Vec<FieldError>> {
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
pub(super) fn rule_form(
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
pub(super) async fn rule_regions(state: &SensingState, v: &Viewer) -> PageResult<Vec<Region>> {
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
pub(super) fn form_errors(kind: &str, e: AppError) -> Result<Vec<FieldError>, AppError> {
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
