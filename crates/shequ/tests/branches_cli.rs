//! `shequ branches assign` and `shequ election tally` as a secretary runs
//! them offline: the files of the formats in, the assignment CSV
//! and the round's JSON out, and every kind of bad input named.

use std::path::Path;
use std::process::{Command, Output};

fn shequ(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shequ"))
        .current_dir(dir)
        .env("SHEQU_LOG", "warn")
        .args(args)
        .output()
        .expect("run shequ")
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write fixture");
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const BRANCHES: &str = "code,name,kind,min,max
TJ,太极拳,趣缘,3,4
SF,书法,interest,3,50
YL,医疗,业缘,3,50
DY,一号楼,地缘,3,50
";

// Five want 太极拳 (room for four); 医疗 needs a third full member, which
// only a second choice can give; four gave no form and go home.
const PREFERENCES: &str = "member,full,home_branch,choice1,choice2,choice3
张一,true,DY,TJ,SF,
张二,true,DY,TJ,SF,
张三,true,DY,TJ,,
张四,true,DY,TJ,YL,
张五,true,DY,TJ,SF,
李一,true,DY,SF,,
李二,true,DY,SF,YL,
李三,false,DY,YL,,
王一,true,DY,YL,,
王二,true,DY,YL,SF,
赵一,true,DY,,,
赵二,true,DY,,,
赵三,true,DY,,,
赵四,false,DY,,,
";

#[test]
fn assignment_places_everyone_within_limits_and_prints_the_rank_counts() {
    let dir = tempfile::tempdir().expect("tmp");
    write(dir.path(), "b.csv", BRANCHES);
    write(dir.path(), "p.csv", PREFERENCES);
    write(dir.path(), "c.csv", "member,branch\n张五,SF\n");
    let out = shequ(
        dir.path(),
        &[
            "branches",
            "assign",
            "--branches",
            "b.csv",
            "--preferences",
            "p.csv",
            "--current",
            "c.csv",
        ],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("member,branch,rank"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 14, "everyone exactly once: {stdout}");
    let in_branch = |b: &str| rows.iter().filter(|r| r[1] == b).count();
    assert!(in_branch("TJ") <= 4, "太极拳 holds four at most: {stdout}");
    let full_in = |b: &str| {
        rows.iter()
            .filter(|r| r[1] == b && !["李三", "赵四"].contains(&r[0]))
            .count()
    };
    for b in ["TJ", "SF", "YL", "DY"] {
        assert!(full_in(b) >= 3, "{b} needs three full members: {stdout}");
    }
    // Eight first choices is the most these limits allow (worked by hand:
    // 医疗 takes a second choice, and so does one of 太极拳's five); the
    // member already in 书法 keeps it rather than someone else moving.
    assert!(
        stderr.contains("first choice 8, second 2, third 0, home 4, moved 0"),
        "{stderr}"
    );
    assert!(rows.contains(&vec!["张五", "SF", "2"]), "{stdout}");
    for m in ["赵一", "赵二", "赵三", "赵四"] {
        assert!(rows.contains(&vec![m, "DY", "home"]), "{m}: {stdout}");
    }
}

#[test]
fn bad_rows_are_named_by_line_and_field_and_nothing_is_assigned() {
    let dir = tempfile::tempdir().expect("tmp");
    write(
        dir.path(),
        "bad_b.csv",
        "code,name,kind,min,max\nTJ,太极拳,趣缘,3,50\nSF,书法,趣缘,6,4\nXX,x,兴趣,3,5\n",
    );
    write(dir.path(), "p.csv", PREFERENCES);
    let out = shequ(
        dir.path(),
        &[
            "branches",
            "assign",
            "--branches",
            "bad_b.csv",
            "--preferences",
            "p.csv",
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty(), "no partial answer");
    assert!(
        stderr.contains("bad_b.csv line 3, max:")
            && stderr.contains("minimum (6) is above its maximum (4)"),
        "{stderr}"
    );
    assert!(stderr.contains("bad_b.csv line 4, kind:"), "{stderr}");

    write(dir.path(), "b.csv", BRANCHES);
    write(
        dir.path(),
        "bad_p.csv",
        "member,full,home_branch,choice1,choice2,choice3\n张一,true,DY,TJ,TJ,\n张二,true,DY,QQ,,\n张三,maybe,DY,TJ,,\n",
    );
    let out = shequ(
        dir.path(),
        &[
            "branches",
            "assign",
            "--branches",
            "b.csv",
            "--preferences",
            "bad_p.csv",
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("bad_p.csv line 2, choice2:") && stderr.contains("twice"),
        "the same branch twice: {stderr}"
    );
    assert!(
        stderr.contains("bad_p.csv line 3, choice1:")
            && stderr.contains("\"QQ\", which is not on offer"),
        "an unknown branch: {stderr}"
    );
    assert!(stderr.contains("bad_p.csv line 4, full:"), "{stderr}");
}

#[test]
fn limits_no_assignment_can_meet_name_the_branch_and_why() {
    let dir = tempfile::tempdir().expect("tmp");
    write(
        dir.path(),
        "b.csv",
        "code,name,kind,min,max\nTJ,太极拳,趣缘,3,50\nDY,一号楼,地缘,3,50\n",
    );
    // Three ranked 太极拳, but one is probationary.
    write(
        dir.path(),
        "p.csv",
        "member,full,home_branch,choice1,choice2,choice3\n张一,true,DY,TJ,,\n张二,true,DY,TJ,,\n张三,false,DY,TJ,,\n赵一,true,DY,,,\n赵二,true,DY,,,\n赵三,true,DY,,,\n",
    );
    let out = shequ(
        dir.path(),
        &[
            "branches",
            "assign",
            "--branches",
            "b.csv",
            "--preferences",
            "p.csv",
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty(), "never a partial answer");
    assert!(
        stderr.contains("趣缘·太极拳: only 2 full members ranked it; the minimum is 3 — merge it"),
        "{stderr}"
    );
}

const BALLOTS: &str = "张一,张二,张三
张一，张二
张一、李四

张一,张二,张三,王五
张二,张三
张一,张二
张三,张一
张二,张一,张一
";

fn tally(dir: &Path, args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let mut all = vec!["election", "tally"];
    all.extend_from_slice(args);
    let out = shequ(dir, &all);
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code(), json, text(&out.stderr))
}

#[test]
fn a_round_elects_by_more_than_half_and_leaves_a_further_round_for_the_rest() {
    let dir = tempfile::tempdir().expect("tmp");
    write(dir.path(), "ballots.txt", BALLOTS);
    let (code, r, err) = tally(
        dir.path(),
        &[
            "--seats",
            "3",
            "--entitled",
            "10",
            "--present",
            "9",
            "--issued",
            "9",
            "ballots.txt",
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        r["valid"], true,
        "nine of ten is more than four fifths: {r}"
    );
    // More than half of 9 present is 5.
    assert_eq!(r["threshold"], 5);
    // The four-name ballot is invalid; a name twice on one ballot counts
    // once; the empty line is a blank ballot.
    assert_eq!(
        (r["invalid"].as_u64(), r["blank"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(r["counts"]["张一"], 6);
    assert_eq!(r["counts"]["张二"], 5);
    assert_eq!(r["counts"]["张三"], 3);
    assert_eq!(r["elected"], serde_json::json!(["张一", "张二"]));
    assert_eq!(r["seats_left"], 1);
    // One seat left: at least 20% more candidates, rounded up, so two.
    assert_eq!(r["runoff_among"], serde_json::json!(["张三", "李四"]));
}

#[test]
fn exactly_four_fifths_present_is_no_quorum_and_over_issued_ballots_void_the_round() {
    let dir = tempfile::tempdir().expect("tmp");
    write(dir.path(), "ballots.txt", BALLOTS);
    let (code, r, err) = tally(
        dir.path(),
        &[
            "--seats",
            "3",
            "--entitled",
            "10",
            "--present",
            "8",
            "--issued",
            "8",
            "ballots.txt",
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(r["valid"], false, "{r}");
    assert!(
        r["reason"].as_str().unwrap_or("").contains("four fifths"),
        "{r}"
    );
    assert_eq!(r["elected"], serde_json::json!([]));

    // Nine ballots back, eight issued.
    let (_, r, _) = tally(
        dir.path(),
        &[
            "--seats",
            "3",
            "--entitled",
            "10",
            "--present",
            "9",
            "--issued",
            "8",
            "ballots.txt",
        ],
    );
    assert_eq!(r["valid"], false, "{r}");
    assert!(r["reason"].as_str().unwrap_or("").contains("issued"), "{r}");
}

#[test]
fn an_ineligible_name_is_not_counted_and_no_ballots_is_an_error() {
    let dir = tempfile::tempdir().expect("tmp");
    write(dir.path(), "ballots.txt", BALLOTS);
    write(dir.path(), "eligible.txt", "张一\n张二\n张三\n");
    let (code, r, err) = tally(
        dir.path(),
        &[
            "--seats",
            "3",
            "--entitled",
            "10",
            "--present",
            "9",
            "--issued",
            "9",
            "--eligible",
            "eligible.txt",
            "ballots.txt",
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(r["not_counted"]["李四"], 1, "{r}");
    assert!(r["counts"].get("李四").is_none(), "{r}");
    // The rest of 李四's ballot stands.
    assert_eq!(r["counts"]["张一"], 6);

    write(dir.path(), "empty.txt", "");
    let (code, _, err) = tally(
        dir.path(),
        &[
            "--seats",
            "3",
            "--entitled",
            "10",
            "--present",
            "9",
            "--issued",
            "9",
            "empty.txt",
        ],
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("no ballots"), "{err}");

    let (code, _, err) = tally(
        dir.path(),
        &[
            "--seats",
            "3",
            "--entitled",
            "10",
            "--present",
            "11",
            "--issued",
            "9",
            "ballots.txt",
        ],
    );
    assert_eq!(code, Some(2), "present above entitled: {err}");
}
