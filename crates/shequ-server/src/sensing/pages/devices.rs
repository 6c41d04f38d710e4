//! Door controllers and their health (感知设备): how ingest is doing (the
//! MQTT connection, events accepted and refused since start), every
//! device in the viewer's area with when it was last heard and how many
//! events it stored today — silent ones first — and the latest refused
//! events, so an operator can see what a misbehaving device sends.
//! Registering a device and issuing its token is `POST /api/v1/devices`.

use axum::extract::{Query, State};
use maud::{Markup, html};
use serde::Deserialize;
use shequ_domain::Role;
use shequ_domain::sensing::rules::{HOUR_MS, RuleKind};
use shequ_store::sensing::DeviceHealth;

use crate::app::page::ctx::Ctx;
use crate::app::page::ctx::PageResult;
use crate::app::page::ctx::Viewer;
use crate::app::page::layout::Nav;
use crate::app::page::layout::empty;
use crate::app::page::layout::figures;
use crate::app::page::layout::page;
use crate::app::page::layout::pager;
use crate::sensing::SensingState;
use crate::sensing::metrics::Channel;
use crate::sensing::metrics::Reason;

/// Devices per page.
const PAGE_SIZE: usize = 100;
/// Refused events shown.
const REJECTED_SHOWN: i64 = 20;
/// The silence window when no device-silence rule is enabled.
const DEFAULT_SILENCE_HOURS: u32 = 6;

/// A device's health, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Health {
    Silent,
    Never,
    Disabled,
    Ok,
}

impl Health {
    fn of(d: &DeviceHealth, now: i64, window_ms: i64) -> Self {
        match d.device.last_heard_at {
            _ if !d.device.enabled => Health::Disabled,
            None => Health::Never,
            Some(at) if now - at > window_ms => Health::Silent,
            Some(_) => Health::Ok,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Health::Silent => "silent",
            Health::Never => "never",
            Health::Disabled => "disabled",
            Health::Ok => "ok",
        }
    }

    fn tag(self, ctx: &Ctx) -> Markup {
        let class = match self {
            Health::Silent => "tag tag-overdue",
            Health::Never => "tag tag-warn",
            Health::Disabled => "tag",
            Health::Ok => "tag tag-ok",
        };
        html! { span class=(class) { (ctx.label("device-health", self.code())) } }
    }
}

/// How long a device may be quiet before it counts as silent: the
/// shortest window of the enabled device-silence rules.
async fn silence_window_ms(state: &SensingState) -> PageResult<i64> {
    let hours = state
        .store
        .alert_rules()
        .await?
        .iter()
        .filter(|r| r.enabled && r.kind == "device_silence")
        .filter_map(|r| {
            let params = serde_json::from_str(&r.params).ok()?;
            match RuleKind::from_parts(&r.kind, &params).ok()? {
                RuleKind::DeviceSilence { window_hours } => Some(window_hours),
                _ => None,
            }
        })
        .min()
        .unwrap_or(DEFAULT_SILENCE_HOURS);
    Ok(i64::from(hours) * HOUR_MS)
}

/// `?health=&page=`
#[derive(Debug, Deserialize)]
pub struct DeviceParams {
    pub health: Option<String>,
    pub page: Option<u32>,
}

/// `GET /ops/devices`
pub async fn list(
    State(state): State<SensingState>,
    v: Viewer,
    Query(q): Query<DeviceParams>,
) -> PageResult<Markup> {
    v.user.require_command_centre()?;
    let (ctx, u) = (&v.ctx, &v.user);
    let now = state.clock.now_ms();
    let window = silence_window_ms(&state).await?;
    let devices = state
        .store
        .device_health(&u.scope, state.today_start_ms())
        .await?;
    let mut rows: Vec<(Health, DeviceHealth)> = devices
        .into_iter()
        .map(|d| (Health::of(&d, now, window), d))
        .collect();
    rows.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| a.1.device.code.cmp(&b.1.device.code))
    });
    let count = |h: Health| rows.iter().filter(|(x, _)| *x == h).count();
    let (silent, never, ok) = (
        count(Health::Silent),
        count(Health::Never),
        count(Health::Ok),
    );
    let events_today: i64 = rows.iter().map(|(_, d)| d.events_today).sum();
    let total_devices = rows.len();
    let filter = q.health.as_deref().unwrap_or("");
    let shown: Vec<&(Health, DeviceHealth)> = rows
        .iter()
        .filter(|(h, _)| filter.is_empty() || h.code() == filter)
        .collect();
    let page_no = q.page.unwrap_or(1).max(1);
    let start = (page_no as usize - 1) * PAGE_SIZE;
    let page_rows = shown.iter().skip(start).take(PAGE_SIZE);
    let metrics = &state.ingest.metrics;
    let mqtt = metrics.mqtt();
    // A refused event carries only the device code it named: others see
    // those of their own devices, administrators also those naming no
    // known device.
    let mine: std::collections::HashSet<&str> =
        rows.iter().map(|(_, d)| d.device.code.as_str()).collect();
    let rejected: Vec<_> = state
        .store
        .recent_rejected_door_events(REJECTED_SHOWN * 10)
        .await?
        .into_iter()
        .filter(|r| u.role == Role::Admin || mine.contains(r.device_code.as_str()))
        .take(REJECTED_SHOWN as usize)
        .collect();
    let refused: Vec<(Reason, u64)> = Reason::ALL
        .iter()
        .map(|&r| {
            (
                r,
                Channel::ALL
                    .iter()
                    .map(|&c| metrics.rejected_count(c, r))
                    .sum(),
            )
        })
        .collect();
    let href = |h: &str| format!("/ops/devices?health={h}");
    let figs = [
        (
            ctx.t("devices-total"),
            total_devices.to_string(),
            Some("/ops/devices".to_owned()),
        ),
        (ctx.t("devices-ok"), ok.to_string(), Some(href("ok"))),
        (
            ctx.t("devices-silent"),
            silent.to_string(),
            Some(href("silent")),
        ),
        (
            ctx.t("devices-never"),
            never.to_string(),
            Some(href("never")),
        ),
        (
            ctx.t("devices-events-today"),
            events_today.to_string(),
            None,
        ),
    ];
    let body = html! {
        p.lead { (ctx.t("devices-intro")) }
        (figures(&figs))
        section aria-labelledby="h-ingest" {
            h2 #h-ingest { (ctx.t("devices-ingest")) }
            dl.facts {
                dt { (ctx.t("devices-mqtt")) }
                dd {
                    @let class = match mqtt.state.as_str() { "connected" => "tag tag-ok", "disabled" => "tag", _ => "tag tag-overdue" };
                    span class=(class) { (ctx.label("mqtt-state", &mqtt.state)) }
                    @if !mqtt.broker.is_empty() { " " code { (mqtt.broker) } }
                    " " span.muted { (ctx.t("devices-since")) " " (ctx.time(mqtt.since)) }
                    @if let Some(e) = &mqtt.last_error { br; span.muted.small { (ctx.t("devices-last-error")) " " (e) } }
                }
                dt { (ctx.t("devices-accepted")) }
                dd {
                    "HTTP " (metrics.accepted(Channel::Http)) " · MQTT " (metrics.accepted(Channel::Mqtt))
                    @if metrics.accepted(Channel::Local) > 0 { " · " (ctx.t("devices-simulator")) " " (metrics.accepted(Channel::Local)) }
                }
                dt { (ctx.t("devices-refused")) }
                dd {
                    @for (i, (r, n)) in refused.iter().enumerate() {
                        @if i > 0 { " · " }
                        (ctx.label("reject-reason", r.as_str())) " " strong { (n) }
                    }
                }
            }
            p.muted.small { (ctx.t("devices-since-start")) }
        }
        section aria-labelledby="h-devices" {
            h2 #h-devices {
                (ctx.t("devices-list"))
                @if !filter.is_empty() { " · " (ctx.label("device-health", filter)) " " a.small href="/ops/devices" { (ctx.t("devices-all")) } }
            }
            p.muted.small { (ctx.t_args("devices-window-note", &[("hours", (window / HOUR_MS).into())])) }
            @if shown.is_empty() { (empty(ctx, "devices-none")) } @else {
                div.table-wrap { table.cards {
                    thead { tr {
                        th scope="col" { (ctx.t("devices-code")) }
                        th scope="col" { (ctx.t("devices-place")) }
                        th scope="col" { (ctx.t("devices-last-heard")) }
                        th scope="col" { (ctx.t("devices-today")) }
                        th scope="col" { (ctx.t("devices-health")) }
                    } }
                    tbody { @for (h, d) in page_rows {
                        tr id={ "d-" (d.device.id) } class=[(*h == Health::Silent).then_some("health-silent")] {
                            td data-label=(ctx.t("devices-code")) { code { (d.device.code) } " " span.muted { (ctx.label("device-kind", &d.device.kind)) } }
                            td data-label=(ctx.t("devices-place")) {
                                // The name already says which entrance.
                                a href={ "/places/" (d.device.building_id) } { (d.device.name) }
                            }
                            td data-label=(ctx.t("devices-last-heard")) {
                                @match d.device.last_heard_at { Some(t) => (ctx.time(t)), None => span.muted { (ctx.t("devices-never-heard")) } }
                            }
                            td.num data-label=(ctx.t("devices-today")) { (d.events_today) }
                            td data-label=(ctx.t("devices-health")) { (h.tag(ctx)) }
                        }
                    } }
                } }
                (pager(ctx, "/ops/devices", &[("health", filter.to_owned())], page_no, PAGE_SIZE as u32, shown.len() as i64))
            }
        }
        section aria-labelledby="h-rejected" {
            h2 #h-rejected { (ctx.t("devices-rejected")) }
            @if rejected.is_empty() { (empty(ctx, "devices-rejected-none")) } @else {
                div.table-wrap { table.cards {
                    thead { tr {
                        th scope="col" { (ctx.t("devices-received")) }
                        th scope="col" { (ctx.t("devices-code")) }
                        th scope="col" { (ctx.t("devices-reason")) }
                        th scope="col" { (ctx.t("devices-payload")) }
                    } }
                    tbody { @for r in &rejected { tr {
                        td data-label=(ctx.t("devices-received")) { (ctx.time(r.received_at)) " " span.muted { (r.channel) } }
                        td data-label=(ctx.t("devices-code")) { code { (r.device_code) } }
                        td data-label=(ctx.t("devices-reason")) { (ctx.label("reject-reason", &r.reason)) br; span.muted.small { (r.detail) } }
                        td data-label=(ctx.t("devices-payload")) { code.small { (r.payload) } }
                    } } }
                } }
            }
        }
        p.muted.small { (ctx.t("devices-api-note")) " " a href="/ops/alert-rules" { (ctx.t("rules-title")) } }
    };
    Ok(page(
        ctx,
        Some(u),
        Nav::Operations,
        &ctx.t("devices-title"),
        body,
    ))
}
