//! The kinds of facility the circle measures, and how far a home may be
//! from the nearest of each: GB 50180-2018's life circles (5 minutes ≈
//! 300 m, 10 minutes ≈ 500 m, 15 minutes ≈ 1,000 m on foot) as Shanghai's
//! 15-minute community life circle guideline places each service. The
//! street may set its own thresholds; these are the defaults.

use crate::{Code, FacilityType, PlaceKind};

coded_enum! {
    /// A kind of facility of the circle.
    CircleType, Code::CircleTypeUnknown, "type", "facility type of the circle", {
        /// 党群服务中心 (the Party–mass service centre): 15 minutes.
        PartyMassServiceCentre => "party_mass_service_centre", "党群服务中心" | "党群服务站",
        /// 社区卫生服务站: 10 minutes.
        HealthStation => "health_station", "社区卫生服务站" | "卫生服务站" | "卫生站",
        /// 老年人日间照料中心: 5 minutes.
        ElderlyDayCare => "elderly_day_care", "日间照料中心" | "老年人日间照料中心" | "养老机构",
        /// 助餐点 (an elderly canteen): 5 minutes.
        ElderlyCanteen => "elderly_canteen", "助餐点" | "老年助餐点" | "社区食堂",
        /// 菜市场 or a fresh-food shop: 10 minutes.
        FoodMarket => "food_market", "菜市场" | "菜场" | "生鲜超市",
        /// 幼儿园: 5 minutes.
        Kindergarten => "kindergarten", "幼儿园",
        /// 小学: 10 minutes.
        PrimarySchool => "primary_school", "小学" | "学校",
        /// 文体活动室 (a sports and culture room): 5 minutes.
        SportsCultureRoom => "sports_culture_room", "文体活动室" | "文化活动中心" | "文化活动室",
    }
}

impl CircleType {
    /// The walking minutes of its tier.
    pub fn minutes(self) -> u32 {
        match self {
            CircleType::PartyMassServiceCentre => 15,
            CircleType::HealthStation | CircleType::FoodMarket | CircleType::PrimarySchool => 10,
            CircleType::ElderlyDayCare
            | CircleType::ElderlyCanteen
            | CircleType::Kindergarten
            | CircleType::SportsCultureRoom => 5,
        }
    }

    /// The default walking threshold in metres: 300 m for 5 minutes, 500 m
    /// for 10, 1,000 m for 15 (GB 50180-2018's upper bounds).
    pub fn default_metres(self) -> u32 {
        match self.minutes() {
            5 => 300,
            10 => 500,
            _ => 1_000,
        }
    }

    /// The circle type of a registry place: by its facility type, or a
    /// market by its kind.
    pub fn of_place(kind: PlaceKind, facility: Option<FacilityType>) -> Option<Self> {
        match (kind, facility) {
            (_, Some(FacilityType::PartyMassServiceCentre)) => {
                Some(CircleType::PartyMassServiceCentre)
            }
            (_, Some(FacilityType::HealthStation)) => Some(CircleType::HealthStation),
            (_, Some(FacilityType::ElderlyCare)) => Some(CircleType::ElderlyDayCare),
            (_, Some(FacilityType::ElderlyCanteen)) => Some(CircleType::ElderlyCanteen),
            (_, Some(FacilityType::CulturalCentre)) => Some(CircleType::SportsCultureRoom),
            (_, Some(FacilityType::Kindergarten)) => Some(CircleType::Kindergarten),
            (_, Some(FacilityType::School)) => Some(CircleType::PrimarySchool),
            (PlaceKind::Market, _) => Some(CircleType::FoodMarket),
            _ => None,
        }
    }
}

/// A threshold as typed: whole metres from 50 to 5,000.
pub fn threshold(text: &str) -> Result<u32, crate::InvalidValue> {
    let t = text.trim();
    match t.parse::<u32>() {
        Ok(m) if (50..=5_000).contains(&m) => Ok(m),
        _ => Err(crate::InvalidValue::new(
            Code::CircleThreshold,
            format!("{t:?} is not a walking threshold; give whole metres from 50 to 5000 (300 m is about 5 minutes)"),
        )
        .at("metres")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tiers_give_the_thresholds() {
        assert_eq!(CircleType::ElderlyCanteen.default_metres(), 300);
        assert_eq!(CircleType::FoodMarket.default_metres(), 500);
        assert_eq!(CircleType::PartyMassServiceCentre.default_metres(), 1_000);
        assert_eq!(
            CircleType::parse("助餐点").expect("alias"),
            CircleType::ElderlyCanteen
        );
        let e = CircleType::parse("casino").expect_err("unknown");
        assert_eq!((e.code, e.field()), (Code::CircleTypeUnknown, Some("type")));
        assert!(e.message.contains("elderly_canteen"), "{}", e.message);
        assert_eq!(threshold(" 300 ").expect("300"), 300);
        assert!(threshold("20").is_err() && threshold("far").is_err());
        assert_eq!(
            CircleType::of_place(PlaceKind::Market, None),
            Some(CircleType::FoodMarket)
        );
        assert_eq!(
            CircleType::of_place(PlaceKind::ResidentialBuilding, None),
            None
        );
    }
}
