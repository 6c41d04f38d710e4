//! Near-duplicate complaints: the same category within 50 m and 24 hours
//! of an open order is probably the same problem.

/// How close in space a duplicate is, in metres.
pub const DUPLICATE_RADIUS_M: f64 = 50.0;
/// How close in time, in milliseconds.
pub const DUPLICATE_WINDOW_MS: i64 = 24 * 3_600_000;

/// Great-circle distance between two WGS-84 points in metres (haversine on
/// the mean Earth radius; within 0.5% of the ellipsoid at these distances).
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    const R: f64 = 6_371_008.8;
    let (lon1, lat1) = (a.0.to_radians(), a.1.to_radians());
    let (lon2, lat2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * R * h.sqrt().asin()
}

/// A bounding box around a point that contains every point within
/// `radius_m` (for an index pre-filter before the exact distance).
pub fn bbox(center: (f64, f64), radius_m: f64) -> (f64, f64, f64, f64) {
    let dlat = radius_m / 111_194.9;
    let dlon = dlat / center.1.to_radians().cos().max(0.01);
    (
        center.0 - dlon,
        center.1 - dlat,
        center.0 + dlon,
        center.1 + dlat,
    )
}

/// Whether a report at `(point, at)` duplicates an open order at
/// `(other, other_at)` of the same category.
pub fn is_near_duplicate(point: (f64, f64), at: i64, other: (f64, f64), other_at: i64) -> bool {
    (at - other_at).abs() <= DUPLICATE_WINDOW_MS && distance_m(point, other) <= DUPLICATE_RADIUS_M
}

/// Open orders of one category by where they are, to find a likely
/// duplicate without measuring the distance to every open order of the
/// day: a busy street files thousands a day, and a linear scan with a
/// haversine each made the check a visible share of every report's cost.
///
/// Orders sit in cells of [`CELL_DEG`] degrees; a query measures only the
/// orders in the cells its [`bbox`] touches.
#[derive(Debug, Default, Clone)]
pub struct NearIndex {
    cells: std::collections::HashMap<(i64, i64), Vec<Placed>>,
    /// The cell of each order held.
    cell_of_order: std::collections::HashMap<i64, (i64, i64)>,
}

/// An open order's id, point and creation time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placed {
    pub id: i64,
    pub point: (f64, f64),
    pub created_at: i64,
}

/// The side of a cell in degrees (about 111 m of latitude, more than
/// twice the radius, so a query touches at most four cells away from the
/// poles).
pub const CELL_DEG: f64 = 0.001;

fn cell_of(lon: f64, lat: f64) -> (i64, i64) {
    (
        (lon / CELL_DEG).floor() as i64,
        (lat / CELL_DEG).floor() as i64,
    )
}

impl NearIndex {
    /// Adds an open order (again: an order already held moves).
    pub fn add(&mut self, order: Placed) {
        self.remove(order.id);
        let cell = cell_of(order.point.0, order.point.1);
        self.cells.entry(cell).or_default().push(order);
        self.cell_of_order.insert(order.id, cell);
    }

    /// Drops order `id` (no longer open); whether it was there.
    pub fn remove(&mut self, id: i64) -> bool {
        let Some(cell) = self.cell_of_order.remove(&id) else {
            return false;
        };
        if let Some(list) = self.cells.get_mut(&cell) {
            list.retain(|o| o.id != id);
            if list.is_empty() {
                self.cells.remove(&cell);
            }
        }
        true
    }

    /// Drops orders created more than [`DUPLICATE_WINDOW_MS`] before `now`.
    pub fn prune(&mut self, now: i64) {
        let cell_of_order = &mut self.cell_of_order;
        self.cells.retain(|_, list| {
            list.retain(|o| {
                let keep = now - o.created_at <= DUPLICATE_WINDOW_MS;
                if !keep {
                    cell_of_order.remove(&o.id);
                }
                keep
            });
            !list.is_empty()
        });
    }

    /// Orders held.
    pub fn len(&self) -> usize {
        self.cell_of_order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cell_of_order.is_empty()
    }

    /// The oldest order a report at `(point, now)` is a likely duplicate of.
    pub fn find(&self, point: (f64, f64), now: i64) -> Option<i64> {
        let (w, s, e, n) = bbox(point, DUPLICATE_RADIUS_M);
        let (x0, y0) = cell_of(w, s);
        let (x1, y1) = cell_of(e, n);
        let mut best: Option<&Placed> = None;
        for x in x0..=x1 {
            for y in y0..=y1 {
                let Some(list) = self.cells.get(&(x, y)) else {
                    continue;
                };
                for o in list {
                    if is_near_duplicate(point, now, o.point, o.created_at)
                        && best.is_none_or(|b| (o.created_at, o.id) < (b.created_at, b.id))
                    {
                        best = Some(o);
                    }
                }
            }
        }
        best.map(|o| o.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn distances_on_the_ground() {
        // One thousandth of a degree of latitude is about 111 m anywhere.
        let d = distance_m((121.43, 31.17), (121.43, 31.171));
        assert!((d - 111.2).abs() < 0.5, "{d}");
        assert!(is_near_duplicate(
            (121.43, 31.17),
            0,
            (121.4303, 31.1702),
            3_600_000
        ));
        assert!(
            !is_near_duplicate((121.43, 31.17), 0, (121.431, 31.17), 0),
            "95 m away"
        );
        assert!(!is_near_duplicate(
            (121.43, 31.17),
            0,
            (121.43, 31.17),
            DUPLICATE_WINDOW_MS + 1
        ));
    }

    proptest! {
        /// Every point within the radius lies inside the bounding box.
        #[test]
        fn bbox_contains_the_circle(lon in 73.0f64..135.0, lat in 18.0f64..53.0, bearing in 0.0f64..360.0, frac in 0.0f64..1.0) {
            let r = DUPLICATE_RADIUS_M * frac;
            let dlat = r * bearing.to_radians().cos() / 111_194.9;
            let dlon = r * bearing.to_radians().sin() / (111_194.9 * lat.to_radians().cos());
            let p = (lon + dlon, lat + dlat);
            let (w, s, e, n) = bbox((lon, lat), DUPLICATE_RADIUS_M);
            prop_assert!(p.0 >= w && p.0 <= e && p.1 >= s && p.1 <= n);
        }
    }

    proptest! {
        /// The index finds exactly what measuring every order would.
        #[test]
        fn the_index_finds_what_a_scan_finds(
            orders in proptest::collection::vec(
                ((-0.002f64..0.002, -0.002f64..0.002), 0i64..2 * DUPLICATE_WINDOW_MS), 0..60),
            query in ((-0.002f64..0.002, -0.002f64..0.002), 0i64..2 * DUPLICATE_WINDOW_MS),
            removed in 0usize..60,
            base_lat in -60.0f64..60.0,
        ) {
            let base = (121.43, base_lat);
            let placed: Vec<Placed> = orders
                .iter()
                .enumerate()
                .map(|(i, ((dx, dy), at))| Placed {
                    id: i as i64,
                    point: (base.0 + dx, base.1 + dy),
                    created_at: *at,
                })
                .collect();
            let mut index = NearIndex::default();
            for p in &placed {
                index.add(*p);
            }
            let gone = removed as i64;
            prop_assert_eq!(index.remove(gone), (removed) < placed.len());
            let point = (base.0 + query.0.0, base.1 + query.0.1);
            let scan = placed
                .iter()
                .filter(|o| o.id != gone && is_near_duplicate(point, query.1, o.point, o.created_at))
                .min_by_key(|o| (o.created_at, o.id))
                .map(|o| o.id);
            prop_assert_eq!(index.find(point, query.1), scan);
            index.prune(query.1);
            prop_assert!(index.len() <= placed.len());
            prop_assert_eq!(index.find(point, query.1), scan);
        }
    }
}
