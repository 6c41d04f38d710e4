//! Min-cost flow by successive shortest paths, one unit at a time, for the
//! branch assignment. Costs are `i128` because the assignment's costs are
//! lexicographic (one more first choice outweighs any number of later
//! ones), which needs weights far beyond `i64` at ten thousand members.
//!
//! Each unit of supply is pushed from its own node to the sink along a
//! shortest path in the residual graph (Dijkstra on reduced costs, which
//! stops as soon as the sink is settled). That keeps the flow optimal for
//! the supply pushed so far, so after the last unit it is a min-cost flow
//! of the whole supply; the order the units are pushed in only decides
//! among equally cheap flows, and is fixed by the caller.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A capacity with no limit in practice.
pub(crate) const UNBOUNDED: i64 = i64::MAX / 4;

#[derive(Debug, Clone)]
struct Edge {
    to: usize,
    /// Capacity left in the residual graph.
    cap: i64,
    cost: i128,
}

/// A flow network whose edges go forward in a topological order the
/// caller knows (the assignment's graph is layered), so the first
/// potentials come from one pass instead of Bellman–Ford.
#[derive(Debug, Clone)]
pub(crate) struct Network {
    edges: Vec<Edge>,
    /// The edges leaving each node, by index into `edges`; an edge's
    /// reverse is the index next to it (`e ^ 1`).
    out: Vec<Vec<usize>>,
    /// Node potentials: every residual edge's reduced cost
    /// `cost + p[from] - p[to]` is kept at zero or more.
    potential: Vec<i128>,
    dist: Vec<Option<i128>>,
    via: Vec<usize>,
    settled: Vec<bool>,
    touched: Vec<usize>,
}

impl Network {
    pub(crate) fn new(nodes: usize) -> Network {
        Network {
            edges: Vec::new(),
            out: vec![Vec::new(); nodes],
            potential: vec![0; nodes],
            dist: vec![None; nodes],
            via: vec![usize::MAX; nodes],
            settled: vec![false; nodes],
            touched: Vec::new(),
        }
    }

    /// Adds the edge `from → to` and returns its index.
    pub(crate) fn add(&mut self, from: usize, to: usize, cap: i64, cost: i128) -> usize {
        let e = self.edges.len();
        self.edges.push(Edge { to, cap, cost });
        self.edges.push(Edge {
            to: from,
            cap: 0,
            cost: -cost,
        });
        self.out[from].push(e);
        self.out[to].push(e + 1);
        e
    }

    /// The flow an edge carries.
    pub(crate) fn flow(&self, e: usize) -> i64 {
        self.edges[e + 1].cap
    }

    /// The node an edge goes to.
    pub(crate) fn head(&self, e: usize) -> usize {
        self.edges[e].to
    }

    /// The edges leaving `node` that were added (not their reverses).
    pub(crate) fn forward_edges(&self, node: usize) -> impl Iterator<Item = usize> + '_ {
        self.out[node].iter().copied().filter(|e| e % 2 == 0)
    }

    /// Sets the first potentials: the shortest distance to each node from
    /// a virtual source joined to every node at cost 0, computed in one
    /// pass over `order`, which must list every node with each edge's tail
    /// before its head. Call once, before any flow is pushed.
    pub(crate) fn start(&mut self, order: &[usize]) {
        debug_assert_eq!(order.len(), self.out.len());
        self.potential.iter_mut().for_each(|p| *p = 0);
        for &u in order {
            for i in 0..self.out[u].len() {
                let e = self.out[u][i];
                if e % 2 == 1 || self.edges[e].cap == 0 {
                    continue;
                }
                let (v, c) = (self.edges[e].to, self.edges[e].cost);
                let through = self.potential[u] + c;
                if through < self.potential[v] {
                    self.potential[v] = through;
                }
            }
        }
    }

    /// Pushes one unit from `source` to `sink` along a cheapest residual
    /// path and returns that path's cost, or `None` when the sink cannot
    /// be reached.
    #[cfg(test)]
    pub(crate) fn push_one(&mut self, source: usize, sink: usize) -> Option<i128> {
        self.push_to_nearest(source, |v| v == sink).map(|(_, c)| c)
    }

    /// Pushes one unit from `source` along a cheapest residual path to the
    /// nearest node `wants` accepts (one with demand left), and returns
    /// that node and the path's cost; `None` when none can be reached.
    /// Taking the nearest of several demands keeps the flow optimal: any
    /// shortest path from an excess to a deficit does.
    pub(crate) fn push_to_nearest(
        &mut self,
        source: usize,
        wants: impl Fn(usize) -> bool,
    ) -> Option<(usize, i128)> {
        for &v in &self.touched {
            self.dist[v] = None;
            self.settled[v] = false;
        }
        self.touched.clear();
        // Ordered by distance, then a node with demand before one without
        // (at equal distance the search can stop there instead of
        // settling the whole plateau first), then the higher-numbered
        // node first (the assignment numbers its nodes layer by layer,
        // towards the sink): on a plateau of equal distance the
        // search runs on towards the sink instead of back through every
        // member already placed (at 10,000 members that alone took the
        // assignment from 1.8 s to 32 ms). Any order among equal
        // distances keeps the paths shortest.
        let mut heap = BinaryHeap::new();
        self.dist[source] = Some(0);
        self.touched.push(source);
        heap.push(Reverse((0i128, false, Reverse(source))));
        let mut settled_order = Vec::new();
        let mut reached = None;
        while let Some(Reverse((d, _, Reverse(u)))) = heap.pop() {
            if self.settled[u] || self.dist[u] != Some(d) {
                continue;
            }
            self.settled[u] = true;
            settled_order.push(u);
            if u != source && wants(u) {
                reached = Some((u, d));
                break;
            }
            for &e in &self.out[u] {
                let edge = &self.edges[e];
                if edge.cap == 0 || self.settled[edge.to] {
                    continue;
                }
                let reduced = edge.cost + self.potential[u] - self.potential[edge.to];
                debug_assert!(reduced >= 0, "negative reduced cost {reduced}");
                let nd = d + reduced;
                if self.dist[edge.to].is_none_or(|old| nd < old) {
                    if self.dist[edge.to].is_none() {
                        self.touched.push(edge.to);
                    }
                    self.dist[edge.to] = Some(nd);
                    self.via[edge.to] = e;
                    heap.push(Reverse((nd, !wants(edge.to), Reverse(edge.to))));
                }
            }
        }
        let (sink, d_sink) = reached?;
        // Nodes settled before the sink move by their distance, the rest by
        // the sink's: reduced costs stay non-negative, and the path's
        // edges come to zero.
        for &v in &settled_order {
            if let Some(d) = self.dist[v] {
                self.potential[v] -= d_sink - d;
            }
        }
        let mut cost = 0;
        let mut v = sink;
        while v != source {
            let e = self.via[v];
            self.edges[e].cap -= 1;
            self.edges[e ^ 1].cap += 1;
            cost += self.edges[e].cost;
            v = self.edges[e ^ 1].to;
        }
        Some((sink, cost))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_cheaper_route_and_reroutes_an_earlier_unit_when_that_is_cheaper() {
        // a, b → x (cap 1), y (cap 1) → t. a prefers x strongly, b
        // prefers x slightly; pushing b first sends it to x, and pushing a
        // must then move b to y.
        let (a, b, x, y, t) = (0, 1, 2, 3, 4);
        let mut n = Network::new(5);
        let ax = n.add(a, x, 1, 0);
        let ay = n.add(a, y, 1, 10);
        let bx = n.add(b, x, 1, 0);
        let by = n.add(b, y, 1, 1);
        n.add(x, t, 1, 0);
        n.add(y, t, 1, 0);
        n.start(&[a, b, x, y, t]);
        assert_eq!(n.push_one(b, t), Some(0));
        assert_eq!(n.flow(bx), 1);
        // a → x, then b off x onto y: 0 + (1 - 0).
        assert_eq!(n.push_one(a, t), Some(1));
        assert_eq!(
            (n.flow(ax), n.flow(ay), n.flow(bx), n.flow(by)),
            (1, 0, 0, 1)
        );
        // Nothing left for a third unit.
        assert_eq!(n.push_one(a, t), None);
    }

    #[test]
    fn a_negative_edge_is_taken_first() {
        let (s, x, t) = (0, 1, 2);
        let mut n = Network::new(3);
        let cheap = n.add(x, t, 1, -100);
        let plain = n.add(x, t, UNBOUNDED, 0);
        n.add(s, x, 2, 5);
        n.start(&[s, x, t]);
        assert_eq!(n.push_one(s, t), Some(-95));
        assert_eq!(n.push_one(s, t), Some(5));
        assert_eq!((n.flow(cheap), n.flow(plain)), (1, 1));
    }
}
