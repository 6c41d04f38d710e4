//! Ingest counters and the MQTT connection state, for `/metrics`
//! (Prometheus text format) and the ingest health endpoint.

use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// Where events came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Http,
    Mqtt,
    /// The in-process simulator of `shequ demo`.
    Local,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Http, Channel::Mqtt, Channel::Local];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Http => "http",
            Channel::Mqtt => "mqtt",
            Channel::Local => "local",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Why an event was refused; the code is stable (API replies, metrics,
/// the rejected-events table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Not JSON, or not an event (missing or mistyped fields, a bad time).
    BadJson,
    /// The device named is not registered (or disabled).
    UnknownDevice,
    /// The event names another device than the token or topic it came with.
    WrongDevice,
    /// The event's time is more than five minutes ahead of ours.
    FutureTime,
    /// A resident pass with a card nobody holds.
    UnknownCredential,
}

impl Reason {
    pub const ALL: [Reason; 5] = [
        Reason::BadJson,
        Reason::UnknownDevice,
        Reason::WrongDevice,
        Reason::FutureTime,
        Reason::UnknownCredential,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::BadJson => "bad_json",
            Reason::UnknownDevice => "unknown_device",
            Reason::WrongDevice => "wrong_device",
            Reason::FutureTime => "future_time",
            Reason::UnknownCredential => "unknown_credential",
        }
    }
}

/// The MQTT ingest's connection, as operators see it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct MqttStatus {
    /// `disabled`, `connecting`, `connected` or `disconnected`.
    pub state: String,
    pub broker: String,
    /// Since when it is in this state (epoch ms).
    pub since: i64,
    /// The last connection error, if any.
    pub last_error: Option<String>,
    /// Connections made since start (reconnects included).
    pub connects: u64,
}

/// Counters since start.
#[derive(Debug)]
pub struct Metrics {
    accepted: [AtomicU64; 3],
    duplicates: [AtomicU64; 3],
    rejected: [[AtomicU64; 5]; 3],
    batches: AtomicU64,
    mqtt: Mutex<MqttStatus>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            accepted: Default::default(),
            duplicates: Default::default(),
            rejected: Default::default(),
            batches: AtomicU64::new(0),
            mqtt: Mutex::new(MqttStatus {
                state: "disabled".into(),
                broker: String::new(),
                since: shequ_store::now_ms(),
                last_error: None,
                connects: 0,
            }),
        }
    }
}

impl Metrics {
    pub fn stored(&self, channel: Channel, accepted: u64, duplicates: u64) {
        self.accepted[channel.index()].fetch_add(accepted, Ordering::Relaxed);
        self.duplicates[channel.index()].fetch_add(duplicates, Ordering::Relaxed);
    }

    pub fn rejected(&self, channel: Channel, reason: Reason) {
        self.rejected[channel.index()][reason as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub fn batch_committed(&self) {
        self.batches.fetch_add(1, Ordering::Relaxed);
    }

    /// Events accepted on a channel since start.
    pub fn accepted(&self, channel: Channel) -> u64 {
        self.accepted[channel.index()].load(Ordering::Relaxed)
    }

    /// Events refused on a channel for a reason since start.
    pub fn rejected_count(&self, channel: Channel, reason: Reason) -> u64 {
        self.rejected[channel.index()][reason as usize].load(Ordering::Relaxed)
    }

    /// Records a change of the MQTT connection.
    pub fn set_mqtt(&self, state: &str, broker: &str, error: Option<String>) {
        let mut m = match self.mqtt.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if state == "connected" {
            m.connects += 1;
            // The error was the previous connection's; this one holds.
            m.last_error = None;
        }
        if m.state != state {
            m.state = state.to_owned();
            m.since = shequ_store::now_ms();
        }
        m.broker = broker.to_owned();
        if error.is_some() {
            m.last_error = error;
        }
    }

    pub fn mqtt(&self) -> MqttStatus {
        match self.mqtt.lock() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP shequ_door_events_accepted_total Door events stored, by channel.\n");
        out.push_str("# TYPE shequ_door_events_accepted_total counter\n");
        for c in Channel::ALL {
            let _ = writeln!(
                out,
                "shequ_door_events_accepted_total{{channel=\"{}\"}} {}",
                c.as_str(),
                self.accepted[c.index()].load(Ordering::Relaxed)
            );
        }
        out.push_str(
            "# HELP shequ_door_events_duplicate_total Re-delivered door events counted once, by channel.\n",
        );
        out.push_str("# TYPE shequ_door_events_duplicate_total counter\n");
        for c in Channel::ALL {
            let _ = writeln!(
                out,
                "shequ_door_events_duplicate_total{{channel=\"{}\"}} {}",
                c.as_str(),
                self.duplicates[c.index()].load(Ordering::Relaxed)
            );
        }
        out.push_str(
            "# HELP shequ_door_events_rejected_total Door events refused, by channel and reason.\n",
        );
        out.push_str("# TYPE shequ_door_events_rejected_total counter\n");
        for c in Channel::ALL {
            for r in Reason::ALL {
                let _ = writeln!(
                    out,
                    "shequ_door_events_rejected_total{{channel=\"{}\",reason=\"{}\"}} {}",
                    c.as_str(),
                    r.as_str(),
                    self.rejected[c.index()][r as usize].load(Ordering::Relaxed)
                );
            }
        }
        out.push_str("# HELP shequ_door_batches_total Ingest transactions committed.\n");
        out.push_str("# TYPE shequ_door_batches_total counter\n");
        let _ = writeln!(
            out,
            "shequ_door_batches_total {}",
            self.batches.load(Ordering::Relaxed)
        );
        let mqtt = self.mqtt();
        out.push_str(
            "# HELP shequ_mqtt_connected 1 while the MQTT ingest is connected to its broker.\n",
        );
        out.push_str("# TYPE shequ_mqtt_connected gauge\n");
        let _ = writeln!(
            out,
            "shequ_mqtt_connected {}",
            u8::from(mqtt.state == "connected")
        );
        out.push_str("# HELP shequ_mqtt_state The MQTT ingest's state (1 for the current one).\n");
        out.push_str("# TYPE shequ_mqtt_state gauge\n");
        for s in ["disabled", "connecting", "connected", "disconnected"] {
            let _ = writeln!(
                out,
                "shequ_mqtt_state{{state=\"{s}\"}} {}",
                u8::from(mqtt.state == s)
            );
        }
        out.push_str("# HELP shequ_mqtt_connects_total MQTT connections made since start.\n");
        out.push_str("# TYPE shequ_mqtt_connects_total counter\n");
        let _ = writeln!(out, "shequ_mqtt_connects_total {}", mqtt.connects);
        out
    }
}
