//! The fields a report is made of, shared by the public report form and
//! the operator's form: category (grouped) with its attributes rendered by
//! datatype, description, a point picked on the map or an address, a
//! photo, and the reporter's name and phone. Rendering keeps what was
//! typed; parsing returns every problem at once, by field.

use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Map, Value};
use shequ_domain::PhoneNumber;
use shequ_store::orders::catalogue::Category;

use super::{bilingual, category_name};
use crate::error::FieldError;
use crate::i18n::Lang;
use crate::orders::intake::MAX_DESCRIPTION;
use crate::orders::photos;
use crate::web::ctx::Ctx;
use crate::web::form::FormData;

/// Categories the public does not report into (raised by devices and
/// meetings).
pub const INTERNAL_CATEGORIES: [&str; 2] = [
    crate::orders::catalogue::DEVICE_MAINTENANCE,
    "meeting_decision",
];

/// Longest reporter name.
const MAX_NAME: usize = 50;

/// An Open311 attribute definition.
#[derive(Debug, Clone, Deserialize)]
pub struct Attribute {
    pub code: String,
    #[serde(default)]
    pub datatype: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub order: i64,
    #[serde(default)]
    pub values: Vec<AttrValue>,
    #[serde(default = "yes")]
    pub variable: bool,
}

fn yes() -> bool {
    true
}

/// One choice of a list attribute.
#[derive(Debug, Clone, Deserialize)]
pub struct AttrValue {
    pub key: String,
    #[serde(default)]
    pub name: String,
}

/// The input attributes of a category, in their order.
pub fn attributes_of(c: &Category) -> Vec<Attribute> {
    let mut attrs: Vec<Attribute> = serde_json::from_str(&c.attributes).unwrap_or_default();
    attrs.retain(|a| a.variable);
    attrs.sort_by_key(|a| a.order);
    attrs
}

/// The form name of an attribute's input.
fn attr_name(category: &str, code: &str) -> String {
    format!("attr.{category}.{code}")
}

/// The message for a field's problem, if any.
pub fn field_error(ctx: &Ctx, errors: &[FieldError], field: &str) -> Option<Markup> {
    let e = errors.iter().find(|e| e.field == field)?;
    Some(html! {
        p.field-error id={ "err-" (field.replace('.', "-")) } { (ctx.label("error", &e.code)) }
    })
}

/// The error summary at the top of a form.
pub fn error_summary(ctx: &Ctx, errors: &[FieldError]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.notice.notice-error role="alert" {
                p { strong { (ctx.t("form-has-errors")) } }
                ul {
                    @for e in errors {
                        li { a href={ "#f-" (e.field.replace('.', "-")) } { (ctx.label("error", &e.code)) } }
                    }
                }
            }
        }
    }
}

fn group_name(ctx: &Ctx, c: &Category) -> String {
    match ctx.lang {
        Lang::Zh => c.group_zh.clone(),
        Lang::En => c.group_en.clone(),
    }
}

/// The category select, grouped, with each category's attributes below
/// in a fieldset that the script shows only for the chosen category.
pub fn category_fields(
    ctx: &Ctx,
    cats: &[&Category],
    form: &FormData,
    errors: &[FieldError],
) -> Markup {
    let chosen = form.get("category");
    let mut groups: Vec<(String, Vec<&Category>)> = Vec::new();
    for c in cats {
        let g = group_name(ctx, c);
        match groups.iter_mut().find(|(name, _)| *name == g) {
            Some((_, list)) => list.push(c),
            None => groups.push((g, vec![c])),
        }
    }
    html! {
        div.field {
            label for="f-category" { (ctx.t("report-category")) }
            select #f-category name="category" required aria-describedby=[errors.iter().any(|e| e.field == "category").then_some("err-category")] {
                option value="" { (ctx.t("report-category-choose")) }
                @for (g, list) in &groups {
                    optgroup label=(g) {
                        @for c in list {
                            option value=(c.code) selected[chosen == c.code] { (category_name(ctx, c)) }
                        }
                    }
                }
            }
            @if let Some(e) = field_error(ctx, errors, "category") { (e) }
        }
        @for c in cats {
            @let attrs = attributes_of(c);
            @if !attrs.is_empty() {
                fieldset.attrs data-category=(c.code) {
                    legend { (ctx.t_args("report-details-for", &[("category", category_name(ctx, c).into())])) }
                    @for a in &attrs {
                        (attribute_input(ctx, c, a, form, errors))
                    }
                }
            }
        }
    }
}

fn attribute_input(
    ctx: &Ctx,
    c: &Category,
    a: &Attribute,
    form: &FormData,
    errors: &[FieldError],
) -> Markup {
    let name = attr_name(&c.code, &a.code);
    let id = format!("f-{}", name.replace('.', "-"));
    let label = html! {
        (bilingual(ctx, &a.description))
        @if a.required { " " span.req { (ctx.t("form-required")) } }
    };
    let value = form.get(&name);
    html! {
        div.field {
            @match a.datatype.as_str() {
                "singlevaluelist" => {
                    label for=(id) { (label) }
                    select id=(id) name=(name) {
                        option value="" { (ctx.t("report-attr-choose")) }
                        @for v in &a.values {
                            option value=(v.key) selected[value == v.key] { (bilingual(ctx, &v.name)) }
                        }
                    }
                }
                "multivaluelist" => {
                    fieldset.inline id=(id) {
                        legend { (label) }
                        @for v in &a.values {
                            label.check {
                                input type="checkbox" name=(name) value=(v.key) checked[form.all(&name).contains(&v.key.as_str())];
                                " " (bilingual(ctx, &v.name))
                            }
                        }
                    }
                }
                "text" => {
                    label for=(id) { (label) }
                    textarea id=(id) name=(name) rows="3" { (value) }
                }
                "number" => {
                    label for=(id) { (label) }
                    input id=(id) type="number" step="any" name=(name) value=(value) inputmode="decimal";
                }
                "datetime" => {
                    label for=(id) { (label) }
                    input id=(id) type="datetime-local" name=(name) value=(value);
                }
                _ => {
                    label for=(id) { (label) }
                    input id=(id) type="text" name=(name) value=(value);
                }
            }
            @if let Some(e) = field_error(ctx, errors, &name) { (e) }
        }
    }
}

/// Description, location (map and address), photo. The photo input comes
/// last in the form: an oversized photo stops the reading of the form
/// there, and everything before it is kept.
pub fn problem_fields(
    ctx: &Ctx,
    form: &FormData,
    errors: &[FieldError],
    map: Option<Markup>,
) -> Markup {
    html! {
        div.field {
            label for="f-description" { (ctx.t("report-description")) }
            textarea #f-description name="description" rows="4" required maxlength=(MAX_DESCRIPTION)
                placeholder=(ctx.t("report-description-placeholder")) { (form.get("description")) }
            @if let Some(e) = field_error(ctx, errors, "description") { (e) }
        }
        fieldset #f-location.location {
            legend { (ctx.t("report-location")) }
            @if let Some(svg) = map {
                p.muted.small.js-only { (ctx.t("report-map-hint")) }
                figure.map.pick { (svg) }
                p.pick-status aria-live="polite" data-picked=(ctx.t("report-map-picked")) {
                    @if !form.get("lon").is_empty() { (ctx.t("report-map-picked")) }
                }
            }
            input type="hidden" name="lon" value=(form.get("lon"));
            input type="hidden" name="lat" value=(form.get("lat"));
            div.field {
                label for="f-address" { (ctx.t("report-address")) }
                input #f-address type="text" name="address" value=(form.get("address")) maxlength="200"
                    placeholder=(ctx.t("report-address-placeholder")) autocomplete="street-address";
            }
            @if let Some(e) = field_error(ctx, errors, "location") { (e) }
        }
    }
}

/// The optional photo input.
pub fn photo_field(ctx: &Ctx, errors: &[FieldError]) -> Markup {
    html! {
        div.field {
            label for="f-photo" { (ctx.t("report-photo")) }
            input #f-photo type="file" name="photo" accept="image/*" capture="environment";
            p.muted.small { (ctx.t("report-photo-note")) }
            @if let Some(e) = field_error(ctx, errors, "photo") { (e) }
        }
    }
}

/// The reporter's (or caller's) name and phone.
pub fn contact_fields(ctx: &Ctx, form: &FormData, errors: &[FieldError], legend: &str) -> Markup {
    html! {
        fieldset {
            legend { (legend) }
            div.field {
                label for="f-name" { (ctx.t("report-name")) }
                input #f-name type="text" name="name" value=(form.get("name")) maxlength=(MAX_NAME) autocomplete="name";
                @if let Some(e) = field_error(ctx, errors, "name") { (e) }
            }
            div.field {
                label for="f-phone" { (ctx.t("report-phone")) }
                input #f-phone type="tel" name="phone" value=(form.get("phone")) inputmode="tel" autocomplete="tel";
                @if let Some(e) = field_error(ctx, errors, "phone") { (e) }
            }
        }
    }
}

/// A report as read from the form.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub category: String,
    pub description: String,
    pub address: String,
    pub point: Option<(f64, f64)>,
    pub name: String,
    pub phone: Option<String>,
    pub attributes: Value,
    /// The checked photo and its type.
    pub photo: Option<Vec<u8>>,
}

fn attribute_value(
    a: &Attribute,
    form: &FormData,
    name: &str,
) -> Result<Option<Value>, &'static str> {
    let keys: Vec<&str> = a.values.iter().map(|v| v.key.as_str()).collect();
    let value = match a.datatype.as_str() {
        "multivaluelist" => {
            let chosen = form.all(name);
            if chosen.iter().any(|k| !keys.contains(k)) {
                return Err("attribute_invalid");
            }
            (!chosen.is_empty()).then(|| Value::from(chosen))
        }
        _ => {
            let v = form.get(name);
            if v.is_empty() {
                None
            } else {
                match a.datatype.as_str() {
                    "singlevaluelist" if !keys.contains(&v) => return Err("attribute_invalid"),
                    "number" => Some(Value::from(
                        v.parse::<f64>()
                            .ok()
                            .filter(|n| n.is_finite())
                            .ok_or("attribute_number")?,
                    )),
                    "datetime"
                        if chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M").is_err()
                            && chrono::DateTime::parse_from_rfc3339(v).is_err() =>
                    {
                        return Err("attribute_datetime");
                    }
                    _ if v.chars().count() > 1000 => return Err("attribute_invalid"),
                    _ => Some(Value::from(v)),
                }
            }
        }
    };
    if value.is_none() && a.required {
        return Err("attribute_required");
    }
    Ok(value)
}

fn coordinate(text: &str, range: f64) -> Option<f64> {
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && v.abs() <= range)
}

/// Reads and checks the report fields; every problem at once.
pub fn parse(
    form: &FormData,
    cats: &[&Category],
    max_photo: u32,
) -> Result<Parsed, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut err = |field: &str, code: &str| errors.push(FieldError::new(field, code, code));
    let category = cats.iter().find(|c| c.code == form.get("category"));
    if category.is_none() {
        err("category", "category_missing");
    }
    let description = form.get("description").to_owned();
    if description.is_empty() {
        err("description", "description_missing");
    } else if description.chars().count() > MAX_DESCRIPTION {
        err("description", "description_too_long");
    }
    let mut bad_point = false;
    let point = match (form.get("lon"), form.get("lat")) {
        ("", "") => None,
        (lon, lat) => match (coordinate(lon, 180.0), coordinate(lat, 90.0)) {
            (Some(lon), Some(lat)) => Some((lon, lat)),
            _ => {
                bad_point = true;
                err("location", "location_invalid");
                None
            }
        },
    };
    let address = form.get("address").to_owned();
    if point.is_none() && address.is_empty() && !bad_point {
        err("location", "location_missing");
    }
    if address.chars().count() > 200 {
        err("location", "address_too_long");
    }
    let name = form.get("name").to_owned();
    if name.chars().count() > MAX_NAME {
        err("name", "name_too_long");
    }
    let phone = match form.get("phone") {
        "" => None,
        p => match PhoneNumber::parse(p) {
            Ok(p) => Some(p.expose().to_owned()),
            Err(_) => {
                err("phone", "phone_invalid");
                None
            }
        },
    };
    let mut attributes = Map::new();
    if let Some(c) = category {
        for a in attributes_of(c) {
            let name = attr_name(&c.code, &a.code);
            match attribute_value(&a, form, &name) {
                Ok(Some(v)) => {
                    attributes.insert(a.code.clone(), v);
                }
                Ok(None) => {}
                Err(code) => err(&name, code),
            }
        }
    }
    let photo = match (&form.photo_error, &form.photo) {
        (Some(e), _) => {
            err("photo", e.code());
            None
        }
        (None, Some(bytes)) => match photos::check(bytes, max_photo) {
            Ok(_) => Some(bytes.clone()),
            Err(e) => {
                err("photo", e.code());
                None
            }
        },
        (None, None) => None,
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Parsed {
        category: category.map(|c| c.code.clone()).unwrap_or_default(),
        description,
        address,
        point,
        name,
        phone,
        attributes: Value::Object(attributes),
        photo,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise() -> Category {
        Category {
            id: 1,
            code: "noise".into(),
            name_zh: "噪音扰民".into(),
            name_en: "Noise".into(),
            group_zh: "社区治理".into(),
            group_en: "Neighbourhood affairs".into(),
            description_zh: String::new(),
            description_en: String::new(),
            keywords: String::new(),
            accept_within_minutes: 30,
            resolve_within_minutes: 600,
            default_priority: "normal".into(),
            attributes: r#"[{"code":"source","datatype":"singlevaluelist","required":true,"description":"来源 / Source","order":1,
                "values":[{"key":"shop","name":"商铺 / Shop"}]},
                {"code":"nights","datatype":"number","description":"几晚 / Nights","order":2}]"#
                .into(),
            active: true,
        }
    }

    fn form(body: &str) -> FormData {
        FormData::from_urlencoded(body.as_bytes())
    }

    #[test]
    fn a_complete_report_parses() {
        let c = noise();
        let p = parse(
            &form("category=noise&description=半夜施工&lon=121.4&lat=31.2&attr.noise.source=shop&attr.noise.nights=3&phone=13912345678"),
            &[&c],
            100,
        )
        .expect("valid");
        assert_eq!(p.point, Some((121.4, 31.2)));
        assert_eq!(p.attributes["source"], "shop");
        assert_eq!(p.attributes["nights"], 3.0);
        assert_eq!(p.phone.as_deref(), Some("13912345678"));
    }

    #[test]
    fn every_problem_is_named_by_field() {
        let c = noise();
        let errors = parse(
            &form("category=noise&attr.noise.nights=many&phone=12"),
            &[&c],
            100,
        )
        .expect_err("invalid");
        let fields: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("description", "description_missing"),
                ("location", "location_missing"),
                ("phone", "phone_invalid"),
                ("attr.noise.source", "attribute_required"),
                ("attr.noise.nights", "attribute_number"),
            ]
        );
        let errors = parse(&form("category=fly&description=x&address=y"), &[&c], 100)
            .expect_err("unknown category");
        assert_eq!(errors[0].code, "category_missing");
    }
}
