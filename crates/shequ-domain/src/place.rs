//! Places (地): residential buildings and the other places a street looks
//! after — office buildings, parks, markets, service facilities.

use serde::{Deserialize, Serialize};

use crate::{Code, InvalidValue};

macro_rules! string_enum {
    (
        $(#[$meta:meta])* $name:ident, $err:expr, {
            $( $variant:ident => $code:literal $(| $alias:literal)* ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $( $variant ),+ }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),+ ];

            /// The stable name used in the database, files and the API.
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $code ),+ }
            }

            /// Parses the stable name or one of its Chinese labels.
            pub fn parse(s: &str) -> Result<Self, InvalidValue> {
                match s.trim() {
                    $( $code $(| $alias)* => Ok($name::$variant), )+
                    other => Err(InvalidValue::new(
                        $err,
                        format!(
                            "unknown value {other:?}; use one of {}",
                            Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
                        ),
                    )),
                }
            }
        }
    };
}

string_enum! {
    /// What kind of place this is. The new-sector kinds (office building,
    /// park, business district, market) are those whose party-organisation
    /// coverage the district watches.
    PlaceKind, Code::PlaceKindUnknown, {
        ResidentialBuilding => "residential_building" | "居民楼" | "住宅楼",
        OfficeBuilding => "office_building" | "商务楼宇" | "楼宇",
        Park => "park" | "园区" | "公园",
        BusinessDistrict => "business_district" | "商圈",
        Market => "market" | "市场" | "菜场",
        Enterprise => "enterprise" | "企业",
        ConstructionSite => "construction_site" | "工地",
        ServiceFacility => "service_facility" | "服务设施",
    }
}

impl PlaceKind {
    /// The kinds of the new sectors (两新组织的场所) whose party coverage
    /// the district watches.
    pub const NEW_SECTOR: [PlaceKind; 6] = [
        PlaceKind::OfficeBuilding,
        PlaceKind::Park,
        PlaceKind::BusinessDistrict,
        PlaceKind::Market,
        PlaceKind::Enterprise,
        PlaceKind::ConstructionSite,
    ];

    pub fn is_new_sector(self) -> bool {
        Self::NEW_SECTOR.contains(&self)
    }
}

string_enum! {
    /// The type of a service facility: what the 15-minute service circle
    /// measures walking distance to.
    FacilityType, Code::FacilityTypeUnknown, {
        PartyMassServiceCentre => "party_mass_service_centre" | "党群服务中心",
        HealthStation => "health_station" | "卫生服务站" | "社区卫生服务站",
        ElderlyCare => "elderly_care" | "养老机构" | "日间照料中心",
        ElderlyCanteen => "elderly_canteen" | "老年助餐点" | "助餐点",
        CulturalCentre => "cultural_centre" | "文化活动中心",
        Kindergarten => "kindergarten" | "幼儿园",
        School => "school" | "学校",
        PoliceStation => "police_station" | "派出所" | "警务站",
        Other => "other" | "其他",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips() {
        for k in PlaceKind::ALL {
            assert_eq!(PlaceKind::parse(k.as_str()), Ok(*k));
        }
        for f in FacilityType::ALL {
            assert_eq!(FacilityType::parse(f.as_str()), Ok(*f));
        }
        assert_eq!(PlaceKind::parse("菜场"), Ok(PlaceKind::Market));
        let err = PlaceKind::parse("castle").expect_err("unknown");
        assert!(
            err.message.contains("residential_building"),
            "{}",
            err.message
        );
    }
}
