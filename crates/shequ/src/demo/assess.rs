//! The demo's assessment (自下而上考核), after the year of orders: last
//! quarter assessed and closed — every subject scored by hand, one appeal
//! accepted (its order taken out of the grid worker's figures and the
//! acceptance on the order's trail) and one rejected — and this quarter
//! open, counted live from the orders, with hand scores for half the
//! subjects and two appeals waiting for the street. The street weighs 70%.

use anyhow::Context;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use shequ_domain::assess::scheme::{DEPARTMENT_REVIEW, STREET_REVIEW};
use shequ_domain::assess::{Period, PeriodKind};
use shequ_domain::order::Action;
use shequ_server::assess::service;
use shequ_store::orders::Effects;
use shequ_store::orders::act::Actor;
use shequ_store::{Scope, Store};

use super::history::TZ;

const ACTOR: &str = "demo";

/// What the demo holds of the assessment, for the print-out.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AssessFigures {
    pub closed: String,
    pub open: String,
    pub subjects: usize,
    pub appeals_pending: usize,
}

const STREET_COMMENTS: &[&str] = &[
    "吹哨报到响应及时，配合街道开展整治",
    "工作主动，能牵头协调多方",
    "个别工单回复群众不够及时",
    "联系群众紧密，台账规范",
    "配合较好，需加强夜间值守",
];

const DEPARTMENT_COMMENTS: &[&str] = &["条线任务完成较好", "按时报送，质量一般", "队伍建设扎实"];

fn score(rng: &mut ChaCha8Rng, lo: u32, hi: u32) -> String {
    rng.random_range(lo..=hi).to_string()
}

/// Scores `share` (0–1) of a period's subjects by hand.
async fn hand_scores(
    store: &Store,
    period_id: i64,
    share: f64,
    now: i64,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<()> {
    for s in store.assessment_subjects(period_id).await? {
        if !rng.random_bool(share) {
            continue;
        }
        let comment = STREET_COMMENTS[rng.random_range(0..STREET_COMMENTS.len())];
        let m = shequ_domain::assess::ManualScore::parse(&score(rng, 72, 98), comment)?;
        store
            .set_assessment_score(s.id, STREET_REVIEW, m.score, &m.comment, ACTOR, now)
            .await?;
        if s.kind == "department" {
            let comment = DEPARTMENT_COMMENTS[rng.random_range(0..DEPARTMENT_COMMENTS.len())];
            let m = shequ_domain::assess::ManualScore::parse(&score(rng, 75, 95), comment)?;
            store
                .set_assessment_score(s.id, DEPARTMENT_REVIEW, m.score, &m.comment, ACTOR, now)
                .await?;
        }
    }
    Ok(())
}

/// Appeals by the first `n` grid workers with orders in the period, each
/// against their first order: their subject and order ids.
async fn appeal(
    store: &Store,
    period_id: i64,
    span: (i64, i64),
    n: usize,
    skip: usize,
    grounds: &[(&str, &str)],
    now: i64,
) -> anyhow::Result<Vec<(i64, i64, String)>> {
    let mut filed = Vec::new();
    let workers = store
        .assessment_subjects(period_id)
        .await?
        .into_iter()
        .filter(|s| s.kind == "grid_worker");
    for s in workers.skip(skip) {
        if filed.len() == n {
            break;
        }
        let Some(user) = s.user_id else { continue };
        let Some(order) = store
            .orders_owned_by(&[user], span)
            .await?
            .into_iter()
            .next()
        else {
            continue;
        };
        let (ground, reason) = grounds[filed.len() % grounds.len()];
        let id = store
            .file_assessment_appeal(s.id, order.id, ground, reason, ACTOR, now)
            .await?;
        filed.push((id, order.id, s.name.clone()));
    }
    Ok(filed)
}

/// Builds the demo's two periods.
pub async fn build(
    store: &Store,
    street_path: &str,
    today: chrono::NaiveDate,
    now: i64,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<AssessFigures> {
    let path = shequ_domain::RegionPath::parse(street_path)?;
    let scope = Scope::under(&path);
    let this = Period::containing(PeriodKind::Quarter, today);
    let last = Period::containing(
        PeriodKind::Quarter,
        this.first_day()
            .pred_opt()
            .context("a day before this quarter")?,
    );
    let hour = 3_600_000;
    // Last quarter's work, on the first days of this one (or in the last
    // minutes, when this quarter began only today).
    let q_start = shequ_server::app::state::midnight_ms(TZ, this.first_day()).unwrap_or(now);
    let after_it =
        |days: i64, minutes: i64| (q_start + days * 24 * hour).min(now - minutes * 60_000);

    // Last quarter: opened a few days after it ended, scored, appealed,
    // decided and closed.
    let last_id = service::open_at(
        store,
        TZ,
        &scope,
        &last.code(),
        &shequ_domain::assess::scheme::Weights::default(),
        ACTOR,
        after_it(1, 50),
    )
    .await
    .map_err(|e| anyhow::anyhow!("opening {}: {e}", last.code()))?;
    hand_scores(store, last_id, 1.0, after_it(2, 40), rng).await?;
    let period = store
        .assessment_period(last_id)
        .await?
        .context("the period just opened")?;
    let span = (period.starts_at, period.ends_at);
    let filed = appeal(
        store,
        last_id,
        span,
        2,
        0,
        &[
            ("wrongly_routed", "点位属相邻网格，派单时网格边界尚未更新"),
            ("outside_duty", "该事项属物业维修，不属网格巡查职责"),
        ],
        after_it(3, 30),
    )
    .await?;
    for (k, (id, order, name)) in filed.iter().enumerate() {
        let accept = k == 0;
        let at = after_it(4, 20);
        if accept {
            let why = "经核实，点位在相邻网格，派单错误";
            let text = format!(
                "考核申诉已采纳：{name}（{}）不再以本工单计分。理由：{why} / Assessment appeal accepted: not counted for {name} in {}.",
                last.zh(),
                last.code()
            );
            store
                .act_on_order(
                    *order,
                    &Actor::System,
                    &Action::Assessment { text },
                    at,
                    |_, _, _| Effects::default(),
                )
                .await
                .map_err(|e| anyhow::anyhow!("the appeal's trail record: {e:?}"))?;
            store
                .decide_assessment_appeal(*id, "accepted", why, ACTOR, at)
                .await?;
        } else {
            store
                .decide_assessment_appeal(
                    *id,
                    "rejected",
                    "物业报修经网格员派发的，仍计入网格员的响应",
                    ACTOR,
                    at,
                )
                .await?;
        }
    }
    service::close_at(store, last_id, ACTOR, after_it(5, 10))
        .await
        .map_err(|e| anyhow::anyhow!("closing {}: {e}", last.code()))?;

    // This quarter: open, half scored, two appeals waiting.
    let this_id = service::open_at(
        store,
        TZ,
        &scope,
        &this.code(),
        &shequ_domain::assess::scheme::Weights::default(),
        ACTOR,
        now - 24 * hour,
    )
    .await
    .map_err(|e| anyhow::anyhow!("opening {}: {e}", this.code()))?;
    hand_scores(store, this_id, 0.5, now - 2 * hour, rng).await?;
    let period = store
        .assessment_period(this_id)
        .await?
        .context("the period just opened")?;
    let waiting = appeal(
        store,
        this_id,
        (period.starts_at, period.ends_at),
        2,
        2,
        &[
            ("outside_duty", "楼道堆物属物业管理范围，已转物业"),
            ("wrongly_routed", "地址在隔壁居民区，系系统派错"),
        ],
        now - hour,
    )
    .await?;
    Ok(AssessFigures {
        closed: last.code(),
        open: this.code(),
        subjects: store.assessment_subjects(this_id).await?.len(),
        appeals_pending: waiting.len(),
    })
}
