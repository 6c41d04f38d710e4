//! Files as street offices save them: CSV from a Chinese Excel (GB18030,
//! not UTF-8), and spreadsheets with identity numbers typed as numbers,
//! formulas without a saved value and rows shorter than the header.

use std::io::{Read, Write};
use std::path::Path;

use rust_xlsxwriter::{Formula, Workbook, Worksheet};
use shequ::import::{ImportKind, ImportOptions, import_file};
use shequ_domain::IdentityNumber;

use super::{PEOPLE_HEADER, backends, fixture, people, person, reason, where_};

/// A valid identity number from its first 17 digits.
fn id(body: &str) -> String {
    IdentityNumber::from_body(body)
        .expect("valid body")
        .expose()
        .to_owned()
}

fn write_row(sheet: &mut Worksheet, row: u32, cells: &[&str]) {
    for (c, text) in cells.iter().enumerate() {
        sheet.write_string(row, c as u16, *text).expect("cell");
    }
}

/// Drops the value rust_xlsxwriter saves for a formula unless told one
/// ("0"), leaving the formula with no cached value, as files written by
/// Apache POI, openpyxl and many export tools have them.
fn drop_zero_formula_values(path: &Path) {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).expect("open")).expect("zip");
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("entry");
        let name = entry.name().expect("entry name").into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("read entry");
        if name.starts_with("xl/worksheets/") {
            let xml = String::from_utf8(data).expect("xml");
            assert!(xml.contains("</f><v>0</v>"), "{xml}");
            data = xml.replace("</f><v>0</v>", "</f>").into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("start entry");
        out.write_all(&data).expect("write entry");
    }
    let bytes = out.finish().expect("finish zip").into_inner();
    std::fs::write(path, bytes).expect("write xlsx");
}

#[tokio::test]
async fn gb18030_csv_from_a_chinese_excel_is_read_and_the_report_says_so() {
    let (a, b, c, d) = (
        id("31010419800101001"),
        id("31010419810202002"),
        id("31010419820303003"),
        id("31010419830404004"),
    );
    // What a Chinese Excel writes for "CSV": GBK text (GB18030 is its
    // superset), CRLF line ends, no byte-order mark.
    let text = format!(
        "身份证号,姓名,手机,户籍,关爱标签,户号,楼栋编码,房号,网格编码\r\n\
         {a},张伟,13800138000,户籍,独居老人,H0101-101,B0101,101,\r\n\
         {b},王芳,,流动,,H0101-101,B0101,101,\r\n\
         {c},李娜,,火星,,,,,G0201\r\n\
         {d},刘洋,,本地,低保,,,,G0201\r\n"
    );
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&text);
    assert!(!unmappable && std::str::from_utf8(&bytes).is_err());
    let note = "file was not UTF-8; read as GB18030";
    for db in backends().await {
        let l = db.label;
        db.seed_street().await;
        let path = db.dir.path().join("people_gbk.csv");
        std::fs::write(&path, &bytes).expect("write");
        let report = db.import(ImportKind::People, &path).await;
        assert_eq!(
            (report.counts.inserted, report.failed),
            (3, 1),
            "{l}: {:?}",
            report.errors
        );
        assert_eq!(where_(&report.errors), [(4, "residency")], "{l}");
        assert!(reason(&report.errors, 4).contains("火星"), "{l}");
        let zhang = person(&db.store, &a).await;
        assert_eq!(zhang.name, "张伟", "{l}");
        assert_eq!(
            zhang.tags().collect::<Vec<_>>(),
            ["elderly_living_alone"],
            "{l}"
        );
        let liu = person(&db.store, &d).await;
        assert_eq!(
            (liu.name.as_str(), liu.residency.as_str()),
            ("刘洋", "registered")
        );
        assert_eq!(person(&db.store, &b).await.household_id, zhang.household_id);

        assert!(report.to_string().contains(note), "{l}: {report}");
        assert!(
            report.warnings.iter().any(|w| w.contains(note)),
            "{l}: {:?}",
            report.warnings
        );
        let json = serde_json::to_value(&report).expect("report as JSON");
        assert_eq!(json["encoding"], "gb18030", "{l}: {json}");

        let out = db.run_import("people", &path, &[]).await;
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{l}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains(note), "{l}: {stdout}");

        // A UTF-8 file says nothing of the kind.
        let utf8 = db
            .import(ImportKind::People, &fixture("people_zh.csv"))
            .await;
        assert!(!utf8.to_string().contains("GB18030"), "{l}: {utf8}");
        assert!(utf8.warnings.is_empty(), "{l}: {:?}", utf8.warnings);
        let json = serde_json::to_value(&utf8).expect("report as JSON");
        assert_eq!(json["encoding"], "utf-8", "{l}: {json}");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_csv_neither_utf8_nor_gb18030_is_refused_naming_where() {
    let (a, b) = (id("31010419800101001"), id("31010419810202002"));
    let mut latin1 =
        format!("{PEOPLE_HEADER}{a},Zhang Wei,,,,registered,,,,,G0101\n{b},Ren").into_bytes();
    let bad_at = latin1.len();
    // "é" in Latin-1, then 0xFF, which no GB18030 sequence holds.
    latin1.extend_from_slice(b"\xE9\xFF,,,,registered,,,,,G0101\n");
    // Excel's "Unicode Text": UTF-16 with a byte-order mark.
    let utf16: Vec<u8> = "\u{feff}identity_number,name\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    for db in backends().await {
        let l = db.label;
        db.seed_street().await;
        for (name, bytes, line, byte) in [
            ("latin1.csv", &latin1, 3, bad_at),
            ("utf16.csv", &utf16, 1, 0),
        ] {
            let path = db.dir.path().join(name);
            std::fs::write(&path, bytes).expect("write");
            let err = import_file(
                &db.store,
                ImportKind::People,
                &path,
                &ImportOptions::default(),
            )
            .await
            .expect_err("neither UTF-8 nor GB18030");
            let msg = format!("{err:#}");
            for want in [
                "neither UTF-8 nor GB18030",
                &format!("line {line}"),
                &format!("offset {byte}"),
                "nothing was imported",
            ] {
                assert!(msg.contains(want), "{l}: {name}: {want:?} in {msg}");
            }
        }
        assert!(people(&db.store).await.is_empty(), "{l}: nothing stored");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_utf8_file_with_one_damaged_row_is_still_read_as_utf8() {
    let (a, b, c) = (
        id("31010419800101001"),
        id("31010419810202002"),
        id("31010419820303003"),
    );
    // Two-character names and values: their UTF-8 bytes pair up into valid
    // GB18030 too, so read as GB18030 every name would be garbled without
    // a single error.
    let text = format!(
        "{PEOPLE_HEADER}{a},张伟,,,,户籍,,,,,G0101\n\
         {b},王芳,,,,流动,,,,,G0101\n\
         {c},李娜,,,,户籍,,,,,G0101\n"
    );
    // 芳 is E8 8A B3 in UTF-8: a damaged last byte breaks row 3 only.
    let mut bytes = text.into_bytes();
    let at = bytes
        .windows(3)
        .position(|w| w == "芳".as_bytes())
        .expect("芳");
    bytes[at + 2] = b'A';
    assert!(
        encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(&bytes)
            .is_some(),
        "the damaged file is valid GB18030"
    );
    for db in backends().await {
        let l = db.label;
        db.seed_street().await;
        let path = db.dir.path().join("damaged.csv");
        std::fs::write(&path, &bytes).expect("write");
        let report = db.import(ImportKind::People, &path).await;
        assert_eq!(where_(&report.errors), [(3, "row")], "{l}");
        assert!(reason(&report.errors, 3).contains("UTF-8"), "{l}");
        assert_eq!(report.counts.inserted, 2, "{l}");
        assert_eq!(person(&db.store, &a).await.name, "张伟", "{l}");
        assert_eq!(person(&db.store, &c).await.name, "李娜", "{l}");
        assert!(!report.to_string().contains("GB18030"), "{l}: {report}");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn xlsx_identity_number_stored_as_a_number_says_to_format_the_column_as_text() {
    // b ends in a digit (not X), so it can be typed as a number.
    let (a, b) = (id("31010419800101001"), id("31010419810202004"));
    for db in backends().await {
        let l = db.label;
        db.seed_street().await;
        let path = db.dir.path().join("people.xlsx");
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        write_row(sheet, 0, &["姓名", "户籍", "网格编码", "身份证号"]);
        write_row(sheet, 1, &["张伟", "户籍", "G0101", &a]);
        // Row 5: the identity number typed into a cell formatted as a
        // number, which keeps only 15 significant digits.
        write_row(sheet, 4, &["王芳", "流动", "G0101"]);
        sheet
            .write_number(4, 3, b.parse::<f64>().expect("digits"))
            .expect("cell");
        book.save(&path).expect("save xlsx");

        let report = db.import(ImportKind::People, &path).await;
        assert_eq!(
            (report.counts.inserted, report.failed),
            (1, 1),
            "{l}: {:?}",
            report.errors
        );
        assert_eq!(where_(&report.errors), [(5, "identity_number")], "{l}");
        let why = reason(&report.errors, 5);
        for want in ["cell D5", "number", "as text"] {
            assert!(why.contains(want), "{l}: {want:?} in {why}");
        }
        assert!(!why.contains("checksum"), "{l}: {why}");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn xlsx_formula_without_a_saved_value_is_an_error_naming_the_cell() {
    let (a, b, c) = (
        id("31010419800101001"),
        id("31010419810202002"),
        id("31010419820303003"),
    );
    for db in backends().await {
        let l = db.label;
        db.seed_street().await;
        let path = db.dir.path().join("people.xlsx");
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        write_row(sheet, 0, &["身份证号", "姓名", "户籍", "网格编码", "手机"]);
        // Row 2: a formula with its value saved, as Excel saves it.
        write_row(sheet, 1, &[&a, "", "户籍", "G0101"]);
        sheet
            .write_formula(1, 1, Formula::new(r#"="张"&"伟""#).set_result("张伟"))
            .expect("cell");
        // Row 3: a required cell, row 4 an optional one, formulas with no
        // saved value.
        write_row(sheet, 2, &[&b, "", "户籍", "G0101"]);
        sheet.write_formula(2, 1, r#"="王"&"芳""#).expect("cell");
        write_row(sheet, 3, &[&c, "李娜", "户籍", "G0101"]);
        sheet.write_formula(3, 4, "=A2").expect("cell");
        book.save(&path).expect("save xlsx");
        drop_zero_formula_values(&path);

        let report = db.import(ImportKind::People, &path).await;
        assert_eq!(
            where_(&report.errors),
            [(3, "name"), (4, "phone")],
            "{l}: {:?}",
            report.errors
        );
        for (line, cell) in [(3, "cell B3"), (4, "cell E4")] {
            let why = reason(&report.errors, line);
            assert!(
                why.contains(cell) && why.contains("formula") && why.contains("no saved value"),
                "{l}: {why}"
            );
        }
        assert_eq!(report.counts.inserted, 1, "{l}");
        assert_eq!(person(&db.store, &a).await.name, "张伟", "{l}");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_row_shorter_than_the_header_says_so() {
    let (a, b) = (id("31010419800101001"), id("31010419810202002"));
    let header = ["身份证号", "姓名", "户籍", "网格编码", "手机"];
    for db in backends().await {
        let l = db.label;
        db.seed_street().await;
        let xlsx = db.dir.path().join("people.xlsx");
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        write_row(sheet, 0, &header);
        // Row 2 ends before the optional last column: that is fine.
        write_row(sheet, 1, &[&a, "张伟", "户籍", "G0101"]);
        write_row(sheet, 2, &[&b, "王芳"]);
        book.save(&xlsx).expect("save xlsx");
        let csv = db.write(
            "people.csv",
            &format!("{}\n{a},张伟,户籍,G0101\n{b},王芳\n", header.join(",")),
        );
        for (path, cell) in [(xlsx, "residency (C3)"), (csv, "residency")] {
            let report = db.import(ImportKind::People, &path).await;
            let name = path.display();
            assert_eq!(
                where_(&report.errors),
                [(3, "row")],
                "{l}: {name}: {:?}",
                report.errors
            );
            let why = reason(&report.errors, 3);
            for want in ["short", "2 cells", "header has 5", cell, "grid_code"] {
                assert!(why.contains(want), "{l}: {name}: {want:?} in {why}");
            }
            assert_eq!(report.failed, 1, "{l}: {name}");
        }
        assert_eq!(person(&db.store, &a).await.name, "张伟", "{l}");
        db.cleanup().await;
    }
}
