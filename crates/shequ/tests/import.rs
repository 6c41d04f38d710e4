//! `shequ import`: the acceptance contract, against SQLite always and
//! PostgreSQL when `SHEQU_TEST_POSTGRES_URL` is set. Most tests call
//! `import_file` in-process; the binary tests check exit status and output.

#[path = "import/saved_files.rs"]
mod saved_files;
mod support;

use std::path::Path;

use shequ::import::{ImportKind, ImportOptions, RowError, import_file};
use shequ_store::people::{PeopleQuery, Person};
use shequ_store::places::PlaceQuery;
use shequ_store::{Paging, Scope, Store, UpsertCounts};
use support::{backends, fixture};

const PEOPLE_HEADER: &str = "identity_number,name,gender,birth_date,phone,residency,care_tags,household_code,building_code,room,grid_code\n";

fn counts(inserted: u64, updated: u64, unchanged: u64) -> UpsertCounts {
    UpsertCounts {
        inserted,
        updated,
        unchanged,
    }
}

async fn people(store: &Store) -> Vec<Person> {
    let mut page = store
        .search_people(
            &Scope::everything(),
            &PeopleQuery::default(),
            Paging::new(Some(1), Some(Paging::MAX_PAGE_SIZE)),
        )
        .await
        .expect("search people");
    page.items
        .sort_by(|a, b| a.identity_number.reveal().cmp(b.identity_number.reveal()));
    page.items
}

async fn person(store: &Store, id: &str) -> Person {
    people(store)
        .await
        .into_iter()
        .find(|p| p.identity_number.reveal() == id)
        .unwrap_or_else(|| panic!("person {id} was not stored"))
}

/// The (line, field) pairs of the errors, for compact assertions.
fn where_(errors: &[RowError]) -> Vec<(u64, &'static str)> {
    errors.iter().map(|e| (e.line, e.field)).collect()
}

fn reason(errors: &[RowError], line: u64) -> &str {
    errors
        .iter()
        .find(|e| e.line == line)
        .map_or("", |e| e.reason.as_str())
}

#[tokio::test]
async fn regions_places_and_people_land_with_derived_fields() {
    for db in backends().await {
        let l = db.label;
        let regions = db
            .import(ImportKind::Regions, &fixture("regions.csv"))
            .await;
        assert_eq!(
            (regions.rows_read, regions.failed),
            (8, 0),
            "{l}: {:?}",
            regions.errors
        );
        assert_eq!(regions.counts, counts(8, 0, 0), "{l}");
        let grid = db
            .store
            .region_by_code("G0101")
            .await
            .expect("q")
            .expect("grid");
        assert_eq!(
            grid.region.path,
            "/310000/310104/310104011/310104011001/G0101/"
        );
        let (lon, lat) = (
            grid.region.center_lon.expect("lon"),
            grid.region.center_lat.expect("lat"),
        );
        assert!(
            (lon - 121.425).abs() < 1e-9 && (lat - 31.175).abs() < 1e-9,
            "{l}: centre {lon},{lat}"
        );
        assert!(grid.polygon.expect("polygon").contains("Polygon"));
        let g2 = db
            .store
            .region_by_code("G0201")
            .await
            .expect("q")
            .expect("grid");
        assert_eq!(g2.region.kind, "grid", "{l}: Chinese kind label");

        let places = db.import(ImportKind::Places, &fixture("places.csv")).await;
        assert_eq!(
            (places.counts, places.failed),
            (counts(5, 0, 0), 0),
            "{l}: {:?}",
            places.errors
        );
        let listed = db
            .store
            .places_in(
                &Scope::everything(),
                &PlaceQuery::default(),
                Paging::new(None, None),
            )
            .await
            .expect("places");
        let centre = listed.items.iter().find(|p| p.code == "S01").expect("S01");
        assert_eq!(
            centre.facility_type.as_deref(),
            Some("party_mass_service_centre")
        );
        assert_eq!((centre.built_year, centre.floors), (Some(2015), Some(3)));

        let report = db
            .import(ImportKind::People, &fixture("people_zh.csv"))
            .await;
        assert_eq!(report.failed, 0, "{l}: {:?}", report.errors);
        assert_eq!(report.counts, counts(6, 0, 0), "{l}");
        assert_eq!(report.households, Some(counts(4, 0, 0)), "{l}");
        let li = person(&db.store, "31010419450315002X").await;
        assert_eq!(
            (li.gender.as_str(), li.birth_date.as_str()),
            ("female", "1945-03-15"),
            "{l}: derived from the ID"
        );
        assert_eq!(
            li.tags().collect::<Vec<_>>(),
            ["disabled", "low_income"],
            "{l}"
        );
        assert_eq!(li.phone.reveal(), "021-64871234");
        assert_eq!(li.room, "102");
        let wang = person(&db.store, "310104196011200034").await;
        assert_eq!(wang.household_id, li.household_id, "{l}: same household");
        assert_eq!(wang.residency, "migrant");
        let chen = person(&db.store, "310104198812310056").await;
        assert_eq!(chen.household_id, None, "{l}: no household");
        assert!(
            chen.region_path.ends_with("/G0201/"),
            "{l}: {}",
            chen.region_path
        );
        let zhao = person(&db.store, "310104197507080042").await;
        assert!(
            zhao.region_path.ends_with("/G0102/"),
            "{l}: the building's grid"
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn csv_with_and_without_bom_and_chinese_headers_read_the_same() {
    for db in backends().await {
        db.seed_street().await;
        let with_bom = db
            .import(ImportKind::People, &fixture("people_zh_bom.csv"))
            .await;
        assert_eq!(
            (with_bom.counts, with_bom.failed),
            (counts(6, 0, 0), 0),
            "{}: {:?}",
            db.label,
            with_bom.errors
        );
        assert!(
            with_bom.warnings.is_empty(),
            "{}: BOM must not garble the first header: {:?}",
            db.label,
            with_bom.warnings
        );
        let without = db
            .import(ImportKind::People, &fixture("people_zh.csv"))
            .await;
        assert_eq!(
            (without.counts, without.failed),
            (counts(0, 0, 6), 0),
            "{}: same rows",
            db.label
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn xlsx_first_sheet_with_numbers_and_date_cells() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    for db in backends().await {
        db.seed_street().await;
        let path = db.dir.path().join("people.xlsx");
        let mut book = Workbook::new();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let sheet = book.add_worksheet();
        let header = [
            "身份证号",
            "姓名",
            "出生日期",
            "手机",
            "户籍",
            "网格编码",
            "备注",
        ];
        for (c, h) in header.iter().enumerate() {
            sheet.write_string(0, c as u16, *h).expect("cell");
        }
        // Row 2: a date cell and a phone typed as a number.
        sheet
            .write_string(1, 0, "310104199001010089")
            .expect("cell");
        sheet.write_string(1, 1, "表格甲").expect("cell");
        let d = ExcelDateTime::from_ymd(1990, 1, 1).expect("date");
        sheet
            .write_datetime_with_format(1, 2, &d, &date)
            .expect("cell");
        sheet.write_number(1, 3, 13_800_138_000.0).expect("cell");
        sheet.write_string(1, 4, "户籍").expect("cell");
        sheet.write_string(1, 5, "G0101").expect("cell");
        // Row 3 left empty; row 4: a wrong date, so its line number shows.
        sheet
            .write_string(3, 0, "310104199102020091")
            .expect("cell");
        sheet.write_string(3, 1, "表格乙").expect("cell");
        let wrong = ExcelDateTime::from_ymd(1991, 2, 3).expect("date");
        sheet
            .write_datetime_with_format(3, 2, &wrong, &date)
            .expect("cell");
        sheet.write_string(3, 4, "流动").expect("cell");
        sheet.write_string(3, 5, "G0102").expect("cell");
        let other = book.add_worksheet();
        other
            .write_string(0, 0, "this sheet is not read")
            .expect("cell");
        book.save(&path).expect("save xlsx");

        let report = db.import(ImportKind::People, &path).await;
        let l = db.label;
        assert_eq!(
            (report.rows_read, report.counts.inserted, report.failed),
            (2, 1, 1),
            "{l}: {:?}",
            report.errors
        );
        assert_eq!(where_(&report.errors), [(4, "birth_date")], "{l}");
        assert_eq!(
            report.warnings.len(),
            1,
            "{l}: one warning for the unknown column"
        );
        let p = person(&db.store, "310104199001010089").await;
        assert_eq!(
            (p.phone.reveal(), p.birth_date.as_str()),
            ("13800138000", "1990-01-01"),
            "{l}"
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn malformed_people_rows_are_reported_while_good_rows_land() {
    for db in backends().await {
        db.seed_street().await;
        let report = db
            .import(ImportKind::People, &fixture("people_bad.csv"))
            .await;
        let l = db.label;
        assert_eq!(report.rows_read, 12, "{l}");
        assert_eq!(
            (report.counts.inserted, report.failed),
            (2, 10),
            "{l}: {:#?}",
            report.errors
        );
        assert_eq!(
            where_(&report.errors),
            [
                (3, "identity_number"),
                (4, "birth_date"),
                (5, "grid_code"),
                (6, "identity_number"),
                (7, "name"),
                (8, "birth_date"),
                (9, "gender"),
                (10, "building_code"),
                (11, "building_code"),
                (13, "residency"),
            ],
            "{l}"
        );
        let e = &report.errors;
        assert_eq!(
            report.errors[0].to_string(),
            "line 3, field identity_number: identity number checksum does not match; check for a mistyped digit"
        );
        assert!(reason(e, 4).contains("not a date"), "{}", reason(e, 4));
        assert!(reason(e, 5).contains("G9999"), "{}", reason(e, 5));
        assert!(reason(e, 6).contains("line 2"), "{}", reason(e, 6));
        assert!(reason(e, 8).contains("1952-02-29"), "{}", reason(e, 8));
        assert!(reason(e, 9).contains("male"), "{}", reason(e, 9));
        assert!(reason(e, 10).contains("B9999"), "{}", reason(e, 10));
        assert!(reason(e, 11).contains("market"), "{}", reason(e, 11));
        let mut stored: Vec<String> = people(&db.store)
            .await
            .iter()
            .map(|p| p.name.clone())
            .collect();
        stored.sort();
        assert_eq!(stored, ["好人乙", "好人甲"], "{l}: only the good rows");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn malformed_region_and_place_rows_name_line_and_field() {
    for db in backends().await {
        let l = db.label;
        let regions = db.write(
            "regions.csv",
            "code,name,kind,parent_code,polygon\n\
             310000,上海市,city,,\n\
             310104,徐汇区,province,310000,\n\
             310105,长宁区,district,310000,\n\
             310105,长宁区again,district,310000,\n\
             G1,网格,grid,NOPE,\n\
             S1,街道,street,310105,{\"type\":\"Point\"}\n\
             G2,网格,grid,310105,\n\
             N1,居民区,neighbourhood,310104,\n",
        );
        let r = db.import(ImportKind::Regions, &regions).await;
        assert_eq!(r.counts.inserted, 2, "{l}: {:?}", r.errors);
        assert_eq!(
            where_(&r.errors),
            [
                (3, "kind"),
                (5, "code"),
                (6, "parent_code"),
                (7, "polygon"),
                (8, "kind"),
                (9, "parent_code")
            ],
            "{l}"
        );
        assert!(
            reason(&r.errors, 5).contains("line 4"),
            "{l}: names the first line"
        );
        assert!(
            reason(&r.errors, 9).contains("refused on line 3"),
            "{}",
            reason(&r.errors, 9)
        );
        assert_eq!(r.failed, 6);

        db.seed_street().await;
        let places = db.write(
            "places.csv",
            "code,name,kind,grid_code,lon,lat,facility_type\n\
             X1,好,park,G0101,121.4,31.2,\n\
             X2,城堡,castle,G0101,121.4,31.2,\n\
             X3,错网格,park,310104011001,121.4,31.2,\n\
             X4,无网格,park,G9999,121.4,31.2,\n\
             X1,重复,park,G0101,121.4,31.2,\n\
             X5,站,service_facility,G0101,121.4,31.2,\n\
             X6,远,park,G0101,190,31.2,\n\
             X7,多余,park,G0101,121.4,31.2,school\n",
        );
        let p = db.import(ImportKind::Places, &places).await;
        assert_eq!(p.counts.inserted, 1, "{l}: {:?}", p.errors);
        assert_eq!(
            where_(&p.errors),
            [
                (3, "kind"),
                (4, "grid_code"),
                (5, "grid_code"),
                (6, "code"),
                (7, "facility_type"),
                (8, "lon"),
                (9, "facility_type")
            ],
            "{l}"
        );
        assert!(
            reason(&p.errors, 4).contains("not a grid"),
            "{}",
            reason(&p.errors, 4)
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn reimport_changes_nothing() {
    for db in backends().await {
        let l = db.label;
        for (kind, file, n) in [
            (ImportKind::Regions, "regions.csv", 8),
            (ImportKind::Places, "places.csv", 5),
            (ImportKind::People, "people_zh.csv", 6),
        ] {
            let first = db.import(kind, &fixture(file)).await;
            assert_eq!(
                (first.counts, first.failed),
                (counts(n, 0, 0), 0),
                "{l}: {file}: {:?}",
                first.errors
            );
            let again = db.import(kind, &fixture(file)).await;
            assert_eq!(
                (again.counts, again.failed),
                (counts(0, 0, n), 0),
                "{l}: {file} re-imported"
            );
            if kind == ImportKind::People {
                assert_eq!(again.households, Some(counts(0, 0, 4)), "{l}");
            }
        }
        db.cleanup().await;
    }
}

#[tokio::test]
async fn changing_one_field_updates_that_row_only() {
    for db in backends().await {
        let l = db.label;
        db.seed_street().await;
        let original = std::fs::read_to_string(fixture("people_zh.csv")).expect("fixture");
        db.import(ImportKind::People, &fixture("people_zh.csv"))
            .await;
        let edited = db.write(
            "people.csv",
            &original.replace("13900139000", "13900139999"),
        );
        let report = db.import(ImportKind::People, &edited).await;
        assert_eq!((report.counts, report.failed), (counts(0, 1, 5), 0), "{l}");
        assert_eq!(
            person(&db.store, "310104196011200034").await.phone.reveal(),
            "13900139999"
        );
        // A tag change updates the row and the tag index.
        let retagged = db.write("people2.csv", &original.replace("残疾；低保", "低保"));
        let report = db.import(ImportKind::People, &retagged).await;
        assert_eq!(
            report.counts,
            counts(0, 2, 4),
            "{l}: the phone reverts and the tags change"
        );
        let li = person(&db.store, "31010419450315002X").await;
        assert_eq!(li.tags().collect::<Vec<_>>(), ["low_income"], "{l}");
        let tagged = db
            .store
            .search_people(
                &Scope::everything(),
                &PeopleQuery {
                    tag: Some("disabled".into()),
                    ..PeopleQuery::default()
                },
                Paging::new(None, None),
            )
            .await
            .expect("search");
        assert_eq!(tagged.total, 0, "{l}: the old tag is gone from the index");
        // One place field.
        let places = std::fs::read_to_string(fixture("places.csv")).expect("fixture");
        let edited = db.write("places.csv", &places.replace("田林路10号", "田林路12号"));
        let report = db.import(ImportKind::Places, &edited).await;
        assert_eq!(report.counts, counts(0, 1, 4), "{l}");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn missing_required_column_fails_the_whole_file() {
    for db in backends().await {
        db.seed_street().await;
        let path = db.write("people.csv", "姓名,户籍,网格编码\n张三,户籍,G0101\n");
        let err = import_file(
            &db.store,
            ImportKind::People,
            &path,
            &ImportOptions::default(),
        )
        .await
        .expect_err("no identity_number column");
        let msg = format!("{err:#}");
        assert!(msg.contains("identity_number (身份证号)"), "{msg}");
        assert!(msg.contains("nothing was imported"), "{msg}");
        assert!(
            people(&db.store).await.is_empty(),
            "{}: nothing stored",
            db.label
        );
        let no_place = db.write(
            "people2.csv",
            "身份证号,姓名,户籍\n310104199001010089,张三,户籍\n",
        );
        let err = import_file(
            &db.store,
            ImportKind::People,
            &no_place,
            &ImportOptions::default(),
        )
        .await
        .expect_err("neither household nor grid");
        assert!(format!("{err:#}").contains("grid_code"), "{err:#}");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn line_numbers_are_spreadsheet_rows() {
    for db in backends().await {
        db.seed_street().await;
        // A blank line is row 3; a quoted name with a line break keeps row 4
        // one row; so the bad row below it is row 5.
        let path = db.write(
            "people.csv",
            &format!(
                "{PEOPLE_HEADER}310104199001010089,甲,,,,registered,,,,,G0101\n\n\
                 310104199102020091,\"乙\n丙\",,,,registered,,,,,G0101\n\
                 310104199203030109,丁,,,,martian,,,,,G0101\n"
            ),
        );
        let report = db.import(ImportKind::People, &path).await;
        assert_eq!(
            where_(&report.errors),
            [(4, "name"), (5, "residency")],
            "{}",
            db.label
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn binary_exit_status_summary_and_errors_file() {
    for db in backends().await {
        let l = db.label;
        for file in ["regions.csv", "places.csv"] {
            let kind = file.trim_end_matches(".csv");
            let out = db.run_import(kind, &fixture(file), &[]).await;
            assert!(
                out.status.success(),
                "{l}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let out = db
            .run_import("people", &fixture("people_zh.csv"), &[])
            .await;
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{l}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains("6 rows read, 6 inserted, 0 updated, 0 unchanged, 0 failed"),
            "{l}: {stdout}"
        );
        assert!(stdout.contains("rows/s"), "{stdout}");

        let errors = db.dir.path().join("errors.csv");
        let bad = fixture("people_bad.csv");
        let out = db
            .run_import(
                "people",
                &bad,
                &["--errors", errors.to_str().expect("utf-8 path")],
            )
            .await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{l}: rows failed: {stderr}");
        assert!(
            stderr
                .contains("line 3, field identity_number: identity number checksum does not match"),
            "{stderr}"
        );
        let csv = std::fs::read_to_string(&errors).expect("errors file");
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some("line,field,reason"));
        assert_eq!(lines.count(), 10, "{csv}");

        let out = db
            .run_import("people", Path::new("no-such-file.csv"), &[])
            .await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{l}: {stderr}");
        assert!(stderr.contains("does not exist"), "{stderr}");

        let garbage = db.write("garbage.xlsx", "this is not a spreadsheet");
        let out = db.run_import("people", &garbage, &[]).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{l}: {stderr}");
        assert!(stderr.contains("cannot read"), "{stderr}");

        let missing = db.write("missing.csv", "name,residency\n张三,户籍\n");
        let out = db.run_import("people", &missing, &[]).await;
        assert_eq!(
            out.status.code(),
            Some(1),
            "{l}: missing column fails the file"
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn batches_smaller_than_the_file_give_the_same_result() {
    for db in backends().await {
        db.seed_street().await;
        let opts = ImportOptions {
            batch_size: 2,
            ..ImportOptions::default()
        };
        // Households H0101-102 spans rows in two batches.
        let report = import_file(
            &db.store,
            ImportKind::People,
            &fixture("people_zh.csv"),
            &opts,
        )
        .await
        .expect("import");
        assert_eq!(
            (report.counts, report.failed),
            (counts(6, 0, 0), 0),
            "{}",
            db.label
        );
        assert_eq!(report.households, Some(counts(4, 0, 0)), "{}", db.label);
        let bad = import_file(
            &db.store,
            ImportKind::People,
            &fixture("people_bad.csv"),
            &opts,
        )
        .await
        .expect("import");
        assert_eq!(bad.error_count, 10, "{}", db.label);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_generated_street_crosses_statement_and_batch_boundaries() {
    for db in backends().await {
        // 3,000 people in one batch: SQLite takes at most 2,730 people per
        // statement, so the batch needs two.
        let generated = support::generate_street(db.dir.path(), 20, 3_000).expect("generate");
        let opts = ImportOptions::default();
        for (kind, path, n) in [
            (ImportKind::Regions, &generated.regions, 183),
            (ImportKind::Places, &generated.places, 20),
            (ImportKind::People, &generated.people, 3_000),
        ] {
            let r = import_file(&db.store, kind, path, &opts)
                .await
                .expect("import");
            assert_eq!(
                (r.counts, r.failed),
                (counts(n, 0, 0), 0),
                "{}: {kind:?}: {:?}",
                db.label,
                r.errors
            );
        }
        let summary = db
            .store
            .population_summary(&Scope::everything())
            .await
            .expect("summary");
        assert_eq!(
            (summary.residents, summary.households),
            (3_000, 1_200),
            "{}",
            db.label
        );
        let again = import_file(
            &db.store,
            ImportKind::People,
            &generated.people,
            &ImportOptions::default(),
        )
        .await
        .expect("import");
        assert_eq!(again.counts, counts(0, 0, 3_000), "{}", db.label);
        db.cleanup().await;
    }
}

/// Speed figure, not a test of correctness: run with
/// `cargo test --release -p shequ --test import -- --ignored --nocapture`
/// (`SHEQU_BENCH_PEOPLE` sets the number of people, default 100,000;
/// `SHEQU_BENCH_BATCH` the batch size of the first import, default 5,000).
// Two worker threads, like the binary's runtime on this two-core machine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measures import speed; run in release with --nocapture"]
async fn measure_people_import_speed() {
    let rows: usize = std::env::var("SHEQU_BENCH_PEOPLE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    for db in backends().await {
        let generated = support::generate_street(db.dir.path(), 1_000, rows).expect("generate");
        let r = db.import(ImportKind::Regions, &generated.regions).await;
        assert_eq!(r.failed, 0, "{:?}", r.errors);
        let p = db.import(ImportKind::Places, &generated.places).await;
        assert_eq!(p.failed, 0, "{:?}", p.errors);
        let cpu = support::process_cpu_seconds;
        let cpu0 = cpu();
        let opts = ImportOptions {
            batch_size: std::env::var("SHEQU_BENCH_BATCH")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(ImportOptions::DEFAULT_BATCH_SIZE as usize),
            ..ImportOptions::default()
        };
        let first = import_file(&db.store, ImportKind::People, &generated.people, &opts)
            .await
            .expect("import");
        let cpu1 = cpu();
        assert_eq!(first.failed, 0, "{:?}", first.errors);
        assert_eq!(first.counts.inserted as usize, generated.people_rows);
        let again = db.import(ImportKind::People, &generated.people).await;
        let cpu2 = cpu();
        assert_eq!(again.counts.unchanged as usize, generated.people_rows);
        let used = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => format!("{:.2} s CPU", b - a),
            _ => "CPU time unknown".to_owned(),
        };
        println!("{}: first import  {first} [{}]", db.label, used(cpu0, cpu1));
        println!("{}: re-import     {again} [{}]", db.label, used(cpu1, cpu2));
        db.cleanup().await;
    }
}

#[tokio::test]
async fn people_who_only_work_here_land_without_a_household_and_are_not_counted_as_residents() {
    for db in backends().await {
        db.seed_street().await;
        let l = db.label;
        let before = db
            .store
            .population_summary(&shequ_store::Scope::everything())
            .await
            .expect("summary");
        let file = db.write(
            "workers.csv",
            &format!(
                "{PEOPLE_HEADER}\
                 310104199001010089,在职甲,,,,在辖区工作,,,,,G0101\n\
                 310104199203030109,在职乙,,,,non_resident,,H1,B0101,201,\n"
            ),
        );
        let report = db.import(ImportKind::People, &file).await;
        assert_eq!(
            (report.counts.inserted, where_(&report.errors)),
            (1, vec![(3, "household_code")]),
            "{l}: {:#?}",
            report.errors
        );
        assert!(reason(&report.errors, 3).contains("lives elsewhere"), "{l}");
        let stored = person(&db.store, "310104199001010089").await;
        assert_eq!(
            (stored.residency.as_str(), stored.household_id),
            ("non_resident", None),
            "{l}"
        );
        let after = db
            .store
            .population_summary(&shequ_store::Scope::everything())
            .await
            .expect("summary");
        assert_eq!(
            (after.residents, after.non_residents),
            (before.residents, before.non_residents + 1),
            "{l}: counted apart from the residents"
        );
        db.cleanup().await;
    }
}
