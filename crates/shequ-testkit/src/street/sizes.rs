//! The three sizes of the street as data (see the parent module's docs).

use shequ_domain::{PlaceKind, RegionKind, Role};

use super::{HouseholdSpec, PersonSpec, PlaceSpec, RegionSpec, Street, UserSpec, http_phone_of};
type Rect = Option<(f64, f64, f64, f64)>;

/// The region tree; `shape(code)` gives each region its rectangle and
/// centre, and grid A2 is left out unless `with_a2`.
fn tree(with_a2: bool, shape: impl Fn(&str) -> (Rect, Option<(f64, f64)>)) -> Vec<RegionSpec> {
    use RegionKind::*;
    let all = [
        ("310000", "上海市", City, None),
        ("310104", "徐汇区", District, Some("310000")),
        ("310104011", "田林街道", Street, Some("310104")),
        ("310104011001", "田林一村", Neighbourhood, Some("310104011")),
        ("310104011002", "田林二村", Neighbourhood, Some("310104011")),
        ("31010401100101", "一村第1网格", Grid, Some("310104011001")),
        ("31010401100102", "一村第2网格", Grid, Some("310104011001")),
        ("31010401100201", "二村第1网格", Grid, Some("310104011002")),
    ];
    all.into_iter()
        .filter(|(code, ..)| with_a2 || *code != "31010401100102")
        .map(|(code, name, kind, parent)| {
            let (rect, center) = shape(code);
            RegionSpec {
                code,
                name,
                kind,
                parent,
                rect,
                center,
            }
        })
        .collect()
}

fn place(
    code: &str,
    name: &str,
    kind: PlaceKind,
    grid: &'static str,
    address: String,
) -> PlaceSpec {
    PlaceSpec {
        code: code.to_owned(),
        name: name.to_owned(),
        kind,
        grid,
        address,
        built_year: 1986,
    }
}

pub(super) const A1: &str = "31010401100101";
pub(super) const A2: &str = "31010401100102";
pub(super) const B1: &str = "31010401100201";

fn resident(
    id_body: &'static str,
    name: &'static str,
    phone: &'static str,
    residency: &'static str,
    tags: &'static str,
    household: &'static str,
) -> PersonSpec {
    PersonSpec {
        id_body,
        name,
        phone,
        residency,
        tags,
        household,
    }
}

fn household(code: &'static str, building: &'static str, room: &'static str) -> HouseholdSpec {
    HouseholdSpec {
        code,
        building,
        room,
    }
}

impl Street {
    /// The store's street; see the module's docs.
    pub fn store() -> Street {
        let at = |code: &str| format!("田林路{code}号");
        Street {
            regions: tree(true, |_| (None, None)),
            places: vec![
                place(
                    "B-A1-1",
                    "田林一村1号楼",
                    PlaceKind::ResidentialBuilding,
                    A1,
                    at("B-A1-1"),
                ),
                place(
                    "B-B1-1",
                    "田林二村1号楼",
                    PlaceKind::ResidentialBuilding,
                    B1,
                    at("B-B1-1"),
                ),
                place("M-A1", "田林菜场", PlaceKind::Market, A1, at("M-A1")),
            ],
            households: vec![
                household("H-A-101", "B-A1-1", "101"),
                household("H-B-201", "B-B1-1", "201"),
            ],
            people: {
                let p = "13800138000";
                let r = "registered";
                vec![
                    resident(
                        "31010419400101001",
                        "王秀英",
                        p,
                        r,
                        "elderly_living_alone",
                        "H-A-101",
                    ),
                    resident("31010419800202002", "王建国", p, r, "", "H-A-101"),
                    resident("31010419900303003", "李娜", p, r, "low_income", "H-A-101"),
                    resident("34010119850404004", "王芳", p, r, "", "H-B-201"),
                    resident(
                        "34010119420505005",
                        "张桂兰",
                        p,
                        r,
                        "disabled,elderly_living_alone",
                        "H-B-201",
                    ),
                ]
            },
            users: vec![],
        }
    }

    /// The server's HTTP street; see the module's docs.
    pub fn http() -> Street {
        // Neighbourhood and grid A cover the western half, B the eastern,
        // 31.16–31.18 north.
        let shape = |code: &str| {
            let (w, e) = match code {
                "310104011001" | "31010401100101" => (121.42, 121.43),
                "310104011002" | "31010401100201" => (121.43, 121.44),
                _ => (121.42, 121.44),
            };
            (Some((w, 31.16, e, 31.18)), Some(((w + e) / 2.0, 31.17)))
        };
        let building = |code: &str, grid| PlaceSpec {
            code: code.to_owned(),
            name: format!("{code}号楼"),
            kind: PlaceKind::ResidentialBuilding,
            grid,
            address: format!("田林路{code}号"),
            built_year: 1985,
        };
        let user = |username, role, region| UserSpec {
            username,
            display_name: username,
            role,
            region,
            phone: http_phone_of(username),
        };
        let (p, r) = ("13912345678", "registered");
        Street {
            regions: tree(false, shape),
            places: vec![building("A1", A1), building("B1", B1)],
            households: vec![household("HA", "A1", "101"), household("HB", "B1", "202")],
            people: vec![
                resident(
                    "31010419400101001",
                    "王秀英",
                    p,
                    r,
                    "elderly_living_alone",
                    "HA",
                ),
                resident("31010419800202002", "王建国", p, r, "", "HA"),
                resident("34010119850404004", "王芳", p, r, "", "HB"),
            ],
            users: vec![
                user("admin", Role::Admin, "310000"),
                user("operator", Role::StreetOperator, "310104011"),
                user("sec_a", Role::NeighbourhoodSecretary, "310104011001"),
                user("sec_b", Role::NeighbourhoodSecretary, "310104011002"),
                user("grid_a", Role::GridWorker, A1),
                user("gw_b", Role::GridWorker, B1),
                user("organiser", Role::DistrictOrganiser, "310104"),
            ],
        }
    }

    /// The pages' street; see the module's docs.
    pub fn pages() -> Street {
        let shape = |code: &str| {
            let rect = match code {
                "310104011" => Some((121.42, 31.16, 121.45, 31.18)),
                "310104011001" => Some((121.42, 31.16, 121.435, 31.18)),
                "310104011002" => Some((121.435, 31.16, 121.45, 31.18)),
                "31010401100101" => Some((121.42, 31.17, 121.435, 31.18)),
                "31010401100102" => Some((121.42, 31.16, 121.435, 31.17)),
                "31010401100201" => Some((121.435, 31.16, 121.45, 31.18)),
                _ => None,
            };
            (rect, None)
        };
        let at = |code: &str| {
            format!(
                "田林路{}弄",
                100 + code.bytes().map(u32::from).sum::<u32>() % 300
            )
        };
        let user = |username, display_name, role, region| UserSpec {
            username,
            display_name,
            role,
            region,
            phone: None,
        };
        Street {
            regions: tree(true, shape),
            places: vec![
                place(
                    "B-A1-1",
                    "田林一村1号楼",
                    PlaceKind::ResidentialBuilding,
                    A1,
                    at("B-A1-1"),
                ),
                place(
                    "B-A2-1",
                    "田林一村7号楼",
                    PlaceKind::ResidentialBuilding,
                    A2,
                    at("B-A2-1"),
                ),
                place(
                    "B-B1-1",
                    "田林二村3号楼",
                    PlaceKind::ResidentialBuilding,
                    B1,
                    at("B-B1-1"),
                ),
                place("M-A1", "田林菜场", PlaceKind::Market, A1, at("M-A1")),
            ],
            households: vec![
                household("H-A-101", "B-A1-1", "101"),
                household("H-A-502", "B-A2-1", "502"),
                household("H-B-201", "B-B1-1", "201"),
            ],
            people: vec![
                resident(
                    "31010419400101001",
                    "王秀英",
                    "13912345678",
                    "registered",
                    "elderly_living_alone",
                    "H-A-101",
                ),
                resident(
                    "31010419800202002",
                    "王建国",
                    "13800001111",
                    "registered",
                    "",
                    "H-A-502",
                ),
                resident(
                    "51010219900303003",
                    "李娜",
                    "13700002222",
                    "migrant",
                    "low_income",
                    "H-A-502",
                ),
                resident(
                    "34010119850404004",
                    "王芳",
                    "13600003333",
                    "migrant",
                    "",
                    "H-B-201",
                ),
                resident(
                    "34010119420505005",
                    "张桂兰",
                    "13500004444",
                    "registered",
                    "disabled,elderly_living_alone",
                    "H-B-201",
                ),
            ],
            users: vec![
                user("admin", "管理员", Role::Admin, "310104011"),
                user(
                    "sec_a",
                    "李书记",
                    Role::NeighbourhoodSecretary,
                    "310104011001",
                ),
                user("grid_a1", "赵网格员", Role::GridWorker, A1),
                user("organiser", "组织部干部", Role::DistrictOrganiser, "310104"),
            ],
        }
    }
}
