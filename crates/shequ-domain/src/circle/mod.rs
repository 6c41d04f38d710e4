//! The 15-minute community service circle (15分钟社区生活圈, seed 004):
//! how far each home walks to the nearest service of each kind, who is
//! within each kind's threshold, and where one (or k) more would cover the
//! most of those left out.
//!
//! - [`facility`]: the kinds of facility and their walking thresholds
//!   (GB 50180-2018's 5/10/15-minute tiers as Shanghai plans them);
//! - [`geo`]: distances on the ground;
//! - [`network`]: a walking network read from GeoJSON LineStrings, checked
//!   (inside the street, no line crossing itself), with points snapped to
//!   its nearest node;
//! - [`distance`]: the nearest facility of a kind from every building —
//!   over the network, the snaps counted, or the straight line times the
//!   detour factor where there is no network or it does not connect;
//! - [`coverage`]: the share of residents, and of those 60+ and 80+,
//!   within a threshold;
//! - [`siting`]: where next, chosen greedily with each step's gain.

pub mod coverage;
pub mod distance;
pub mod facility;
pub mod geo;
pub mod network;
pub mod siting;

pub use coverage::{Coverage, Share};
pub use distance::{DETOUR_FACTOR, Nearest, Via, nearest};
pub use facility::CircleType;
pub use network::{Bounds, Network};
pub use siting::{Gain, where_next};
