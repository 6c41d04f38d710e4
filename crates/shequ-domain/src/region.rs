//! The region tree: city → district → street → neighbourhood → grid, its
//! codes and the materialised paths that make "everything under this node"
//! one index range in either database.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Code, InvalidValue};

/// The level of a node in the region tree, from the top down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionKind {
    City,
    District,
    Street,
    Neighbourhood,
    Grid,
}

impl RegionKind {
    /// All kinds, top level first.
    pub const ALL: [RegionKind; 5] = [
        RegionKind::City,
        RegionKind::District,
        RegionKind::Street,
        RegionKind::Neighbourhood,
        RegionKind::Grid,
    ];

    /// The stable name used in the database, CSV files and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            RegionKind::City => "city",
            RegionKind::District => "district",
            RegionKind::Street => "street",
            RegionKind::Neighbourhood => "neighbourhood",
            RegionKind::Grid => "grid",
        }
    }

    /// Parses the stable name; Chinese labels (市, 区, 街道, 居民区, 网格) are
    /// accepted too because spreadsheets from streets use them.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        Ok(match s.trim() {
            "city" | "市" => RegionKind::City,
            "district" | "区" => RegionKind::District,
            "street" | "街道" | "镇" => RegionKind::Street,
            "neighbourhood" | "neighborhood" | "居民区" | "居委" | "村" => {
                RegionKind::Neighbourhood
            }
            "grid" | "网格" => RegionKind::Grid,
            other => {
                return Err(InvalidValue::new(
                    Code::RegionKindUnknown,
                    format!(
                        "unknown region kind {other:?}; use one of city, district, street, neighbourhood, grid"
                    ),
                ));
            }
        })
    }

    /// The kind a child of this node must have, if it may have children.
    pub fn child_kind(self) -> Option<RegionKind> {
        match self {
            RegionKind::City => Some(RegionKind::District),
            RegionKind::District => Some(RegionKind::Street),
            RegionKind::Street => Some(RegionKind::Neighbourhood),
            RegionKind::Neighbourhood => Some(RegionKind::Grid),
            RegionKind::Grid => None,
        }
    }
}

impl fmt::Display for RegionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A region's code: administrative division codes such as `310104011`, or
/// any short code a street assigns to its grids.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

impl RegionCode {
    /// Longest code accepted.
    pub const MAX_LEN: usize = 32;

    /// Accepts 1–32 ASCII letters, digits, `-` or `_`.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        let s = s.trim();
        if s.is_empty() {
            return Err(InvalidValue::new(
                Code::RegionCodeEmpty,
                "region code is empty",
            ));
        }
        if s.len() > Self::MAX_LEN {
            return Err(InvalidValue::new(
                Code::RegionCodeTooLong,
                format!(
                    "region code {s:?} is longer than {} characters",
                    Self::MAX_LEN
                ),
            ));
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(InvalidValue::new(
                Code::RegionCodeInvalid,
                format!("region code {s:?} may contain only letters, digits, '-' and '_'"),
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for RegionCode {
    type Error = InvalidValue;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<RegionCode> for String {
    fn from(c: RegionCode) -> String {
        c.0
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A materialised path such as `/310000/310104/310104011/`: the codes from
/// the root down to the node, each followed by `/`.
///
/// Every node's subtree is exactly the paths in `[path, path_end)`, where the
/// end replaces the final `/` with `0` (the next byte). That makes the data
/// scope a plain range predicate that an ordinary B-tree index answers on
/// SQLite and PostgreSQL alike.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionPath(String);

impl RegionPath {
    /// The path of a root node.
    pub fn root(code: &RegionCode) -> Self {
        Self(format!("/{}/", code.as_str()))
    }

    /// The path of a child of this node.
    pub fn child(&self, code: &RegionCode) -> Self {
        Self(format!("{}{}/", self.0, code.as_str()))
    }

    /// Parses a stored path, checking each segment is a valid code.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        let bad = || {
            InvalidValue::new(
                Code::RegionPathInvalid,
                format!("invalid region path {s:?}"),
            )
        };
        let inner = s
            .strip_prefix('/')
            .and_then(|r| r.strip_suffix('/'))
            .ok_or_else(bad)?;
        if inner.is_empty() {
            return Err(bad());
        }
        for seg in inner.split('/') {
            RegionCode::parse(seg).map_err(|_| bad())?;
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Number of levels below the root (a root has depth 0).
    pub fn depth(&self) -> usize {
        self.0.matches('/').count().saturating_sub(2)
    }

    /// The codes from the root down, this node's last.
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.0.split('/').filter(|s| !s.is_empty())
    }

    /// The code of this node itself.
    pub fn leaf_code(&self) -> &str {
        self.codes().last().unwrap_or_default()
    }

    /// The exclusive upper bound of this node's subtree range.
    pub fn subtree_end(&self) -> String {
        let mut end = self.0.clone();
        end.pop();
        end.push('0');
        end
    }

    /// Whether `other` is this node or lies below it.
    pub fn contains(&self, other: &RegionPath) -> bool {
        other.0.starts_with(&self.0)
    }

    /// The path of the parent, if this is not a root.
    pub fn parent(&self) -> Option<RegionPath> {
        let trimmed = &self.0[..self.0.len() - 1];
        let cut = trimmed.rfind('/')?;
        if cut == 0 {
            return None;
        }
        Some(RegionPath(self.0[..=cut].to_owned()))
    }
}

impl TryFrom<String> for RegionPath {
    type Error = InvalidValue;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<RegionPath> for String {
    fn from(p: RegionPath) -> String {
        p.0
    }
}

impl fmt::Display for RegionPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).expect("valid code")
    }

    #[test]
    fn child_paths_and_parents() {
        let city = RegionPath::root(&code("310000"));
        let street = city.child(&code("310104")).child(&code("310104011"));
        assert_eq!(street.as_str(), "/310000/310104/310104011/");
        assert_eq!(street.depth(), 2);
        assert_eq!(street.leaf_code(), "310104011");
        assert_eq!(
            street.parent().map(String::from).as_deref(),
            Some("/310000/310104/")
        );
        assert_eq!(city.parent(), None);
        assert_eq!(street.subtree_end(), "/310000/310104/3101040110");
    }

    #[test]
    fn sibling_with_longer_code_is_not_in_subtree() {
        // "/1/2/" must not contain "/1/23/": the trailing slash guards it.
        let a = RegionPath::parse("/1/2/").expect("valid");
        let b = RegionPath::parse("/1/23/").expect("valid");
        assert!(!a.contains(&b));
        assert!(!(b.as_str() >= a.as_str() && b.as_str() < a.subtree_end().as_str()));
    }

    #[test]
    fn rejects_bad_codes_and_paths() {
        assert!(RegionCode::parse("").is_err());
        assert!(RegionCode::parse("a/b").is_err());
        assert!(RegionCode::parse(&"9".repeat(33)).is_err());
        assert!(RegionPath::parse("310000/").is_err());
        assert!(RegionPath::parse("//").is_err());
        assert!(RegionPath::parse("/a b/").is_err());
    }

    #[test]
    fn parses_chinese_kind_labels() {
        assert_eq!(RegionKind::parse("网格"), Ok(RegionKind::Grid));
        assert_eq!(RegionKind::parse("居民区"), Ok(RegionKind::Neighbourhood));
        assert!(RegionKind::parse("province").is_err());
    }

    proptest! {
        /// The range predicate and the prefix test agree for any two paths:
        /// this is what lets the store enforce scope with an index range.
        #[test]
        fn range_predicate_equals_prefix_test(
            a in proptest::collection::vec("[0-9A-Za-z_-]{1,4}", 1..4),
            b in proptest::collection::vec("[0-9A-Za-z_-]{1,4}", 1..6),
        ) {
            let build = |segs: &Vec<String>| {
                let mut p = RegionPath::root(&code(&segs[0]));
                for s in &segs[1..] { p = p.child(&code(s)); }
                p
            };
            let (pa, pb) = (build(&a), build(&b));
            let in_range = pb.as_str() >= pa.as_str() && pb.as_str() < pa.subtree_end().as_str();
            prop_assert_eq!(in_range, pa.contains(&pb));
        }
    }
}
