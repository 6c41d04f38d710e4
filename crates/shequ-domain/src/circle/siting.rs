//! Where next (选址建议): among candidate sites, where one new facility —
//! then a second, up to k — would bring the most people not yet within
//! the threshold within it. Greedy: each step takes the site with the
//! largest gain given the steps before (the classic (1 − 1/e) answer to
//! maximum coverage), lazily — a site's gain only falls as others are
//! taken, so a stale gain is an upper bound and most sites are never
//! counted again.

use std::collections::BinaryHeap;

use super::distance::{DETOUR_FACTOR, Scratch};
use super::geo::{Grid, Point};
use super::network::Network;

/// One step: the site taken, the people it brings within the threshold
/// (by the weight asked for), and the buildings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gain {
    pub site: usize,
    pub gain: u64,
    pub buildings: usize,
}

/// The buildings within `threshold` metres of each site: over the network
/// (the snaps counted) when the site's node reaches them, else by the
/// straight line times the detour factor when there is no network.
fn reach(
    scratch: &mut Option<Scratch>,
    net: Option<&Network>,
    site: Point,
    threshold: f64,
    index: &Grid,
    at_node: &[Vec<(u32, f64)>],
) -> Vec<u32> {
    match net.filter(|n| n.node_count() > 0) {
        None => index
            .within(site, threshold / DETOUR_FACTOR)
            .into_iter()
            .map(|(b, _)| b)
            .collect(),
        Some(net) => {
            let Some((node, snap)) = net.snap(site) else {
                return Vec::new();
            };
            if snap > threshold {
                return Vec::new();
            }
            let search = scratch.get_or_insert_with(|| Scratch::new(net));
            let mut found = Vec::new();
            for (n, d) in search.within(net, node, snap, threshold) {
                for &(b, bsnap) in &at_node[n as usize] {
                    if d + bsnap <= threshold {
                        found.push(b);
                    }
                }
            }
            found
        }
    }
}

/// Up to `k` sites, greedily, each with its gain: `weight[b]` counts
/// building `b`'s people not yet covered (0 for one covered already).
pub fn where_next(
    net: Option<&Network>,
    buildings: &[Point],
    weight: &[u64],
    sites: &[Point],
    threshold: f64,
    k: usize,
) -> Vec<Gain> {
    let index = Grid::new(buildings, 200.0);
    let mut at_node: Vec<Vec<(u32, f64)>> = Vec::new();
    if let Some(net) = net.filter(|n| n.node_count() > 0) {
        at_node = vec![Vec::new(); net.node_count()];
        for (b, p) in buildings.iter().enumerate() {
            if let Some((n, snap)) = net.snap(*p) {
                at_node[n as usize].push((b as u32, snap));
            }
        }
    }
    let mut left: Vec<u64> = weight.to_vec();
    let mut reaches: Vec<Option<Vec<u32>>> = vec![None; sites.len()];
    let gain_of = |r: &[u32], left: &[u64]| r.iter().map(|&b| left[b as usize]).sum::<u64>();
    // (upper bound of gain, site); first pass computes every site once.
    let mut heap: BinaryHeap<(u64, std::cmp::Reverse<usize>)> = BinaryHeap::new();
    let mut scratch = None;
    for (s, p) in sites.iter().enumerate() {
        let r = reach(&mut scratch, net, *p, threshold, &index, &at_node);
        heap.push((gain_of(&r, &left), std::cmp::Reverse(s)));
        reaches[s] = Some(r);
    }
    let mut steps = Vec::new();
    let mut fresh = vec![true; sites.len()];
    while steps.len() < k {
        let Some((bound, std::cmp::Reverse(s))) = heap.pop() else {
            break;
        };
        if bound == 0 {
            break;
        }
        let r = reaches[s].as_deref().unwrap_or(&[]);
        if !fresh[s] {
            // Stale: count again, and put back unless still the best.
            let g = gain_of(r, &left);
            fresh[s] = true;
            heap.push((g, std::cmp::Reverse(s)));
            continue;
        }
        let buildings_gained = r.iter().filter(|&&b| left[b as usize] > 0).count();
        for &b in r {
            left[b as usize] = 0;
        }
        steps.push(Gain {
            site: s,
            gain: bound,
            buildings: buildings_gained,
        });
        fresh.iter_mut().for_each(|f| *f = false);
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(n: usize) -> Vec<Point> {
        (0..n).map(|i| (121.42 + i as f64 * 0.001, 31.17)).collect()
    }

    #[test]
    fn each_step_takes_the_largest_gain_left() {
        // Buildings every ~95 m along a lane; weights heavy at both ends.
        let buildings = row(21);
        let mut weight = vec![1u64; 21];
        for w in &mut weight[0..3] {
            *w = 50;
        }
        for w in &mut weight[18..21] {
            *w = 40;
        }
        let lane = Network::from_lines(std::slice::from_ref(&buildings));
        let sites = buildings.clone();
        for net in [None, Some(&lane)] {
            let steps = where_next(net, &buildings, &weight, &sites, 200.0, 3);
            assert_eq!(steps.len(), 3, "{net:?}");
            assert!(steps[0].site <= 3, "the heavy west end first: {steps:?}");
            assert!(
                (17..=20).contains(&steps[1].site),
                "then the east: {steps:?}"
            );
            assert!(steps[0].gain >= steps[1].gain && steps[1].gain >= steps[2].gain);
            // Brute force the first step: the best single site.
            let best = (0..sites.len())
                .map(|s| where_next(net, &buildings, &weight, &sites[s..=s], 200.0, 1)[0].gain)
                .max();
            assert_eq!(Some(steps[0].gain), best);
        }
        let none = where_next(None, &buildings, &[0; 21], &sites, 200.0, 3);
        assert!(none.is_empty(), "nothing left to cover");
    }
}
