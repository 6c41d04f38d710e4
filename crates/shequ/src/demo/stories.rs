//! What the demo street's residents complain about, and how: the mix of
//! categories, channels and hours, the words of each kind of complaint,
//! and the reporters. Pure; every draw comes from the caller's stream.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::names::{MOBILE_PREFIXES, SHANGHAI_SURNAMES, Weighted};

/// A kind of complaint: its category, a title, what the reporter says
/// (`{addr}` is the building's address) and the category's answers.
pub struct Kind {
    pub category: &'static str,
    pub title: &'static str,
    pub text: &'static str,
    pub attributes: &'static str,
}

const fn kind(
    category: &'static str,
    title: &'static str,
    text: &'static str,
    attributes: &'static str,
) -> Kind {
    Kind {
        category,
        title,
        text,
        attributes,
    }
}

/// The complaints of a Shanghai street, roughly as often as each comes in
/// (weights per thousand): repairs and sanitation lead, as in the
/// 12345-hotline figures the districts publish.
pub const KINDS: &[(Kind, u32)] = &[
    (
        kind(
            "sanitation",
            "楼道堆物",
            "{addr}楼道里堆满纸箱和旧家具，影响通行，有消防隐患。",
            "{}",
        ),
        70,
    ),
    (
        kind(
            "sanitation",
            "垃圾桶满溢",
            "{addr}门口垃圾桶满溢，气味很大，请尽快清运。",
            "{}",
        ),
        60,
    ),
    (
        kind(
            "sanitation",
            "共享单车乱停",
            "{addr}附近共享单车乱停，挡住人行道和消防通道。",
            "{}",
        ),
        50,
    ),
    (
        kind(
            "sanitation",
            "绿化带垃圾",
            "{addr}旁绿化带里有大量生活垃圾，长期无人清理。",
            "{}",
        ),
        30,
    ),
    (
        kind(
            "facility_repair",
            "电梯故障",
            "{addr}电梯停在三楼不动，老人上下楼很困难。",
            r#"{"facility":"lift"}"#,
        ),
        50,
    ),
    (
        kind(
            "facility_repair",
            "楼道灯不亮",
            "{addr}楼道灯坏了一个星期，晚上很黑，怕老人摔倒。",
            r#"{"facility":"stair_light"}"#,
        ),
        50,
    ),
    (
        kind(
            "facility_repair",
            "水管漏水",
            "{addr}楼道水管漏水，墙面发霉，楼下天花板渗水。",
            r#"{"facility":"water_pipe"}"#,
        ),
        45,
    ),
    (
        kind(
            "facility_repair",
            "单元门坏了",
            "{addr}单元门关不上，门禁形同虚设。",
            r#"{"facility":"door"}"#,
        ),
        30,
    ),
    (
        kind(
            "noise",
            "装修噪音",
            "{addr}有住户中午和晚上十点后还在装修，电钻声很大。",
            r#"{"noise_source":"renovation"}"#,
        ),
        60,
    ),
    (
        kind(
            "noise",
            "广场舞噪音",
            "{addr}旁小广场晚上广场舞音响开得太响。",
            r#"{"noise_source":"other"}"#,
        ),
        35,
    ),
    (
        kind(
            "noise",
            "商铺噪音",
            "{addr}楼下饭店排风机噪音扰民，夜里也不停。",
            r#"{"noise_source":"business"}"#,
        ),
        30,
    ),
    (
        kind(
            "property_dispute",
            "停车纠纷",
            "{addr}小区车位被外来车辆长期占用，物业不管。",
            "{}",
        ),
        45,
    ),
    (
        kind(
            "property_dispute",
            "物业服务",
            "{addr}居民对物业保洁和维修不满意，要求物业整改。",
            "{}",
        ),
        35,
    ),
    (
        kind(
            "street_vending",
            "占道摆摊",
            "{addr}路口有流动摊贩占道经营，早高峰拥堵。",
            "{}",
        ),
        45,
    ),
    (
        kind(
            "street_vending",
            "出店经营",
            "{addr}沿街水果店把货架摆到人行道上。",
            "{}",
        ),
        30,
    ),
    (
        kind(
            "illegal_advertising",
            "小广告",
            "{addr}单元门和电梯里贴满小广告。",
            "{}",
        ),
        45,
    ),
    (
        kind(
            "illegal_advertising",
            "违规招牌",
            "{addr}沿街商铺新挂的招牌伸出人行道，刮风时摇晃。",
            "{}",
        ),
        25,
    ),
    (
        kind(
            "illegal_construction",
            "屋顶违建",
            "{addr}顶楼住户正在搭建阳光房，疑似违法搭建。",
            "{}",
        ),
        25,
    ),
    (
        kind(
            "illegal_construction",
            "底楼扩建",
            "{addr}底楼住户把院子围起来加盖了房间。",
            "{}",
        ),
        20,
    ),
    (
        kind(
            "other",
            "路面坑洼",
            "{addr}门口路面有坑，雨天积水，电动车容易摔倒。",
            "{}",
        ),
        40,
    ),
    (
        kind(
            "other",
            "树枝遮挡",
            "{addr}旁行道树树枝压到电线，遮挡路灯。",
            "{}",
        ),
        25,
    ),
];

/// What a grid worker finds on patrol (巡查) and files themself.
pub const PATROL_KINDS: &[(Kind, u32)] = &[
    (
        kind(
            "sanitation",
            "巡查发现：楼道堆物",
            "巡查发现{addr}楼道堆放杂物，需清理。",
            "{}",
        ),
        40,
    ),
    (
        kind(
            "illegal_advertising",
            "巡查发现：小广告",
            "巡查发现{addr}墙面、电箱上有小广告。",
            "{}",
        ),
        30,
    ),
    (
        kind(
            "street_vending",
            "巡查发现：占道经营",
            "巡查发现{addr}附近有占道经营。",
            "{}",
        ),
        20,
    ),
    (
        kind(
            "device_maintenance",
            "巡查发现：门禁故障",
            "巡查发现{addr}门禁读卡器无反应，需报修。",
            "{}",
        ),
        10,
    ),
];

/// How a complaint reached the street.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// The public report page (接诉), with a private link to rate.
    Public,
    /// The 12345 hotline, entered by an operator.
    Hotline,
    /// Found by the grid worker on patrol.
    Patrol,
}

impl Channel {
    pub fn source(self) -> &'static str {
        match self {
            Channel::Public => "public",
            Channel::Hotline => "hotline",
            Channel::Patrol => "inspection",
        }
    }

    /// Public and hotline complaints have a reporter who can rate them.
    pub fn has_reporter(self) -> bool {
        !matches!(self, Channel::Patrol)
    }
}

/// A channel: two in five complaints come by the hotline, a third from
/// the public page, the rest from patrols.
pub fn channel(rng: &mut ChaCha8Rng) -> Channel {
    match rng.random_range(0..100) {
        0..40 => Channel::Hotline,
        40..73 => Channel::Public,
        _ => Channel::Patrol,
    }
}

/// A complaint of the channel's kind.
pub fn pick_kind(channel: Channel, rng: &mut ChaCha8Rng) -> &'static Kind {
    let list = if channel == Channel::Patrol {
        PATROL_KINDS
    } else {
        KINDS
    };
    let total: u32 = list.iter().map(|(_, w)| w).sum();
    let mut x = rng.random_range(0..total);
    for (k, w) in list {
        if x < *w {
            return k;
        }
        x -= w;
    }
    &list[0].0
}

/// A complaint of `category`, any channel but patrol.
pub fn kind_of(category: &str, rng: &mut ChaCha8Rng) -> &'static Kind {
    let matching: Vec<&'static Kind> = KINDS
        .iter()
        .map(|(k, _)| k)
        .filter(|k| k.category == category)
        .collect();
    if matching.is_empty() {
        &KINDS[0].0
    } else {
        matching[rng.random_range(0..matching.len())]
    }
}

/// How many complaints come in at each hour of the day, relative to the
/// mean: few at night, most in the morning and early evening.
pub const HOURLY: [f64; 24] = [
    0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.5, 1.0, 1.7, 1.9, 1.8, 1.6, 1.2, 1.3, 1.5, 1.5, 1.4, 1.4,
    1.3, 1.2, 1.0, 0.8, 0.5, 0.3,
];

/// An hour of the day drawn by [`HOURLY`].
pub fn hour(rng: &mut ChaCha8Rng) -> u32 {
    let total: f64 = HOURLY.iter().sum();
    let mut x = rng.random_range(0.0..total);
    for (h, w) in HOURLY.iter().enumerate() {
        if x < *w {
            return h as u32;
        }
        x -= w;
    }
    9
}

/// A reporter: how they sign (e.g. 陈女士) and a mobile number.
pub fn reporter(rng: &mut ChaCha8Rng) -> (String, String) {
    let surname = Weighted::new(SHANGHAI_SURNAMES).pick(rng);
    let title = if rng.random_bool(0.5) {
        "先生"
    } else {
        "女士"
    };
    let prefix = MOBILE_PREFIXES[rng.random_range(0..MOBILE_PREFIXES.len())];
    let phone = format!("{prefix}{:08}", rng.random_range(0..100_000_000u64));
    (format!("{surname}{title}"), phone)
}

/// What the owner says when it is done, by category.
pub fn resolution(category: &str) -> &'static str {
    match category {
        "sanitation" => "已联系保洁清理完毕，现场已恢复整洁。",
        "facility_repair" => "已通知物业和维保单位维修，经回访已修复。",
        "noise" => "已上门劝导，对方承诺在规定时间内施工/降低音量。",
        "property_dispute" => "已约谈物业，双方达成处理意见。",
        "street_vending" => "已劝离摊贩，联合城管加强巡查。",
        "illegal_advertising" => "已清除小广告，并提醒物业加强管理。",
        "illegal_construction" => "已责令当事人停工并限期拆除，房管办跟进。",
        "elderly_care" => "已上门看望，老人身体无碍，已联系家属。",
        "device_maintenance" => "已更换读卡器，门禁恢复正常。",
        _ => "已现场处置完毕。",
    }
}

/// A note the owner leaves while working on it.
pub const PROGRESS_NOTES: &[&str] = &[
    "已联系报告人，约好上门时间。",
    "已到现场查看，正在协调相关单位。",
    "已通知物业，等待处理结果。",
];

/// What a department says when it reports in.
pub const REPORT_IN: &str = "已到场，按职责处置。";

/// Fills `{addr}` in a text.
pub fn fill(text: &str, address: &str) -> String {
    text.replace("{addr}", address)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn every_kind_names_a_default_category_and_valid_attributes() {
        let codes: Vec<String> = shequ_server::orders::catalogue::default_categories()
            .into_iter()
            .map(|c| c.code)
            .collect();
        for (k, _) in KINDS.iter().chain(PATROL_KINDS) {
            assert!(codes.iter().any(|c| c == k.category), "{}", k.category);
            let v: serde_json::Value = serde_json::from_str(k.attributes).expect(k.attributes);
            assert!(v.is_object());
            assert!(k.text.contains("{addr}"), "{}", k.title);
        }
    }

    #[test]
    fn reporters_have_valid_mobile_numbers() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..200 {
            let (name, phone) = reporter(&mut rng);
            assert!(name.ends_with("先生") || name.ends_with("女士"));
            shequ_domain::PhoneNumber::parse(&phone).unwrap_or_else(|e| panic!("{phone}: {e}"));
        }
    }
}
