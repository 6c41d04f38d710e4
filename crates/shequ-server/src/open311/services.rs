//! `services.{format}` (the catalogue's active categories) and
//! `services/{code}.{format}` (one category's attribute definitions).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use shequ_domain::order::attributes::{AttributeDef, parse_definitions};
use shequ_store::orders::catalogue::Category;

use crate::app::i18n::Lang;
use crate::open311::Ctx;
use crate::open311::errors::Problem;
use crate::open311::errors::Problems;
use crate::open311::form::Pairs;
use crate::open311::format::Format;
use crate::open311::format::Node;
use crate::open311::language;
use crate::orders::OrdersState;

/// The category's name in the asked language (Chinese when it has no
/// English name).
pub fn name(c: &Category, lang: Lang) -> String {
    match lang {
        Lang::En if !c.name_en.trim().is_empty() => c.name_en.clone(),
        _ => c.name_zh.clone(),
    }
}

fn pick(zh: &str, en: &str, lang: Lang) -> Node {
    match lang {
        Lang::En if !en.trim().is_empty() => Node::Text(en.to_owned()),
        _ => Node::text_or_null(zh),
    }
}

/// A duration in minutes in words: "30 分钟", "4 小时", "7 天".
fn span(minutes: i64, lang: Lang) -> String {
    let (n, zh, en) = if minutes >= 1440 && minutes % 1440 == 0 {
        (minutes / 1440, "天", "day")
    } else if minutes >= 60 && minutes % 60 == 0 {
        (minutes / 60, "小时", "hour")
    } else {
        (minutes, "分钟", "minute")
    };
    match lang {
        Lang::Zh => format!("{n} {zh}"),
        Lang::En if n == 1 => format!("1 {en}"),
        Lang::En => format!("{n} {en}s"),
    }
}

/// What the reporter can expect, from the category's service levels.
pub fn notice(c: &Category, lang: Lang) -> String {
    let (a, r) = (
        span(c.accept_within_minutes, lang),
        span(c.resolve_within_minutes, lang),
    );
    match lang {
        Lang::Zh => format!("已派给责任人：{a}内受理，{r}内办结。"),
        Lang::En => format!(
            "Dispatched to the person responsible: accepted within {a}, resolved within {r}."
        ),
    }
}

/// The stored definitions; a catalogue that cannot be read is our fault.
pub fn definitions(c: &Category) -> Result<Vec<AttributeDef>, Problem> {
    parse_definitions(&c.attributes).map_err(|e| {
        Problem::internal(&format!(
            "category {} has unreadable attribute definitions: {e}",
            c.code
        ))
    })
}

fn service(c: &Category, lang: Lang) -> Node {
    let has_attributes = parse_definitions(&c.attributes).is_ok_and(|d| !d.is_empty());
    // Stored keywords are space-separated; Open311 separates them by commas.
    let keywords = c.keywords.split_whitespace().collect::<Vec<_>>().join(",");
    Node::Map(vec![
        ("service_code", Node::Text(c.code.clone())),
        ("service_name", Node::Text(name(c, lang))),
        (
            "description",
            pick(&c.description_zh, &c.description_en, lang),
        ),
        ("metadata", Node::Bool(has_attributes)),
        ("type", Node::Text("realtime".to_owned())),
        ("keywords", Node::text_or_null(&keywords)),
        ("group", pick(&c.group_zh, &c.group_en, lang)),
    ])
}

/// `GET services.{format}`.
pub async fn list(state: &OrdersState, ctx: Ctx) -> Response {
    let result = async {
        let config = state.config.get(&state.store).await?;
        let mut cats: Vec<&Category> = config.categories.values().filter(|c| c.active).collect();
        cats.sort_by(|a, b| a.code.cmp(&b.code));
        Ok::<_, Problems>(Node::List(
            "service",
            cats.into_iter().map(|c| service(c, ctx.lang)).collect(),
        ))
    }
    .await;
    ctx.answer("services", result)
}

fn attribute(d: &AttributeDef) -> Node {
    let mut fields = vec![
        ("variable", Node::Bool(d.variable)),
        ("code", Node::Text(d.code.clone())),
        ("datatype", Node::Text(d.datatype.as_str().to_owned())),
        ("required", Node::Bool(d.required)),
        (
            "datatype_description",
            Node::opt_text(d.datatype_description.clone().filter(|s| !s.is_empty())),
        ),
        ("order", d.order.map_or(Node::Null, Node::Int)),
        (
            "description",
            Node::opt_text(d.description.clone().filter(|s| !s.is_empty())),
        ),
    ];
    if d.datatype.is_list() {
        fields.push((
            "values",
            Node::List(
                "value",
                d.values
                    .iter()
                    .map(|v| {
                        Node::Map(vec![
                            ("key", Node::Text(v.key.clone())),
                            ("name", Node::Text(v.name.clone())),
                        ])
                    })
                    .collect(),
            ),
        ));
    }
    Node::Map(fields)
}

/// `GET services/{code}.{format}`: 404 for an unknown or retired code.
pub async fn definition(
    State(state): State<OrdersState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Response {
    let query = Pairs::parse_lossy(query.as_deref().unwrap_or(""));
    let lang = language(&state, &headers, query.first("locale"));
    let file = path.map(|Path(f)| f).unwrap_or_default();
    let (code, format) = Format::split(&file);
    let Some(format) = format else {
        return Ctx {
            format: Format::Json,
            lang,
            words: state.i18n.clone(),
        }
        .fail(Problem::unknown_format());
    };
    let ctx = Ctx {
        format,
        lang,
        words: state.i18n.clone(),
    };
    let result = async {
        let config = state.config.get(&state.store).await?;
        let c = config
            .categories
            .get(code)
            .filter(|c| c.active)
            .ok_or_else(|| Problem::unknown_service(code))?;
        let attributes = definitions(c)?.iter().map(attribute).collect();
        Ok::<_, Problems>(Node::Map(vec![
            ("service_code", Node::Text(c.code.clone())),
            ("attributes", Node::List("attribute", attributes)),
        ]))
    }
    .await;
    ctx.answer("service_definition", result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_naturally() {
        assert_eq!(span(30, Lang::Zh), "30 分钟");
        assert_eq!(span(240, Lang::En), "4 hours");
        assert_eq!(span(60, Lang::En), "1 hour");
        assert_eq!(span(7 * 1440, Lang::Zh), "7 天");
        assert_eq!(span(90, Lang::En), "90 minutes");
    }
}
