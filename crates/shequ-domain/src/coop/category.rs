//! What a need asks for and a resource offers: one list of categories for
//! both, so a need and a resource meet on the same word.

use crate::Code;

coded_enum! {
    /// The category of a need (需求) or a resource (资源).
    Category, Code::CoopCategoryUnknown, "category", "cooperation category", {
        /// 助餐: meals for the elderly, a canteen's places or deliveries.
        ElderlyMeals => "elderly_meals", "助餐" | "老年助餐",
        /// 法律咨询
        LegalAdvice => "legal_advice", "法律咨询" | "法律服务",
        /// 课业辅导: homework help, holiday classes.
        Tutoring => "tutoring", "课业辅导" | "学业辅导",
        /// 场地: a room, a hall, a sports ground lent out.
        Venue => "venue", "场地" | "场地开放",
        /// 维修: household repairs, appliances.
        Repair => "repair", "维修" | "家电维修",
        /// 停车: a unit's car park opened to residents (错峰停车).
        Parking => "parking", "停车" | "错峰停车",
        /// 健康服务: clinics, check-ups, doctors' home visits.
        HealthVisits => "health_visits", "健康服务" | "上门医疗" | "义诊",
        /// 为老服务: care for the elderly other than meals.
        ElderlyCare => "elderly_care", "为老服务" | "养老服务",
        /// 助残
        DisabilityHelp => "disability_help", "助残" | "助残服务",
        /// 文体活动
        CultureSports => "culture_sports", "文体活动" | "文化体育",
        /// 环境整治
        Environment => "environment", "环境整治" | "环境卫生",
        /// 平安巡逻
        SafetyPatrol => "safety_patrol", "平安巡逻" | "安全巡逻",
        /// 就业帮扶
        Employment => "employment", "就业帮扶" | "就业服务",
        /// 心理疏导
        Psychological => "psychological", "心理疏导" | "心理咨询",
        /// 其他: matched only to needs or resources also filed as other.
        Other => "other", "其他",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_chinese_aliases_parse() {
        assert_eq!(Category::parse("elderly_meals"), Ok(Category::ElderlyMeals));
        assert_eq!(Category::parse(" 助餐 "), Ok(Category::ElderlyMeals));
        assert_eq!(Category::parse("上门医疗"), Ok(Category::HealthVisits));
        assert_eq!(Category::parse("健康服务"), Ok(Category::HealthVisits));
        assert_eq!(Category::parse("错峰停车"), Ok(Category::Parking));
        assert_eq!(Category::parse("其他"), Ok(Category::Other));
        assert_eq!(Category::ALL.len(), 15);
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Ok(*c));
            assert_eq!(Category::parse(c.zh()), Ok(*c));
            // serde writes the same stable name.
            assert_eq!(
                serde_json::to_value(c).expect("serialises"),
                serde_json::json!(c.as_str())
            );
        }
    }

    #[test]
    fn an_unknown_category_is_refused_with_the_choices() {
        let e = Category::parse("cooking").expect_err("unknown");
        assert_eq!(
            (e.code, e.field()),
            (Code::CoopCategoryUnknown, Some("category"))
        );
        assert!(e.message.contains("\"cooking\""), "{}", e.message);
        assert!(e.message.contains("elderly_meals (助餐)"), "{}", e.message);
    }
}
