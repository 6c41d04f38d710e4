//! `shequ bench circle`: the 15-minute circle at a district's size — a
//! walking network of about 100,000 edges (a lattice of lanes 30 m apart
//! with a tenth of them missing), 10,000 buildings and 2,000 facilities
//! of the eight types. Figures: the nearest facility of every type from
//! every building (eight multi-source searches and the snaps), and where
//! next for k = 5 among 5,000 candidate sites (elderly canteens, 300 m),
//! each beside one single-source search over the whole network in the
//! same run.

use std::io::Write;
use std::time::Instant;

use rand::{RngExt, SeedableRng};
use shequ_domain::circle::coverage::Residents;
use shequ_domain::circle::geo::Point;
use shequ_domain::circle::{CircleType, Coverage, Network, distance, nearest, where_next};

use super::stats::line;

/// Flags of `shequ bench circle`.
#[derive(Debug, clap::Args)]
pub struct CircleBenchArgs {
    /// Lanes per side of the lattice (237: about 100,000 edges once a tenth are left out).
    #[arg(long, default_value_t = 237)]
    pub side: usize,
    #[arg(long, default_value_t = 10_000)]
    pub buildings: usize,
    #[arg(long, default_value_t = 2_000)]
    pub facilities: usize,
    /// Candidate sites for where next.
    #[arg(long, default_value_t = 5_000)]
    pub sites: usize,
    /// Sites where next chooses.
    #[arg(long, default_value_t = 5)]
    pub k: usize,
}

const SPACING_DEG: f64 = 0.0003;

pub fn run(args: CircleBenchArgs) -> anyhow::Result<()> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(17);
    let at = |i: usize, j: usize| {
        (
            121.40 + i as f64 * SPACING_DEG,
            31.14 + j as f64 * SPACING_DEG * 0.9,
        )
    };
    let mut lines = Vec::new();
    for i in 0..args.side {
        for j in 0..args.side {
            if i + 1 < args.side && rng.random_range(0..10) != 0 {
                lines.push(vec![at(i, j), at(i + 1, j)]);
            }
            if j + 1 < args.side && rng.random_range(0..10) != 0 {
                lines.push(vec![at(i, j), at(i, j + 1)]);
            }
        }
    }
    let started = Instant::now();
    let net = Network::from_lines(&lines);
    let built = started.elapsed();
    let extent = (args.side - 1) as f64 * SPACING_DEG;
    let mut point = || -> Point {
        (
            121.40 + rng.random_range(0.0..extent),
            31.14 + rng.random_range(0.0..extent * 0.9),
        )
    };
    let buildings: Vec<Point> = (0..args.buildings).map(|_| point()).collect();
    let facilities: Vec<(CircleType, Point)> = (0..args.facilities)
        .map(|i| (CircleType::ALL[i % CircleType::ALL.len()], point()))
        .collect();
    let sites: Vec<Point> = (0..args.sites).map(|_| point()).collect();
    println!(
        "# shequ bench circle — {} nodes, {} edges (built in {:.0} ms), {} buildings, {} facilities, {} sites",
        net.node_count(),
        net.edge_count(),
        built.as_secs_f64() * 1000.0,
        buildings.len(),
        facilities.len(),
        sites.len()
    );

    // The baseline: one search from one node over the whole network.
    let t = Instant::now();
    let reached = distance::from_sources(&net, &[(0, 0.0, 0)], f64::INFINITY)
        .iter()
        .filter(|r| r.is_some())
        .count();
    let baseline = t.elapsed().as_secs_f64() * 1000.0;
    println!("baseline: one single-source search reached {reached} nodes");

    let t = Instant::now();
    let mut walks: Vec<Vec<Option<f64>>> = Vec::new();
    let mut stderr = std::io::stderr();
    for (k, kind) in CircleType::ALL.iter().enumerate() {
        let _ = write!(
            stderr,
            "\r[{}{}] {}/{} {:<28}",
            "#".repeat(k + 1),
            " ".repeat(CircleType::ALL.len() - k - 1),
            k + 1,
            CircleType::ALL.len(),
            kind.as_str()
        );
        let _ = stderr.flush();
        let of_kind: Vec<Point> = facilities
            .iter()
            .filter(|(t, _)| t == kind)
            .map(|(_, p)| *p)
            .collect();
        walks.push(
            nearest(Some(&net), &buildings, &of_kind)
                .iter()
                .map(|n| n.map(|n| n.metres))
                .collect(),
        );
    }
    let _ = writeln!(stderr);
    let all_types = t.elapsed().as_secs_f64() * 1000.0;
    let residents: Vec<Residents> = (0..buildings.len())
        .map(|i| Residents {
            all: 60 + (i % 50) as u32,
            aged_60: 15 + (i % 9) as u32,
            aged_80: 2 + (i % 4) as u32,
        })
        .collect();
    let canteen = CircleType::ElderlyCanteen;
    let canteen_walks = &walks[CircleType::ALL
        .iter()
        .position(|k| *k == canteen)
        .unwrap_or(0)];
    let cover = Coverage::of(
        &residents,
        canteen_walks,
        f64::from(canteen.default_metres()),
    );
    println!(
        "canteens within {} m: {:.1}% of residents, {:.1}% of those 80+",
        canteen.default_metres(),
        cover.residents.percent().unwrap_or(0.0),
        cover.aged_80.percent().unwrap_or(0.0)
    );
    line(
        &format!("nearest of 8 types for {} buildings", buildings.len()),
        all_types,
        "ms",
        "< 5000 ms",
        Some((baseline, "one single-source search")),
    );

    let weight: Vec<u64> = residents
        .iter()
        .zip(canteen_walks)
        .map(|(r, w)| {
            if w.is_some_and(|w| w <= f64::from(canteen.default_metres())) {
                0
            } else {
                u64::from(r.aged_80)
            }
        })
        .collect();
    let t = Instant::now();
    let steps = where_next(
        Some(&net),
        &buildings,
        &weight,
        &sites,
        f64::from(canteen.default_metres()),
        args.k,
    );
    let siting = t.elapsed().as_secs_f64() * 1000.0;
    for s in &steps {
        println!(
            "  a canteen at site {} covers {} more residents aged 80+ ({} buildings)",
            s.site, s.gain, s.buildings
        );
    }
    line(
        &format!("where next, k = {} over {} sites", args.k, sites.len()),
        siting,
        "ms",
        "< 5000 ms",
        Some((baseline, "one single-source search")),
    );
    Ok(())
}
