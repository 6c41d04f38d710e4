//! `shequ bench branches`: the 三缘 assignment of 10,000 members to 400
//! branches with three choices each (beside a plain greedy first-choice
//! pass over the same input), and the tally of 5,000 ballots for 7 seats
//! (beside a bare count of the same names). Pure computation: no
//! database.

use std::time::Instant;

use rand::{RngExt, SeedableRng};
use shequ_domain::branches::assign::greedy_first_choice;
use shequ_domain::branches::{
    Ballots, Branch, BranchKind, Decide, Preference, RoundRules, assign, tally,
};

use super::stats::{latency, line};

/// Flags of `shequ bench branches`.
#[derive(Debug, clap::Args)]
pub struct BranchesBenchArgs {
    /// Members to assign.
    #[arg(long, default_value_t = 10_000)]
    pub members: usize,
    /// Branches on offer (a tenth of them location branches).
    #[arg(long, default_value_t = 400)]
    pub branches: usize,
    /// Ballots in the tally.
    #[arg(long, default_value_t = 5_000)]
    pub ballots: usize,
    /// Timed runs of the assignment.
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// Timed runs of the tally.
    #[arg(long, default_value_t = 200)]
    pub tally_runs: usize,
}

/// A round like seed 004's at a larger size: popular branches (the first
/// choices lean to a few, so many overflow and the assignment has real
/// work to do), a few probationary members, some with no form, about a
/// third already in a branch.
pub fn round(members: usize, branches: usize, seed: u64) -> (Vec<Branch>, Vec<Preference>) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let homes = (branches / 10).max(1);
    let bs: Vec<Branch> = (0..branches)
        .map(|i| {
            let kind = if i < homes {
                BranchKind::Location
            } else if i % 3 == 0 {
                BranchKind::Occupation
            } else {
                BranchKind::Interest
            };
            let max = if kind == BranchKind::Location { 80 } else { 40 };
            Branch::new(&format!("B{i:04}"), &format!("支部{i}"), kind, 3, max)
                .expect("valid bench branch")
        })
        .collect();
    let others = branches - homes;
    // Squaring a uniform draw leans towards the low indexes.
    let popular = |rng: &mut rand_chacha::ChaCha8Rng| {
        let u: f64 = rng.random_range(0.0..1.0);
        homes + ((u * u) * others as f64) as usize % others
    };
    let prefs = (0..members)
        .map(|m| {
            let home = format!("B{:04}", m % homes);
            let k = if rng.random_range(0..10) == 0 { 0 } else { 3 };
            let mut choices: Vec<String> = Vec::new();
            while choices.len() < k {
                let c = format!("B{:04}", popular(&mut rng));
                if !choices.contains(&c) {
                    choices.push(c);
                }
            }
            Preference {
                member: format!("M{m:05}"),
                full: rng.random_range(0..20) != 0,
                home: Some(home),
                current: (m % 3 == 0).then(|| format!("B{:04}", rng.random_range(0..branches))),
                choices,
            }
        })
        .collect();
    (bs, prefs)
}

pub fn run(args: BranchesBenchArgs) -> anyhow::Result<()> {
    println!(
        "# shequ bench branches — {} members, {} branches, {} ballots",
        args.members, args.branches, args.ballots
    );
    let (bs, prefs) = round(args.members, args.branches, 15);
    let mut exact = Vec::with_capacity(args.runs);
    let mut greedy = Vec::with_capacity(args.runs);
    let mut answer = None;
    for _ in 0..args.runs.max(1) {
        let t = Instant::now();
        let a = assign(&bs, &prefs).map_err(|e| anyhow::anyhow!("{e}"))?;
        exact.push(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(greedy_first_choice(&bs, &prefs));
        greedy.push(t.elapsed());
        answer = Some(a);
    }
    let a = answer.expect("one run at least");
    let c = a.counts;
    println!(
        "assignment: first {}, second {}, third {}, home {}, moved {}; {} moves",
        c.first, c.second, c.third, c.home, c.moved, c.moves
    );
    let (exact, greedy) = (latency(&mut exact), latency(&mut greedy));
    println!("exact assignment: {exact}");
    println!("greedy first-choice pass: {greedy}");
    line(
        "assignment of the round (p50)",
        exact.p50,
        "ms",
        "< 1000 ms",
        Some((greedy.p50, "greedy first-choice pass p50")),
    );

    // The tally: 5,000 voters present of 5,500 entitled, 7 seats, names
    // drawn from 15 with a lean to the first.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(16);
    let names: Vec<String> = (0..15).map(|i| format!("候选{i:02}")).collect();
    let ballots = Ballots(
        (0..args.ballots)
            .map(|_| {
                let k = if rng.random_range(0..10) == 0 {
                    0
                } else {
                    rng.random_range(3..=7)
                };
                let mut b: Vec<String> = Vec::with_capacity(k);
                while b.len() < k {
                    let u: f64 = rng.random_range(0.0..1.0);
                    let n = &names[((u * u) * names.len() as f64) as usize % names.len()];
                    if !b.contains(n) {
                        b.push(n.clone());
                    }
                }
                b
            })
            .collect(),
    );
    let present = args.ballots as u32;
    let rules = RoundRules {
        seats: 7,
        entitled: present + present / 10,
        present,
        issued: present,
        eligible: Some(names.iter().cloned().collect()),
        decide: Decide::First,
    };
    let mut timed = Vec::with_capacity(args.tally_runs);
    let mut bare = Vec::with_capacity(args.tally_runs);
    let mut result = None;
    for _ in 0..args.tally_runs.max(1) {
        let t = Instant::now();
        result = Some(tally(&rules, &ballots).map_err(|e| anyhow::anyhow!("{e}"))?);
        timed.push(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(bare_count(&ballots));
        bare.push(t.elapsed());
    }
    let r = result.expect("one run at least");
    println!(
        "tally: threshold {}, elected {}, seats left {}, invalid {}, blank {}",
        r.threshold,
        r.elected.len(),
        r.seats_left,
        r.invalid,
        r.blank
    );
    let (timed, bare) = (latency(&mut timed), latency(&mut bare));
    println!("tally: {timed}");
    println!("bare count of the names: {bare}");
    line(
        "tally of the ballots (p99)",
        timed.p99,
        "ms",
        "< 10 ms",
        Some((bare.p99, "bare name count p99")),
    );
    Ok(())
}

/// Counts every name on every ballot into a map, with none of the rules:
/// the floor a tally cannot go under.
fn bare_count(ballots: &Ballots) -> usize {
    let mut counts: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
    for b in &ballots.0 {
        for n in b {
            *counts.entry(n.as_str()).or_insert(0) += 1;
        }
    }
    counts.len()
}
