//! `discovery.{json,xml}`: where the endpoint is, what it speaks, and how
//! to get a key (Open311 Service Discovery).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use crate::app::i18n::Lang;
use crate::open311::Ctx;
use crate::open311::SPECIFICATION;
use crate::open311::format::Format;
use crate::open311::format::Node;
use crate::open311::language;
use crate::orders::OrdersState;

/// When this endpoint's behaviour or the shape of its answers last
/// changed. Catalogue edits do not move it yet (categories carry no
/// change time the store hands out).
pub const CHANGESET: &str = "2026-11-23T00:00:00+08:00";

/// `GET /open311/v2`: the discovery document in JSON.
pub async fn root(State(state): State<OrdersState>, headers: HeaderMap) -> Response {
    let ctx = Ctx {
        format: Format::Json,
        lang: language(&state, &headers, None),
        words: state.i18n.clone(),
    };
    answer(&state, ctx)
}

pub fn answer(state: &OrdersState, ctx: Ctx) -> Response {
    let base = state.settings.public_url.trim_end_matches('/');
    let url = format!("{base}/open311/v2");
    let (contact, key_service) = match ctx.lang {
        Lang::Zh => (
            format!("请联系街道指挥中心：{base}"),
            "API 密钥由平台管理员发放（shequ apikey add --name 名称），请向街道指挥中心申请".to_owned(),
        ),
        Lang::En => (
            format!("Contact the street command centre: {base}"),
            "API keys are issued by the platform's operator (shequ apikey add --name NAME); ask the street command centre".to_owned(),
        ),
    };
    let endpoint = Node::Map(vec![
        ("specification", Node::Text(SPECIFICATION.to_owned())),
        ("url", Node::Text(url)),
        ("changeset", Node::Text(CHANGESET.to_owned())),
        ("type", Node::Text("production".to_owned())),
        (
            "formats",
            Node::List(
                "format",
                vec![
                    Node::Text("text/xml".to_owned()),
                    Node::Text("application/json".to_owned()),
                ],
            ),
        ),
    ]);
    let doc = Node::Map(vec![
        ("changeset", Node::Text(CHANGESET.to_owned())),
        ("contact", Node::Text(contact)),
        ("key_service", Node::Text(key_service)),
        ("endpoints", Node::List("endpoint", vec![endpoint])),
    ]);
    ctx.answer("discovery", Ok(doc))
}
