//! Geometry of the demo street: a jittered quadrilateral lattice whose cells
//! are the grids and whose rectangular blocks of cells are the
//! neighbourhoods. Every polygon is a walk along the same lattice points, so
//! neighbours share their edges exactly: the grids tile their neighbourhood
//! and the neighbourhoods tile the street, with no gaps or overlaps.
//!
//! Work happens in local metres (x east, y north) around the street's
//! centre; points are converted to WGS-84 and rounded to 1e-7° (about 1 cm)
//! once, and every polygon and test then uses the rounded values.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Centre of Tianlin Street.
pub const CENTER_LON: f64 = 121.432;
pub const CENTER_LAT: f64 = 31.172;
/// Metres per degree at the street's latitude (31.17° N).
pub const M_PER_DEG_LON: f64 = 95_300.0;
pub const M_PER_DEG_LAT: f64 = 110_900.0;
/// Tianlin Street's area as the seed article gives it: 4.19 km².
pub const STREET_AREA_M2: f64 = 4_190_000.0;

/// A WGS-84 position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LonLat {
    pub lon: f64,
    pub lat: f64,
}

impl LonLat {
    fn from_local(x: f64, y: f64) -> Self {
        Self {
            lon: round7(CENTER_LON + x / M_PER_DEG_LON),
            lat: round7(CENTER_LAT + y / M_PER_DEG_LAT),
        }
    }

    fn to_local(self) -> (f64, f64) {
        (
            (self.lon - CENTER_LON) * M_PER_DEG_LON,
            (self.lat - CENTER_LAT) * M_PER_DEG_LAT,
        )
    }
}

/// Rounds degrees to 7 decimals, the precision every stored point has.
pub fn round7(x: f64) -> f64 {
    (x * 1e7).round() / 1e7
}

/// The lattice of `(cols + 1) × (rows + 1)` points; cell `(i, j)` has its
/// south-west corner at point `(i, j)`. `j` grows northwards.
#[derive(Debug, Clone)]
pub struct Lattice {
    pub cols: usize,
    pub rows: usize,
    points: Vec<LonLat>,
}

impl Lattice {
    /// A street-shaped lattice: an irregular quadrilateral whose boundary
    /// points wander in and out, interior points jittered by up to a fifth
    /// of a cell, scaled so that the whole street covers 4.19 km².
    pub fn generate(cols: usize, rows: usize, rng: &mut ChaCha8Rng) -> Self {
        let (cols, rows) = (cols.max(1), rows.max(1));
        // Corners of the street before scaling (SW, SE, NE, NW), roughly
        // bounded by 漕宝路 to the south and 宜山路 to the north.
        let mut corners = [
            (-1250.0, -830.0),
            (1180.0, -980.0),
            (1300.0, 900.0),
            (-1150.0, 820.0),
        ];
        for c in &mut corners {
            c.0 += rng.random_range(-80.0..80.0);
            c.1 += rng.random_range(-80.0..80.0);
        }
        let cell_w = 2400.0 / cols as f64;
        let cell_h = 1800.0 / rows as f64;
        // A smooth wave per side makes the outline irregular but not jagged.
        let waves: Vec<(f64, f64, f64)> = (0..4)
            .map(|_| {
                (
                    rng.random_range(1.0..3.0),
                    rng.random_range(0.0..std::f64::consts::TAU),
                    rng.random_range(0.5..1.0),
                )
            })
            .collect();
        let mut local = Vec::with_capacity((cols + 1) * (rows + 1));
        for j in 0..=rows {
            for i in 0..=cols {
                let (u, v) = (i as f64 / cols as f64, j as f64 / rows as f64);
                let (mut x, mut y) = bilinear(&corners, u, v);
                let on_we = i == 0 || i == cols;
                let on_sn = j == 0 || j == rows;
                let wave = |side: usize, t: f64| {
                    let (freq, phase, amp) = waves[side];
                    amp * (std::f64::consts::TAU * freq * t + phase).sin()
                };
                if !on_we && !on_sn {
                    x += rng.random_range(-0.2..0.2) * cell_w;
                    y += rng.random_range(-0.2..0.2) * cell_h;
                } else if on_sn && !on_we {
                    let side = if j == 0 { 0 } else { 2 };
                    let out = if j == 0 { -1.0 } else { 1.0 };
                    let d = 0.7 * wave(side, u) + 0.3 * rng.random_range(-1.0..1.0);
                    y += out * 0.25 * cell_h * d;
                    x += rng.random_range(-0.1..0.1) * cell_w;
                } else if on_we && !on_sn {
                    let side = if i == 0 { 3 } else { 1 };
                    let out = if i == 0 { -1.0 } else { 1.0 };
                    let d = 0.7 * wave(side, v) + 0.3 * rng.random_range(-1.0..1.0);
                    x += out * 0.25 * cell_w * d;
                    y += rng.random_range(-0.1..0.1) * cell_h;
                }
                local.push((x, y));
            }
        }
        let outline = block_indices(cols, 0, 0, cols, rows);
        let ring: Vec<(f64, f64)> = outline.iter().map(|&k| local[k]).collect();
        let scale = (STREET_AREA_M2 / shoelace(&ring).abs()).sqrt();
        let points = local
            .iter()
            .map(|&(x, y)| LonLat::from_local(x * scale, y * scale))
            .collect();
        Self { cols, rows, points }
    }

    /// The lattice point `(i, j)`.
    pub fn point(&self, i: usize, j: usize) -> LonLat {
        self.points[j * (self.cols + 1) + i]
    }

    /// The counter-clockwise outline (not closed) of the block of cells
    /// `[i0, i1) × [j0, j1)`, through every lattice point on its edges.
    pub fn block_ring(&self, i0: usize, j0: usize, i1: usize, j1: usize) -> Vec<LonLat> {
        block_indices(self.cols, i0, j0, i1, j1)
            .into_iter()
            .map(|k| self.points[k])
            .collect()
    }

    /// The outline of the whole street.
    pub fn street_ring(&self) -> Vec<LonLat> {
        self.block_ring(0, 0, self.cols, self.rows)
    }

    /// A point inside cell `(i, j)` at cell coordinates `(u, v)` in `[0, 1]²`
    /// (bilinear between its corners), rounded like every stored point.
    pub fn cell_point(&self, i: usize, j: usize, u: f64, v: f64) -> LonLat {
        let c = [
            self.point(i, j).to_local(),
            self.point(i + 1, j).to_local(),
            self.point(i + 1, j + 1).to_local(),
            self.point(i, j + 1).to_local(),
        ];
        let (x, y) = bilinear(&c, u, v);
        LonLat::from_local(x, y)
    }
}

/// Point indices of a block's outline: south edge west→east, east edge
/// south→north, north edge east→west, west edge north→south.
fn block_indices(cols: usize, i0: usize, j0: usize, i1: usize, j1: usize) -> Vec<usize> {
    let at = |i: usize, j: usize| j * (cols + 1) + i;
    let mut ring = Vec::new();
    ring.extend((i0..i1).map(|i| at(i, j0)));
    ring.extend((j0..j1).map(|j| at(i1, j)));
    ring.extend((i0 + 1..=i1).rev().map(|i| at(i, j1)));
    ring.extend((j0 + 1..=j1).rev().map(|j| at(i0, j)));
    ring
}

/// Bilinear interpolation between corners SW, SE, NE, NW.
fn bilinear(c: &[(f64, f64); 4], u: f64, v: f64) -> (f64, f64) {
    let lerp =
        |a: (f64, f64), b: (f64, f64), t: f64| (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
    let south = lerp(c[0], c[1], u);
    let north = lerp(c[3], c[2], u);
    lerp(south, north, v)
}

/// Signed shoelace area; positive for a counter-clockwise ring.
fn shoelace(ring: &[(f64, f64)]) -> f64 {
    let n = ring.len();
    (0..n)
        .map(|k| {
            let (a, b) = (ring[k], ring[(k + 1) % n]);
            a.0 * b.1 - b.0 * a.1
        })
        .sum::<f64>()
        / 2.0
}

#[cfg(test)]
/// Signed area of a ring in m² on the local plane (positive when
/// counter-clockwise).
pub fn ring_area_m2(ring: &[LonLat]) -> f64 {
    let local: Vec<(f64, f64)> = ring.iter().map(|p| p.to_local()).collect();
    shoelace(&local)
}

/// The area-weighted centroid of a simple ring.
pub fn centroid(ring: &[LonLat]) -> LonLat {
    let local: Vec<(f64, f64)> = ring.iter().map(|p| p.to_local()).collect();
    let a = shoelace(&local);
    let n = local.len();
    let (mut cx, mut cy) = (0.0, 0.0);
    for k in 0..n {
        let (p, q) = (local[k], local[(k + 1) % n]);
        let cross = p.0 * q.1 - q.0 * p.1;
        cx += (p.0 + q.0) * cross;
        cy += (p.1 + q.1) * cross;
    }
    LonLat::from_local(cx / (6.0 * a), cy / (6.0 * a))
}

/// Whether `p` lies strictly inside the ring (even–odd rule; a point on
/// an edge may go either way, so callers keep points off edges).
pub fn contains(ring: &[LonLat], p: LonLat) -> bool {
    let n = ring.len();
    let mut inside = false;
    let mut k_prev = n - 1;
    for k in 0..n {
        let (a, b) = (ring[k], ring[k_prev]);
        if (a.lat > p.lat) != (b.lat > p.lat) {
            let x = (b.lon - a.lon) * (p.lat - a.lat) / (b.lat - a.lat) + a.lon;
            if p.lon < x {
                inside = !inside;
            }
        }
        k_prev = k;
    }
    inside
}

/// A GeoJSON Polygon geometry with one closed counter-clockwise ring.
pub fn polygon_geojson(ring: &[LonLat]) -> String {
    let mut s = String::with_capacity(ring.len() * 28 + 40);
    s.push_str(r#"{"type":"Polygon","coordinates":[["#);
    for (k, p) in ring.iter().chain(ring.first()).enumerate() {
        if k > 0 {
            s.push(',');
        }
        s.push_str(&format!("[{:.7},{:.7}]", p.lon, p.lat));
    }
    s.push_str("]]}");
    s
}

/// A rectangle in degrees, counter-clockwise (for the district and city,
/// whose real outlines the demo does not carry).
pub fn box_ring(west: f64, south: f64, east: f64, north: f64) -> Vec<LonLat> {
    [(west, south), (east, south), (east, north), (west, north)]
        .into_iter()
        .map(|(lon, lat)| LonLat { lon, lat })
        .collect()
}

/// Splits `total` into parts between `min` and `max` (where possible), in
/// random order. Needs `max >= 2 * min - 1` to always succeed.
pub fn split(total: usize, min: usize, max: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut parts = Vec::new();
    let mut left = total;
    while left > max {
        let hi = max.min(left - min);
        parts.push(rng.random_range(min..=hi));
        left -= parts[parts.len() - 1];
    }
    if left > 0 {
        parts.push(left);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn cells_tile_the_street_and_are_counter_clockwise() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let lat = Lattice::generate(15, 10, &mut rng);
        let street = ring_area_m2(&lat.street_ring());
        assert!(
            (street - STREET_AREA_M2).abs() < 0.001 * STREET_AREA_M2,
            "{street}"
        );
        let mut sum = 0.0;
        for j in 0..lat.rows {
            for i in 0..lat.cols {
                let a = ring_area_m2(&lat.block_ring(i, j, i + 1, j + 1));
                assert!(a > 0.0, "cell {i},{j} is not counter-clockwise");
                sum += a;
            }
        }
        assert!((sum - street).abs() < 1e-6 * street, "{sum} vs {street}");
    }

    #[test]
    fn point_in_polygon_and_geojson() {
        let ring = box_ring(0.0, 0.0, 2.0, 1.0);
        assert!(contains(&ring, LonLat { lon: 1.0, lat: 0.5 }));
        assert!(!contains(&ring, LonLat { lon: 2.5, lat: 0.5 }));
        let c = centroid(&ring);
        assert!(
            (c.lon - 1.0).abs() < 1e-6 && (c.lat - 0.5).abs() < 1e-6,
            "{c:?}"
        );
        let json = polygon_geojson(&ring);
        assert!(json.ends_with("[0.0000000,0.0000000]]]}"), "{json}");
    }

    #[test]
    fn split_respects_bounds() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for total in 1..40 {
            let parts = split(total, 2, 4, &mut rng);
            assert_eq!(parts.iter().sum::<usize>(), total);
            if total >= 2 {
                assert!(
                    parts.iter().all(|p| (2..=4).contains(p)),
                    "{total}: {parts:?}"
                );
            }
        }
    }
}
