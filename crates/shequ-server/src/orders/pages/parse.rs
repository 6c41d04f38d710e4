//! Reading the report fields of a posted form into a [`Parsed`] report:
//! every problem at once, each named by its field, so the form can be
//! shown again with the messages beside the inputs.

use serde_json::{Map, Value};
use shequ_domain::Code;
use shequ_domain::PhoneNumber;
use shequ_store::orders::catalogue::Category;

use crate::app::error::FieldError;
use crate::app::page::form::FormData;
use crate::orders::intake::MAX_DESCRIPTION;
use crate::orders::pages::fields::Attribute;
use crate::orders::pages::fields::MAX_NAME;
use crate::orders::pages::fields::attr_name;
use crate::orders::pages::fields::attributes_of;
use crate::orders::photos;

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

fn attribute_value(a: &Attribute, form: &FormData, name: &str) -> Result<Option<Value>, Code> {
    let keys: Vec<&str> = a.values.iter().map(|v| v.key.as_str()).collect();
    let value = match a.datatype.as_str() {
        "multivaluelist" => {
            let chosen = form.all(name);
            if chosen.iter().any(|k| !keys.contains(k)) {
                return Err(Code::AttributeInvalid);
            }
            (!chosen.is_empty()).then(|| Value::from(chosen))
        }
        _ => {
            let v = form.get(name);
            if v.is_empty() {
                None
            } else {
                match a.datatype.as_str() {
                    "singlevaluelist" if !keys.contains(&v) => return Err(Code::AttributeInvalid),
                    "number" => Some(Value::from(
                        v.parse::<f64>()
                            .ok()
                            .filter(|n| n.is_finite())
                            .ok_or(Code::AttributeNumber)?,
                    )),
                    "datetime"
                        if chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M").is_err()
                            && chrono::DateTime::parse_from_rfc3339(v).is_err() =>
                    {
                        return Err(Code::AttributeDatetime);
                    }
                    _ if v.chars().count() > 1000 => return Err(Code::AttributeInvalid),
                    _ => Some(Value::from(v)),
                }
            }
        }
    };
    if value.is_none() && a.required {
        return Err(Code::AttributeRequired);
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
    let mut err =
        |field: &str, code: Code| errors.push(FieldError::new(field, code, code.as_str()));
    let category = cats.iter().find(|c| c.code == form.get("category"));
    if category.is_none() {
        err("category", Code::CategoryMissing);
    }
    let description = form.get("description").to_owned();
    if description.is_empty() {
        err("description", Code::DescriptionMissing);
    } else if description.chars().count() > MAX_DESCRIPTION {
        err("description", Code::DescriptionTooLong);
    }
    let mut bad_point = false;
    let point = match (form.get("lon"), form.get("lat")) {
        ("", "") => None,
        (lon, lat) => match (coordinate(lon, 180.0), coordinate(lat, 90.0)) {
            (Some(lon), Some(lat)) => Some((lon, lat)),
            _ => {
                bad_point = true;
                err("location", Code::LocationInvalid);
                None
            }
        },
    };
    let address = form.get("address").to_owned();
    if point.is_none() && address.is_empty() && !bad_point {
        err("location", Code::LocationMissing);
    }
    if address.chars().count() > 200 {
        err("location", Code::AddressTooLong);
    }
    let name = form.get("name").to_owned();
    if name.chars().count() > MAX_NAME {
        err("name", Code::NameTooLong);
    }
    let phone = match form.get("phone") {
        "" => None,
        p => match PhoneNumber::parse(p) {
            Ok(p) => Some(p.expose().to_owned()),
            Err(_) => {
                err("phone", Code::PhoneInvalid);
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
    let photo = match (&crate::orders::photos::refused_upload(form), &form.file) {
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
