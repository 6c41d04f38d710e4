//! Runtime settings: one struct, loaded once by the binary (defaults →
//! `shequ.toml` → `SHEQU__…` environment → flags) and passed in state.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

/// Everything the server needs to know at start.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `sqlite://PATH` or `postgres://USER:PASSWORD@HOST/DB`.
    pub database_url: String,
    /// Address the web server listens on.
    pub listen: SocketAddr,
    /// Time zone in which times are shown and SLA clocks count.
    pub timezone: String,
    /// Language of pages when the visitor has not chosen one (`zh-CN` or `en`).
    pub default_language: String,
    /// How long a browser session lasts without use, in hours.
    pub session_hours: u32,
    /// How long a bearer token from `/api/v1/auth/login` lasts, in hours.
    pub bearer_token_hours: u32,
    /// Mark cookies `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    /// Failed logins tolerated within `login_window_minutes` before further
    /// attempts are refused, counted per client address and per account
    /// for devices new to the account, and per device for browsers and
    /// clients that have logged in to it before (a signed device cookie),
    /// which the account's lock does not shut out.
    pub login_max_failures: u32,
    pub login_window_minutes: u32,
    /// The address residents and workers reach the server at; used in the
    /// links of SMS messages.
    pub public_url: String,
    /// Public reports accepted per client address per hour.
    pub public_reports_per_hour: u32,
    /// Reverse proxies (addresses or CIDR blocks) whose forwarded client
    /// address is believed; empty: the connecting peer is the client.
    pub trusted_proxies: Vec<String>,
    /// The header those proxies write: `x-forwarded-for` or `forwarded`.
    pub forwarded_header: String,
    /// Largest photo accepted with an order, in bytes (then 413).
    pub max_photo_bytes: u32,
    /// HTTP endpoint of the SMS gateway; messages wait in the outbox and
    /// are dead-lettered with a clear reason when it is not set.
    pub sms_webhook_url: Option<String>,
    /// Sent to the gateway as `Authorization: Bearer <key>`.
    pub sms_webhook_key: Option<Secret>,
    /// Attempts before an SMS is dead-lettered.
    pub sms_max_attempts: u32,
    /// How often the SMS worker looks for messages due for a retry, in
    /// seconds (new messages wake it at once).
    pub sms_poll_seconds: u32,
    /// How often the SLA worker looks for overdue and long-resolved
    /// orders, in seconds.
    pub sla_tick_seconds: u32,
    /// Resolved orders the reporter has not rated close after this many days.
    pub auto_close_days: u32,
    /// SMS to the owner of a new order. Placeholders: {id} {category}
    /// {address} {title} {accept_due} {url}.
    pub sms_template_new_order: String,
    /// SMS to a supervisor when an order is escalated (督办).
    pub sms_template_escalated: String,
    /// SMS to the reporter when their order is resolved, with the rating link.
    pub sms_template_resolved: String,
    /// Take door events from an MQTT broker.
    pub mqtt_enabled: bool,
    /// The broker, `mqtt://HOST:PORT`.
    pub mqtt_url: String,
    /// The street whose topics to take (`shequ/<street>/door/<device>`).
    /// Empty (the default): every street in this installation's registry,
    /// so that a server never takes another installation's messages; `+`
    /// takes every street's on the broker.
    pub mqtt_street_code: String,
    /// MQTT client id; connection n adds `-n`. Empty (the default): made
    /// from this installation's key (kept in its database) and, on
    /// PostgreSQL, the instance (see `instance_name`), so it is unique on
    /// a shared broker and the same after a restart.
    pub mqtt_client_id: String,
    /// The MQTT shared-subscription group (`$share/<group>/…`): servers in
    /// one group split one street's messages between them.
    pub mqtt_share_group: String,
    /// Names this server among several sharing one database (PostgreSQL):
    /// it must differ between them and stay the same across restarts.
    /// Empty: `<hostname>-<listen port>`. Set it where hostnames change
    /// with each start (containers).
    pub instance_name: String,
    /// Connections this process opens to share the subscription.
    pub mqtt_connections: u32,
    /// Raw door events are kept this many days (daily counts stay).
    pub sensing_retention_days: u32,
    /// Refused door events are kept this many days.
    pub rejected_retention_days: u32,
    /// How many times faster than real time the platform's clock runs (1 in
    /// production). Demonstrations and end-to-end tests set it higher so a
    /// 48-hour welfare rule or an SLA deadline comes due in seconds. Logins
    /// and sessions always use real time.
    pub clock_speed: f64,
}

/// A secret setting: printed as `***` in debug output and logs.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: "sqlite://shequ-data/shequ.db".to_owned(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            timezone: "Asia/Shanghai".to_owned(),
            default_language: "zh-CN".to_owned(),
            session_hours: 12,
            bearer_token_hours: 24,
            secure_cookies: false,
            login_max_failures: 5,
            login_window_minutes: 15,
            public_url: "http://127.0.0.1:8080".to_owned(),
            public_reports_per_hour: 10,
            trusted_proxies: Vec::new(),
            forwarded_header: "x-forwarded-for".to_owned(),
            max_photo_bytes: 5 * 1024 * 1024,
            sms_webhook_url: None,
            sms_webhook_key: None,
            sms_max_attempts: 6,
            sms_poll_seconds: 5,
            sla_tick_seconds: 10,
            auto_close_days: 7,
            sms_template_new_order:
                "【社区工单】新工单{id}：{category}，{address}。请于{accept_due}前受理：{url}"
                    .to_owned(),
            sms_template_escalated:
                "【社区工单】督办：工单{id}（{category}，{address}）已超时，请跟进：{url}"
                    .to_owned(),
            sms_template_resolved: "【社区工单】您反映的问题（工单{id}）已办结，请评价：{url}"
                .to_owned(),
            mqtt_enabled: true,
            mqtt_url: "mqtt://127.0.0.1:1883".to_owned(),
            mqtt_street_code: String::new(),
            mqtt_client_id: String::new(),
            mqtt_share_group: "shequ".to_owned(),
            instance_name: String::new(),
            mqtt_connections: 2,
            sensing_retention_days: 30,
            rejected_retention_days: 7,
            clock_speed: 1.0,
        }
    }
}

impl Settings {
    /// A commented `shequ.toml` with every setting at its default.
    pub fn example_toml() -> String {
        let d = Settings::default();
        format!(
            r#"# shequ configuration. Every setting may also be given in the environment
# as SHEQU__<NAME> (for example SHEQU__DATABASE_URL), which wins over this file;
# command-line flags win over both.

# sqlite://PATH (embedded, created if missing) or postgres://USER:PASSWORD@HOST/DB
database_url = "{db}"

# Address the web server listens on.
listen = "{listen}"

# Time zone in which times are shown and SLA clocks count.
timezone = "{tz}"

# Page language when the visitor has not chosen one: "zh-CN" or "en".
default_language = "{lang}"

# Browser sessions end after this many hours; bearer tokens after this many.
session_hours = {sh}
bearer_token_hours = {bh}

# Set to true when shequ is served over HTTPS, so cookies are marked Secure.
secure_cookies = {sc}

# After this many failed logins within the window, further attempts are
# refused for a while (30 s, doubling each time up to an hour). Counted per
# client address, and per account for devices that have not logged in to it
# before. A browser or API client that has logged in to the account before
# carries a signed device cookie: it is counted on its own and is not shut
# out when someone else's guesses lock the account. The signing key is made
# on first start and kept in the database (table server_secrets); delete
# that row to make every device unknown again.
login_max_failures = {mf}
login_window_minutes = {lw}

# Where residents and workers reach this server; used in SMS links.
public_url = "{pu}"

# Public reports accepted per client address per hour (then 429).
public_reports_per_hour = {prh}

# Behind a reverse proxy every request comes from the proxy's address, so
# all residents would share one report cap and one login limit, and the
# access log would name the proxy. List the proxies here (addresses or CIDR
# blocks, e.g. ["127.0.0.1", "10.0.0.0/8"]): for a request whose connecting
# peer is one of them, the client is the rightmost address in the header
# below that is not itself a listed proxy. Requests from anyone else are
# taken at their connecting address, whatever headers they send. Name the
# one header your proxies write ("x-forwarded-for", or "forwarded" for
# RFC 7239): a proxy passes the other through from the client untouched.
trusted_proxies = {tp:?}
forwarded_header = "{fh}"

# Largest photo (JPEG, PNG or WebP) accepted with an order, in bytes.
max_photo_bytes = {mpb}

# SMS gateway: an HTTP endpoint that receives a POST of JSON
# {{"to": "13800000000", "text": "...", "id": 42}} with "Authorization: Bearer <key>"
# and answers 2xx when it has taken the message. "id" (also sent as the
# Idempotency-Key header) is the same on every retry of one message: delivery
# is at least once, so a gateway that remembers ids can drop repeats.
# Failures are retried with growing delays (30 s, 1 min, 2 min … at most 1 h)
# and dead-lettered after sms_max_attempts; operators see and requeue them.
# Without a gateway, messages are dead-lettered at once with that reason.
# sms_webhook_url = "https://sms.example.gov.cn/send"
# sms_webhook_key = "..."
sms_max_attempts = {sma}

# How often (seconds) the SMS worker looks for retries that are due.
sms_poll_seconds = {sps}

# How often (seconds) the SLA worker escalates overdue orders (督办) and
# closes resolved orders left unrated for auto_close_days days.
sla_tick_seconds = {sts}
auto_close_days = {acd}

# SMS texts. Placeholders: {{id}} {{category}} {{address}} {{title}} {{accept_due}} {{url}}
sms_template_new_order = "{t1}"
sms_template_escalated = "{t2}"
sms_template_resolved = "{t3}"

# Door events over MQTT: shequ subscribes (QoS 1, shared subscription
# $share/<mqtt_share_group>/...) to shequ/<street>/door/<device> on this
# broker, and reconnects with growing delays when it is down.
# mqtt_street_code: empty takes the streets in this installation's
# registry; a code takes that street; "+" every street on the broker.
# mqtt_client_id: empty makes one from this installation's key (kept in
# its database) and, on PostgreSQL, instance_name; connection n adds "-n".
# Servers sharing one database set instance_name apart (default:
# <hostname>-<listen port>) and split the messages in their share group.
mqtt_enabled = {me}
mqtt_url = "{mu}"
mqtt_street_code = "{ms}"
mqtt_client_id = "{mc}"
mqtt_share_group = "{mg}"
instance_name = "{inst}"
mqtt_connections = {mn}

# Raw door events are pruned after this many days (daily counts stay);
# refused events after rejected_retention_days.
sensing_retention_days = {srd}
rejected_retention_days = {rrd}

# Demonstrations only: the platform's clock runs this many times faster than
# real time (deadlines, welfare rules); 1 in production.
clock_speed = {cs:?}
"#,
            cs = d.clock_speed,
            db = d.database_url,
            listen = d.listen,
            tz = d.timezone,
            lang = d.default_language,
            sh = d.session_hours,
            bh = d.bearer_token_hours,
            sc = d.secure_cookies,
            mf = d.login_max_failures,
            lw = d.login_window_minutes,
            pu = d.public_url,
            prh = d.public_reports_per_hour,
            tp = d.trusted_proxies,
            fh = d.forwarded_header,
            mpb = d.max_photo_bytes,
            sma = d.sms_max_attempts,
            sps = d.sms_poll_seconds,
            sts = d.sla_tick_seconds,
            acd = d.auto_close_days,
            t1 = d.sms_template_new_order,
            t2 = d.sms_template_escalated,
            t3 = d.sms_template_resolved,
            me = d.mqtt_enabled,
            mu = d.mqtt_url,
            ms = d.mqtt_street_code,
            mc = d.mqtt_client_id,
            mg = d.mqtt_share_group,
            inst = d.instance_name,
            mn = d.mqtt_connections,
            srd = d.sensing_retention_days,
            rrd = d.rejected_retention_days,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_config_parses_back_to_the_defaults() {
        let parsed: Settings = toml_like_parse(&Settings::example_toml());
        assert_eq!(
            serde_json::to_value(parsed).expect("json"),
            serde_json::to_value(Settings::default()).expect("json")
        );
    }

    // The binary parses TOML with figment; here a tiny reader of the
    // `key = value` lines is enough to prove the example is complete.
    fn toml_like_parse(text: &str) -> Settings {
        let mut map = serde_json::Map::new();
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let (k, v) = line.split_once('=').expect("key = value");
            let v = v.trim();
            let value = if let Some(s) = v.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
                serde_json::Value::String(s.to_owned())
            } else {
                serde_json::from_str(v).expect("number or bool")
            };
            map.insert(k.trim().to_owned(), value);
        }
        serde_json::from_value(serde_json::Value::Object(map)).expect("settings")
    }
}
