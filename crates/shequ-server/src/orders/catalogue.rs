//! The categories a Shanghai street starts with. Installed on first start
//! when the catalogue is empty; operators change them afterwards.

use shequ_store::orders::catalogue::NewCategory;

/// The code of the category that welfare alerts raise.
pub const ELDERLY_CARE: &str = "elderly_care";
/// The code of the category for silent or faulty devices.
pub const DEVICE_MAINTENANCE: &str = "device_maintenance";

struct Def {
    code: &'static str,
    zh: &'static str,
    en: &'static str,
    group: (&'static str, &'static str),
    accept_minutes: u32,
    resolve_minutes: u32,
    priority: &'static str,
    keywords: &'static str,
    attributes: &'static str,
}

const HOUR: u32 = 60;
const DAY: u32 = 24 * HOUR;

const DEFAULTS: &[Def] = &[
    Def {
        code: "sanitation",
        zh: "环境卫生",
        en: "Sanitation",
        group: ("市容环境", "City appearance"),
        accept_minutes: 30,
        resolve_minutes: DAY,
        priority: "normal",
        keywords: "垃圾 堆物 清扫 卫生",
        attributes: "[]",
    },
    Def {
        code: "illegal_construction",
        zh: "违法搭建",
        en: "Illegal construction",
        group: ("城市管理", "City management"),
        accept_minutes: HOUR,
        resolve_minutes: 7 * DAY,
        priority: "normal",
        keywords: "违建 搭建 加层",
        attributes: "[]",
    },
    // Seed 002: removing an illegal billboard went from 15 days to 15 hours.
    Def {
        code: "illegal_advertising",
        zh: "违法广告",
        en: "Illegal advertising",
        group: ("城市管理", "City management"),
        accept_minutes: 30,
        resolve_minutes: 15 * HOUR,
        priority: "normal",
        keywords: "广告 招牌 小广告",
        attributes: "[]",
    },
    Def {
        code: "noise",
        zh: "噪音扰民",
        en: "Noise nuisance",
        group: ("社区治理", "Neighbourhood affairs"),
        accept_minutes: 30,
        resolve_minutes: 12 * HOUR,
        priority: "normal",
        keywords: "噪音 装修 广场舞",
        attributes: r#"[{"variable":true,"code":"noise_source","datatype":"singlevaluelist","required":false,"datatype_description":"","order":1,"description":"噪音来源 / Source of the noise","values":[{"key":"renovation","name":"装修 / Renovation"},{"key":"business","name":"商铺 / Business"},{"key":"neighbour","name":"邻居 / Neighbour"},{"key":"other","name":"其他 / Other"}]}]"#,
    },
    Def {
        code: ELDERLY_CARE,
        zh: "独居老人关怀",
        en: "Care for elderly living alone",
        group: ("民生服务", "Residents' welfare"),
        accept_minutes: 15,
        resolve_minutes: 4 * HOUR,
        priority: "high",
        keywords: "老人 独居 看望",
        attributes: "[]",
    },
    Def {
        code: "facility_repair",
        zh: "设施报修",
        en: "Facility repair",
        group: ("民生服务", "Residents' welfare"),
        accept_minutes: HOUR,
        resolve_minutes: 3 * DAY,
        priority: "normal",
        keywords: "报修 电梯 路灯 水管",
        attributes: r#"[{"variable":true,"code":"facility","datatype":"singlevaluelist","required":true,"datatype_description":"","order":1,"description":"损坏的设施 / Broken facility","values":[{"key":"lift","name":"电梯 / Lift"},{"key":"stair_light","name":"楼道灯 / Stair light"},{"key":"water_pipe","name":"水管 / Water pipe"},{"key":"door","name":"单元门 / Entrance door"},{"key":"other","name":"其他 / Other"}]}]"#,
    },
    Def {
        code: "property_dispute",
        zh: "物业纠纷",
        en: "Property-management dispute",
        group: ("社区治理", "Neighbourhood affairs"),
        accept_minutes: 2 * HOUR,
        resolve_minutes: 7 * DAY,
        priority: "normal",
        keywords: "物业 纠纷 停车",
        attributes: "[]",
    },
    Def {
        code: "street_vending",
        zh: "占道经营",
        en: "Street vending on the road",
        group: ("城市管理", "City management"),
        accept_minutes: 30,
        resolve_minutes: 8 * HOUR,
        priority: "normal",
        keywords: "摆摊 占道",
        attributes: "[]",
    },
    Def {
        code: DEVICE_MAINTENANCE,
        zh: "设备维护",
        en: "Device maintenance",
        group: ("智能设备", "Devices"),
        accept_minutes: 2 * HOUR,
        resolve_minutes: 2 * DAY,
        priority: "normal",
        keywords: "门禁 故障 离线",
        attributes: "[]",
    },
    Def {
        code: "meeting_decision",
        zh: "联席会议决定事项",
        en: "Joint-meeting decision",
        group: ("社区治理", "Neighbourhood affairs"),
        accept_minutes: DAY,
        resolve_minutes: 30 * DAY,
        priority: "normal",
        keywords: "会议 决定 督办",
        attributes: "[]",
    },
    Def {
        code: "other",
        zh: "其他",
        en: "Other",
        group: ("其他", "Other"),
        accept_minutes: HOUR,
        resolve_minutes: 3 * DAY,
        priority: "normal",
        keywords: "",
        attributes: "[]",
    },
];

/// The default catalogue.
pub fn default_categories() -> Vec<NewCategory> {
    DEFAULTS
        .iter()
        .map(|d| NewCategory {
            code: d.code.to_owned(),
            name_zh: d.zh.to_owned(),
            name_en: d.en.to_owned(),
            group_zh: d.group.0.to_owned(),
            group_en: d.group.1.to_owned(),
            description_zh: String::new(),
            description_en: String::new(),
            keywords: d.keywords.to_owned(),
            accept_within_minutes: d.accept_minutes,
            resolve_within_minutes: d.resolve_minutes,
            default_priority: d.priority.to_owned(),
            attributes: d.attributes.to_owned(),
            active: true,
        })
        .collect()
}

/// Installs the default catalogue if there is none yet.
pub async fn ensure_default_catalogue(store: &shequ_store::Store) -> shequ_store::Result<bool> {
    if store.categories().await?.is_empty() {
        store.upsert_categories(&default_categories()).await?;
        return Ok(true);
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    #[test]
    fn default_attributes_are_valid_json_arrays() {
        for c in super::default_categories() {
            let v: serde_json::Value = serde_json::from_str(&c.attributes).expect("json");
            assert!(v.is_array(), "{}", c.code);
            assert!(
                c.accept_within_minutes < c.resolve_within_minutes,
                "{}",
                c.code
            );
        }
    }
}
