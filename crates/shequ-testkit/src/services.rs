//! The services a test needs beyond the process: PostgreSQL, an MQTT
//! broker, schemathesis. One rule for all of them: when the variable that
//! names the service is set (as `scripts/test` sets every one), the suite
//! is meant to have it, and a service that does not answer is a failure
//! saying how to start it. Unset, the test says it is skipped (past the
//! test harness's output capture, once per test binary) and passes.

use std::io::Write;
use std::net::{TcpStream, ToSocketAddrs};
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

/// Says once per test binary and reason that something was skipped, on
/// the real stderr so a plain `cargo test` shows it.
pub fn say_skipped(what: &str) {
    static SAID: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut said = SAID
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if !said.iter().any(|s| s == what) {
        said.push(what.to_owned());
        let _ = writeln!(std::io::stderr(), "{what}");
    }
}

fn set(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|v| !v.is_empty())
}

/// Whether something listens at `url`'s host and port.
fn answers(url: &str, default_port: u16) -> Result<bool, String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
    let host = parsed.host_str().unwrap_or("127.0.0.1").to_owned();
    let port = parsed.port().unwrap_or(default_port);
    let addrs = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}:{port}: {e}"))?;
    Ok(addrs
        .into_iter()
        .any(|a| TcpStream::connect_timeout(&a, Duration::from_secs(2)).is_ok()))
}

/// `SHEQU_TEST_POSTGRES_URL`, checked to answer; `None` when it is unset.
///
/// # Panics
/// When it is set and nothing answers there.
pub fn require_postgres() -> Option<String> {
    let Some(url) = set("SHEQU_TEST_POSTGRES_URL") else {
        say_skipped("SHEQU_TEST_POSTGRES_URL is not set: PostgreSQL skipped, SQLite only");
        return None;
    };
    match answers(&url, 5432) {
        Ok(true) => Some(url),
        Ok(false) => panic!(
            "SHEQU_TEST_POSTGRES_URL={url} is set but no PostgreSQL answers there; \
             start one with `. scripts/services.sh && ensure_postgres` (or unset the variable \
             to run on SQLite only)"
        ),
        Err(e) => panic!("SHEQU_TEST_POSTGRES_URL={url}: {e}"),
    }
}

/// The MQTT broker to test against: `SHEQU_TEST_MQTT_URL`, or when it is
/// unset `mqtt://127.0.0.1:1883` if a broker happens to answer there;
/// `None` (the test is skipped) when it is unset and none does.
///
/// # Panics
/// When `SHEQU_TEST_MQTT_URL` is set and no broker answers there.
pub fn require_mqtt() -> Option<String> {
    let wanted = set("SHEQU_TEST_MQTT_URL");
    let url = wanted
        .clone()
        .unwrap_or_else(|| "mqtt://127.0.0.1:1883".to_owned());
    match answers(&url, 1883) {
        Ok(true) => Some(url),
        Ok(false) | Err(_) if wanted.is_none() => {
            say_skipped(&format!(
                "SHEQU_TEST_MQTT_URL is not set and no MQTT broker answers at {url}: MQTT tests \
                 skipped (start one with `. scripts/services.sh && ensure_mosquitto`)"
            ));
            None
        }
        Ok(false) => panic!(
            "SHEQU_TEST_MQTT_URL={url} is set but no MQTT broker answers there; start one with \
             `. scripts/services.sh && ensure_mosquitto` (or `mosquitto -d`), or unset the \
             variable to skip the MQTT tests"
        ),
        Err(e) => panic!("SHEQU_TEST_MQTT_URL={url}: {e}"),
    }
}

/// schemathesis's `st` program from `SHEQU_TEST_SCHEMATHESIS`, checked to
/// run; `None` when the variable is unset.
///
/// # Panics
/// When it is set and the program does not run.
pub fn require_schemathesis() -> Option<String> {
    let Some(st) = set("SHEQU_TEST_SCHEMATHESIS") else {
        say_skipped(
            "SHEQU_TEST_SCHEMATHESIS is not set: the API fuzzing test is skipped \
             (scripts/test installs schemathesis and sets it)",
        );
        return None;
    };
    let version = Command::new(&st).arg("--version").output();
    assert!(
        version.as_ref().is_ok_and(|o| o.status.success()),
        "SHEQU_TEST_SCHEMATHESIS={st} is set but does not run: {version:?}; install it with \
         `. scripts/services.sh && ensure_schemathesis`"
    );
    Some(st)
}
