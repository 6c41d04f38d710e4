//! Welfare-alert rules (预警规则) for the command centre: the list
//! ([`list`]), the form that creates or edits a rule ([`form`]), and one
//! rule with its change log and latest alerts ([`show`]). The checks, the
//! scope and the audit entry are the API's ([`crate::sensing::api::alerts`]);
//! these pages turn form fields into the same rule. The rules engine picks
//! a change up within its polling interval. Here: the routes, and what the
//! list and the rule's page both show of a rule.

mod form;
mod list;
mod show;

use axum::Router;
use axum::routing::{get, post};
use std::collections::HashMap;

use fluent_bundle::FluentValue;
use maud::{Markup, html};
use shequ_domain::sensing::rules::RuleKind;
use shequ_store::Scope;
use shequ_store::alerts::AlertRule;
use shequ_store::regions::Region;

use crate::app::page::ctx::Ctx;
use crate::app::page::ctx::PageResult;
use crate::sensing::SensingState;

/// The rule pages' routes, under operations.
pub fn router() -> Router<SensingState> {
    Router::new()
        .route("/ops/alert-rules", get(list::list).post(form::create))
        .route("/ops/alert-rules/new", get(form::new_form))
        .route("/ops/alert-rules/{id}", get(show::show).post(show::update))
        .route("/ops/alert-rules/{id}/disable", post(show::disable))
}

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
