//! The walking distance from each building to the nearest facility of a
//! kind. Over a network: one search from every facility at once
//! (multi-source Dijkstra), each starting at its snapped node with its
//! snap already walked, so every node learns its nearest facility; a
//! building then adds its own snap. Without a network, or where the
//! building's part of the network holds no facility of the kind, the
//! straight line times [`DETOUR_FACTOR`], and the answer says so.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::geo::{Grid, Point, metres};
use super::network::Network;

/// How much longer than the straight line a walk is taken to be where the
/// network cannot say (1.3: the usual detour index of a city's streets).
pub const DETOUR_FACTOR: f64 = 1.3;

/// How a distance was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Network,
    Straight,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Network => "network",
            Via::Straight => "straight",
        }
    }
}

/// The nearest facility of a building: its index among the facilities
/// given, the walk in metres, and how it was found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nearest {
    pub facility: usize,
    pub metres: f64,
    pub via: Via,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Entry {
    dist: f64,
    node: u32,
}

impl Eq for Entry {}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .dist
            .total_cmp(&self.dist)
            .then(other.node.cmp(&self.node))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Every node's walk to the nearest source and which source, from
/// `sources` of (node, metres already walked, label): multi-source
/// Dijkstra, stopping past `limit` metres.
pub fn from_sources(
    net: &Network,
    sources: &[(u32, f64, usize)],
    limit: f64,
) -> Vec<Option<(f64, usize)>> {
    let mut best: Vec<Option<(f64, usize)>> = vec![None; net.node_count()];
    let mut heap = BinaryHeap::new();
    for &(node, d, label) in sources {
        if best[node as usize].is_none_or(|(b, _)| d < b) {
            best[node as usize] = Some((d, label));
            heap.push(Entry { dist: d, node });
        }
    }
    while let Some(Entry { dist, node }) = heap.pop() {
        let Some((b, label)) = best[node as usize] else {
            continue;
        };
        if dist > b {
            continue;
        }
        for (next, len) in net.edges_of(node) {
            let d = dist + f64::from(len);
            if d > limit {
                continue;
            }
            if best[next as usize].is_none_or(|(o, _)| d < o) {
                best[next as usize] = Some((d, label));
                heap.push(Entry {
                    dist: d,
                    node: next,
                });
            }
        }
    }
    best
}

/// A reusable search for the nodes within a walk of one start: the
/// distance table is kept between searches and only the nodes a search
/// touched are reset, so thousands of short searches on a large network
/// cost what they touch, not the network's size each.
#[derive(Debug, Clone)]
pub struct Scratch {
    best: Vec<f64>,
    touched: Vec<u32>,
    heap: BinaryHeap<Entry>,
}

impl Scratch {
    pub fn new(net: &Network) -> Self {
        Self {
            best: vec![f64::INFINITY; net.node_count()],
            touched: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    /// Every node within `limit` metres of `node` (reached having walked
    /// `start` already), with its walk.
    pub fn within(&mut self, net: &Network, node: u32, start: f64, limit: f64) -> Vec<(u32, f64)> {
        for n in self.touched.drain(..) {
            self.best[n as usize] = f64::INFINITY;
        }
        self.heap.clear();
        let mut settled = Vec::new();
        if start > limit {
            return settled;
        }
        self.best[node as usize] = start;
        self.touched.push(node);
        self.heap.push(Entry { dist: start, node });
        while let Some(Entry { dist, node }) = self.heap.pop() {
            if dist > self.best[node as usize] {
                continue;
            }
            settled.push((node, dist));
            for (next, len) in net.edges_of(node) {
                let d = dist + f64::from(len);
                if d <= limit && d < self.best[next as usize] {
                    if self.best[next as usize].is_infinite() {
                        self.touched.push(next);
                    }
                    self.best[next as usize] = d;
                    self.heap.push(Entry {
                        dist: d,
                        node: next,
                    });
                }
            }
        }
        settled
    }
}

/// The nearest of `facilities` from each of `buildings` (see the module).
/// `None` only when there are no facilities.
pub fn nearest(
    net: Option<&Network>,
    buildings: &[Point],
    facilities: &[Point],
) -> Vec<Option<Nearest>> {
    if facilities.is_empty() {
        return vec![None; buildings.len()];
    }
    let straight_index = Grid::new(facilities, 200.0);
    let straight = |b: Point| {
        straight_index.nearest(b).map(|(f, d)| Nearest {
            facility: f as usize,
            metres: d * DETOUR_FACTOR,
            via: Via::Straight,
        })
    };
    let Some(net) = net.filter(|n| n.node_count() > 0) else {
        return buildings.iter().map(|b| straight(*b)).collect();
    };
    let sources: Vec<(u32, f64, usize)> = facilities
        .iter()
        .enumerate()
        .filter_map(|(i, f)| net.snap(*f).map(|(node, snap)| (node, snap, i)))
        .collect();
    let reached = from_sources(net, &sources, f64::INFINITY);
    buildings
        .iter()
        .map(|b| {
            let walked = net.snap(*b).and_then(|(node, snap)| {
                reached[node as usize].map(|(d, f)| Nearest {
                    facility: f,
                    metres: d + snap,
                    via: Via::Network,
                })
            });
            walked.or_else(|| straight(*b))
        })
        .collect()
}

/// The straight-line distance times the detour factor.
pub fn detour(a: Point, b: Point) -> f64 {
    metres(a, b) * DETOUR_FACTOR
}

#[cfg(test)]
mod tests {
    use super::*;

    /// All-pairs shortest paths by Floyd–Warshall over the same nodes and
    /// edges: the independent answer.
    fn floyd(net: &Network) -> Vec<Vec<f64>> {
        let n = net.node_count();
        let mut d = vec![vec![f64::INFINITY; n]; n];
        for (a, row) in d.iter_mut().enumerate() {
            row[a] = 0.0;
            for (b, len) in net.edges_of(a as u32) {
                row[b as usize] = row[b as usize].min(f64::from(len));
            }
        }
        for k in 0..n {
            for i in 0..n {
                for j in 0..n {
                    let via = d[i][k] + d[k][j];
                    if via < d[i][j] {
                        d[i][j] = via;
                    }
                }
            }
        }
        d
    }

    /// A small irregular network: a grid of lanes with some missing and a
    /// detached path with no facility.
    fn lanes(seed: u64) -> Vec<Vec<Point>> {
        let mut x = seed;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let at = |i: i32, j: i32| (121.42 + f64::from(i) * 0.001, 31.16 + f64::from(j) * 0.0009);
        let mut lines = Vec::new();
        for i in 0..6 {
            for j in 0..6 {
                if next() % 4 != 0 {
                    lines.push(vec![at(i, j), at(i + 1, j)]);
                }
                if next() % 4 != 0 {
                    lines.push(vec![at(i, j), at(i, j + 1)]);
                }
            }
        }
        lines.push(vec![at(10, 10), at(11, 10), at(11, 11)]);
        lines
    }

    #[test]
    fn network_distances_agree_with_an_independent_shortest_path() {
        for seed in [1u64, 7, 42, 1234] {
            let net = Network::from_lines(&lanes(seed));
            let all = floyd(&net);
            let facilities = [(121.4212, 31.1602), (121.4251, 31.1645)];
            let buildings: Vec<Point> = (0..30)
                .map(|k| {
                    (
                        121.4203 + f64::from(k % 6) * 0.00101,
                        31.1604 + f64::from(k / 6) * 0.00093,
                    )
                })
                .chain([(121.4302, 31.1693)])
                .collect();
            let got = nearest(Some(&net), &buildings, &facilities);
            for (b, g) in buildings.iter().zip(&got) {
                let (bn, bs) = net.snap(*b).expect("snap");
                let by_floyd = facilities
                    .iter()
                    .enumerate()
                    .filter_map(|(i, f)| {
                        let (fnode, fs) = net.snap(*f)?;
                        let d = all[bn as usize][fnode as usize];
                        d.is_finite().then_some((i, d + fs + bs))
                    })
                    .min_by(|a, b| a.1.total_cmp(&b.1));
                let g = g.expect("a facility");
                match by_floyd {
                    Some((_, d)) => {
                        assert_eq!(g.via, Via::Network, "seed {seed} {b:?}");
                        assert!(
                            (g.metres - d).abs() < 0.5,
                            "seed {seed} {b:?}: {} vs {d}",
                            g.metres
                        );
                    }
                    None => {
                        assert_eq!(g.via, Via::Straight, "seed {seed} {b:?}: unreached");
                        let d = facilities
                            .iter()
                            .map(|f| detour(*b, *f))
                            .fold(f64::INFINITY, f64::min);
                        assert!((g.metres - d).abs() < 1e-6);
                    }
                }
            }
            assert_eq!(
                got.last().map(|g| g.map(|n| n.via)),
                Some(Some(Via::Straight)),
                "the detached path"
            );
        }
    }

    #[test]
    fn a_reused_search_finds_what_a_fresh_one_finds() {
        let net = Network::from_lines(&lanes(7));
        let mut scratch = Scratch::new(&net);
        for start in [0u32, 5, 17, 3, 0] {
            let mut got = scratch.within(&net, start, 10.0, 400.0);
            got.sort_by_key(|(n, _)| *n);
            let fresh = from_sources(&net, &[(start, 10.0, 0)], 400.0);
            let want: Vec<(u32, f64)> = fresh
                .iter()
                .enumerate()
                .filter_map(|(n, r)| r.map(|(d, _)| (n as u32, d)))
                .collect();
            assert_eq!(got, want, "from {start}");
        }
    }

    #[test]
    fn without_a_network_the_straight_line_is_stretched() {
        let b = (121.42, 31.16);
        let f = [(121.43, 31.16), (121.421, 31.161)];
        let got = nearest(None, &[b], &f)[0].expect("nearest");
        assert_eq!((got.facility, got.via), (1, Via::Straight));
        assert!((got.metres - metres(b, f[1]) * 1.3).abs() < 1e-9);
        assert_eq!(nearest(None, &[b], &[]), vec![None]);
    }
}
