//! End to end in a real browser: the `shequ` binary serves a seeded SQLite
//! street on a random port, and `tests/browser/smoke.mjs` drives Debian's
//! Chromium through it (login, masked list, a refused URL, the language
//! switch, a phone-sized screen, a resident's report taken, resolved and
//! rated through the work-order pages), leaving screenshots in
//! `tests/browser/screenshots/`.
//!
//! Needs `/usr/bin/chromium` and `npm ci --prefix tests/browser`; `.ci/run`
//! installs both. Without them this test fails and says so.

use shequ_testkit::binary::{self as server, Server, seeded_street};
use shequ_testkit::seed;

/// `shequ serve` on a random port over `db_url`; the server and its address.
fn start_server(db_url: &str, workdir: &std::path::Path) -> (Server, String) {
    server::start_server(env!("CARGO_BIN_EXE_shequ"), db_url, workdir)
}

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";

/// One browser flow at a time: each runs a server (one of them a whole
/// demo street on a fast clock) and a Chromium, and side by side on two
/// cores they starved each other past the scripts' waits.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn require_browser_tooling(root: &Path) {
    let mut missing = Vec::new();
    if !Path::new(CHROMIUM).exists() {
        missing.push(format!("{CHROMIUM} (apt-get install -y chromium)"));
    }
    if !root
        .join("tests/browser/node_modules/playwright-core")
        .exists()
    {
        missing.push("tests/browser/node_modules (npm ci --prefix tests/browser)".to_owned());
    }
    if Command::new("node").arg("--version").output().is_err() {
        missing.push("node (apt-get install -y nodejs)".to_owned());
    }
    assert!(
        missing.is_empty(),
        "the browser test needs {}; run .ci/run, which installs them, or install them by hand",
        missing.join(", ")
    );
}

/// `shequ demo` generated into `dir/data` with `password` and `args`,
/// serving on a free port: the server and its address, once it prints it
/// (within `wait`).
fn serve_demo(dir: &Path, password: &str, args: &[&str], wait: Duration) -> (Server, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_shequ"))
        .arg("demo")
        .arg("--data-dir")
        .arg(dir.join("data"))
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .args(["--admin-password", password])
        .current_dir(dir)
        .env("SHEQU_LOG", "warn")
        .env("SHEQU__MQTT_ENABLED", "false")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start shequ demo");
    let stdout = child.stdout.take().expect("demo stdout");
    let server = Server(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("Open:").nth(1) {
                let _ = tx.send(rest.trim().trim_end_matches('/').to_owned());
            }
        }
    });
    let base = rx.recv_timeout(wait).unwrap_or_else(|_| {
        panic!(
            "shequ demo did not print its address within {} s",
            wait.as_secs()
        )
    });
    (server, base)
}

/// Runs a node script to its end (at most `limit`), failing the test when it fails.
fn run_node(mut node: Command, script: &str, limit: Duration) {
    let mut child = node.spawn().expect("run node");
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for node") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{script} did not finish within {} s", limit.as_secs());
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        status.success(),
        "{script} failed ({status}); its output above says which check"
    );
}

/// Serves a fresh demo street (20,000 residents, no simulation) with
/// `password` and runs each browser flow against it in turn, each with
/// its own variables beside the address, the password and the screenshot
/// folder.
fn flows_on_the_demo(password: &str, flows: &[(&str, &[(&str, &str)])]) {
    let _turn = one_at_a_time();
    let root = workspace_root();
    require_browser_tooling(&root);
    let dir = tempfile::tempdir().expect("temp dir");
    let (_server, base) = serve_demo(
        dir.path(),
        password,
        &["--residents", "20000", "--no-simulate"],
        Duration::from_secs(180),
    );
    for (script, vars) in flows {
        let mut node = Command::new("node");
        node.arg(format!("tests/browser/{script}"))
            .current_dir(&root)
            .env("BASE_URL", &base)
            .env("SHEQU_PASSWORD", password)
            .env("SCREENSHOT_DIR", root.join("target/screenshots"));
        for (k, v) in *vars {
            node.env(k, v);
        }
        run_node(node, script, Duration::from_secs(240));
    }
}

/// The command centre and the phone pages (`tests/browser/command.mjs`):
/// a report popped up, accepted and resolved with a photo on a 360-px
/// phone while the command centre's counters, map and feed follow live,
/// then rated; a secretary refused another neighbourhood by URL; every
/// label switched to English. Screenshots go to `target/screenshots/`.
#[test]
fn command_centre_in_chromium() {
    let _turn = one_at_a_time();
    let root = workspace_root();
    require_browser_tooling(&root);
    let (dir, db_url, seeded) = seeded_street();
    let (_server, base) = start_server(&db_url, dir.path());
    let mut node = Command::new("node");
    node.arg("tests/browser/command.mjs")
        .current_dir(&root)
        .env("BASE_URL", &base)
        .env("SHEQU_PASSWORD", seed::PASSWORD)
        .env("ADMIN_USER", "admin")
        .env("WORKER_USER", "grid_a1")
        .env("WORKER_GRID_CODE", "31010401100101")
        .env("SECRETARY_USER", "sec_a")
        .env("OTHER_PERSON_ID", seeded.person_b.to_string())
        .env("OTHER_GRID_CODE", "31010401100201")
        .env("SCREENSHOT_DIR", root.join("target/screenshots"));
    run_node(node, "command.mjs", Duration::from_secs(300));
}

/// Flow (b): `shequ demo` on a small street with its door simulator, whose
/// housebound elderly residents stop passing their doors; with the clock at
/// 7200× the 48-hour rule comes due about 24 s after start, and the command
/// centre shows the alert's order live.
#[test]
fn welfare_alert_in_chromium() {
    let _turn = one_at_a_time();
    let root = workspace_root();
    require_browser_tooling(&root);
    let dir = tempfile::tempdir().expect("temp dir");
    let password = "demo-password-b";
    let (_server, base) = serve_demo(
        dir.path(),
        password,
        &[
            "--residents",
            "2000",
            // Doors must be heard often in platform time, or they count as
            // silent (6 h = 3 s here) and hold their buildings' absences back.
            "--simulate-rate",
            "200",
            "--clock-speed",
            "7200",
        ],
        Duration::from_secs(120),
    );
    let mut node = Command::new("node");
    node.arg("tests/browser/command.mjs")
        .current_dir(&root)
        .env("FLOWS", "b")
        .env("BASE_URL", &base)
        .env("SHEQU_PASSWORD", password)
        .env("ADMIN_USER", "admin")
        .env("SCREENSHOT_DIR", root.join("target/screenshots"));
    run_node(node, "command.mjs (flow b)", Duration::from_secs(180));
}

#[test]
fn smoke_in_chromium() {
    let _turn = one_at_a_time();
    let root = workspace_root();
    require_browser_tooling(&root);
    let (dir, db_url, seeded) = seeded_street();
    let (_server, base) = start_server(&db_url, dir.path());
    let mut node = Command::new("node");
    node.arg("tests/browser/smoke.mjs")
        .current_dir(&root)
        .env("BASE_URL", &base)
        .env("SHEQU_USER", "sec_a")
        .env("SHEQU_PASSWORD", seed::PASSWORD)
        .env("OTHER_PERSON_ID", seeded.person_b.to_string())
        .env("REGION_CODE", "310104011001")
        .env("ADMIN_USER", "admin")
        .env("STREET_CODE", "310104011")
        .env("WORKER_USER", "grid_a1");
    run_node(node, "smoke.mjs", Duration::from_secs(240));
}

/// The party pages (`tests/browser/party.mjs`): a secretary records a
/// double-registered member's service, then a joint meeting's session
/// whose decision becomes a work order; the grid worker resolves it on a
/// phone and the meeting page shows it done, live.
#[test]
fn party_in_chromium() {
    use shequ_domain::party::OrgKind;
    use shequ_store::party::{MeetingMember, NewMeeting, NewPartyMember, NewPartyOrg};
    let _turn = one_at_a_time();
    let root = workspace_root();
    require_browser_tooling(&root);
    let (dir, db_url, seeded) = seeded_street();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (meeting, member, building) = runtime.block_on(async {
        let store = shequ_store::Store::open(&db_url).await.expect("open store");
        let region = |code: &'static str| {
            let store = store.clone();
            async move {
                store
                    .region_by_code(code)
                    .await
                    .expect("region")
                    .expect(code)
                    .region
                    .id
            }
        };
        let nbhd = region("310104011001").await;
        for (code, name, kind, parent, r) in [
            (
                "S",
                "中共田林街道工作委员会",
                OrgKind::StreetWorkingCommittee,
                None,
                region("310104011").await,
            ),
            (
                "NA",
                "中共A居民区总支部委员会",
                OrgKind::NeighbourhoodGeneralBranch,
                Some("S"),
                nbhd,
            ),
            (
                "BA1",
                "A居民区第一党支部",
                OrgKind::Branch,
                Some("NA"),
                nbhd,
            ),
        ] {
            store
                .create_party_org(
                    &NewPartyOrg {
                        code,
                        name,
                        kind,
                        parent,
                        region_id: Some(r),
                        founded_on: None,
                    },
                    "setup",
                    1,
                )
                .await
                .expect("org");
        }
        let joined = chrono::NaiveDate::from_ymd_opt(2012, 7, 1).expect("day");
        store
            .add_party_member(
                seeded.person_a,
                "BA1",
                &NewPartyMember::full(joined),
                joined,
                1,
            )
            .await
            .expect("member");
        store
            .register_for_service(Some(seeded.person_a), None, nbhd, "安全巡逻", joined, 1)
            .await
            .expect("registration");
        let meeting = store
            .create_meeting(
                &NewMeeting {
                    code: "LX-A".into(),
                    name: "A居民区联席会议".into(),
                    region_id: nbhd,
                    convener_org_id: store.party_org("NA").await.expect("q").map(|o| o.id),
                    parent_id: None,
                },
                "setup",
                1,
            )
            .await
            .expect("meeting");
        let na = store.party_org("NA").await.expect("q").expect("NA").id;
        store
            .add_meeting_member(meeting, &MeetingMember::Org(na), "李书记", 1)
            .await
            .expect("member");
        let unit = MeetingMember::Unit {
            name: "A小区物业".into(),
            place_id: None,
        };
        store
            .add_meeting_member(meeting, &unit, "物业经理", 1)
            .await
            .expect("unit");
        let member = store
            .person_in(&shequ_store::Scope::everything(), seeded.person_a)
            .await
            .expect("q")
            .expect("person")
            .name;
        let building = store
            .place_in(&shequ_store::Scope::everything(), seeded.building_a)
            .await
            .expect("q")
            .expect("building")
            .name;
        store.close().await;
        (meeting, member, building)
    });
    let (_server, base) = start_server(&db_url, dir.path());
    let mut node = Command::new("node");
    node.arg("tests/browser/party.mjs")
        .current_dir(&root)
        .env("BASE_URL", &base)
        .env("SHEQU_PASSWORD", seed::PASSWORD)
        .env("SECRETARY_USER", "sec_a")
        .env("WORKER_USER", "grid_a1")
        .env("WORKER_NAME", "赵网格员")
        .env("MEETING_ID", meeting.to_string())
        .env("MEMBER_NAME", member)
        .env("BUILDING_NAME", building)
        .env("SCREENSHOT_DIR", root.join("target/screenshots"));
    run_node(node, "party.mjs", Duration::from_secs(240));
}

/// The 三缘 branches (`tests/browser/branches.mjs`) on a small demo
/// street: the secretary types a paper form (a branch ranked twice
/// refused first), a member sends their own form on a phone through the
/// signed link, the round is closed and its assignment confirmed; then the
/// demo's committee election runs through a void round, the further
/// round, the secretary's and deputy's, its sheet printed to PDF, and the
/// committee seated.
#[test]
fn branches_in_chromium() {
    flows_on_the_demo(
        "demo-password-c",
        &[("branches.mjs", &[("SECRETARY_USER", "sec01")])],
    );
}

/// Regional cooperation (`tests/browser/coop.mjs`): on the demo street a
/// secretary raises a need (a backwards window refused first), confirms
/// its best match as a project, steps it to done and rates it; a
/// registered member signs up for an activity starting now on their own
/// phone link and checks in (twice refused), and the hours stand on their
/// 双报到 record; the year's list shows the need met.
#[test]
fn coop_in_chromium() {
    flows_on_the_demo(
        "demo-password-d",
        &[("coop.mjs", &[("SECRETARY_USER", "sec01")])],
    );
}

/// Assessment (`tests/browser/assess.mjs`): on the demo street a grid
/// worker on a phone appeals an order of this quarter that counts against
/// them (a blank reason refused first); the operator refuses a decision
/// without a reason, accepts the appeal, and the worker's row in the
/// ranking changes; the trail records it; the operator closes the quarter,
/// and the worker's page offers no appeal; the period exports and prints.
#[test]
fn assess_in_chromium() {
    flows_on_the_demo("demo-password-e", &[("assess.mjs", &[])]);
}

/// The street's say over the departments and the 15-minute circle on one
/// demo street: `consult.mjs` — the housing office's overdue round is
/// flagged on the command centre, a department member on a phone attaches
/// papers (a file that is no document refused first), the operator
/// answers (without reasons refused first) and the flag is gone, the
/// department records it did not follow, and its year record and its
/// assessment show it; `circle.mjs` — the street's circle page per type,
/// the buildings outside on the map, where next for k sites with each
/// step's gain, a threshold changed (a bad one refused) and the coverage
/// moving with it, and a grid worker on a phone seeing only their area.
#[test]
fn consult_and_circle_in_chromium() {
    flows_on_the_demo(
        "demo-password-f",
        &[("consult.mjs", &[]), ("circle.mjs", &[])],
    );
}
