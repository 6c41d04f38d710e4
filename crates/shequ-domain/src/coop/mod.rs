//! Regional cooperation (区域化党建): the street's party working committee
//! draws the units resident in its area (驻区单位: offices, institutions,
//! firms, universities, hospitals, schools, social organisations) into
//! serving the neighbourhoods around them.
//!
//! The work runs on three lists (三张清单): neighbourhoods post **needs**
//! (需求清单: meals for the elderly, legal advice, tutoring…), units offer
//! **resources** (资源清单: a venue, ten hours of a lawyer a month, forty
//! places in a canteen), and a need met by a resource becomes a
//! **project** (项目清单) that is agreed, run, done and rated. This module
//! holds the rules of that work and nothing else — no I/O, no clock:
//!
//! - [`Category`] of needs and resources, [`UnitKind`] of resident units;
//! - [`Capacity`] a resource offers and what is left of it once
//!   projects have committed part of it ([`capacity`]);
//! - [`Window`]s of dates a need runs or a resource is available;
//! - the [`ProjectStatus`] lifecycle and its [`Rating`]s ([`project`]);
//! - [`matching`]: scoring and ranking resources for a need, with the
//!   reasons in words in Chinese and English;
//! - [`recurring`]: proposing a need from recurring work orders;
//! - volunteering activities' sign-up and check-in ([`volunteer`]), whose
//!   hours land on the member's double registration;
//! - pairing (结对帮扶) of organisations with each other and of cadres
//!   with households in difficulty, and when a pair is overdue a visit
//!   ([`pairing`]).

/// An enum with a stable snake_case code and a Chinese name (plus other
/// Chinese aliases it also reads), the pattern of `place.rs`: `ALL`,
/// `as_str`, `zh` and `parse`, refusing anything else with `$code` at
/// `$field`.
macro_rules! coded_enum {
    (
        $(#[$meta:meta])* $name:ident, $code:expr, $field:literal, $what:literal, {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal, $zh:literal $(| $alias:literal)* ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
        )]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $( $(#[$vmeta])* $variant ),+ }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),+ ];

            /// The stable name used in the database, files and the API.
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $text ),+ }
            }

            /// The Chinese name, as forms and lists print it.
            pub fn zh(self) -> &'static str {
                match self { $( $name::$variant => $zh ),+ }
            }

            /// Reads the stable name, the Chinese name or another Chinese
            /// alias.
            pub fn parse(s: &str) -> Result<Self, crate::InvalidValue> {
                match s.trim() {
                    $( $text | $zh $(| $alias)* => Ok($name::$variant), )+
                    other => Err(crate::InvalidValue::new(
                        $code,
                        format!(
                            "{other:?} is not a {}; use one of {}",
                            $what,
                            Self::ALL
                                .iter()
                                .map(|v| format!("{} ({})", v.as_str(), v.zh()))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                    .at($field)),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod capacity;
pub mod category;
pub mod matching;
pub mod need;
pub mod pairing;
pub mod project;
pub mod recurring;
pub mod unit;
pub mod volunteer;
pub mod window;

pub use capacity::{Capacity, CapacityUnit, check_commitment, remaining};
pub use category::Category;
pub use matching::{DETOUR, Fit, LatIndex, NeedView, Parts, ResourceView, rank, score};
pub use need::Urgency;
pub use pairing::{DEFAULT_VISIT_DAYS, DifficultyTag, PairKind, in_difficulty, overdue};
pub use project::{ProjectStatus, Rating, RatingTally, average_rating, rate};
pub use recurring::{Proposal, recurring};
pub use unit::UnitKind;
pub use volunteer::{check_in, check_in_hours, signup};
pub use window::Window;
