//! Matching a need against the resources on offer: which resources fit,
//! how well, and why, in words a street worker can read out.
//!
//! A resource is scored on four parts, each from 0 to 1, weighed into
//! points from 0 to 1000:
//!
//! | part     | weight | 1 is…                                 |
//! |----------|--------|---------------------------------------|
//! | distance | 35%    | next door; ½ at [`HALF_SCORE_M`] walk |
//! | timing   | 25%    | available the whole need window       |
//! | capacity | 20%    | all of its capacity left              |
//! | rating   | 20%    | rated 5 over many projects            |
//!
//! Points are whole numbers so that equal fits tie exactly; ties go to the
//! smaller resource id, so a ranking never depends on input order.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use super::{Capacity, Category, RatingTally, Window, window::span};
use crate::order::duplicate::distance_m;

/// How much longer the walk is than the straight line: streets are not
/// straight, and 1.3 is the usual ratio of route to crow-flies distance in
/// a city grid.
pub const DETOUR: f64 = 1.3;

/// The walk, in metres, at which the distance part is one half; it falls
/// as `H / (H + walk)`, so 0.25 at three times that.
pub const HALF_SCORE_M: f64 = 1500.0;

/// The average an unrated resource is assumed to have, and how many
/// ratings that assumption is worth: a resource's rating is
/// `(sum + PRIOR_MEAN × PRIOR_WEIGHT) / (count + PRIOR_WEIGHT)`. A new
/// resource thus starts at 4.0 — about what a well-run one earns — and is
/// not buried under old ones with a few good ratings, while one poor or
/// excellent rating moves it only part of the way.
pub const PRIOR_MEAN: f64 = 4.0;
pub const PRIOR_WEIGHT: f64 = 2.0;

const W_DISTANCE: f64 = 0.35;
const W_TIMING: f64 = 0.25;
const W_CAPACITY: f64 = 0.20;
const W_RATING: f64 = 0.20;

/// A need, as much of it as matching looks at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NeedView {
    pub category: Category,
    /// Where it is needed (WGS-84).
    pub lon: f64,
    pub lat: f64,
    /// When it is needed.
    pub window: Window,
    /// How much is wanted, in the resource's unit; 0 when unspecified.
    pub wanted: u32,
}

/// A resource on offer, as much of it as matching looks at.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceView {
    pub id: i64,
    pub category: Category,
    /// Where the resource is (its unit's address; WGS-84).
    pub lon: f64,
    pub lat: f64,
    pub capacity: Capacity,
    /// How much of the capacity running projects have taken.
    pub committed: u32,
    /// When it is available; none listed means at any time.
    pub windows: Vec<Window>,
    /// Its ratings over past projects.
    pub ratings: RatingTally,
}

/// The four parts of a fit, each from 0 to 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Parts {
    pub distance: f64,
    pub capacity: f64,
    pub timing: f64,
    pub rating: f64,
}

/// How well a resource fits a need, and the facts behind it. Cheap to
/// copy: the words are made only when asked for ([`Fit::explain_en`],
/// [`Fit::explain_zh`]), for the few fits a page shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// The weighed score, 0 to 1000; more is better.
    pub points: u32,
    pub parts: Parts,
    /// Estimated walk in metres: the straight line times [`DETOUR`].
    pub walk_m: f64,
    /// What is left of the capacity.
    pub remaining: u32,
    pub capacity: Capacity,
    /// Days of the need's window the resource is available.
    pub covered_days: u32,
    /// Days in the need's window.
    pub need_days: u32,
    pub ratings: RatingTally,
}

/// How well `resource` fits `need`, or `None` when it cannot serve it at
/// all:
///
/// - its category differs. Categories must match exactly; `other` meets
///   only `other`, so a worker refiles a need or resource rather than have
///   every oddment offered for everything;
/// - something is wanted (`wanted > 0`) and nothing is left of it;
/// - it lists availability windows and none of them falls within the
///   need's.
///
/// When less is left than is wanted the capacity part is scaled down by
/// the share that can be covered.
pub fn score(need: &NeedView, resource: &ResourceView) -> Option<Fit> {
    if need.category != resource.category {
        return None;
    }
    let total = resource.capacity.amount;
    let remaining = total.saturating_sub(resource.committed);
    if need.wanted > 0 && remaining == 0 {
        return None;
    }
    let need_days = need.window.days();
    let covered_days = covered(&need.window, &resource.windows);
    if covered_days == 0 {
        return None;
    }

    let walk_m = distance_m((need.lon, need.lat), (resource.lon, resource.lat)) * DETOUR;
    let distance = if walk_m.is_finite() {
        HALF_SCORE_M / (HALF_SCORE_M + walk_m)
    } else {
        0.0
    };
    let mut capacity = if total == 0 {
        0.0
    } else {
        f64::from(remaining) / f64::from(total)
    };
    if need.wanted > remaining {
        capacity *= f64::from(remaining) / f64::from(need.wanted);
    }
    let timing = f64::from(covered_days) / f64::from(need_days);
    let r = resource.ratings;
    let rated =
        (f64::from(r.sum) + PRIOR_MEAN * PRIOR_WEIGHT) / (f64::from(r.count) + PRIOR_WEIGHT);
    let rating = ((rated - 1.0) / 4.0).clamp(0.0, 1.0);

    let weighed =
        W_DISTANCE * distance + W_TIMING * timing + W_CAPACITY * capacity + W_RATING * rating;
    Some(Fit {
        points: (weighed * 1000.0).round().clamp(0.0, 1000.0) as u32,
        parts: Parts {
            distance,
            capacity,
            timing,
            rating,
        },
        walk_m,
        remaining,
        capacity: resource.capacity,
        covered_days,
        need_days,
        ratings: r,
    })
}

/// The days of `need` that fall in at least one of `windows` (all of them
/// when none are listed). Windows may overlap; each day counts once. No
/// allocation: a cursor walks the need's days, jumping over each run a
/// window covers (windows are few per resource, so O(windows²) is cheap).
fn covered(need: &Window, windows: &[Window]) -> u32 {
    if windows.is_empty() {
        return need.days();
    }
    let (mut cursor, last) = (need.first(), need.last());
    let mut days = 0;
    while cursor <= last {
        let mut reach: Option<i32> = None;
        let mut next: Option<i32> = None;
        for w in windows {
            let (a, b) = (w.first(), w.last());
            if a <= cursor && cursor <= b {
                reach = reach.max(Some(b));
            } else if a > cursor && a <= last {
                next = Some(next.map_or(a, |n| n.min(a)));
            }
        }
        match (reach, next) {
            (Some(b), _) => {
                let b = b.min(last);
                days += span(cursor, b);
                cursor = b + 1;
            }
            (None, Some(a)) => cursor = a,
            (None, None) => break,
        }
    }
    days
}

/// A kept fit in the ranking heap, ordered better-first: more points, then
/// the smaller id.
struct Ranked(i64, Fit);

impl Ranked {
    fn key(&self) -> (u32, Reverse<i64>) {
        (self.1.points, Reverse(self.0))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

/// The `limit` resources that fit `need` best, best first, ties to the
/// smaller id; resources that cannot serve it ([`score`] gives `None`) are
/// left out, so fewer may come back.
///
/// One pass with a heap of the best `limit` so far (O(n log limit)); the
/// only allocation is that heap, and no words are made.
pub fn rank(need: &NeedView, resources: &[ResourceView], limit: usize) -> Vec<(i64, Fit)> {
    if limit == 0 {
        return Vec::new();
    }
    // The worst kept fit on top, to be pushed out by a better one.
    let mut kept: BinaryHeap<Reverse<Ranked>> =
        BinaryHeap::with_capacity(limit.min(resources.len()) + 1);
    for r in resources {
        let Some(fit) = score(need, r) else { continue };
        let candidate = Ranked(r.id, fit);
        if kept.len() < limit {
            kept.push(Reverse(candidate));
        } else if kept.peek().is_some_and(|Reverse(worst)| candidate > *worst) {
            kept.pop();
            kept.push(Reverse(candidate));
        }
    }
    // Ascending order of `Reverse` is best first.
    kept.into_sorted_vec()
        .into_iter()
        .map(|Reverse(Ranked(id, fit))| (id, fit))
        .collect()
}

/// The earth's mean radius in metres, as [`distance_m`] uses it.
const EARTH_M: f64 = 6_371_008.8;

/// Resources ordered by latitude, so that ranking a need can stop short
/// of scoring them all: no resource is nearer than its latitude
/// difference (a great circle is never shorter than the meridian arc
/// between its ends' latitudes), so walking outwards from the need's
/// latitude, once even a resource at that distance with every other part
/// perfect would score below the `limit`-th best kept, none further out
/// can enter. [`LatIndex::rank`] gives exactly what [`rank`] gives.
#[derive(Debug, Clone, Default)]
pub struct LatIndex {
    /// Indexes of the resources with a finite latitude and longitude,
    /// by latitude.
    by_lat: Vec<usize>,
    lats: Vec<f64>,
    /// The others, scored always (their distance part is 0).
    odd: Vec<usize>,
}

impl LatIndex {
    /// The index of `resources`; rank against the same slice.
    pub fn new(resources: &[ResourceView]) -> LatIndex {
        let (mut by_lat, odd): (Vec<usize>, Vec<usize>) = (0..resources.len())
            .partition(|&i| resources[i].lat.is_finite() && resources[i].lon.is_finite());
        by_lat.sort_by(|&a, &b| resources[a].lat.total_cmp(&resources[b].lat));
        let lats = by_lat.iter().map(|&i| resources[i].lat).collect();
        LatIndex { by_lat, lats, odd }
    }

    /// [`rank`] of `resources` (the slice this index was built from).
    pub fn rank(
        &self,
        need: &NeedView,
        resources: &[ResourceView],
        limit: usize,
    ) -> Vec<(i64, Fit)> {
        if limit == 0 {
            return Vec::new();
        }
        if !(need.lat.is_finite() && need.lon.is_finite())
            || self.lats.len() + self.odd.len() != resources.len()
        {
            return rank(need, resources, limit);
        }
        let mut kept: BinaryHeap<Reverse<Ranked>> = BinaryHeap::with_capacity(limit + 1);
        let consider = |r: &ResourceView, kept: &mut BinaryHeap<Reverse<Ranked>>| {
            let Some(fit) = score(need, r) else { return };
            let candidate = Ranked(r.id, fit);
            if kept.len() < limit {
                kept.push(Reverse(candidate));
            } else if kept.peek().is_some_and(|Reverse(worst)| candidate > *worst) {
                kept.pop();
                kept.push(Reverse(candidate));
            }
        };
        for &i in &self.odd {
            consider(&resources[i], &mut kept);
        }
        // Two cursors walking away from the need's latitude.
        let start = self.lats.partition_point(|&l| l < need.lat);
        let (mut down, mut up) = (start, start);
        loop {
            let below = down.checked_sub(1).map(|j| need.lat - self.lats[j]);
            let above = self.lats.get(up).map(|l| l - need.lat);
            let (j, gap) = match (below, above) {
                (Some(b), Some(a)) if b <= a => (down - 1, b),
                (_, Some(a)) => (up, a),
                (Some(b), None) => (down - 1, b),
                (None, None) => break,
            };
            if kept.len() == limit
                && let Some(Reverse(worst)) = kept.peek()
                && best_points_at(gap) < worst.1.points
            {
                break;
            }
            if j < down {
                down -= 1;
            } else {
                up += 1;
            }
            consider(&resources[self.by_lat[j]], &mut kept);
        }
        kept.into_sorted_vec()
            .into_iter()
            .map(|Reverse(Ranked(id, fit))| (id, fit))
            .collect()
    }
}

/// The most points a resource `gap` degrees of latitude away can score:
/// the distance part at the shortest walk that far (a hair shorter, for
/// rounding), every other part perfect.
fn best_points_at(gap_deg: f64) -> u32 {
    let walk = (gap_deg.to_radians() * EARTH_M * DETOUR * (1.0 - 1e-9) - 1e-6).max(0.0);
    let distance = HALF_SCORE_M / (HALF_SCORE_M + walk);
    let best = W_DISTANCE * distance + W_TIMING + W_CAPACITY + W_RATING;
    (best * 1000.0).round().clamp(0.0, 1000.0) as u32
}

impl Fit {
    /// The fit in English: `1.2 km, 6 of 20 hours left this month, rated
    /// 4.6 over 5 projects`. The timing clause appears only when the
    /// resource misses part of the need's window.
    pub fn explain_en(&self) -> String {
        let m = walk_rounded(self.walk_m);
        let distance = if m >= 1000 {
            format!("{:.1} km", f64::from(m) / 1000.0)
        } else {
            format!("{m} m")
        };
        let unit = self.capacity.unit;
        let total = self.capacity.amount;
        let month = if unit.per_month() { " this month" } else { "" };
        let mut out = format!(
            "{distance}, {} of {total} {} left{month}",
            self.remaining,
            unit.noun_en(total)
        );
        if self.covered_days < self.need_days {
            out.push_str(&format!(
                ", available {} of the {} days needed",
                self.covered_days, self.need_days
            ));
        }
        match self.ratings.average() {
            Some(avg) => {
                let n = self.ratings.count;
                let projects = if n == 1 { "project" } else { "projects" };
                out.push_str(&format!(", rated {avg:.1} over {n} {projects}"));
            }
            None => out.push_str(", not yet rated"),
        }
        out
    }

    /// The fit in Chinese: `步行约1.2公里，本月剩余6/20小时，5个项目平均
    /// 评分4.6`, with the timing clause as in [`Fit::explain_en`].
    pub fn explain_zh(&self) -> String {
        let m = walk_rounded(self.walk_m);
        let distance = if m >= 1000 {
            format!("步行约{:.1}公里", f64::from(m) / 1000.0)
        } else {
            format!("步行约{m}米")
        };
        let unit = self.capacity.unit;
        let month = if unit.per_month() { "本月" } else { "" };
        let mut out = format!(
            "{distance}，{month}剩余{}/{}{}",
            self.remaining,
            self.capacity.amount,
            unit.noun_zh()
        );
        if self.covered_days < self.need_days {
            out.push_str(&format!(
                "，需求期{}天中可服务{}天",
                self.need_days, self.covered_days
            ));
        }
        match self.ratings.average() {
            Some(avg) => out.push_str(&format!("，{}个项目平均评分{avg:.1}", self.ratings.count)),
            None => out.push_str("，暂无评分"),
        }
        out
    }
}

/// The walk to the nearest 10 m, at least 10: nobody is told "0 m".
fn walk_rounded(m: f64) -> u32 {
    if !m.is_finite() {
        return u32::MAX;
    }
    ((m / 10.0).round() as u32).max(1) * 10
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coop::CapacityUnit;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    const HERE: (f64, f64) = (121.43, 31.17);

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("day")
    }

    fn window(a: NaiveDate, b: NaiveDate) -> Window {
        Window::new(a, b).expect("window")
    }

    fn need(wanted: u32) -> NeedView {
        NeedView {
            category: Category::LegalAdvice,
            lon: HERE.0,
            lat: HERE.1,
            window: window(day(3, 1), day(3, 14)),
            wanted,
        }
    }

    /// A legal-advice resource `dlat` degrees north of the need, with 20
    /// hours a month of which `committed` are taken.
    fn resource(id: i64, dlat: f64, committed: u32, ratings: (u32, u32)) -> ResourceView {
        ResourceView {
            id,
            category: Category::LegalAdvice,
            lon: HERE.0,
            lat: HERE.1 + dlat,
            capacity: Capacity::new(20, CapacityUnit::HoursPerMonth).expect("capacity"),
            committed,
            windows: vec![],
            ratings: RatingTally {
                sum: ratings.0,
                count: ratings.1,
            },
        }
    }

    fn ids(ranked: &[(i64, Fit)]) -> Vec<i64> {
        ranked.iter().map(|(id, _)| *id).collect()
    }

    #[test]
    fn the_fit_is_told_in_both_languages() {
        // 0.0083° of latitude is 923 m in a straight line, a 1.2 km walk.
        let fit = score(&need(4), &resource(1, 0.0083, 14, (23, 5))).expect("fits");
        assert_eq!(
            fit.explain_en(),
            "1.2 km, 6 of 20 hours left this month, rated 4.6 over 5 projects"
        );
        assert_eq!(
            fit.explain_zh(),
            "步行约1.2公里，本月剩余6/20小时，5个项目平均评分4.6"
        );

        let mut r = resource(2, 0.003, 0, (0, 0));
        r.capacity = Capacity::new(40, CapacityUnit::Places).expect("capacity");
        r.windows = vec![window(day(2, 20), day(3, 5)), window(day(3, 4), day(3, 7))];
        let fit = score(&need(0), &r).expect("fits");
        assert_eq!((fit.covered_days, fit.need_days), (7, 14));
        assert_eq!(
            fit.explain_en(),
            "430 m, 40 of 40 places left, available 7 of the 14 days needed, not yet rated"
        );
        assert_eq!(
            fit.explain_zh(),
            "步行约430米，剩余40/40个名额，需求期14天中可服务7天，暂无评分"
        );
    }

    #[test]
    fn closer_roomier_and_better_rated_resources_come_first() {
        let n = need(2);
        let by_distance = [
            resource(1, 0.02, 0, (0, 0)),
            resource(2, 0.001, 0, (0, 0)),
            resource(3, 0.005, 0, (0, 0)),
        ];
        assert_eq!(ids(&rank(&n, &by_distance, 10)), [2, 3, 1]);
        let by_capacity = [
            resource(1, 0.005, 15, (0, 0)),
            resource(2, 0.005, 0, (0, 0)),
            resource(3, 0.005, 19, (0, 0)),
        ];
        assert_eq!(ids(&rank(&n, &by_capacity, 10)), [2, 1, 3]);
        let by_rating = [
            resource(1, 0.005, 0, (6, 3)),
            resource(2, 0.005, 0, (50, 10)),
            resource(3, 0.005, 0, (0, 0)),
        ];
        // 5.0 over ten projects, then the unrated resource's prior of 4.0,
        // then 2.0 over three.
        assert_eq!(ids(&rank(&n, &by_rating, 10)), [2, 3, 1]);
        // Available only part of the window ranks below all of it.
        let mut part = resource(1, 0.005, 0, (0, 0));
        part.windows = vec![window(day(3, 10), day(4, 30))];
        let whole = resource(2, 0.005, 0, (0, 0));
        assert_eq!(ids(&rank(&n, &[part, whole], 10)), [2, 1]);
    }

    #[test]
    fn equal_fits_go_to_the_smaller_id_and_the_limit_holds() {
        let n = need(0);
        let same: Vec<_> = [7, 3, 9, 1, 5]
            .into_iter()
            .map(|id| resource(id, 0.004, 0, (8, 2)))
            .collect();
        assert_eq!(ids(&rank(&n, &same, 10)), [1, 3, 5, 7, 9]);
        assert_eq!(ids(&rank(&n, &same, 2)), [1, 3]);
        assert!(rank(&n, &same, 0).is_empty());
    }

    #[test]
    fn resources_that_cannot_serve_are_left_out() {
        let n = need(3);
        let mut other = resource(1, 0.001, 0, (0, 0));
        other.category = Category::Tutoring;
        let full = resource(2, 0.001, 20, (0, 0));
        let mut away = resource(3, 0.001, 0, (0, 0));
        away.windows = vec![window(day(4, 1), day(4, 30))];
        let ok = resource(4, 0.05, 0, (0, 0));
        assert_eq!(score(&n, &other), None);
        assert_eq!(score(&n, &full), None);
        assert_eq!(score(&n, &away), None);
        assert_eq!(ids(&rank(&n, &[other, full.clone(), away, ok], 10)), [4]);
        // Wanting nothing in particular, a full resource is still listed.
        let fit = score(&need(0), &full).expect("listed");
        assert_eq!((fit.remaining, fit.parts.capacity), (0, 0.0));
        // Less left than wanted: listed, but scaled down.
        let short = score(&need(10), &resource(5, 0.001, 15, (0, 0))).expect("fits");
        assert_eq!(short.parts.capacity, 0.25 * 0.5);
    }

    #[test]
    fn twenty_thousand_resources_rank_in_one_pass() {
        let n = need(1);
        let many: Vec<_> = (0..20_000i64)
            .map(|i| {
                resource(
                    20_000 - i,
                    0.0001 * (i % 500) as f64,
                    (i % 21) as u32,
                    (0, 0),
                )
            })
            .collect();
        let top = rank(&n, &many, 5);
        // Nearest (i % 500 == 0) with all 20 hours left (i % 21 == 0):
        // i = 0, 10500 → ids 20000, 9500; the smaller id first.
        assert_eq!(ids(&top[..2]), [9_500, 20_000]);
        assert_eq!(top.len(), 5);
    }

    #[test]
    fn the_latitude_index_gives_the_same_top_over_a_wide_area() {
        let n = need(1);
        let many: Vec<_> = (0..20_000i64)
            .map(|i| {
                let mut r = resource(i + 1, 0.00003 * (i % 2_000) as f64, (i % 21) as u32, (0, 0));
                r.lat += 0.00001 * (i % 997) as f64 - 0.005;
                r
            })
            .collect();
        let index = LatIndex::new(&many);
        let points = |v: Vec<(i64, Fit)>| {
            v.into_iter()
                .map(|(id, f)| (id, f.points))
                .collect::<Vec<_>>()
        };
        for limit in [1, 5, 10] {
            assert_eq!(
                points(index.rank(&n, &many, limit)),
                points(rank(&n, &many, limit))
            );
        }
        let mut odd = many[..50].to_vec();
        odd[7].lat = f64::NAN;
        let index = LatIndex::new(&odd);
        assert_eq!(points(index.rank(&n, &odd, 60)), points(rank(&n, &odd, 60)));
    }

    fn arb_resource() -> impl Strategy<Value = ResourceView> {
        (
            1i64..200,
            0usize..4,
            -0.05f64..0.05,
            1u32..50,
            0u32..60,
            proptest::collection::vec((0u64..40, 0u64..20), 0..3),
            0u32..10,
        )
            .prop_map(
                |(id, cat, dlat, amount, committed, windows, count)| ResourceView {
                    id,
                    category: [
                        Category::LegalAdvice,
                        Category::Tutoring,
                        Category::Other,
                        Category::Venue,
                    ][cat],
                    lon: HERE.0 + dlat / 2.0,
                    lat: HERE.1 + dlat,
                    capacity: Capacity::new(amount, CapacityUnit::HoursPerMonth).expect("capacity"),
                    committed,
                    windows: windows
                        .into_iter()
                        .map(|(a, l)| {
                            let start = day(2, 20) + chrono::Days::new(a);
                            window(start, start + chrono::Days::new(l))
                        })
                        .collect(),
                    ratings: RatingTally {
                        sum: count * 4,
                        count,
                    },
                },
            )
    }

    proptest! {
        /// `rank` keeps at most `limit`, best first (ties to the smaller
        /// id), all of the need's category, and is exactly the top of
        /// scoring every resource and sorting.
        #[test]
        fn rank_is_the_sorted_top_of_the_scores(
            resources in proptest::collection::vec(arb_resource(), 0..60),
            limit in 0usize..15,
            wanted in 0u32..10,
        ) {
            let n = need(wanted);
            let ranked = rank(&n, &resources, limit);
            prop_assert!(ranked.len() <= limit);
            for pair in ranked.windows(2) {
                let ((a, fa), (b, fb)) = (&pair[0], &pair[1]);
                prop_assert!(fa.points > fb.points || (fa.points == fb.points && a < b));
            }
            for (id, fit) in &ranked {
                prop_assert!(fit.points <= 1000);
                prop_assert!(resources.iter().any(|r| r.id == *id && r.category == n.category));
            }
            let mut all: Vec<(i64, u32)> = resources
                .iter()
                .filter_map(|r| score(&n, r).map(|f| (r.id, f.points)))
                .collect();
            all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            all.truncate(limit);
            let got: Vec<(i64, u32)> = ranked.iter().map(|(id, f)| (*id, f.points)).collect();
            prop_assert_eq!(got, all);
        }

        /// The latitude index ranks exactly as scoring every resource
        /// does, wherever the need is, however many are asked for.
        #[test]
        fn the_latitude_index_ranks_as_rank_does(
            resources in proptest::collection::vec(arb_resource(), 0..80),
            limit in 0usize..12,
            wanted in 0u32..10,
            dlat in -0.06f64..0.06,
        ) {
            let mut n = need(wanted);
            n.lat += dlat;
            let index = LatIndex::new(&resources);
            let points = |v: Vec<(i64, Fit)>| v.into_iter().map(|(id, f)| (id, f.points)).collect::<Vec<_>>();
            prop_assert_eq!(points(index.rank(&n, &resources, limit)), points(rank(&n, &resources, limit)));
        }

        /// The covered days are the need's days that some window contains.
        #[test]
        fn covered_days_count_each_day_once(
            windows in proptest::collection::vec((0u64..40, 0u64..20), 0..5),
        ) {
            let base = day(2, 20);
            let ws: Vec<Window> = windows
                .iter()
                .map(|(a, l)| {
                    let s = base + chrono::Days::new(*a);
                    window(s, s + chrono::Days::new(*l))
                })
                .collect();
            let n = need(0).window;
            let by_day = (0..n.days() as u64)
                .map(|i| n.start() + chrono::Days::new(i))
                .filter(|d| ws.is_empty() || ws.iter().any(|w| w.contains(*d)))
                .count() as u32;
            prop_assert_eq!(covered(&n, &ws), by_day);
        }
    }
}
