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
}
