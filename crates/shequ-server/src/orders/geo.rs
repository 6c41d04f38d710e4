//! Finding the grid a point lies in, from the grids' GeoJSON polygons,
//! held in memory (a street has ~150 grids; a city some tens of thousands,
//! still a few megabytes).

use geo::{BoundingRect, Intersects, MultiPolygon, Point, Rect};
use shequ_store::{Scope, Store};

/// A grid's shape and where it sits in the tree.
#[derive(Debug, Clone)]
struct GridShape {
    region_id: i64,
    path: String,
    bbox: Rect<f64>,
    shape: MultiPolygon<f64>,
}

/// The grids of the installation, for point lookups.
#[derive(Debug, Default)]
pub struct GridIndex {
    grids: Vec<GridShape>,
}

fn to_multipolygon(geojson_text: &str) -> Option<MultiPolygon<f64>> {
    let geometry: geojson::Geometry = geojson_text.parse().ok()?;
    let g: geo::Geometry<f64> = geometry.try_into().ok()?;
    match g {
        geo::Geometry::Polygon(p) => Some(MultiPolygon(vec![p])),
        geo::Geometry::MultiPolygon(m) => Some(m),
        _ => None,
    }
}

impl GridIndex {
    /// Loads every grid that has a polygon.
    pub async fn load(store: &Store) -> shequ_store::Result<Self> {
        let grids = store
            .region_shapes_in(&Scope::everything())
            .await?
            .into_iter()
            .filter(|r| r.region.kind == "grid")
            .filter_map(|r| {
                let shape = to_multipolygon(r.polygon.as_deref()?)?;
                Some(GridShape {
                    region_id: r.region.id,
                    path: r.region.path,
                    bbox: shape.bounding_rect()?,
                    shape,
                })
            })
            .collect();
        Ok(Self { grids })
    }

    /// The grid containing `(lon, lat)`: `(region_id, path)`.
    pub fn locate(&self, lon: f64, lat: f64) -> Option<(i64, &str)> {
        let p = Point::new(lon, lat);
        self.grids
            .iter()
            .filter(|g| g.bbox.intersects(&p))
            // A point on a shared edge belongs to the first grid found.
            .find(|g| g.shape.intersects(&p))
            .map(|g| (g.region_id, g.path.as_str()))
    }

    pub fn len(&self) -> usize {
        self.grids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.grids.is_empty()
    }
}
