//! What the platform tells people about orders: pop-up payloads and SMS
//! texts from the configured templates.

use serde_json::json;
use shequ_store::orders::Notice;
use shequ_store::orders::Order;
use shequ_store::orders::create::{NewOrder, ORDER_ID_PLACEHOLDER};

use crate::orders::OrdersState;

/// Fills `{name}` placeholders.
pub fn render(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (k, v) in values {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

/// A time in the street's zone as `MM-DD HH:MM`.
pub fn short_time(state: &OrdersState, ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&state.tz).format("%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// What a notice says about an order.
#[derive(Debug, Clone)]
pub struct Brief<'a> {
    /// The id, or the store's placeholder for an order not yet stored.
    pub id: String,
    pub title: &'a str,
    pub address: &'a str,
    pub accept_due_at: i64,
    pub resolve_due_at: i64,
    pub supervised: bool,
}

impl<'a> Brief<'a> {
    pub fn of(o: &'a Order) -> Self {
        Self {
            id: o.id.to_string(),
            title: &o.title,
            address: &o.address,
            accept_due_at: o.accept_due_at,
            resolve_due_at: o.resolve_due_at,
            supervised: o.supervised,
        }
    }

    pub fn of_new(o: &'a NewOrder) -> Self {
        Self {
            id: ORDER_ID_PLACEHOLDER.to_owned(),
            title: &o.title,
            address: &o.address,
            accept_due_at: o.accept_due_at,
            resolve_due_at: o.resolve_due_at,
            supervised: false,
        }
    }
}

/// A pop-up and an SMS telling `user_id` about an order now theirs to act
/// on. `kind` is `new_order`, `reassigned`, `escalated`, `reopened` or
/// `summoned`.
pub fn to_worker(
    state: &OrdersState,
    order: &Brief<'_>,
    category_zh: &str,
    user_id: i64,
    kind: &str,
) -> Vec<Notice> {
    let url = format!(
        "{}/orders/{}",
        state.settings.public_url.trim_end_matches('/'),
        order.id
    );
    let id = order.id.clone();
    let due = short_time(state, order.accept_due_at);
    let values = [
        ("id", id.as_str()),
        ("category", category_zh),
        ("address", order.address),
        ("title", order.title),
        ("accept_due", due.as_str()),
        ("url", url.as_str()),
    ];
    let template = if kind == "escalated" {
        &state.settings.sms_template_escalated
    } else {
        &state.settings.sms_template_new_order
    };
    let popup = json!({
        "kind": kind,
        "order_id": order.id,
        "title": order.title,
        "category": category_zh,
        "address": order.address,
        "accept_due_at": order.accept_due_at,
        "resolve_due_at": order.resolve_due_at,
        "supervised": order.supervised,
        "url": format!("/orders/{}", order.id),
    });
    vec![
        Notice {
            user_id: Some(user_id),
            channel: "popup",
            recipient: String::new(),
            payload: popup.to_string(),
        },
        Notice {
            user_id: Some(user_id),
            channel: "sms",
            recipient: String::new(),
            payload: json!({ "kind": kind, "text": render(template, &values) }).to_string(),
        },
    ]
}

/// An SMS to a reporter (when they left a phone) that their order is
/// resolved, with the private link to rate it.
pub fn to_reporter_resolved(
    state: &OrdersState,
    order: &Order,
    link_token: Option<&str>,
) -> Option<Notice> {
    let phone = order.reporter_phone.as_deref().filter(|p| !p.is_empty())?;
    let base = state.settings.public_url.trim_end_matches('/');
    let url = match link_token {
        Some(t) => format!("{base}/r/{t}"),
        None => format!("{base}/r"),
    };
    let id = order.id.to_string();
    let text = render(
        &state.settings.sms_template_resolved,
        &[("id", &id), ("url", &url)],
    );
    Some(Notice {
        user_id: None,
        channel: "sms",
        recipient: phone.to_owned(),
        payload: json!({ "kind": "resolved", "text": text }).to_string(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            super::render(
                "工单{id}：{category}{id}",
                &[("id", "7"), ("category", "噪音")]
            ),
            "工单7：噪音7"
        );
        assert_eq!(super::render("无{x}", &[]), "无{x}");
    }
}
