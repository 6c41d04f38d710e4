//! Distances on the ground between WGS-84 longitude/latitude points, and
//! a local flat projection for indexing points near each other.

/// Mean Earth radius in metres (IUGG).
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A point as (longitude, latitude) in degrees.
pub type Point = (f64, f64);

/// The great-circle distance in metres (haversine).
pub fn metres(a: Point, b: Point) -> f64 {
    let (lon1, lat1) = (a.0.to_radians(), a.1.to_radians());
    let (lon2, lat2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// Metres east and north of a reference latitude's origin: good to a
/// fraction of a percent across a district, which is all an index needs.
#[derive(Debug, Clone, Copy)]
pub struct Flat {
    metres_per_lon: f64,
    metres_per_lat: f64,
}

impl Flat {
    /// The projection around `lat` degrees.
    pub fn at(lat: f64) -> Self {
        let per_degree = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
        Self {
            metres_per_lon: per_degree * lat.to_radians().cos(),
            metres_per_lat: per_degree,
        }
    }

    pub fn xy(&self, p: Point) -> (f64, f64) {
        (p.0 * self.metres_per_lon, p.1 * self.metres_per_lat)
    }
}

/// Points in square cells of a flat projection, to find those near a
/// place without looking at every one.
#[derive(Debug, Clone)]
pub struct Grid {
    flat: Flat,
    cell: f64,
    cells: std::collections::HashMap<(i64, i64), Vec<u32>>,
    points: Vec<Point>,
}

impl Grid {
    /// Indexes `points` in cells of `cell` metres.
    pub fn new(points: &[Point], cell: f64) -> Self {
        let lat = if points.is_empty() {
            0.0
        } else {
            points.iter().map(|p| p.1).sum::<f64>() / points.len() as f64
        };
        let flat = Flat::at(lat);
        let mut cells: std::collections::HashMap<(i64, i64), Vec<u32>> =
            std::collections::HashMap::new();
        for (i, p) in points.iter().enumerate() {
            let key = Self::key_of(flat, cell, *p);
            cells.entry(key).or_default().push(i as u32);
        }
        Self {
            flat,
            cell,
            cells,
            points: points.to_vec(),
        }
    }

    fn key_of(flat: Flat, cell: f64, p: Point) -> (i64, i64) {
        let (x, y) = flat.xy(p);
        ((x / cell).floor() as i64, (y / cell).floor() as i64)
    }

    /// The indexed points within `radius` metres of `p`, with their
    /// distance.
    pub fn within(&self, p: Point, radius: f64) -> Vec<(u32, f64)> {
        let (cx, cy) = Self::key_of(self.flat, self.cell, p);
        let r = (radius / self.cell).ceil() as i64 + 1;
        let mut found = Vec::new();
        for dx in -r..=r {
            for dy in -r..=r {
                if let Some(ids) = self.cells.get(&(cx + dx, cy + dy)) {
                    for &i in ids {
                        let d = metres(p, self.points[i as usize]);
                        if d <= radius {
                            found.push((i, d));
                        }
                    }
                }
            }
        }
        found
    }

    /// The nearest indexed point to `p`, searching rings of cells outwards
    /// until one is found and no nearer can be further out.
    pub fn nearest(&self, p: Point) -> Option<(u32, f64)> {
        if self.points.is_empty() {
            return None;
        }
        let (cx, cy) = Self::key_of(self.flat, self.cell, p);
        let mut best: Option<(u32, f64)> = None;
        let mut ring = 0i64;
        loop {
            for dx in -ring..=ring {
                for dy in -ring..=ring {
                    if dx.abs() != ring && dy.abs() != ring {
                        continue;
                    }
                    if let Some(ids) = self.cells.get(&(cx + dx, cy + dy)) {
                        for &i in ids {
                            let d = metres(p, self.points[i as usize]);
                            if best.is_none_or(|(_, b)| d < b) {
                                best = Some((i, d));
                            }
                        }
                    }
                }
            }
            // Everything in rings beyond this one is at least `ring` cells
            // away; stop once the best found is nearer than that.
            if best.is_some_and(|(_, d)| d <= ring as f64 * self.cell) {
                return best;
            }
            ring += 1;
            if ring > 1_000_000 {
                return best;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_degree_of_latitude_is_about_111_km() {
        let d = metres((121.0, 31.0), (121.0, 32.0));
        assert!((d - 111_195.0).abs() < 10.0, "{d}");
        let east = metres((121.0, 31.0), (121.001, 31.0));
        assert!((east - 95.3).abs() < 0.5, "{east}");
    }

    #[test]
    fn the_grid_finds_what_a_scan_finds() {
        let pts: Vec<Point> = (0..400)
            .map(|i| {
                (
                    121.40 + (i % 20) as f64 * 0.0013,
                    31.16 + (i / 20) as f64 * 0.0011,
                )
            })
            .collect();
        let g = Grid::new(&pts, 100.0);
        for q in [(121.41, 31.17), (121.3, 31.0), (121.4251, 31.1733)] {
            let scan = pts
                .iter()
                .enumerate()
                .map(|(i, p)| (i as u32, metres(q, *p)))
                .min_by(|a, b| a.1.total_cmp(&b.1));
            assert_eq!(g.nearest(q).map(|n| n.0), scan.map(|n| n.0), "{q:?}");
            let mut near: Vec<u32> = g.within(q, 250.0).into_iter().map(|n| n.0).collect();
            near.sort_unstable();
            let want: Vec<u32> = pts
                .iter()
                .enumerate()
                .filter(|(_, p)| metres(q, **p) <= 250.0)
                .map(|(i, _)| i as u32)
                .collect();
            assert_eq!(near, want, "{q:?}");
        }
    }
}
