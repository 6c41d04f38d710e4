use proptest::prelude::*;

use super::*;

fn rules(seats: u32, entitled: u32, present: u32, issued: u32) -> RoundRules {
    RoundRules {
        seats,
        entitled,
        present,
        issued,
        eligible: None,
        decide: Decide::First,
    }
}

/// `n` ballots each naming `names`.
fn ballots(groups: &[(u32, &[&str])]) -> Ballots {
    Ballots(
        groups
            .iter()
            .flat_map(|(n, names)| {
                (0..*n).map(move |_| names.iter().map(|s| (*s).to_owned()).collect())
            })
            .collect(),
    )
}

fn set(names: &[impl AsRef<str>]) -> BTreeSet<String> {
    names.iter().map(|n| n.as_ref().to_owned()).collect()
}

#[test]
fn a_plain_round_elects_the_majority() {
    // 10 present, so 6 votes elect.
    let r = tally(
        &rules(3, 12, 10, 10),
        &ballots(&[(6, &["甲", "乙", "丙"]), (3, &["甲", "丁"]), (1, &[])]),
    )
    .expect("must succeed");
    assert!(r.valid);
    assert_eq!(r.threshold, 6);
    assert_eq!(r.counts["甲"], 9);
    assert_eq!(r.counts["丁"], 3);
    assert_eq!(set(&r.elected), set(&["甲", "乙", "丙"]));
    assert_eq!(r.elected[0], "甲", "most votes first");
    assert_eq!((r.seats_left, r.blank, r.runoff), (0, 1, None));
}

#[test]
fn a_ballot_naming_too_many_is_invalid_and_an_ineligible_name_is_dropped_alone() {
    let mut rules = rules(3, 10, 9, 9);
    rules.eligible = Some(["甲", "乙", "丙", "丁"].map(String::from).into());
    let r = tally(
        &rules,
        &ballots(&[
            (5, &["甲", "乙", "丙"]),
            (1, &["甲", "乙", "丙", "丁"]),
            // 某 is not a full member: 甲 and 乙 still count.
            (3, &["甲", "乙", "某"]),
        ]),
    )
    .expect("must succeed");
    assert_eq!(r.invalid, 1);
    assert_eq!(r.counts["甲"], 8);
    assert_eq!(r.not_counted["某"], 3);
    assert!(!r.counts.contains_key("某"));
    assert_eq!(r.counts.get("丁"), None);
}

#[test]
fn a_name_written_twice_counts_once() {
    let r = tally(&rules(3, 4, 4, 4), &ballots(&[(4, &["甲", "甲", "乙"])])).expect("must succeed");
    assert_eq!(r.counts["甲"], 4);
    assert_eq!(r.invalid, 0);
}

#[test]
fn more_ballots_back_than_issued_voids_the_round() {
    let r = tally(&rules(3, 10, 9, 8), &ballots(&[(9, &["甲"])])).expect("must succeed");
    assert!(!r.valid);
    assert_eq!(r.reason_code, Some(Code::ElectionOverIssued));
    assert!(
        r.reason
            .expect("must succeed")
            .contains("9 ballots came back but 8 were issued")
    );
    assert!(r.elected.is_empty());
}

#[test]
fn the_most_votes_win_when_more_pass_than_there_are_seats() {
    // 2 seats, 10 present (6 elect): 甲 7, 乙 6, 丙 7 all pass; the cut
    // falls between 7 and 6, no tie.
    let r = tally(
        &rules(2, 10, 10, 10),
        &ballots(&[(3, &["甲", "乙"]), (4, &["甲", "丙"]), (3, &["乙", "丙"])]),
    )
    .expect("must succeed");
    assert_eq!((r.counts["甲"], r.counts["乙"], r.counts["丙"]), (7, 6, 7));
    assert_eq!(set(&r.elected), set(&["甲", "丙"]));
    assert_eq!((r.runoff, r.seats_left), (None, 0));
}

#[test]
fn a_tie_at_the_cut_goes_to_a_vote_among_the_tied() {
    // 2 seats, 10 present: 甲 10 and 乙 7 pass; 丙 3 does not.
    let r = tally(
        &rules(2, 10, 10, 10),
        &ballots(&[(7, &["甲", "乙"]), (3, &["甲", "丙"]), (0, &[])]),
    )
    .expect("must succeed");
    assert_eq!(r.elected, ["甲", "乙"]);
    assert_eq!(r.runoff, None);
    let r = tally(
        &rules(2, 10, 10, 10),
        &ballots(&[
            (4, &["甲", "乙"]),
            (3, &["甲", "丙"]),
            (3, &["乙", "丙", "甲"]),
        ]),
    )
    .expect("must succeed");
    // The last three name three for two seats: invalid. 甲 7, 乙 4, 丙 3.
    assert_eq!((r.invalid, r.counts["甲"]), (3, 7));
    let r = tally(
        &rules(2, 10, 10, 10),
        &ballots(&[(3, &["甲", "乙"]), (3, &["甲", "丙"]), (4, &["乙", "丙"])]),
    )
    .expect("must succeed");
    // 甲 6, 乙 7, 丙 7: all pass; 乙 and 丙 take the two seats.
    assert_eq!(set(&r.elected), set(&["乙", "丙"]));
    let r = tally(
        &rules(2, 10, 10, 10),
        &ballots(&[(7, &["甲"]), (3, &["乙", "丙"]), (0, &[])]),
    )
    .expect("must succeed");
    // 甲 7; 乙 3, 丙 3 below 6: 甲 elected, a further round for the other.
    assert_eq!(r.elected, ["甲"]);
    assert_eq!(r.runoff, Some(Runoff::Further));
    // One seat left: two candidates, 乙 and 丙.
    assert_eq!(set(&r.runoff_among), set(&["乙", "丙"]));
}

#[test]
fn exactly_half_does_not_elect() {
    let r = tally(
        &rules(1, 10, 10, 10),
        &ballots(&[(5, &["甲"]), (5, &["乙"])]),
    )
    .expect("must succeed");
    assert!(r.elected.is_empty());
    assert_eq!(r.threshold, 6);
    assert_eq!(r.runoff, Some(Runoff::Further));
    assert_eq!(set(&r.runoff_among), set(&["甲", "乙"]));
}

#[test]
fn a_three_way_tie_for_two_seats_calls_a_tie_vote() {
    // 2 seats, 9 present (5 elect): 甲 6, 乙 6, 丙 6.
    let r = tally(
        &rules(2, 9, 9, 9),
        &ballots(&[(3, &["甲", "乙"]), (3, &["乙", "丙"]), (3, &["甲", "丙"])]),
    )
    .expect("must succeed");
    assert!(r.elected.is_empty());
    assert_eq!(r.runoff, Some(Runoff::Tie));
    assert_eq!(set(&r.runoff_among), set(&["甲", "乙", "丙"]));
    assert_eq!(r.seats_left, 2);
    // The tie vote: the most votes win, no majority needed.
    let tie = RoundRules {
        decide: Decide::Tie,
        eligible: Some(r.runoff_among.iter().cloned().collect()),
        ..rules(2, 9, 9, 9)
    };
    let t = tally(
        &tie,
        &ballots(&[(4, &["甲", "乙"]), (3, &["丙"]), (2, &["乙"])]),
    )
    .expect("must succeed");
    // 乙 6, 甲 4, 丙 3.
    assert_eq!(t.elected, ["乙", "甲"]);
    assert_eq!(t.seats_left, 0);
}

#[test]
fn seats_left_call_a_further_round_with_a_fifth_more_candidates() {
    // 5 seats, 20 present (11 elect): only 甲 and 乙 pass.
    let r = tally(
        &rules(5, 20, 20, 20),
        &ballots(&[
            (12, &["甲", "乙"]),
            (6, &["丙", "丁"]),
            (2, &["戊", "己", "庚"]),
        ]),
    )
    .expect("must succeed");
    assert_eq!(set(&r.elected), set(&["甲", "乙"]));
    assert_eq!(r.seats_left, 3);
    assert_eq!(r.runoff, Some(Runoff::Further));
    // 3 seats left: 4 candidates (3 × 1.2 = 3.6, rounded up): 丙 and 丁
    // at 6, then 戊, 己 and 庚 tied at 2 for the last two places, so all
    // three stand.
    assert_eq!(set(&r.runoff_among[..2]), set(&["丙", "丁"]));
    assert_eq!(set(&r.runoff_among), set(&["丙", "丁", "戊", "己", "庚"]));
    // The further round: the same majority; what it leaves stays empty.
    let further = RoundRules {
        seats: 3,
        decide: Decide::Further,
        eligible: Some(r.runoff_among.iter().cloned().collect()),
        ..rules(5, 20, 20, 20)
    };
    let f = tally(
        &further,
        &ballots(&[(11, &["丙", "丁"]), (9, &["戊", "己"])]),
    )
    .expect("must succeed");
    assert_eq!(set(&f.elected), set(&["丙", "丁"]));
    assert_eq!((f.seats_left, f.runoff), (1, None));
}

#[test]
fn bad_numbers_and_no_ballots_are_errors() {
    let b = ballots(&[(1, &["甲"])]);
    assert_eq!(
        tally(&rules(3, 5, 6, 5), &b)
            .expect_err("must be refused")
            .field(),
        Some("present")
    );
    assert_eq!(
        tally(&rules(3, 5, 5, 6), &b)
            .expect_err("must be refused")
            .field(),
        Some("issued")
    );
    assert_eq!(
        tally(&rules(0, 5, 5, 5), &b)
            .expect_err("must be refused")
            .code,
        Code::ElectionSeats
    );
    assert_eq!(
        tally(&rules(3, 5, 5, 5), &Ballots::default())
            .expect_err("must be refused")
            .code,
        Code::ElectionNoBallots
    );
    assert_eq!(
        check_seats(8).expect_err("must be refused").code,
        Code::ElectionSeats
    );
    assert!(check_seats(3).is_ok() && check_seats(7).is_ok());
}

#[test]
fn ballots_parse_one_a_line_with_blank_lines_blank() {
    let b = Ballots::parse("\u{feff}甲,乙，丙\n\n丁、 戊 \n").expect("must succeed");
    assert_eq!(
        b.0,
        vec![
            vec!["甲".to_owned(), "乙".into(), "丙".into()],
            vec![],
            vec!["丁".into(), "戊".into()],
        ]
    );
}

#[test]
fn further_candidates_are_a_fifth_more_rounded_up() {
    assert_eq!(
        (1..=7).map(further_candidates).collect::<Vec<_>>(),
        [2, 3, 4, 5, 6, 8, 9]
    );
}

proptest! {
    /// Exactly four fifths present does not count; one more does.
    #[test]
    fn quorum_boundary(entitled in 1u32..2_000) {
        let b = ballots(&[(1, &["甲"])]);
        let q = quorum(entitled);
        prop_assert!(5 * q > 4 * entitled && 5 * (q - 1) <= 4 * entitled);
        if q <= entitled {
            let r = tally(&rules(3, entitled, q, q), &b).expect("must succeed");
            prop_assert!(r.valid);
        }
        let short = tally(&rules(3, entitled, q - 1, q - 1), &b);
        if q > 1 {
            let r = short.expect("must succeed");
            prop_assert!(!r.valid);
            prop_assert_eq!(r.reason_code, Some(Code::ElectionQuorum));
        }
        if entitled % 5 == 0 {
            // Exactly four fifths: not enough.
            let r = tally(&rules(3, entitled, entitled * 4 / 5, 1), &b).expect("must succeed");
            prop_assert!(!r.valid);
        }
    }

    /// Exactly half the votes of those present does not elect; one more
    /// does.
    #[test]
    fn majority_boundary(present in 1u32..400, extra in 0u32..3) {
        let m = majority(present);
        prop_assert!(2 * m > present && 2 * (m - 1) <= present);
        let for_a = m.min(present);
        let b = ballots(&[(for_a, &["甲"]), (present - for_a, &["乙"])]);
        let r = tally(&rules(3, present + extra, present, present), &b).expect("must succeed");
        if r.valid {
            prop_assert!(r.elected.contains(&"甲".to_owned()));
        }
        if present % 2 == 0 {
            let half = present / 2;
            let b = ballots(&[(half, &["甲"]), (half, &["乙"])]);
            let r = tally(&rules(3, present, present, present), &b).expect("must succeed");
            prop_assert!(r.elected.is_empty(), "half is not more than half");
        }
    }

    /// Whatever the ballots, nobody below the majority is elected in a
    /// first round, never more than the seats are filled, every elected
    /// name has at least the votes of everyone not elected, and a tie call
    /// lists people all on the same votes.
    #[test]
    fn results_keep_the_rules(
        seats in 3u32..=7,
        raw in prop::collection::vec(prop::collection::vec(0u8..10, 0..9), 1..60),
    ) {
        let present = raw.len() as u32;
        let names = ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸"];
        let b = Ballots(
            raw.iter()
                .map(|v| v.iter().map(|i| names[*i as usize].to_owned()).collect())
                .collect(),
        );
        let r = tally(&rules(seats, present, present, present), &b).expect("must succeed");
        prop_assert!(r.valid);
        prop_assert!(r.elected.len() as u32 <= seats);
        prop_assert_eq!(r.seats_left, seats - r.elected.len() as u32);
        for e in &r.elected {
            prop_assert!(r.counts[e] >= r.threshold);
            for (n, v) in &r.counts {
                if !r.elected.contains(n) {
                    prop_assert!(r.counts[e] >= *v);
                }
            }
        }
        if r.runoff == Some(Runoff::Tie) {
            let v: BTreeSet<u32> = r.runoff_among.iter().map(|n| r.counts[n]).collect();
            prop_assert_eq!(v.len(), 1);
            prop_assert!(r.runoff_among.len() as u32 > r.seats_left);
        }
        if r.runoff == Some(Runoff::Further) {
            prop_assert!(r.seats_left > 0);
            let want = further_candidates(r.seats_left) as usize;
            let with_votes = r.counts.len() - r.elected.len();
            prop_assert!(r.runoff_among.len() >= want.min(with_votes));
        }
        let counted: u32 = r.counts.values().sum();
        prop_assert!(counted <= (present - r.invalid - r.blank) * seats);
    }
}

/// Holds the round `standing` asks for next with these ballots.
fn hold(
    history: &mut Vec<(Purpose, Decide, RoundResult)>,
    seats: u32,
    present: u32,
    groups: &[(u32, &[&str])],
) -> Standing {
    let before = standing(seats, &refs(history));
    let next = before.next.expect("a round to hold");
    let r = tally(
        &RoundRules {
            seats: next.seats,
            entitled: present,
            present,
            issued: present,
            eligible: next.candidates.as_ref().map(|c| set(c)),
            decide: next.decide,
        },
        &ballots(groups),
    )
    .expect("must succeed");
    history.push((next.purpose, next.decide, r));
    standing(seats, &refs(history))
}

fn refs(h: &[(Purpose, Decide, RoundResult)]) -> Vec<(Purpose, Decide, &RoundResult)> {
    h.iter().map(|(p, d, r)| (*p, *d, r)).collect()
}

#[test]
fn an_election_runs_from_the_committee_to_its_secretary_and_deputy() {
    let mut h = Vec::new();
    // 10 present, 6 elect: 甲 and 乙 pass (equal votes list by name), 丙
    // and 丁 do not; one seat left.
    let s = hold(
        &mut h,
        3,
        10,
        &[
            (5, &["甲", "乙", "丙"]),
            (1, &["甲", "乙"]),
            (4, &["甲", "乙", "丁"]),
        ],
    );
    assert_eq!(s.committee, ["乙", "甲"]);
    let next = s.next.clone().expect("a further round");
    assert_eq!(
        (next.purpose, next.decide, next.seats),
        (Purpose::Committee, Decide::Further, 1)
    );
    // At least 20% more candidates than the one seat: two.
    assert_eq!(
        next.candidates,
        Some(vec!["丙".to_owned(), "丁".to_owned()])
    );
    let s = hold(&mut h, 3, 10, &[(7, &["丁"]), (3, &["丙"])]);
    assert_eq!(s.committee, ["乙", "甲", "丁"]);
    let next = s.next.clone().expect("the secretary's round");
    assert_eq!(next.purpose, Purpose::Secretary);
    assert_eq!(
        next.candidates,
        Some(vec!["乙".into(), "甲".into(), "丁".into()])
    );
    // The committee of three votes; 2 of 3 is more than half.
    let s = hold(&mut h, 3, 3, &[(2, &["乙"]), (1, &["甲"])]);
    assert_eq!(s.secretary.as_deref(), Some("乙"));
    let next = s.next.clone().expect("the deputy's round");
    assert_eq!(next.candidates, Some(vec!["甲".into(), "丁".into()]));
    let s = hold(&mut h, 3, 3, &[(3, &["丁"])]);
    assert_eq!(s.deputy.as_deref(), Some("丁"));
    assert_eq!((s.next, s.short), (None, 0));
}

#[test]
fn a_void_round_is_held_again_and_a_failed_further_round_leaves_the_committee_short() {
    let mut h = Vec::new();
    let void = tally(&rules(3, 10, 8, 8), &ballots(&[(8, &["甲"])])).expect("must succeed");
    assert!(!void.valid, "eight of ten is not more than four fifths");
    h.push((Purpose::Committee, Decide::First, void));
    let s = standing(3, &refs(&h));
    assert_eq!(s.next.as_ref().map(|n| n.decide), Some(Decide::First));
    assert!(s.committee.is_empty());
    let s = hold(&mut h, 3, 10, &[(6, &["甲", "乙"]), (4, &["丙", "丁"])]);
    assert_eq!(s.committee, ["乙", "甲"]);
    // Nobody reaches six votes in the further round: the seat stays empty.
    let s = hold(&mut h, 3, 10, &[(5, &["丙"]), (5, &["丁"])]);
    assert_eq!((s.committee.len(), s.short), (2, 1));
    assert_eq!(s.next.map(|n| n.purpose), Some(Purpose::Secretary));
}

#[test]
fn a_committee_tie_at_the_cut_is_voted_again_among_the_tied() {
    let mut h = Vec::new();
    // 甲 10 and 丙 8 pass; 乙 and 丁 tie at 6 for the last seat.
    let s = hold(
        &mut h,
        3,
        10,
        &[
            (4, &["甲", "乙", "丙"]),
            (2, &["甲", "乙", "丁"]),
            (4, &["甲", "丙", "丁"]),
        ],
    );
    assert_eq!(s.committee, ["甲", "丙"]);
    let next = s.next.clone().expect("a vote among the tied");
    assert_eq!((next.decide, next.seats), (Decide::Tie, 1));
    assert_eq!(
        next.candidates,
        Some(vec!["丁".to_owned(), "乙".to_owned()])
    );
    // Among the tied the most votes win, majority or not.
    let s = hold(&mut h, 3, 10, &[(4, &["乙"]), (3, &["丁"]), (3, &[])]);
    assert_eq!(s.committee, ["甲", "丙", "乙"]);
    assert_eq!(s.next.map(|n| n.purpose), Some(Purpose::Secretary));
}
