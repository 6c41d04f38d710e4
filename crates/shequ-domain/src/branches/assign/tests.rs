use proptest::prelude::*;

use super::*;

fn branch(code: &str, kind: BranchKind, min: u32, max: u32) -> Branch {
    Branch::new(code, &format!("{code}组"), kind, min, max).expect("must succeed")
}

fn pref(member: &str, full: bool, home: Option<&str>, choices: &[&str]) -> Preference {
    Preference {
        member: member.into(),
        full,
        home: home.map(Into::into),
        choices: choices.iter().map(|c| (*c).into()).collect(),
        current: None,
    }
}

fn branch_of<'a>(a: &'a Assignment, m: &str) -> (&'a str, Placement) {
    let p = a
        .placed
        .iter()
        .find(|p| p.member == m)
        .expect("must succeed");
    (p.branch.as_str(), p.placement)
}

#[test]
fn a_full_branch_sends_the_member_who_loses_least_to_their_second_choice() {
    // Q holds 3: four want it first. The one whose second choice is
    // free goes there; the one with only Q ranked keeps it.
    let bs = [
        branch("Q", BranchKind::Interest, 3, 3),
        branch("R", BranchKind::Interest, 3, 10),
        branch("H", BranchKind::Location, 3, 10),
    ];
    let mut ps = vec![
        pref("a", true, Some("H"), &["Q"]),
        pref("b", true, Some("H"), &["Q"]),
        pref("c", true, Some("H"), &["Q"]),
        pref("d", true, Some("H"), &["Q", "R"]),
        pref("e", true, Some("H"), &["R"]),
        pref("f", true, Some("H"), &["R"]),
    ];
    ps.extend((0..3).map(|i| pref(&format!("h{i}"), true, Some("H"), &[])));
    let a = assign(&bs, &ps).expect("must succeed");
    assert_eq!(branch_of(&a, "d"), ("R", Placement::Choice(2)));
    assert_eq!(branch_of(&a, "a"), ("Q", Placement::Choice(1)));
    assert_eq!(branch_of(&a, "h0"), ("H", Placement::Home));
    assert_eq!(
        a.counts,
        RankCounts {
            first: 5,
            second: 1,
            third: 0,
            home: 3,
            moved: 0,
            moves: 0,
        }
    );
}

#[test]
fn a_member_whose_choices_are_full_goes_home_and_is_told_why() {
    let bs = [
        branch("Q", BranchKind::Interest, 3, 3),
        branch("H", BranchKind::Location, 3, 10),
    ];
    let ps: Vec<_> = (0..4)
        .map(|i| pref(&format!("q{i}"), true, Some("H"), &["Q"]))
        .chain((0..3).map(|i| pref(&format!("h{i}"), true, Some("H"), &[])))
        .collect();
    let a = assign(&bs, &ps).expect("must succeed");
    let home: Vec<_> = a
        .placed
        .iter()
        .filter(|p| p.placement == Placement::Home && p.had_choices)
        .collect();
    assert_eq!(home.len(), 1);
    assert_eq!(home[0].reason(), Some("every branch they ranked was full"));
    assert_eq!((a.counts.first, a.counts.home), (3, 4));
}

#[test]
fn ties_go_to_the_member_already_in_the_branch() {
    // Q holds 3 and four rank it first; the one already in R moves there
    // rather than someone being taken out of Q.
    let bs = [
        branch("Q", BranchKind::Interest, 3, 3),
        branch("R", BranchKind::Interest, 3, 10),
        branch("H", BranchKind::Location, 3, 10),
    ];
    let mut ps: Vec<_> = (0..4)
        .map(|i| pref(&format!("q{i}"), true, Some("H"), &["Q", "R"]))
        .collect();
    for p in &mut ps[..3] {
        p.current = Some("Q".into());
    }
    ps[3].current = Some("R".into());
    ps.extend((0..2).map(|i| pref(&format!("r{i}"), true, Some("H"), &["R"])));
    ps.extend((0..3).map(|i| pref(&format!("h{i}"), true, Some("H"), &[])));
    let a = assign(&bs, &ps).expect("must succeed");
    assert_eq!(branch_of(&a, "q3"), ("R", Placement::Choice(2)));
    for m in ["q0", "q1", "q2"] {
        assert_eq!(branch_of(&a, m), ("Q", Placement::Choice(1)));
    }
}

#[test]
fn a_branch_too_few_full_members_ranked_is_named_with_the_remedy() {
    let bs = [
        Branch::new("Q1", "太极拳", BranchKind::Interest, 3, 50).expect("must succeed"),
        branch("H", BranchKind::Location, 3, 50),
    ];
    let ps = vec![
        pref("a", true, Some("H"), &["Q1"]),
        pref("b", true, Some("H"), &["Q1"]),
        // A probationary member does not count towards the minimum.
        pref("c", false, Some("H"), &["Q1"]),
        pref("d", true, Some("H"), &[]),
        pref("e", true, Some("H"), &[]),
        pref("f", true, Some("H"), &[]),
    ];
    let e = assign(&bs, &ps).expect_err("must be refused");
    assert_eq!(e.code(), Code::BranchInfeasible);
    let AssignError::Infeasible(why) = e else {
        panic!("infeasible")
    };
    assert_eq!(why.len(), 1);
    assert_eq!(
        why[0].to_string(),
        "趣缘·太极拳: only 2 full members ranked it; the minimum is 3 — merge it with another branch"
    );
}

#[test]
fn branches_competing_for_the_same_members_are_explained() {
    // Four full members rank both Q and R; each needs three.
    let bs = [
        branch("Q", BranchKind::Interest, 3, 50),
        branch("R", BranchKind::Interest, 3, 50),
    ];
    let ps: Vec<_> = (0..4)
        .map(|i| pref(&format!("m{i}"), true, None, &["Q", "R"]))
        .collect();
    let AssignError::Infeasible(why) = assign(&bs, &ps).expect_err("must be refused") else {
        panic!("infeasible")
    };
    assert_eq!(why.len(), 1);
    let msg = why[0].to_string();
    assert!(
        msg.contains("4 full members ranked it, but only 1 of them can be placed there"),
        "{msg}"
    );
}

#[test]
fn too_few_places_in_all_is_refused() {
    let bs = [branch("H", BranchKind::Location, 3, 3)];
    let ps: Vec<_> = (0..4)
        .map(|i| pref(&format!("m{i}"), true, Some("H"), &[]))
        .collect();
    let e = assign(&bs, &ps).expect_err("must be refused");
    assert!(
        e.to_string()
            .contains("the branches hold 3 members at most, and 4 are to be placed"),
        "{e}"
    );
}

#[test]
fn bad_forms_name_the_member_and_the_field() {
    let bs = [
        branch("Q", BranchKind::Interest, 3, 50),
        branch("H", BranchKind::Location, 3, 50),
    ];
    let bad = |p: Preference| check(&bs, &[p]).expect_err("must be refused");
    let e = bad(pref("m1", true, Some("H"), &["Q", "X"]));
    assert_eq!((e.code, e.field()), (Code::BranchUnknown, Some("choice2")));
    assert!(e.message.contains("member m1: choice2 names branch \"X\""));
    let e = bad(pref("m1", true, Some("H"), &["Q", "H", "Q"]));
    assert_eq!(
        (e.code, e.field()),
        (Code::BranchChoiceTwice, Some("choice3"))
    );
    let e = bad(pref("m1", true, None, &[]));
    assert_eq!(
        (e.code, e.field()),
        (Code::BranchHomeMissing, Some("home_branch"))
    );
    let e = bad(pref("m1", true, Some("Q"), &[]));
    assert_eq!(
        (e.code, e.field()),
        (Code::BranchHomeKind, Some("home_branch"))
    );
    let e = bad(pref("m1", true, Some("Z"), &["Q"]));
    assert_eq!(
        (e.code, e.field()),
        (Code::BranchUnknown, Some("home_branch"))
    );
    let e = check(
        &bs,
        &[
            pref("m1", true, Some("H"), &[]),
            pref("m1", true, Some("H"), &[]),
        ],
    )
    .expect_err("must be refused");
    assert_eq!(e.code, Code::BranchMember);
    let e = check(&[bs[0].clone(), bs[0].clone()], &[]).expect_err("must be refused");
    assert_eq!(e.code, Code::BranchDuplicate);
}

#[test]
fn the_answer_does_not_depend_on_the_order_of_the_rows() {
    let bs = [
        branch("Q", BranchKind::Interest, 3, 4),
        branch("R", BranchKind::Interest, 3, 4),
        branch("H", BranchKind::Location, 3, 10),
    ];
    let ps: Vec<_> = (0..12)
        .map(|i| {
            let c: &[&str] = match i % 3 {
                0 => &["Q", "R"],
                1 => &["R", "Q"],
                _ => &[],
            };
            pref(&format!("m{i:02}"), true, Some("H"), c)
        })
        .collect();
    let a = assign(&bs, &ps).expect("must succeed");
    let mut rev = ps.clone();
    rev.reverse();
    let mut rbs = bs.to_vec();
    rbs.reverse();
    assert_eq!(assign(&rbs, &rev).expect("must succeed"), a);
}

/// What the module promises to optimise, computed for any assignment:
/// (worth of the choices met, as counts by rank; moves; placed outside
/// choice and home), compared lexicographically — more worth, then fewer
/// moves, then fewer outside.
fn score(bs: &[Branch], ps: &[Preference], pick: &[usize]) -> Option<([u32; 3], u32, u32)> {
    let mut size = vec![0u32; bs.len()];
    let mut full_chose = vec![0u32; bs.len()];
    let (mut ranks, mut moves, mut outside) = ([0u32; 3], 0, 0);
    for (p, &b) in ps.iter().zip(pick) {
        let code = &bs[b].code;
        size[b] += 1;
        let rank = p.choices.iter().position(|c| c == code);
        let chose = rank.is_some() || (p.choices.is_empty() && p.home.as_ref() == Some(code));
        if chose && p.full {
            full_chose[b] += 1;
        }
        match rank {
            Some(r) => ranks[r] += 1,
            None if chose => ranks[0] += 1,
            None if p.home.as_ref() == Some(code) => {}
            None => outside += 1,
        }
        if p.current.as_ref().is_some_and(|c| c != code) {
            moves += 1;
        }
    }
    let ok = bs
        .iter()
        .enumerate()
        .all(|(i, b)| size[i] <= b.max && full_chose[i] >= b.min);
    ok.then_some((ranks, moves, outside))
}

fn better(a: &([u32; 3], u32, u32), b: &([u32; 3], u32, u32)) -> bool {
    (a.0, std::cmp::Reverse(a.1), std::cmp::Reverse(a.2))
        > (b.0, std::cmp::Reverse(b.1), std::cmp::Reverse(b.2))
}

/// The best score over every way of placing the members, by brute force.
fn exhaustive(bs: &[Branch], ps: &[Preference]) -> Option<([u32; 3], u32, u32)> {
    let mut pick = vec![0usize; ps.len()];
    let mut best: Option<([u32; 3], u32, u32)> = None;
    loop {
        if let Some(s) = score(bs, ps, &pick)
            && best.as_ref().is_none_or(|b| better(&s, b))
        {
            best = Some(s);
        }
        // Next assignment, as a number in base |branches|.
        let mut i = 0;
        loop {
            if i == pick.len() {
                return best;
            }
            pick[i] += 1;
            if pick[i] < bs.len() {
                break;
            }
            pick[i] = 0;
            i += 1;
        }
    }
}

fn instance() -> impl Strategy<Value = (Vec<Branch>, Vec<Preference>)> {
    let branches = prop::collection::vec((0u8..3, 3u32..=4, 0u32..=4), 1..=3).prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (kind, min, extra))| {
                // The first branch is always a location branch, so every
                // member has a home to name.
                let kind = if i == 0 {
                    BranchKind::Location
                } else {
                    BranchKind::ALL[kind as usize]
                };
                branch(&format!("B{i}"), kind, min, min + extra)
            })
            .collect::<Vec<_>>()
    });
    branches.prop_flat_map(|bs| {
        let nb = bs.len();
        let member = (
            prop::bool::weighted(0.85),
            Just((0..nb).collect::<Vec<_>>()).prop_shuffle(),
            0..=nb.min(3),
            prop::bool::ANY,
            prop::option::of(0..nb),
        );
        let homes: Vec<usize> = bs
            .iter()
            .enumerate()
            .filter(|(_, b)| b.kind == BranchKind::Location)
            .map(|(i, _)| i)
            .collect();
        (
            Just(bs.clone()),
            prop::collection::vec((member, prop::sample::select(homes)), 0..=8).prop_map(
                move |ms| {
                    ms.into_iter()
                        .enumerate()
                        .map(|(i, ((full, order, k, with_home, current), home))| {
                            let choices: Vec<String> =
                                order[..k].iter().map(|b| format!("B{b}")).collect();
                            Preference {
                                member: format!("m{i}"),
                                full,
                                home: (with_home || choices.is_empty()).then(|| format!("B{home}")),
                                choices,
                                current: current.map(|c| format!("B{c}")),
                            }
                        })
                        .collect::<Vec<_>>()
                },
            ),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// The flow's answer is as good as the best of every possible
    /// assignment, by each criterion in turn, and it exists exactly when
    /// some assignment meets the limits.
    #[test]
    fn optimal_against_exhaustive_search((bs, ps) in instance()) {
        let best = exhaustive(&bs, &ps);
        match assign(&bs, &ps) {
            Ok(a) => {
                let pick: Vec<usize> = ps
                    .iter()
                    .map(|p| {
                        let placed = a.placed.iter().find(|x| x.member == p.member).expect("must succeed");
                        bs.iter().position(|b| b.code == placed.branch).expect("must succeed")
                    })
                    .collect();
                let got = score(&bs, &ps, &pick);
                prop_assert!(got.is_some(), "the answer breaks a limit");
                prop_assert_eq!(got, best);
                prop_assert_eq!(a.placed.len(), ps.len());
                let c = a.counts;
                prop_assert_eq!(
                    (c.first + c.second + c.third + c.home + c.moved) as usize,
                    ps.len()
                );
            }
            Err(AssignError::Infeasible(why)) => {
                prop_assert!(best.is_none(), "refused, but {best:?} exists: {why:?}");
                prop_assert!(!why.is_empty());
            }
            Err(e) => prop_assert!(false, "bad input from the generator: {e}"),
        }
    }
}
