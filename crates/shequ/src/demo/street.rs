//! The region tree of the demo street: city 310000 → district 310104 →
//! street 310104011 田林街道 → neighbourhoods (blocks of lattice cells) →
//! grids (single cells), with their polygons.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use shequ_domain::{RegionCode, RegionKind};
use shequ_store::regions::NewRegion;

use super::geometry::{self, Lattice, LonLat};
use super::names;

pub const CITY_CODE: &str = "310000";
pub const DISTRICT_CODE: &str = "310104";
pub const STREET_CODE: &str = "310104011";
pub const STREET_NAME: &str = "田林街道";

/// A neighbourhood: a rectangular block of lattice cells.
#[derive(Debug, Clone)]
pub struct Neighbourhood {
    pub code: String,
    /// `田林一村`; the region's name is `田林一村居民区`.
    pub short: String,
    pub ring: Vec<LonLat>,
    /// Indexes into [`Street::grids`].
    pub grids: Vec<usize>,
}

/// A grid: one lattice cell.
#[derive(Debug, Clone)]
pub struct Grid {
    pub code: String,
    pub name: String,
    pub neighbourhood: usize,
    pub cell: (usize, usize),
    pub ring: Vec<LonLat>,
}

/// The street's shape and tree.
#[derive(Debug, Clone)]
pub struct Street {
    pub lattice: Lattice,
    pub neighbourhoods: Vec<Neighbourhood>,
    pub grids: Vec<Grid>,
}

/// How many grids a street of this many residents has: 150 from about
/// 20,000 residents up (Tianlin's count), fewer for a small test street.
pub fn grid_target(residents: usize) -> usize {
    (residents / 130).clamp(12, 150)
}

impl Street {
    /// Lays out about `grid_target` grids in rectangular neighbourhoods.
    pub fn generate(grid_target: usize, rng: &mut ChaCha8Rng) -> Self {
        let rows = ((grid_target as f64 / 1.5).sqrt().round() as usize).max(2);
        let cols = ((grid_target as f64 / rows as f64).round() as usize).max(2);
        let lattice = Lattice::generate(cols, rows, rng);
        let mut neighbourhoods = Vec::new();
        let mut grids = Vec::new();
        // Neighbourhoods of 4–12 grids; a small test street gets smaller
        // ones so that it still has several.
        let (w_min, w_max) = if cols < 8 { (1, 2) } else { (2, 4) };
        let (h_min, h_max) = if rows < 6 { (1, 2) } else { (2, 3) };
        let mut i0 = 0;
        for width in geometry::split(cols, w_min, w_max, rng) {
            let mut j1 = rows;
            for height in geometry::split(rows, h_min, h_max, rng) {
                let (i1, j0) = (i0 + width, j1 - height);
                let k = neighbourhoods.len();
                let code = format!("{STREET_CODE}{:03}", k + 1);
                let short = names::neighbourhood_name(k);
                let mut members = Vec::new();
                for j in (j0..j1).rev() {
                    for i in i0..i1 {
                        members.push(grids.len());
                        grids.push(Grid {
                            code: format!("{code}{:02}", members.len()),
                            name: format!("{short}第{}网格", members.len()),
                            neighbourhood: k,
                            cell: (i, j),
                            ring: lattice.block_ring(i, j, i + 1, j + 1),
                        });
                    }
                }
                neighbourhoods.push(Neighbourhood {
                    code,
                    short,
                    ring: lattice.block_ring(i0, j0, i1, j1),
                    grids: members,
                });
                j1 = j0;
            }
            i0 += width;
        }
        Self {
            lattice,
            neighbourhoods,
            grids,
        }
    }

    /// A point inside grid `g` at cell coordinates `(u, v)`, nudged inward
    /// until it lies strictly inside the stored (rounded) polygon.
    pub fn point_in_grid(
        &self,
        g: usize,
        u: f64,
        v: f64,
        rng: &mut ChaCha8Rng,
    ) -> anyhow::Result<LonLat> {
        let grid = &self.grids[g];
        let (i, j) = grid.cell;
        let (mut u, mut v) = (u.clamp(0.05, 0.95), v.clamp(0.05, 0.95));
        for _ in 0..100 {
            let p = self.lattice.cell_point(i, j, u, v);
            if geometry::contains(&grid.ring, p) {
                return Ok(p);
            }
            u = rng.random_range(0.2..0.8);
            v = rng.random_range(0.2..0.8);
        }
        anyhow::bail!("found no point inside grid {}", grid.code)
    }

    /// The regions to store, parents first.
    pub fn regions(&self) -> anyhow::Result<Vec<NewRegion>> {
        let code =
            |s: &str| RegionCode::parse(s).map_err(|e| anyhow::anyhow!("region code {s}: {e}"));
        let region = |c: &str,
                      name: String,
                      kind,
                      parent: Option<&str>,
                      ring: &[LonLat]|
         -> anyhow::Result<NewRegion> {
            let center = geometry::centroid(ring);
            Ok(NewRegion {
                code: code(c)?,
                name,
                kind,
                parent_code: parent.map(code).transpose()?,
                polygon: Some(geometry::polygon_geojson(ring)),
                center: Some((center.lon, center.lat)),
            })
        };
        // The city and district get boxes around their real extent; the
        // demo has no real outlines for them.
        let city = geometry::box_ring(120.85, 30.67, 122.2, 31.88);
        let district = geometry::box_ring(121.395, 31.115, 121.475, 31.215);
        let mut out = vec![
            region(CITY_CODE, "上海市".into(), RegionKind::City, None, &city)?,
            region(
                DISTRICT_CODE,
                "徐汇区".into(),
                RegionKind::District,
                Some(CITY_CODE),
                &district,
            )?,
            region(
                STREET_CODE,
                STREET_NAME.into(),
                RegionKind::Street,
                Some(DISTRICT_CODE),
                &self.lattice.street_ring(),
            )?,
        ];
        for n in &self.neighbourhoods {
            let name = format!("{}居民区", n.short);
            out.push(region(
                &n.code,
                name,
                RegionKind::Neighbourhood,
                Some(STREET_CODE),
                &n.ring,
            )?);
        }
        for g in &self.grids {
            let parent = &self.neighbourhoods[g.neighbourhood].code;
            out.push(region(
                &g.code,
                g.name.clone(),
                RegionKind::Grid,
                Some(parent),
                &g.ring,
            )?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn a_full_street_has_about_twenty_neighbourhoods_and_150_grids() {
        let mut rng = ChaCha8Rng::seed_from_u64(2018);
        let street = Street::generate(grid_target(100_000), &mut rng);
        assert_eq!(street.grids.len(), 150);
        let n = street.neighbourhoods.len();
        assert!((15..=30).contains(&n), "{n} neighbourhoods");
        for nb in &street.neighbourhoods {
            let whole = geometry::ring_area_m2(&nb.ring);
            let parts: f64 = nb
                .grids
                .iter()
                .map(|&g| geometry::ring_area_m2(&street.grids[g].ring))
                .sum();
            assert!(
                (whole - parts).abs() < 1e-6 * whole,
                "{}: {whole} vs {parts}",
                nb.code
            );
        }
        let regions = street.regions().expect("regions");
        assert_eq!(regions.len(), 3 + n + 150);
    }
}
