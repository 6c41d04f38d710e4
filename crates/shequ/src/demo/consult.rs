//! The demo's consultations (征询·会商·会签), after seed 002: the district
//! health commission asked the street before changing the health centre's
//! head, consulted it and had it sign (followed); the planning bureau
//! asked before renewing two parks, and the street's condition — a tenth
//! of the area for residents — was taken; the police station moved its
//! community team's head against the street's opinion (not followed,
//! which its assessment counts); and the housing office's renovation
//! waits for the street's answer past its deadline, flagged.

use shequ_domain::consult::{Outcome, Stage};
use shequ_store::Store;

const DAY: i64 = 86_400_000;

/// The matters opened, and how many rounds wait past their deadline.
pub async fn build(store: &Store, now: i64) -> anyhow::Result<(usize, usize)> {
    let street = store
        .region_by_code(super::STREET_CODE)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo street"))?
        .region;
    let health = store
        .create_team("dept-health", "区卫健委", "department", street.id)
        .await?;
    let planning = store
        .create_team("dept-planning", "区规划资源局", "department", street.id)
        .await?;
    let teams = store.teams_in(&shequ_store::Scope::everything()).await?;
    let team = |code: &str| {
        teams
            .iter()
            .find(|t| t.code == code)
            .map_or(health, |t| t.id)
    };
    let (housing, police) = (team("dept-housing"), team("dept-police"));

    let m = store
        .open_consult_matter(
            health,
            (
                "head_appointment",
                "田林街道社区卫生服务中心主任调整",
                "拟调整社区卫生服务中心主任，事先征求街道意见",
            ),
            now - 50 * DAY,
            "demo",
            now - 60 * DAY,
        )
        .await?;
    let answer = |round: i64, opinion: &'static str, reasons: &'static str, at: i64| async move {
        store
            .answer_consult_round(round, (opinion, reasons), "operator1", at)
            .await
    };
    let first = store.consult_rounds(m).await?[0].id;
    store
        .add_consult_document(
            first,
            ("拟任人选情况.pdf", "application/pdf"),
            &one_page_pdf(
                "Candidate for head of the community health centre: record and assessment (demo)",
            ),
            now - 60 * DAY,
        )
        .await?;
    answer(first, "agree", "", now - 55 * DAY).await?;
    let during = store
        .open_consult_round(
            m,
            Stage::During,
            "拟任人选考察情况，征求街道会商意见",
            now - 40 * DAY,
            now - 50 * DAY,
        )
        .await?;
    answer(during, "agree", "", now - 45 * DAY).await?;
    let after = store
        .open_consult_round(
            m,
            Stage::After,
            "任命文件会签",
            now - 30 * DAY,
            now - 35 * DAY,
        )
        .await?;
    answer(after, "agree", "", now - 33 * DAY).await?;
    store
        .conclude_consult_matter(m, Outcome::Followed, "按街道意见任命", now - 30 * DAY)
        .await?;

    let parks = store
        .open_consult_matter(
            planning,
            (
                "planning",
                "两处街心公园改造",
                "两处公园改造方案，事先征求街道意见",
            ),
            now - 80 * DAY,
            "demo",
            now - 90 * DAY,
        )
        .await?;
    let first = store.consult_rounds(parks).await?[0].id;
    answer(
        first,
        "agree_with_conditions",
        "拿出10%的面积给居民做活动场地",
        now - 84 * DAY,
    )
    .await?;
    store
        .conclude_consult_matter(
            parks,
            Outcome::Followed,
            "采纳街道建议，10%面积留作居民活动场地",
            now - 70 * DAY,
        )
        .await?;

    // The police station moved its community team's head against the
    // street's opinion: the record the departments' assessment counts.
    let head = store
        .open_consult_matter(
            police,
            (
                "head_appointment",
                "派出所社区警务队队长调整",
                "拟调整社区警务队队长，事先征求街道意见",
            ),
            now - 14 * DAY,
            "demo",
            now - 20 * DAY,
        )
        .await?;
    let first = store.consult_rounds(head).await?[0].id;
    answer(
        first,
        "disagree",
        "现任队长熟悉辖区，群租整治进行到一半，建议整治结束后再调整",
        now - 16 * DAY,
    )
    .await?;
    store
        .conclude_consult_matter(
            head,
            Outcome::NotFollowed,
            "因工作需要按期调整",
            now - 5 * DAY,
        )
        .await?;

    store
        .open_consult_matter(
            housing,
            (
                "major_project",
                "田林十二村旧住房综合改造",
                "改造范围与施工期安排，事先征求街道意见",
            ),
            now - 2 * DAY,
            "demo",
            now - 12 * DAY,
        )
        .await?;
    let overdue = store
        .consult_rounds_overdue(&shequ_store::Scope::everything(), now)
        .await?
        .len();
    Ok((4, overdue))
}

/// A one-page PDF showing `line` (ASCII), its cross-reference table
/// pointing at each object's byte offset as readers expect.
fn one_page_pdf(line: &str) -> Vec<u8> {
    let text = line
        .replace('\\', "\\\\")
        .replace('(', "\\(")
        .replace(')', "\\)");
    let stream = format!("BT /F1 12 Tf 56 780 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}
