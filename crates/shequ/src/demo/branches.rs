//! The demo's 三缘 branches, on a stream of their own: in the first
//! neighbourhood (the example secretary's), a preference-form round open
//! with seed 004's mix of branches — nine interest, four occupation, two
//! location — and most members' forms in, some typed from paper, so the
//! round page shows its assignment from the first minute; and the
//! committee election of one of its branches, its first round counted
//! with a seat left for a further round (另行选举).

use anyhow::Context;
use rand::RngExt;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use shequ_domain::branches::{Ballots, Decide, RoundRules, tally};
use shequ_store::Store;
use shequ_store::branches::{NewElectionRound, NewOffer};

use super::generate::Plan;
use super::write::Written;

const ACTOR: &str = "demo";

/// The interest and occupation branches on offer, with their most
/// members: 太极拳 is wanted by more than it holds, so some get their
/// second choice.
const OFFERS: &[(&str, &str, &str, u32)] = &[
    ("QY-TJQ", "太极拳", "interest", 12),
    ("QY-SHF", "书法", "interest", 30),
    ("QY-HCH", "合唱", "interest", 30),
    ("QY-SHY", "摄影", "interest", 30),
    ("QY-QP", "棋牌", "interest", 30),
    ("QY-YY", "园艺", "interest", 30),
    ("QY-DSH", "读书", "interest", 30),
    ("QY-WD", "舞蹈", "interest", 30),
    ("QY-ZY", "志愿服务", "interest", 40),
    ("YY-YL", "医疗卫生", "occupation", 30),
    ("YY-JY", "教育", "occupation", 30),
    ("YY-TX", "退休干部", "occupation", 40),
    ("YY-FL", "法律服务", "occupation", 30),
];

/// What the demo holds of the branches, for the print-out.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BranchFigures {
    pub round_members: usize,
    pub forms: usize,
    pub offers: usize,
    pub election_rounds: usize,
}

/// Opens the round and holds the election's first round.
pub async fn build(
    store: &Store,
    plan: &Plan,
    written: &Written,
    today: chrono::NaiveDate,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<BranchFigures> {
    let mut figures = BranchFigures::default();
    let Some(nb) = plan.street.neighbourhoods.first() else {
        return Ok(figures);
    };
    let general = store
        .scoped_party_org(&format!("ZZ-{}", nb.code))
        .await?
        .context("the first neighbourhood has no 党总支")?;
    let orgs = store.party_orgs().await?;
    let under: Vec<i64> = std::iter::once(general.id)
        .chain(
            orgs.iter()
                .filter(|o| o.parent_id == Some(general.id))
                .map(|o| o.id),
        )
        .collect();
    let members = store.party_members_of(&under).await?;
    let (nb_path, first_grid) = (
        written
            .regions
            .get(&nb.code)
            .map(|r| r.1.clone())
            .unwrap_or_default(),
        nb.grids.first().map(|g| plan.street.grids[*g].code.clone()),
    );
    let region_id = |code: &str| written.regions.get(code).map(|r| r.0);
    let grid_name = "一号网格楼组";
    // Seed 004's fifteen branches for a neighbourhood of its size (382
    // members); a small test street offers fewer, so every branch can
    // still find its three full members.
    let full = members.iter().filter(|m| m.probation_end.is_none()).count();
    let themed = (full / 12).clamp(2, OFFERS.len());
    let mut offers: Vec<NewOffer> = OFFERS
        .iter()
        .take(themed)
        .map(|(code, name, kind, max)| NewOffer {
            code,
            name,
            kind,
            min_full: 3,
            max_size: *max,
            region_id: None,
        })
        .collect();
    let grid_code = first_grid.clone().unwrap_or_else(|| nb.code.clone());
    offers.push(NewOffer {
        code: "DY-1",
        name: grid_name,
        kind: "location",
        min_full: 3,
        max_size: 80,
        region_id: region_id(&grid_code),
    });
    offers.push(NewOffer {
        code: "DY-2",
        name: "居民区楼组",
        kind: "location",
        min_full: 3,
        max_size: 200,
        region_id: region_id(&nb.code),
    });
    let round = store
        .open_branch_round(
            general.id,
            &format!("{}居民区三缘支部志愿填报", nb.short),
            &offers,
            today,
            ACTOR,
            shequ_store::now_ms(),
        )
        .await
        .context("while opening the demo's preference round")?;
    figures.offers = offers.len();
    figures.round_members = members.len();

    // Four full members put each branch first (a location branch too), so
    // every branch can meet its minimum; the rest lean to the first few. A member
    // living outside the neighbourhood always sends a form (they have no
    // home branch here); about one in six of the others sends none.
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.shuffle(rng);
    let codes: Vec<&str> = offers.iter().map(|o| o.code).collect();
    let seeds = codes.len();
    let mut seeded = 0;
    for &k in &order {
        let m = &members[k];
        let lives_here = m.region_path.starts_with(&nb_path) && !nb_path.is_empty();
        if lives_here && rng.random_range(0..6) == 0 {
            continue;
        }
        let mut choices: Vec<String> = Vec::new();
        if m.probation_end.is_none() && seeded < seeds * 4 {
            choices.push(codes[seeded % seeds].to_owned());
            seeded += 1;
        }
        let want = rng.random_range(1..=3);
        while choices.len() < want {
            let u: f64 = rng.random_range(0.0..1.0);
            let c = codes[((u * u) * codes.len() as f64) as usize % codes.len()];
            if !choices.iter().any(|x| x == c) {
                choices.push(c.to_owned());
            }
        }
        let by = if rng.random_range(0..4) == 0 {
            "demo-secretary"
        } else {
            "self"
        };
        store
            .save_branch_preference(round, m.person_id, &choices, by, shequ_store::now_ms())
            .await?;
        figures.forms += 1;
    }

    // The election of the first branch's committee: three seats, most of
    // its full members present, ballots leaning to two of them, so two are
    // elected and one seat is left for a further round.
    let Some(branch) = orgs.iter().find(|o| o.parent_id == Some(general.id)) else {
        return Ok(figures);
    };
    let mut names: Vec<String> = store
        .party_members_of(&[branch.id])
        .await?
        .into_iter()
        .filter(|m| m.probation_end.is_none())
        .map(|m| m.name)
        .collect();
    names.sort();
    names.dedup();
    if names.len() < 6 {
        return Ok(figures);
    }
    names.shuffle(rng);
    let entitled = names.len() as u32;
    let present = shequ_domain::branches::election::quorum(entitled).max(entitled - 1);
    let election = store
        .create_branch_election(branch.id, 3, today, ACTOR, shequ_store::now_ms())
        .await?;
    let threshold = present / 2 + 1;
    let ballots: Vec<Vec<String>> = (0..present)
        .map(|i| {
            // The first two are written on most ballots; the third and
            // fourth split the rest, neither reaching a majority.
            let mut b = Vec::new();
            if i < threshold + 1 {
                b.push(names[0].clone());
                b.push(names[1].clone());
            } else {
                b.push(names[0].clone());
                b.push(names[4].clone());
            }
            b.push(names[2 + (i as usize % 2)].clone());
            if i % 7 == 6 {
                b.clear();
            }
            b
        })
        .collect();
    let rules = RoundRules {
        seats: 3,
        entitled,
        present,
        issued: present,
        eligible: Some(names.iter().cloned().collect()),
        decide: Decide::First,
    };
    let ballots = Ballots(ballots);
    let result = tally(&rules, &ballots).map_err(|e| anyhow::anyhow!("demo tally: {e}"))?;
    store
        .record_election_round(
            election,
            1,
            &NewElectionRound {
                purpose: "committee",
                decide: "first",
                seats: 3,
                entitled,
                present,
                issued: present,
                eligible: &names,
                ballots: &ballots.0,
                result: &serde_json::to_string(&result)?,
            },
            ACTOR,
            shequ_store::now_ms(),
        )
        .await?;
    figures.election_rounds = 1;
    Ok(figures)
}
