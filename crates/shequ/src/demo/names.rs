//! Names for the demo street: Chinese personal names in the style of the
//! era a person was born in, weighted surnames (Shanghai's own for the
//! registered population, the national ones for migrants), the roads around
//! Tianlin, neighbourhoods and places.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use shequ_domain::Gender;

/// A table to draw from with fixed integer weights.
pub struct Weighted<T: 'static> {
    items: &'static [(T, u32)],
    cumulative: Vec<u32>,
}

impl<T: Copy> Weighted<T> {
    pub fn new(items: &'static [(T, u32)]) -> Self {
        let cumulative = items
            .iter()
            .scan(0u32, |acc, (_, w)| {
                *acc += w;
                Some(*acc)
            })
            .collect();
        Self { items, cumulative }
    }

    pub fn pick(&self, rng: &mut ChaCha8Rng) -> T {
        let total = self.cumulative.last().copied().unwrap_or(0).max(1);
        let r = rng.random_range(0..total);
        let k = self.cumulative.partition_point(|&c| c <= r);
        self.items[k.min(self.items.len() - 1)].0
    }
}

/// Surnames of the registered (户籍) population of an old Shanghai
/// neighbourhood, with Jiangnan surnames (沈 陆 顾 钱 …) ranked high.
#[rustfmt::skip]
pub const SHANGHAI_SURNAMES: &[(&str, u32)] = &[
    ("张", 60), ("王", 58), ("陈", 56), ("李", 40), ("徐", 38), ("朱", 36), ("周", 34), ("沈", 30),
    ("陆", 28), ("顾", 26), ("吴", 26), ("黄", 24), ("杨", 22), ("钱", 18), ("刘", 18), ("金", 16),
    ("蒋", 15), ("孙", 15), ("胡", 14), ("姚", 13), ("曹", 12), ("倪", 11), ("严", 10), ("施", 10),
    ("汤", 9), ("唐", 9), ("马", 8), ("许", 8), ("郭", 8), ("何", 8), ("高", 7), ("林", 7), ("范", 7),
    ("瞿", 6), ("邱", 6), ("奚", 5), ("宋", 6), ("俞", 6), ("赵", 10), ("费", 4), ("浦", 3), ("龚", 5),
    ("潘", 6), ("戴", 5),
];

/// Surnames across mainland China, roughly by frequency.
#[rustfmt::skip]
pub const NATIONAL_SURNAMES: &[(&str, u32)] = &[
    ("王", 71), ("李", 70), ("张", 67), ("刘", 54), ("陈", 45), ("杨", 31), ("黄", 22), ("赵", 20),
    ("吴", 20), ("周", 19), ("徐", 17), ("孙", 15), ("马", 15), ("朱", 14), ("胡", 13), ("郭", 12),
    ("何", 12), ("高", 11), ("林", 11), ("罗", 10), ("郑", 10), ("梁", 9), ("谢", 8), ("宋", 8),
    ("唐", 8), ("许", 7), ("韩", 7), ("冯", 7), ("邓", 7), ("曹", 6), ("彭", 6), ("曾", 6), ("肖", 6),
    ("田", 5), ("董", 5), ("袁", 5), ("潘", 5), ("于", 5), ("蒋", 5), ("蔡", 5), ("余", 5), ("杜", 4),
    ("叶", 4), ("程", 4), ("苏", 4), ("魏", 4), ("吕", 4), ("丁", 4), ("任", 4), ("沈", 4), ("姚", 3),
    ("卢", 3), ("姜", 3), ("崔", 3), ("钟", 3), ("谭", 3), ("陆", 3), ("汪", 3), ("范", 3), ("金", 3),
    ("石", 3),
];

/// Character pools for given names of one generation and gender: first
/// characters, second characters, and characters used alone.
struct Pools {
    first: &'static str,
    second: &'static str,
    single: &'static str,
    /// Per mille of one-character given names.
    single_share: u32,
}

const fn pools(
    first: &'static str,
    second: &'static str,
    single: &'static str,
    single_share: u32,
) -> Pools {
    Pools {
        first,
        second,
        single,
        single_share,
    }
}

// Index: [era][0 = male, 1 = female]. Eras by birth year: before 1950,
// 1950–69, 1970–89, 1990–2004, 2005 on.
const ERA_POOLS: [[Pools; 2]; 5] = [
    [
        pools(
            "国建福德富贵根宝金荣祥生发明华忠文才海林水志永正耀鸿",
            "生根林宝福荣发明华祥金才海忠良清山泉富昌",
            "福荣祥根宝明",
            100,
        ),
        pools(
            "秀桂凤玉金美月翠彩兰素杏招爱宝小",
            "英珍兰芳娣妹凤宝琴菊梅花云娥芬珠",
            "英珍兰芳凤琴梅",
            100,
        ),
    ],
    [
        pools(
            "建国卫志海伟永德新红跃文小立振",
            "国华军民平强东明新林忠伟勇荣刚庆",
            "军平强勇刚明华伟",
            250,
        ),
        pools(
            "秀红丽玉美海建爱春桂月凤小慧金",
            "英华萍珍芳红霞梅兰娟琴莉敏燕芬",
            "红萍霞梅敏燕丽英",
            250,
        ),
    ],
    [
        pools(
            "志海俊伟建晓文振家佳明永鹏立宏",
            "伟强磊勇涛斌杰峰军辉鹏浩刚超明",
            "伟磊涛斌杰峰军辉鹏浩刚超勇强亮",
            350,
        ),
        pools(
            "丽晓春海秀美静雅佳慧红燕小雪",
            "丽娟艳燕敏静霞婷红芳萍洁琳颖倩",
            "丽娟艳燕敏静霞婷红芳萍洁琳颖",
            350,
        ),
    ],
    [
        pools(
            "子浩宇俊家志晨嘉天博思文一泽凯",
            "轩然航杰豪宇鑫晨阳磊博文涛凯睿",
            "浩宇鑫晨阳磊博涛凯睿昊杰",
            200,
        ),
        pools(
            "梦思雨欣诗晓佳雅嘉子紫心婉一",
            "琪怡婷雪颖涵琳萱洁妍瑶悦蕾菲",
            "琪婷雪颖琳萱洁妍瑶悦蕾",
            200,
        ),
    ],
    [
        pools(
            "子梓宇浩俊一睿博沐煜奕皓思",
            "轩涵辰宸泽航睿熙阳铭豪宇",
            "宸睿轩泽航铭熙",
            100,
        ),
        pools(
            "梓子欣诗雨一思可语若佳芷依",
            "涵萱怡琪彤诺曦瑶桐萌菲宁",
            "萱涵彤诺曦瑶桐",
            100,
        ),
    ],
];

fn pick_char(pool: &str, rng: &mut ChaCha8Rng) -> char {
    let n = pool.chars().count();
    pool.chars().nth(rng.random_range(0..n)).unwrap_or('明')
}

/// A given name (1–2 characters) for someone born in `birth_year`.
pub fn given_name(birth_year: i32, gender: Gender, rng: &mut ChaCha8Rng) -> String {
    let era = match birth_year {
        ..1950 => 0,
        1950..1970 => 1,
        1970..1990 => 2,
        1990..2005 => 3,
        _ => 4,
    };
    let p = &ERA_POOLS[era][usize::from(gender == Gender::Female)];
    if rng.random_range(0..1000) < p.single_share {
        return pick_char(p.single, rng).to_string();
    }
    let a = pick_char(p.first, rng);
    let mut b = pick_char(p.second, rng);
    if a == b {
        b = pick_char(p.second, rng);
    }
    [a, b].iter().collect()
}

/// Short names of the neighbourhoods (居民区), in code order; the first
/// twelve follow the 田林一村 … 田林十二村 estates of 1985.
#[rustfmt::skip]
pub const NEIGHBOURHOODS: &[&str] = &[
    "田林一村", "田林二村", "田林三村", "田林三村东", "田林四村", "田林五村", "田林六村",
    "田林七村", "田林八村", "田林九村", "田林十村", "田林十一村", "田林十二村", "长春", "宜山",
    "钦州", "柳州", "千鹤", "田林新苑", "华鼎", "桂林苑", "漕宝", "田林东", "田林西", "桂林西",
    "宜山东", "钦州北", "柳州南", "虹漕", "田州", "冠生园", "苍梧", "龙漕", "华富", "桂平",
    "漕溪", "田林新村", "钦江", "宜林", "林苑",
];

/// A neighbourhood's short name; past the list, numbered further.
pub fn neighbourhood_name(k: usize) -> String {
    NEIGHBOURHOODS
        .get(k)
        .map_or_else(|| format!("田林{}号", k + 1), |s| (*s).to_owned())
}

/// Roads in and around Tianlin Street, for addresses.
#[rustfmt::skip]
pub const ROADS: &[&str] = &[
    "田林路", "田林东路", "桂林路", "钦州南路", "柳州路", "宜山路", "漕宝路", "虹漕路", "田州路", "冠生园路", "苍梧路", "龙漕路",
    "钦州路", "桂平路",
];

/// Office buildings, mostly at the edge of the 漕河泾 development zone.
#[rustfmt::skip]
pub const OFFICE_PREFIXES: &[&str] = &[
    "漕河泾", "田林", "宜山", "虹漕", "钦州", "桂林", "华鑫", "汇京", "科技绿洲", "新漕河泾", "光启", "东方", "银都", "徐汇",
];
#[rustfmt::skip]
pub const OFFICE_SUFFIXES: &[&str] = &[
    "国际大厦", "科技大厦", "商务中心", "大厦", "中心", "广场", "科创中心", "商务楼",
];

/// Enterprises: a trade word and a line of business.
#[rustfmt::skip]
pub const FIRM_WORDS: &[&str] = &[
    "汇智", "云帆", "启明", "鼎信", "华腾", "众联", "数衡", "星禾", "博远", "睿思", "嘉和", "易达",
    "万象", "恒通", "安捷", "青桐", "逸峰", "智谷", "申通", "禾苗", "凌云", "知行", "蓝图", "卓越",
];
#[rustfmt::skip]
pub const FIRM_TRADES: &[&str] = &[
    "信息科技有限公司", "网络科技有限公司", "软件有限公司", "餐饮管理有限公司", "物业管理有限公司", "文化传媒有限公司", "电子科技有限公司", "商贸有限公司",
    "医疗器械有限公司", "建筑装饰工程有限公司",
];

/// Mobile prefixes of the three operators.
#[rustfmt::skip]
pub const MOBILE_PREFIXES: &[u64] = &[

    130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158, 159,
    176, 177, 178, 180, 181, 182, 183, 185, 186, 187, 188, 189, 198, 199,
];

/// Household-register area codes for the registered population: mostly
/// 徐汇区 itself, then other central districts (310103 卢湾 and 310108
/// 闸北 were merged away, but older cards still carry them).
#[rustfmt::skip]
pub const SHANGHAI_AREAS: &[(&str, u32)] = &[
    ("310104", 620), ("310103", 60), ("310105", 50), ("310101", 50), ("310106", 40),
    ("310107", 40), ("310108", 30), ("310109", 30), ("310110", 30), ("310112", 25),
    ("310115", 25),
];

/// Home counties of migrants, weighted by how many come to Shanghai:
/// 安徽 34, 江苏 32, 河南 41, 四川 51, 江西 36, 浙江 33, 湖南 43, 湖北 42,
/// 山东 37, 重庆 50, 贵州 52, 福建 35, 甘肃 62.
#[rustfmt::skip]
pub const MIGRANT_AREAS: &[(&str, u32)] = &[
    ("341221", 60), ("341222", 55), ("341225", 45), ("341226", 40), ("340321", 30),
    ("340104", 15), ("320321", 25), ("320322", 25), ("320324", 20), ("320826", 20),
    ("321323", 15), ("320923", 15), ("411521", 25), ("411522", 25), ("411627", 20),
    ("411623", 20), ("410221", 15), ("511321", 20), ("511324", 18), ("510922", 12),
    ("511621", 15), ("360731", 15), ("360732", 15), ("361023", 10), ("330327", 12),
    ("330326", 10), ("331082", 8), ("430521", 12), ("431021", 10), ("430923", 8),
    ("421023", 12), ("422823", 6), ("371321", 8), ("371525", 6), ("500101", 10), ("500234", 8),
    ("522121", 8), ("350521", 6), ("620421", 4),
];

/// A unique office-building name for the `k`-th office.
pub fn office_name(k: usize) -> String {
    let p = OFFICE_PREFIXES[k % OFFICE_PREFIXES.len()];
    let s = OFFICE_SUFFIXES[(k / OFFICE_PREFIXES.len() + k * 3) % OFFICE_SUFFIXES.len()];
    let round = k / (OFFICE_PREFIXES.len() * OFFICE_SUFFIXES.len());
    if round == 0 {
        format!("{p}{s}")
    } else {
        format!("{p}{s}{}期", round + 1)
    }
}

/// A unique enterprise name for the `k`-th firm.
pub fn firm_name(k: usize) -> String {
    let w = FIRM_WORDS[k % FIRM_WORDS.len()];
    let t = FIRM_TRADES[(k / FIRM_WORDS.len() + k * 7) % FIRM_TRADES.len()];
    let round = k / (FIRM_WORDS.len() * FIRM_TRADES.len());
    if round == 0 {
        format!("上海{w}{t}")
    } else {
        format!("上海{w}{}{t}", ["", "二", "三", "四", "五"][round.min(4)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use std::collections::HashSet;

    #[test]
    fn names_have_one_or_two_characters_and_weights_pick_everything() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for year in [1930, 1960, 1980, 1995, 2015] {
            for g in [Gender::Male, Gender::Female] {
                let n = given_name(year, g, &mut rng);
                assert!((1..=2).contains(&n.chars().count()), "{n}");
            }
        }
        let table = Weighted::new(SHANGHAI_AREAS);
        let seen: HashSet<&str> = (0..20_000).map(|_| table.pick(&mut rng)).collect();
        assert_eq!(seen.len(), SHANGHAI_AREAS.len());
    }

    #[test]
    fn generated_place_names_are_unique() {
        let offices: HashSet<String> = (0..200).map(office_name).collect();
        assert_eq!(offices.len(), 200);
        let firms: HashSet<String> = (0..600).map(firm_name).collect();
        assert_eq!(firms.len(), 600);
    }
}
