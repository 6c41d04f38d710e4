//! The kinds of party organisation the seeds name, and which kind may
//! stand under which.

use crate::{Code, InvalidValue};

/// A kind of party organisation. Its `level` orders the tree: an
/// organisation stands only under one of a smaller level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OrgKind {
    /// 市委
    CityCommittee,
    /// 区委
    DistrictCommittee,
    /// 组织部 of a city or district committee: it organises, holds no
    /// organisations of its own.
    OrganisationDepartment,
    /// 街道党工委
    StreetWorkingCommittee,
    /// 居民区党委
    NeighbourhoodCommittee,
    /// 居民区党总支
    NeighbourhoodGeneralBranch,
    /// 党支部
    Branch,
    /// 联合党支部: one branch covering several places or firms.
    JointBranch,
    /// 流动党员党支部
    MobileMembersBranch,
    /// 趣缘党支部 (members who share an interest)
    InterestBranch,
    /// 业缘党支部 (members who share an occupation)
    OccupationBranch,
    /// 地缘党支部 (members who live near each other)
    LocationBranch,
    /// An organisation of a new sector (两新组织): in a firm, office
    /// building, park, business district, market, construction site or
    /// internet firm. Which sector is the place's kind, not the tree's.
    NewSector,
    /// 党小组
    Group,
}

impl OrgKind {
    pub const ALL: [OrgKind; 14] = [
        OrgKind::CityCommittee,
        OrgKind::DistrictCommittee,
        OrgKind::OrganisationDepartment,
        OrgKind::StreetWorkingCommittee,
        OrgKind::NeighbourhoodCommittee,
        OrgKind::NeighbourhoodGeneralBranch,
        OrgKind::Branch,
        OrgKind::JointBranch,
        OrgKind::MobileMembersBranch,
        OrgKind::InterestBranch,
        OrgKind::OccupationBranch,
        OrgKind::LocationBranch,
        OrgKind::NewSector,
        OrgKind::Group,
    ];

    /// The stable text stored and exchanged (`neighbourhood_general_branch`).
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::CityCommittee => "city_committee",
            OrgKind::DistrictCommittee => "district_committee",
            OrgKind::OrganisationDepartment => "organisation_department",
            OrgKind::StreetWorkingCommittee => "street_working_committee",
            OrgKind::NeighbourhoodCommittee => "neighbourhood_committee",
            OrgKind::NeighbourhoodGeneralBranch => "neighbourhood_general_branch",
            OrgKind::Branch => "branch",
            OrgKind::JointBranch => "joint_branch",
            OrgKind::MobileMembersBranch => "mobile_members_branch",
            OrgKind::InterestBranch => "interest_branch",
            OrgKind::OccupationBranch => "occupation_branch",
            OrgKind::LocationBranch => "location_branch",
            OrgKind::NewSector => "new_sector",
            OrgKind::Group => "group",
        }
    }

    pub fn parse(s: &str) -> Result<OrgKind, InvalidValue> {
        OrgKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                InvalidValue::new(
                    Code::PartyOrgKindUnknown,
                    format!(
                        "unknown organisation kind {s:?}; use one of {}",
                        OrgKind::ALL.map(OrgKind::as_str).join(", ")
                    ),
                )
            })
    }

    /// The Chinese name a roster or a seed file gives the kind (党支部).
    pub fn label(self) -> &'static str {
        match self {
            OrgKind::CityCommittee => "市委",
            OrgKind::DistrictCommittee => "区委",
            OrgKind::OrganisationDepartment => "组织部",
            OrgKind::StreetWorkingCommittee => "街道党工委",
            OrgKind::NeighbourhoodCommittee => "居民区党委",
            OrgKind::NeighbourhoodGeneralBranch => "居民区党总支",
            OrgKind::Branch => "党支部",
            OrgKind::JointBranch => "联合党支部",
            OrgKind::MobileMembersBranch => "流动党员党支部",
            OrgKind::InterestBranch => "趣缘党支部",
            OrgKind::OccupationBranch => "业缘党支部",
            OrgKind::LocationBranch => "地缘党支部",
            OrgKind::NewSector => "两新组织",
            OrgKind::Group => "党小组",
        }
    }

    /// Reads a kind as an import file may give it: the stable text
    /// (`branch`) or the Chinese name ([`OrgKind::label`]; 党总支 is also
    /// read as a neighbourhood's 党总支). Refused naming both spellings.
    pub fn parse_label(s: &str) -> Result<OrgKind, InvalidValue> {
        let s = s.trim();
        if s == "党总支" {
            return Ok(OrgKind::NeighbourhoodGeneralBranch);
        }
        OrgKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.label() == s)
            .ok_or_else(|| {
                InvalidValue::new(
                    Code::PartyOrgKindUnknown,
                    format!(
                        "unknown organisation kind {s:?}; use one of {}",
                        OrgKind::ALL
                            .map(|k| format!("{} ({})", k.as_str(), k.label()))
                            .join(", ")
                    ),
                )
            })
    }

    /// Depth in the four-level tree: city 0, district 1, street 2,
    /// neighbourhood 3, branches 4, groups 5. A new-sector organisation
    /// may be a 党委 or a 支部, so it sits at 3 and may hold branches.
    pub fn level(self) -> u8 {
        match self {
            OrgKind::CityCommittee => 0,
            OrgKind::DistrictCommittee => 1,
            OrgKind::OrganisationDepartment => 1,
            OrgKind::StreetWorkingCommittee => 2,
            OrgKind::NeighbourhoodCommittee
            | OrgKind::NeighbourhoodGeneralBranch
            | OrgKind::NewSector => 3,
            OrgKind::Branch
            | OrgKind::JointBranch
            | OrgKind::MobileMembersBranch
            | OrgKind::InterestBranch
            | OrgKind::OccupationBranch
            | OrgKind::LocationBranch => 4,
            OrgKind::Group => 5,
        }
    }

    /// Whether an organisation of kind `child` may stand directly under
    /// one of this kind: a deeper level, and never under a department.
    pub fn may_hold(self, child: OrgKind) -> bool {
        self != OrgKind::OrganisationDepartment && child.level() > self.level()
    }

    /// Whether members belong to it directly (a branch or a group does; a
    /// committee holds members only through its branches, but a
    /// neighbourhood's 党总支 and a new-sector organisation often hold
    /// members of their own too).
    pub fn holds_members(self) -> bool {
        self.level() >= 3
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_back_and_unknown_kinds_are_refused_naming_the_choices() {
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::parse(k.as_str()), Ok(k));
        }
        let e = OrgKind::parse("支部").expect_err("Chinese label is not a kind");
        assert_eq!(e.code, Code::PartyOrgKindUnknown);
        assert!(e.message.contains("branch"), "{e}");
    }

    #[test]
    fn chinese_labels_read_as_their_kinds() {
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::parse_label(k.label()), Ok(k));
            assert_eq!(OrgKind::parse_label(k.as_str()), Ok(k));
        }
        assert_eq!(
            OrgKind::parse_label(" 党总支 "),
            Ok(OrgKind::NeighbourhoodGeneralBranch)
        );
        assert_eq!(
            OrgKind::parse_label("街道党工委"),
            Ok(OrgKind::StreetWorkingCommittee)
        );
        let e = OrgKind::parse_label("支部").expect_err("not a name we know");
        assert_eq!(e.code, Code::PartyOrgKindUnknown);
        assert!(e.message.contains("branch (党支部)"), "{e}");
    }

    #[test]
    fn the_tree_runs_from_the_city_down_to_groups() {
        use OrgKind::*;
        assert!(CityCommittee.may_hold(DistrictCommittee));
        assert!(DistrictCommittee.may_hold(StreetWorkingCommittee));
        assert!(StreetWorkingCommittee.may_hold(NeighbourhoodGeneralBranch));
        assert!(NeighbourhoodGeneralBranch.may_hold(InterestBranch));
        assert!(NewSector.may_hold(Branch));
        assert!(Branch.may_hold(Group));
        assert!(!Group.may_hold(Group));
        assert!(!Branch.may_hold(NeighbourhoodCommittee));
        assert!(!OrganisationDepartment.may_hold(Branch));
    }
}
