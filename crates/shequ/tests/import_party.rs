//! `shequ import orgs` and `shequ import members`: the party organisation
//! tree and its members, against SQLite always and PostgreSQL when
//! `SHEQU_TEST_POSTGRES_URL` is set. Every bad row is named by its line
//! and field while the good rows land.

mod support;

use shequ::import::{ImportKind, RowError};
use shequ_domain::IdentityNumber;
use shequ_store::UpsertCounts;
use support::{backends, fixture};

fn counts(inserted: u64, updated: u64, unchanged: u64) -> UpsertCounts {
    UpsertCounts {
        inserted,
        updated,
        unchanged,
    }
}

fn where_(errors: &[RowError]) -> Vec<(u64, &'static str)> {
    errors.iter().map(|e| (e.line, e.field)).collect()
}

fn reason(errors: &[RowError], line: u64) -> &str {
    errors
        .iter()
        .find(|e| e.line == line)
        .map_or("", |e| e.reason.as_str())
}

/// A tree with a child before its parent and one fault of each kind.
const ORGS: &str = "\
code,name,kind,parent,region,founded_on
S,田林街道党工委,街道党工委,,310104011,2000-07-01
G1,第一党小组,党小组,B1,,
N1,田林一村居民区党总支,党总支,S,310104011001,
B1,田林一村第一党支部,branch,N1,,2001/7/1
B2,第二党支部,党支部,N9,,
A,甲党总支,neighbourhood_general_branch,C,,
BA,甲支部,branch,A,,
C,甲小组,group,BA,,
B1,重复的支部,branch,N1,,
B3,第二党小组,党小组,B2,,
N2,田林二村居民区党总支,党总支,S,310104011002,2020-13-01
B4,二村党支部,branch,N2,,
M1,商务楼宇党委,委员会,S,,
J1,联合党支部,联合党支部,S,NOPE,
";

#[tokio::test]
async fn the_org_tree_lands_parents_first_and_each_bad_row_is_named() {
    for db in backends().await {
        let l = db.label;
        db.seed_street().await;
        let file = db.write("orgs.csv", ORGS);
        let report = db.import(ImportKind::Orgs, &file).await;
        assert_eq!(report.rows_read, 14, "{l}");
        assert_eq!(report.counts, counts(4, 0, 0), "{l}: {:?}", report.errors);
        assert_eq!(
            where_(&report.errors),
            [
                (6, "parent"),
                (7, "kind"),
                (8, "parent"),
                (9, "parent"),
                (10, "code"),
                (11, "parent"),
                (12, "founded_on"),
                (13, "parent"),
                (14, "kind"),
                (15, "region"),
            ],
            "{l}: {:?}",
            report.errors
        );
        assert_eq!(report.failed, 10, "{l}");
        let e = &report.errors;
        assert!(reason(e, 6).contains("\"N9\""), "{l}: {}", reason(e, 6));
        assert!(
            reason(e, 8).contains("BA → A → C → BA"),
            "{l}: the cycle's path: {}",
            reason(e, 8)
        );
        assert!(reason(e, 10).contains("line 5"), "{l}: {}", reason(e, 10));
        assert!(
            reason(e, 11).contains("B2 was refused on line 6"),
            "{l}: {}",
            reason(e, 11)
        );
        assert!(
            reason(e, 13).contains("N2 was refused on line 12"),
            "{l}: {}",
            reason(e, 13)
        );

        let s = &db.store;
        let tree = s.party_tree().await.expect("tree");
        assert!(
            tree.is_within("G1", "S"),
            "{l}: the child listed first landed"
        );
        let n1 = s.party_org("N1").await.expect("read").expect("N1");
        assert_eq!(n1.kind, "neighbourhood_general_branch", "{l}");
        assert!(n1.region_id.is_some(), "{l}");
        let b1 = s.party_org("B1").await.expect("read").expect("B1");
        assert_eq!(
            (b1.name.as_str(), b1.founded_on.as_deref()),
            ("田林一村第一党支部", Some("2001-07-01")),
            "{l}: the first row of a code stands"
        );
        for absent in ["B2", "A", "BA", "C", "B3", "N2", "B4", "M1", "J1"] {
            assert!(
                s.party_org(absent).await.expect("read").is_none(),
                "{l}: {absent}"
            );
        }

        // Again, with one name changed and one parent that is stored now.
        let again = ORGS
            .replace("田林一村第一党支部", "田林一村第一支部")
            .replace(",N9,", ",N1,");
        let file = db.write("orgs2.csv", &again);
        let report = db.import(ImportKind::Orgs, &file).await;
        assert_eq!(report.counts, counts(2, 1, 3), "{l}: {:?}", report.errors);
        assert!(
            s.party_tree().await.expect("tree").is_within("B3", "N1"),
            "{l}: B2 and the B3 under it landed"
        );
        let moved = db.write(
            "orgs3.csv",
            "code,name,kind,parent\nB1,田林一村第一支部,branch,S\n",
        );
        let report = db.import(ImportKind::Orgs, &moved).await;
        assert_eq!(where_(&report.errors), [(2, "parent")], "{l}");
        assert!(reason(&report.errors, 2).contains("cannot move"), "{l}");
        db.cleanup().await;
    }
}

fn stranger() -> String {
    IdentityNumber::from_body("31010419900101123")
        .expect("valid body")
        .expose()
        .to_owned()
}

#[tokio::test]
async fn members_are_found_in_the_registry_and_bad_rows_are_named() {
    for db in backends().await {
        let l = db.label;
        db.seed_street().await;
        let people = db
            .import(ImportKind::People, &fixture("people_zh.csv"))
            .await;
        assert_eq!(people.failed, 0, "{l}");
        let orgs = db.write(
            "orgs.csv",
            "code,name,kind,parent\nS,街道党工委,街道党工委,\nN1,党总支,党总支,S\nB1,第一支部,党支部,N1\nB2,第二支部,党支部,N1\n",
        );
        assert_eq!(db.import(ImportKind::Orgs, &orgs).await.failed, 0, "{l}");

        let members = format!(
            "身份证号,所在党组织编码,入党日期,预备期满日期,转正日期,工作单位,流动党员
310104194001010019,B1,1965-07-01,,,田林街道,否
31010419450315002X,B1,2025-07-01,2026-07-01,,徐汇商务大厦,是
310104196011200034,N1,1990-01-01,,1989-01-01,,
{},B1,2000-01-01,,,,
310104197507080042,S,2000-01-01,,,,
310104198812310056,B2,2010-01-01,2009-05-01,,,
310104198812310056,B2,2010-01-01,,,,
310104201006050063,B9,2030-01-01,,,,
310104201006050063,B2,2024-01-01,,,,maybe
",
            stranger()
        );
        let file = db.write("members.csv", &members);
        let report = db.import(ImportKind::Members, &file).await;
        assert_eq!(report.counts, counts(2, 0, 0), "{l}: {:?}", report.errors);
        assert_eq!(
            where_(&report.errors),
            [
                (4, "converted_on"),
                (5, "identity_number"),
                (6, "org"),
                (7, "probation_end"),
                (8, "identity_number"),
                (9, "org"),
                (10, "mobile"),
                (10, "identity_number"),
            ],
            "{l}: {:?}",
            report.errors
        );
        let e = &report.errors;
        assert!(
            reason(e, 5).contains("not in the registry; import them as people first"),
            "{l}: {}",
            reason(e, 5)
        );
        assert!(reason(e, 6).contains("only through its branches"), "{l}");
        assert!(reason(e, 8).contains("line 7"), "{l}: {}", reason(e, 8));

        let s = &db.store;
        let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("day");
        assert_eq!(
            s.party_members_on("B1", day).await.expect("B1").len(),
            2,
            "{l}"
        );
        let working = s.members_working_at("徐汇商务大厦").await.expect("unit");
        assert_eq!(working.len(), 1, "{l}");
        let m = s
            .party_member(working[0].0)
            .await
            .expect("read")
            .expect("member");
        assert_eq!(
            (m.probation_end.as_deref(), m.mobile),
            (Some("2026-07-01"), true),
            "{l}: probationary and mobile"
        );

        // The same members again change nothing; one of them in another
        // organisation is refused: a member belongs to one at a time.
        let report = db.import(ImportKind::Members, &file).await;
        assert_eq!(report.counts, counts(0, 0, 2), "{l}: {:?}", report.errors);
        let elsewhere = db.write(
            "elsewhere.csv",
            "identity_number,org,joined_on,converted_on\n310104194001010019,B2,1965-07-01,\n31010419450315002X,B1,2025-07-01,2026-07-02\n",
        );
        let report = db.import(ImportKind::Members, &elsewhere).await;
        assert_eq!(
            report.counts,
            counts(0, 1, 0),
            "{l}: the conversion is recorded"
        );
        assert_eq!(where_(&report.errors), [(2, "identity_number")], "{l}");
        assert!(
            reason(&report.errors, 2).contains("member of B1 already"),
            "{l}: {}",
            reason(&report.errors, 2)
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn the_binary_imports_orgs_and_members_with_the_usual_exit_status() {
    for db in backends().await {
        let l = db.label;
        for (kind, file) in [
            ("regions", "regions.csv"),
            ("places", "places.csv"),
            ("people", "people_zh.csv"),
        ] {
            let out = db.run_import(kind, &fixture(file), &[]).await;
            assert!(
                out.status.success(),
                "{l}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let orgs = db.write("orgs.csv", ORGS);
        let out = db.run_import("orgs", &orgs, &[]).await;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{l}: {stderr}");
        assert!(
            stdout.contains(
                "imported orgs: 14 rows read, 4 inserted, 0 updated, 0 unchanged, 10 failed"
            ),
            "{l}: {stdout}"
        );
        assert!(stderr.contains("line 6, field parent:"), "{l}: {stderr}");
        let members = db.write(
            "members.csv",
            "identity_number,org,joined_on\n310104194001010019,B1,1965-07-01\n",
        );
        let out = db.run_import("members", &members, &[]).await;
        assert_eq!(
            out.status.code(),
            Some(0),
            "{l}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout)
                .contains("imported members: 1 rows read, 1 inserted"),
            "{l}"
        );
        db.cleanup().await;
    }
}

/// Speed figure, not a test of correctness: run with
/// `cargo test --release -p shequ --test import_party -- --ignored --nocapture`
/// (`SHEQU_BENCH_MEMBERS` sets the number of members, default 100,000).
// Two worker threads, like the binary's runtime on this two-core machine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measures import speed; run in release with --nocapture"]
async fn measure_members_import_speed() {
    use std::fmt::Write as _;
    let rows: usize = std::env::var("SHEQU_BENCH_MEMBERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    for db in backends().await {
        let generated = support::generate_street(db.dir.path(), 1_000, rows).expect("generate");
        for (kind, file) in [
            (ImportKind::Regions, &generated.regions),
            (ImportKind::Places, &generated.places),
            (ImportKind::People, &generated.people),
        ] {
            let r = db.import(kind, file).await;
            assert_eq!(r.failed, 0, "{:?}", r.errors);
        }
        let mut orgs =
            String::from("code,name,kind,parent,region\nS,街道党工委,街道党工委,,310104011\n");
        let mut branches = Vec::new();
        for n in 1..=20 {
            let _ = writeln!(orgs, "N{n},第{n}居民区党总支,党总支,S,310104011{n:03}");
            for b in 1..=3 {
                let _ = writeln!(orgs, "N{n}B{b},第{n}居民区第{b}党支部,党支部,N{n},");
                branches.push(format!("N{n}B{b}"));
            }
        }
        let o = db
            .import(ImportKind::Orgs, &db.write("orgs.csv", &orgs))
            .await;
        assert_eq!((o.counts.inserted, o.failed), (81, 0), "{:?}", o.errors);
        let people = std::fs::read_to_string(&generated.people).expect("people file");
        let mut members =
            String::from("identity_number,org,joined_on,probation_end,converted_on,unit,mobile\n");
        for (i, line) in people.lines().skip(1).enumerate() {
            let id = line.split(',').next().expect("identity number");
            let org = &branches[i % branches.len()];
            let _ = match i % 10 {
                0 => writeln!(members, "{id},{org},2025-07-01,2026-07-01,,,否"),
                1 => writeln!(members, "{id},{org},2001-07-01,,2002-07-01,徐汇商务大厦,是"),
                _ => writeln!(members, "{id},{org},1990-07-01,,,田林街道,"),
            };
        }
        let file = db.write("members.csv", &members);
        let first = db.import(ImportKind::Members, &file).await;
        assert_eq!(first.failed, 0, "{:?}", first.errors);
        assert_eq!(first.counts.inserted as usize, rows);
        let again = db.import(ImportKind::Members, &file).await;
        assert_eq!(again.counts.unchanged as usize, rows);
        println!("{}: first import  {first}", db.label);
        println!("{}: re-import     {again}", db.label);
        db.cleanup().await;
    }
}
