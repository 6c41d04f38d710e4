//! `shequ import units|needs|resources` and `shequ export projects`: the
//! cooperation lists from CSV and XLSX, against SQLite always and
//! PostgreSQL when `SHEQU_TEST_POSTGRES_URL` is set. Every bad row is
//! named by its line and field while the good rows land; a second import
//! updates by code instead of adding.

mod support;

use shequ::import::{ImportKind, RowError};
use support::backends;

fn where_(errors: &[RowError]) -> Vec<(u64, &'static str)> {
    errors.iter().map(|e| (e.line, e.field)).collect()
}

const UNITS: &str = "\
单位编码,单位名称,单位类型,地点编码,联系人,人数
U1,田林社区卫生服务中心,医院,B0101,陈主任,120
U2,某某公司,shop,B0101,,
U3,上海某某律师事务所,民企,NOPE,,
U4,田林中学,学校,B0201,,many
U5,徐汇区司法局,机关,M01,,
";

const RESOURCES: &str = "\
resource_code,title,category,unit,capacity,capacity_unit,windows
R1,医生上门,health_visits,U1,10,次/月,
R2,法律咨询,法律咨询,U5,20,小时/月,2026-03-01~2026-06-30;2026-09-01~2026-12-31
R3,场地开放,venue,U5,0,小时/月,
R4,场地开放,venue,U5,8,hours,
R5,义诊,义诊,U9,4,次/月,
R6,法律咨询,legal_advice,U5,6,小时/月,2026-06-30~2026-03-01
";

#[tokio::test]
async fn units_needs_and_resources_land_row_by_row_and_bad_rows_are_named() {
    use rust_xlsxwriter::Workbook;
    for db in backends().await {
        let l = db.label;
        db.seed_street().await;
        let s = &db.store;

        let report = db
            .import(ImportKind::Units, &db.write("units.csv", UNITS))
            .await;
        assert_eq!(
            (report.rows_read, report.counts.inserted),
            (5, 2),
            "{l}: {:?}",
            report.errors
        );
        assert_eq!(
            where_(&report.errors),
            [(3, "kind"), (4, "place"), (5, "staff")],
            "{l}: by line, whether refused on reading or against the database"
        );
        let again = db
            .import(ImportKind::Units, &db.write("units.csv", UNITS))
            .await;
        assert_eq!(
            (again.counts.inserted, again.counts.updated),
            (0, 2),
            "{l}: by code"
        );
        assert_eq!(
            s.unit_by_code("U1").await.expect("read").expect("U1").staff,
            120,
            "{l}"
        );

        let file = db.write(
            "resources.csv",
            &RESOURCES.replace("resource_code", "资源编码"),
        );
        let report = db.import(ImportKind::Resources, &file).await;
        assert_eq!(report.counts.inserted, 2, "{l}: {:?}", report.errors);
        assert_eq!(
            where_(&report.errors),
            [
                (4, "capacity"),
                (5, "capacity_unit"),
                (6, "unit"),
                (7, "windows")
            ],
            "{l}"
        );
        let r2 = s.resource_by_code("R2").await.expect("read").expect("R2");
        assert_eq!(r2.windows().expect("windows").len(), 2, "{l}");

        // Needs from a spreadsheet: a window that ends first and an
        // unknown urgency are named; the good rows land.
        let path = db.dir.path().join("needs.xlsx");
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let rows: [[&str; 8]; 4] = [
            [
                "需求编码",
                "需求内容",
                "类别",
                "地点编码",
                "提出方",
                "开始日期",
                "结束日期",
                "紧急程度",
            ],
            [
                "N1",
                "独居老人助餐",
                "助餐",
                "B0101",
                "田林一村居委会",
                "2026-03-01",
                "2026-06-30",
                "紧急",
            ],
            [
                "N2",
                "上门体检",
                "health_visits",
                "B0201",
                "田林二村居委会",
                "2026-06-30",
                "2026-03-01",
                "",
            ],
            [
                "N3",
                "法律咨询",
                "legal_advice",
                "B0102",
                "田林一村居委会",
                "2026-01-01",
                "2026-12-31",
                "soon",
            ],
        ];
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    sheet.write_string(r as u32, c as u16, *v).expect("cell");
                }
            }
        }
        book.save(&path).expect("save");
        let report = db.import(ImportKind::Needs, &path).await;
        assert_eq!(
            (report.rows_read, report.counts.inserted, report.failed),
            (3, 1, 2),
            "{l}: {:?}",
            report.errors
        );
        assert_eq!(
            where_(&report.errors),
            [(3, "ends_on"), (4, "urgency")],
            "{l}"
        );
        let n1 = s.need_by_code("N1").await.expect("read").expect("N1");
        assert_eq!(
            (n1.urgency.as_str(), n1.category.as_str()),
            ("urgent", "elderly_meals"),
            "{l}"
        );
    }
}

#[tokio::test]
async fn the_years_projects_export_as_a_workbook() {
    use shequ_domain::coop::{Capacity, CapacityUnit, Category, Urgency, Window};
    use shequ_store::coop::{NewNeed, NewProject, NewResource, NewUnit};
    for db in backends().await {
        let l = db.label;
        db.seed_street().await;
        let s = &db.store;
        let place = s.place_refs(&["B0101"]).await.expect("refs")["B0101"].id;
        let (unit, _) = s
            .upsert_unit(
                &NewUnit {
                    code: "U1",
                    name: "田林社区卫生服务中心",
                    kind: shequ_domain::coop::UnitKind::Hospital,
                    place_id: place,
                    party_org_id: None,
                    contact_name: "",
                    contact_phone: "",
                    staff: 0,
                    offers: "",
                },
                "t",
                1,
            )
            .await
            .expect("unit");
        let (r, _) = s
            .upsert_resource(
                &NewResource {
                    code: "R1",
                    title: "医生上门",
                    category: Category::HealthVisits,
                    unit_id: unit,
                    capacity: Capacity::new(10, CapacityUnit::VisitsPerMonth).expect("capacity"),
                    windows: &[],
                    detail: "",
                },
                "t",
                1,
            )
            .await
            .expect("resource");
        let window = Window::new(
            "2026-03-01".parse().expect("day"),
            "2026-06-30".parse().expect("day"),
        )
        .expect("window");
        let (n, _) = s
            .upsert_need(
                &NewNeed {
                    code: "N1",
                    title: "上门体检",
                    category: Category::HealthVisits,
                    place_id: place,
                    raised_by: "居委会",
                    beneficiaries: "",
                    beneficiary_count: 0,
                    wanted: 4,
                    window,
                    urgency: Urgency::High,
                    detail: "",
                    order_ids: &[],
                },
                "t",
                1,
            )
            .await
            .expect("need");
        s.create_project(
            &NewProject {
                need_id: n,
                title: "上门体检",
                owner: "陈主任",
                window,
                resources: &[(r, 4)],
                decision_id: None,
            },
            "t",
            2,
        )
        .await
        .expect("project");
        let out = db.dir.path().join("projects.xlsx");
        let run = std::process::Command::new(env!("CARGO_BIN_EXE_shequ"))
            .current_dir(db.dir.path())
            .env_remove("SHEQU_DATABASE_URL")
            .env_remove("SHEQU_CONFIG")
            .env("SHEQU_LOG", "warn")
            .args(["export", "projects", "--year", "2026", "--out"])
            .arg(&out)
            .args(["--database-url", &db.url])
            .output()
            .expect("run shequ export");
        assert!(
            run.status.success(),
            "{l}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(
            String::from_utf8_lossy(&run.stdout).contains("exported 1 projects of 2026"),
            "{l}"
        );
        use calamine::{Reader, Xlsx, open_workbook};
        let mut book: Xlsx<_> = open_workbook(&out).expect("open");
        let sheet = book.worksheet_range("2026年项目清单").expect("sheet");
        let rows: Vec<Vec<String>> = sheet
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        assert_eq!(rows.len(), 2, "{l}: a header and one project");
        assert_eq!(rows[1][2], "N1", "{l}");
        assert_eq!(rows[1][6], "提议 proposed", "{l}");
        assert!(
            rows[1][9].contains("医生上门（田林社区卫生服务中心）4"),
            "{l}: {:?}",
            rows[1]
        );
    }
}
