//! The crate's macros, declared before the modules that use them.

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
