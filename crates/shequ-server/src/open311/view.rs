//! One work order as an Open311 service request, and what the public may
//! see of it. Without an api_key the whole deployment is listed, but no
//! reporter's name, phone or e-mail ever appears (they are not Open311
//! fields, and are masked where a reporter typed them into the text), and
//! orders about a person (welfare alerts, 独居老人关怀) show no place or
//! text at all: they would point at a vulnerable resident's door.

use std::collections::HashMap;
use std::sync::Arc;

use fluent_bundle::FluentValue;
use shequ_domain::order::OrderState;
use shequ_store::orders::Order;

use crate::app::i18n::{I18n, Lang};
use crate::open311::errors::Problems;
use crate::open311::format::Node;
use crate::open311::format::datetime;
use crate::open311::services;
use crate::orders::OrdersState;
use crate::orders::catalogue::ELDERLY_CARE;
use crate::orders::config::Config;

/// The key under which Open311-only fields (media_url, device_id,
/// account_id) are kept in an order's attributes.
pub const META_KEY: &str = "_open311";

/// Open311's two statuses. Resolved (办结) counts as closed: the spec's
/// closed is "it has been resolved"; a reopened order is open again.
pub fn status(state: OrderState) -> &'static str {
    match state {
        OrderState::Pending
        | OrderState::Accepted
        | OrderState::InProgress
        | OrderState::Returned => "open",
        OrderState::Resolved | OrderState::Closed | OrderState::Cancelled => "closed",
    }
}

/// The stored states behind an Open311 status.
pub fn states_of(open311_status: &str) -> Option<Vec<String>> {
    let states = OrderState::ALL
        .into_iter()
        .filter(|s| status(*s) == open311_status)
        .map(|s| s.as_str().to_owned())
        .collect::<Vec<_>>();
    (!states.is_empty()).then_some(states)
}

/// The order's state in words, from the message files (`open311.ftl`).
fn status_notes(o: &Order, lang: Lang, words: &I18n) -> String {
    let key = match (o.state(), o.duplicate_of) {
        (OrderState::Pending, _) => "open311-note-pending",
        (OrderState::Accepted, _) => "open311-note-accepted",
        (OrderState::InProgress, _) => "open311-note-in_progress",
        (OrderState::Returned, _) => "open311-note-returned",
        (OrderState::Resolved, _) => "open311-note-resolved",
        (OrderState::Closed, _) => "open311-note-closed",
        (OrderState::Cancelled, Some(d)) => {
            let of = FluentValue::from(d.to_string());
            return words.t_args(lang, "open311-note-duplicate", &[("of", of)]);
        }
        (OrderState::Cancelled, None) => "open311-note-cancelled",
    };
    words.t(lang, key)
}

/// Replaces the reporter's own details, and any run of seven or more
/// digits (phone and identity numbers, spaces and dashes allowed between
/// digits), with `***`.
pub fn mask(text: &str, secrets: &[&str]) -> String {
    let mut s = text.to_owned();
    for secret in secrets.iter().map(|x| x.trim()) {
        if secret.chars().count() >= 2 {
            s = s.replace(secret, "***");
        }
    }
    let is_digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if !is_digit(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // A group: digits, with single spaces or dashes between digits.
        let (start, mut end, mut digits) = (i, i, 0);
        let mut j = i;
        while j < chars.len() {
            if is_digit(chars[j]) {
                digits += 1;
                end = j + 1;
                j += 1;
            } else if matches!(chars[j], ' ' | '-')
                && chars.get(j + 1).is_some_and(|c| is_digit(*c))
            {
                j += 1;
            } else {
                break;
            }
        }
        let group: String = chars[start..end].iter().collect();
        if digits >= 7 && !looks_like_date(&group) {
            out.push_str("***");
        } else {
            out.extend(&chars[start..end]);
        }
        i = end;
    }
    out
}

/// `2026-11-23`: a date, not a number to hide.
fn looks_like_date(group: &str) -> bool {
    let parts: Vec<&str> = group.split('-').collect();
    matches!(parts.as_slice(), [y, m, d] if y.chars().count() == 4
        && (1..=2).contains(&m.chars().count())
        && (1..=2).contains(&d.chars().count()))
}

fn meta(o: &Order, field: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(&o.attributes).ok()?;
    v.get(META_KEY)?.get(field)?.as_str().map(str::to_owned)
}

/// Everything needed to show several orders: category names and the
/// names of the regions responsible, looked up once each.
pub struct Viewer<'a> {
    state: &'a OrdersState,
    lang: Lang,
    public: bool,
    config: Arc<Config>,
    agencies: HashMap<i64, Option<String>>,
}

impl<'a> Viewer<'a> {
    pub async fn new(state: &'a OrdersState, lang: Lang, public: bool) -> Result<Self, Problems> {
        let config = state.config.get(&state.store).await?;
        Ok(Self {
            state,
            lang,
            public,
            config,
            agencies: HashMap::new(),
        })
    }

    /// The name of the region an order lies in (its grid or
    /// neighbourhood), standing for the agency responsible.
    async fn agency(&mut self, region_id: i64) -> Result<Option<String>, Problems> {
        if let Some(a) = self.agencies.get(&region_id) {
            return Ok(a.clone());
        }
        let name = self
            .state
            .store
            .region_by_id(region_id)
            .await?
            .map(|r| r.name);
        self.agencies.insert(region_id, name.clone());
        Ok(name)
    }

    /// The orders as a `service_requests` list.
    pub async fn requests(&mut self, orders: &[Order]) -> Result<Node, Problems> {
        // Every region the list names, looked up at once.
        let mut missing: Vec<i64> = orders
            .iter()
            .map(|o| o.region_id)
            .filter(|id| !self.agencies.contains_key(id))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        if !missing.is_empty() {
            let names = self.state.store.region_names(&missing).await?;
            for id in missing {
                self.agencies.insert(id, None);
            }
            for (id, name) in names {
                self.agencies.insert(id, Some(name));
            }
        }
        let mut items = Vec::with_capacity(orders.len());
        for o in orders {
            items.push(self.request(o).await?);
        }
        Ok(Node::List("request", items))
    }

    async fn request(&mut self, o: &Order) -> Result<Node, Problems> {
        let tz = self.state.tz;
        let agency = self.agency(o.region_id).await?;
        let category = self.config.categories.get(&o.category_code);
        let about_person = o.subject_person_id.is_some() || o.category_code == ELDERLY_CARE;
        let hide = self.public && about_person;
        let secrets = [
            o.reporter_name.as_str(),
            o.reporter_phone.as_deref().unwrap_or(""),
            o.reporter_email.as_deref().unwrap_or(""),
        ];
        let shown = |text: &str| -> Node {
            if hide {
                Node::Null
            } else if self.public {
                Node::text_or_null(&mask(text, &secrets))
            } else {
                Node::text_or_null(text)
            }
        };
        let (description, address) = (shown(&o.description), shown(&o.address));
        let located = |x: Option<f64>| if hide { Node::Null } else { Node::opt_float(x) };
        Ok(Node::Map(vec![
            ("service_request_id", Node::Text(o.id.to_string())),
            ("status", Node::Text(status(o.state()).to_owned())),
            (
                "status_notes",
                Node::Text(status_notes(o, self.lang, &self.state.i18n)),
            ),
            (
                "service_name",
                category.map_or(Node::Null, |c| Node::Text(services::name(c, self.lang))),
            ),
            ("service_code", Node::Text(o.category_code.clone())),
            ("description", description),
            ("agency_responsible", Node::opt_text(agency)),
            (
                "service_notice",
                category.map_or(Node::Null, |c| Node::Text(services::notice(c, self.lang))),
            ),
            ("requested_datetime", datetime(o.created_at, tz)),
            ("updated_datetime", datetime(o.updated_at, tz)),
            ("expected_datetime", datetime(o.resolve_due_at, tz)),
            ("address", address),
            (
                "address_id",
                match o.place_id {
                    Some(p) if !hide => Node::Text(p.to_string()),
                    _ => Node::Null,
                },
            ),
            ("zipcode", Node::Null),
            ("lat", located(o.lat)),
            ("long", located(o.lon)),
            (
                "media_url",
                if hide {
                    Node::Null
                } else {
                    Node::opt_text(meta(o, "media_url"))
                },
            ),
        ]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duplicates_note_names_the_request_it_joined_in_both_languages() {
        let words = I18n::load().expect("messages");
        let of = || [("of", FluentValue::from("36224".to_owned()))];
        assert_eq!(
            words.t_args(Lang::Zh, "open311-note-duplicate", &of()),
            "重复工单，已并入 36224"
        );
        assert_eq!(
            words.t_args(Lang::En, "open311-note-duplicate", &of()),
            "Duplicate of request 36224"
        );
    }

    #[test]
    fn every_state_has_an_open311_status() {
        assert_eq!(
            states_of("open").expect("open"),
            ["pending", "accepted", "in_progress", "returned"]
        );
        assert_eq!(
            states_of("closed").expect("closed"),
            ["resolved", "closed", "cancelled"]
        );
        assert!(states_of("pending").is_none());
    }

    #[test]
    fn masking_hides_reporters_and_long_numbers() {
        assert_eq!(
            mask(
                "张三反映：电话 138 1234 5678，身份证 31010419400101001X",
                &["张三", ""]
            ),
            "***反映：电话 ***，身份证 ***X"
        );
        assert_eq!(mask("田林路100弄3号 502室", &[]), "田林路100弄3号 502室");
        assert_eq!(
            mask("call 13812345678 or a@b.cn", &["a@b.cn"]),
            "call *** or ***"
        );
        assert_eq!(mask("１３８１２３４５６７８", &[]), "***");
        assert_eq!(mask("2026-11-23 起", &[]), "2026-11-23 起");
        assert_eq!(mask("021-6412-3456", &[]), "***");
        assert_eq!(mask("9-", &[]), "9-");
    }
}
