//! Sample files for benchmarks and tests: a street's regions, buildings
//! and residents as the CSV files an operator would import.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use shequ_domain::IdentityNumber;

/// The files of a generated street.
pub struct Generated {
    pub regions: PathBuf,
    pub places: PathBuf,
    pub people: PathBuf,
    pub people_rows: usize,
}

/// Writes a street of 20 neighbourhoods × 8 grids, `buildings` residential
/// buildings and `people` residents (about 2.5 per household) with valid
/// identity numbers, as three CSV files in `dir`.
pub fn generate_street(dir: &Path, buildings: usize, people: usize) -> std::io::Result<Generated> {
    let mut regions = String::from("code,name,kind,parent_code\n");
    regions.push_str(
        "310000,上海市,city,\n310104,徐汇区,district,310000\n310104011,田林街道,street,310104\n",
    );
    let mut grids = Vec::new();
    for n in 1..=20 {
        let nb = format!("310104011{n:03}");
        let _ = writeln!(regions, "{nb},第{n}居民区,neighbourhood,310104011");
        for g in 1..=8 {
            let grid = format!("{nb}{g:02}");
            let _ = writeln!(regions, "{grid},第{n}居民区第{g}网格,grid,{nb}");
            grids.push(grid);
        }
    }
    let mut places = String::from("code,name,kind,grid_code,lon,lat,address,built_year,floors\n");
    for b in 0..buildings {
        let grid = &grids[b % grids.len()];
        let lon = 121.42 + (b % 40) as f64 * 0.0005;
        let lat = 31.16 + (b / 40) as f64 * 0.0005;
        let _ = writeln!(
            places,
            "B{b:05},田林{b}号楼,residential_building,{grid},{lon:.6},{lat:.6},田林路{b}号,{},{}",
            1980 + b % 40,
            6 + b % 20
        );
    }
    let mut out = String::with_capacity(people * 120);
    out.push_str(
        "identity_number,name,gender,birth_date,phone,residency,care_tags,household_code,building_code,room,grid_code\n",
    );
    let epoch = chrono::NaiveDate::from_ymd_opt(1930, 1, 1).unwrap_or_default();
    let surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴"];
    for i in 0..people {
        let birth = epoch + chrono::Days::new((i % 25_000) as u64);
        let body = format!("310104{}{:03}", birth.format("%Y%m%d"), i / 25_000);
        let Ok(id) = IdentityNumber::from_body(&body) else {
            continue;
        };
        let household = i * 2 / 5;
        let building = household % buildings;
        let room = 101 + household / buildings;
        let tags = match i % 50 {
            0 => "独居老人",
            1 => "残疾;低保",
            _ => "",
        };
        let residency = if i % 3 == 0 { "流动" } else { "户籍" };
        let _ = writeln!(
            out,
            "{},{}{},,,{},{residency},{tags},H{household:06},B{building:05},{room},",
            id.expose(),
            surnames[i % surnames.len()],
            i,
            13_000_000_000u64 + i as u64,
        );
    }
    let write = |name: &str, text: &str| -> std::io::Result<PathBuf> {
        let p = dir.join(name);
        std::fs::write(&p, text)?;
        Ok(p)
    };
    Ok(Generated {
        regions: write("gen_regions.csv", &regions)?,
        places: write("gen_places.csv", &places)?,
        people: write("gen_people.csv", &out)?,
        people_rows: people,
    })
}
