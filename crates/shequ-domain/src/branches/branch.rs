//! A branch on offer in a preference round: its kind, name and limits.

use crate::{Code, InvalidValue};

/// A branch needs three full (not probationary) members: with fewer the
/// Party constitution allows no branch of its own.
pub const FULL_MEMBERS_NEEDED: u32 = 3;

/// The largest a branch may grow unless its round says otherwise.
pub const DEFAULT_MAX: u32 = 50;

/// What draws a branch's members together (三缘).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BranchKind {
    /// 趣缘: a shared interest (tai chi, calligraphy, choir).
    Interest,
    /// 业缘: a shared occupation (teachers, doctors, retired cadres).
    Occupation,
    /// 地缘: where they live (a block of buildings). Members who fill in
    /// no form go to the location branch of their home.
    Location,
}

impl BranchKind {
    pub const ALL: [BranchKind; 3] = [
        BranchKind::Interest,
        BranchKind::Occupation,
        BranchKind::Location,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BranchKind::Interest => "interest",
            BranchKind::Occupation => "occupation",
            BranchKind::Location => "location",
        }
    }

    /// The Chinese name, as the forms and the result sheet print it.
    pub fn zh(self) -> &'static str {
        match self {
            BranchKind::Interest => "趣缘",
            BranchKind::Occupation => "业缘",
            BranchKind::Location => "地缘",
        }
    }

    /// Reads `interest`, `occupation`, `location` or their Chinese names.
    /// The party organisation kind a branch of this kind is.
    pub fn org_kind(self) -> crate::party::OrgKind {
        match self {
            BranchKind::Interest => crate::party::OrgKind::InterestBranch,
            BranchKind::Occupation => crate::party::OrgKind::OccupationBranch,
            BranchKind::Location => crate::party::OrgKind::LocationBranch,
        }
    }

    pub fn parse(s: &str) -> Result<BranchKind, InvalidValue> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.zh() == s)
            .ok_or_else(|| {
                InvalidValue::new(
                    Code::BranchKindUnknown,
                    format!(
                        "{s:?} is not a branch kind: write interest (趣缘), occupation (业缘) or location (地缘)"
                    ),
                )
                .at("kind")
            })
    }
}

/// A branch on offer: `min` is how many full members it needs at least
/// (never fewer than three), `max` how many members it may hold.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Branch {
    pub code: String,
    pub name: String,
    pub kind: BranchKind,
    pub min: u32,
    pub max: u32,
}

impl Branch {
    /// A branch, its limits checked.
    pub fn new(
        code: &str,
        name: &str,
        kind: BranchKind,
        min: u32,
        max: u32,
    ) -> Result<Branch, InvalidValue> {
        let code = code.trim();
        if code.is_empty() || code.chars().count() > 40 {
            return Err(InvalidValue::new(
                Code::BranchCode,
                "a branch needs a code of 1 to 40 characters",
            )
            .at("code"));
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 60 {
            return Err(InvalidValue::new(
                Code::BranchName,
                format!("branch {code} needs a name of 1 to 60 characters"),
            )
            .at("name"));
        }
        if min < FULL_MEMBERS_NEEDED {
            return Err(InvalidValue::new(
                Code::BranchLimits,
                format!(
                    "branch {code}: a minimum of {min} full members is too few; a branch needs at least {FULL_MEMBERS_NEEDED}"
                ),
            )
            .at("min"));
        }
        if min > max {
            return Err(InvalidValue::new(
                Code::BranchLimits,
                format!(
                    "branch {code}: its minimum ({min}) is above its maximum ({max}); lower the minimum or raise the maximum"
                ),
            )
            .at("max"));
        }
        Ok(Branch {
            code: code.to_owned(),
            name: name.to_owned(),
            kind,
            min,
            max,
        })
    }

    /// How the branch is named to people: `趣缘·太极拳`.
    pub fn label(&self) -> String {
        format!("{}·{}", self.kind.zh(), self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_checked() {
        let b = Branch::new("Q1", "太极拳", BranchKind::Interest, 3, 50).expect("must succeed");
        assert_eq!(b.label(), "趣缘·太极拳");
        let e =
            Branch::new("Q1", "太极拳", BranchKind::Interest, 8, 5).expect_err("must be refused");
        assert_eq!((e.code, e.field()), (Code::BranchLimits, Some("max")));
        assert!(e.message.contains("minimum (8) is above its maximum (5)"));
        let e =
            Branch::new("Q1", "太极拳", BranchKind::Interest, 2, 5).expect_err("must be refused");
        assert_eq!(e.field(), Some("min"));
        assert_eq!(
            Branch::new("", "x", BranchKind::Location, 3, 5)
                .expect_err("must be refused")
                .code,
            Code::BranchCode
        );
        assert_eq!(
            BranchKind::parse("地缘").expect("must succeed"),
            BranchKind::Location
        );
        assert_eq!(
            BranchKind::parse("occupation").expect("must succeed"),
            BranchKind::Occupation
        );
        assert_eq!(
            BranchKind::parse("hobby")
                .expect_err("must be refused")
                .code,
            Code::BranchKindUnknown
        );
    }
}
