//! The fields a report is made of, shared by the public report form and
//! the operator's form: category (grouped) with its attributes rendered by
//! datatype, description, a point picked on the map or an address, a
//! photo, and the reporter's name and phone. Rendering keeps what was
//! typed; `parse.rs` reads them back.

use maud::{Markup, html};
use serde::Deserialize;
use shequ_store::orders::catalogue::Category;

use crate::app::error::FieldError;
use crate::app::i18n::Lang;
use crate::app::page::ctx::Ctx;
use crate::app::page::form::FormData;
use crate::orders::intake::MAX_DESCRIPTION;
use crate::orders::pages::bilingual;
use crate::orders::pages::category_name;

/// Categories the public does not report into (raised by devices and
/// meetings).
pub const INTERNAL_CATEGORIES: [&str; 2] = [
    crate::orders::catalogue::DEVICE_MAINTENANCE,
    "meeting_decision",
];

/// Longest reporter name.
pub const MAX_NAME: usize = 50;

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
pub fn attr_name(category: &str, code: &str) -> String {
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
