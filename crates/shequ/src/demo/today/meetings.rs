//! Two joint meetings (联席会议) held over the last weeks, through the
//! party capability's own service on the demo's clock: the street's
//! 社区党建联席会议 (its 党工委, every neighbourhood's 党总支 and resident
//! units) and the secretary's neighbourhood meeting under it. Each session's
//! decisions became work orders through intake; their owners then worked
//! them, so the meetings open with decisions at every stage: done, under
//! way, overdue and just filed.

use std::collections::HashMap;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use shequ_domain::PlaceKind;
use shequ_domain::order::Action;
use shequ_server::AppState;
use shequ_server::app::access::ClientAddr;
use shequ_server::app::auth::{AuthUser, Principal};
use shequ_server::app::clock::ManualClock;
use shequ_server::party::meetings::{self, DecisionInput, MeetingInput, MemberInput, SessionInput};
use shequ_store::places::PlaceQuery;
use shequ_store::{Paging, Scope};

use super::super::history::{HOUR_MS, MINUTE_MS, day_start};
use super::super::street::{STREET_CODE, STREET_NAME};
use super::{Planned, act, auth_user};

const DAY_MS: i64 = 24 * HOUR_MS;
/// The demo's accounts that hold the meetings (see the generator's staff).
const OPERATOR: &str = "operator1";
const SECRETARY: &str = "sec01";

/// What the meetings left, for the print-out.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct MeetingFigures {
    pub meetings: usize,
    pub sessions: usize,
    pub decisions: u32,
    pub done: u32,
    pub open: u32,
    pub overdue: u32,
}

/// One decision and what its owner did with it afterwards, in days after
/// the session.
struct Plan<'a> {
    title: &'a str,
    category: &'a str,
    /// A building of the neighbourhood (routes it to its grid worker).
    at_building: Option<usize>,
    /// Days after the session it is due.
    due_in_days: Option<u64>,
    accepted: Option<i64>,
    resolved: Option<(i64, &'a str)>,
}

/// A session to hold: the meeting, who records it, when, its members,
/// agenda, minutes and decisions.
type SessionPlan<'a> = (
    i64,
    &'a Principal,
    i64,
    &'a [i64],
    &'a str,
    &'a str,
    Vec<Plan<'a>>,
);

async fn user(
    state: &AppState,
    users: &mut HashMap<i64, AuthUser>,
    name: &str,
) -> anyhow::Result<AuthUser> {
    let id = state
        .store
        .user_credentials(name)
        .await?
        .with_context(|| format!("the demo account {name} is missing"))?
        .0
        .id;
    auth_user(state, users, id).await
}

/// Holds the two meetings up to `now`; `clock` is moved to each moment.
pub(super) async fn hold(
    state: &AppState,
    clock: &ManualClock,
    users: &mut HashMap<i64, AuthUser>,
    now: i64,
) -> anyhow::Result<MeetingFigures> {
    let operator = user(state, users, OPERATOR).await?;
    let secretary = user(state, users, SECRETARY).await?;
    let nbhd_code = secretary.user.region_code.clone();
    let nbhd_name = secretary.user.region_name.clone();
    let party = &state.party;
    let addr = ClientAddr::default();
    let as_operator = Principal::User(Box::new(operator));
    let as_secretary = Principal::User(Box::new(secretary.clone()));
    let fail = |what: &'static str| {
        move |e: shequ_server::app::error::AppError| anyhow::anyhow!("{what}: {e}")
    };

    clock.set_ms(now - 60 * DAY_MS);
    let street = meetings::create(
        party,
        &as_operator,
        &MeetingInput {
            code: format!("LXH-{STREET_CODE}"),
            name: format!("{STREET_NAME}社区党建联席会议"),
            region: STREET_CODE.to_owned(),
            convener: format!("DGW-{STREET_CODE}"),
            parent_id: None,
        },
        &addr,
    )
    .await
    .map_err(fail("creating the street's joint meeting"))?;
    let seat = |meeting: i64, p: &Principal, org: String, unit: &str, rep: &str| {
        let input = MemberInput {
            org,
            unit_name: unit.to_owned(),
            place_id: None,
            representative: rep.to_owned(),
        };
        let p = p.clone();
        let addr = addr.clone();
        async move {
            meetings::add_member(party, &p, meeting, &input, &addr)
                .await
                .map_err(|e| anyhow::anyhow!("seating a member of a joint meeting: {e}"))
        }
    };
    let mut street_members = vec![
        seat(
            street.id,
            &as_operator,
            format!("DGW-{STREET_CODE}"),
            "",
            "党工委书记",
        )
        .await?,
    ];
    let generals: Vec<String> = state
        .store
        .party_orgs_in(&Scope::everything())
        .await?
        .into_iter()
        .filter(|o| o.code.starts_with("ZZ-"))
        .map(|o| o.code)
        .collect();
    for g in &generals {
        street_members.push(seat(street.id, &as_operator, g.clone(), "", "居民区书记").await?);
    }
    for (unit, rep) in [
        ("徐汇区中心医院", "党委副书记"),
        ("上海市田林中学", "校党支部书记"),
        ("田林派出所", "副所长"),
        ("漕河泾开发区党群服务中心", "主任"),
        ("区市容绿化管理所", "所长"),
    ] {
        street_members.push(seat(street.id, &as_operator, String::new(), unit, rep).await?);
    }

    let neighbourhood = meetings::create(
        party,
        &as_secretary,
        &MeetingInput {
            code: format!("LXH-{nbhd_code}"),
            name: format!("{nbhd_name}联席会议"),
            region: nbhd_code.clone(),
            convener: format!("ZZ-{nbhd_code}"),
            parent_id: Some(street.id),
        },
        &addr,
    )
    .await
    .map_err(fail("creating the neighbourhood's joint meeting"))?;
    let mut nbhd_members = vec![
        seat(
            neighbourhood.id,
            &as_secretary,
            format!("ZZ-{nbhd_code}"),
            "",
            "总支书记",
        )
        .await?,
    ];
    for (unit, rep) in [
        (format!("{nbhd_name}居民委员会"), "居委会主任"),
        (format!("{nbhd_name}业主委员会"), "业委会主任"),
        (format!("{nbhd_name}物业服务中心"), "物业经理"),
        ("社区民警".to_owned(), "社区民警"),
    ] {
        nbhd_members.push(seat(neighbourhood.id, &as_secretary, String::new(), &unit, rep).await?);
    }

    // The neighbourhood's buildings, so its decisions reach their grid
    // workers; the street's are the command centre's to carry out.
    let scope = Scope::under(&shequ_domain::RegionPath::parse(
        &neighbourhood.region_path,
    )?);
    let buildings = state
        .store
        .places_in(
            &scope,
            &PlaceQuery {
                kind: Some(PlaceKind::ResidentialBuilding),
                name_prefix: None,
            },
            Paging::new(Some(1), Some(20)),
        )
        .await?
        .items;

    let sessions: [SessionPlan; 3] = [
        (
            street.id,
            &as_operator,
            // Times of day, from the day's start: two runs of the same seed
            // on one day hold the same sessions (the history is compared).
            day_start(now) - 41 * DAY_MS + 14 * HOUR_MS + 30 * MINUTE_MS,
            &street_members,
            "一、区域化党建项目认领；二、背街小巷停车整治；三、老旧小区加装电梯推进",
            "会议由街道党工委书记主持。驻区单位认领项目三个；议定停车整治由城管中队牵头、两周内完成；加装电梯意见征询由各居民区总支负责，一个月内完成。",
            vec![
                Plan {
                    title: "背街小巷违规停车集中整治",
                    category: "meeting_decision",
                    at_building: None,
                    due_in_days: Some(14),
                    accepted: Some(1),
                    resolved: Some((12, "已完成整治，新增划线车位40个")),
                },
                Plan {
                    title: "完成老旧小区加装电梯意见征询",
                    category: "meeting_decision",
                    at_building: Some(0),
                    due_in_days: Some(30),
                    accepted: Some(2),
                    resolved: None,
                },
                Plan {
                    title: "驻区单位夜间向居民开放停车位",
                    category: "meeting_decision",
                    at_building: None,
                    due_in_days: Some(60),
                    accepted: Some(0),
                    resolved: None,
                },
            ],
        ),
        (
            neighbourhood.id,
            &as_secretary,
            day_start(now) - 12 * DAY_MS + 14 * HOUR_MS,
            &nbhd_members,
            "一、楼道照明损坏；二、楼道堆物清理；三、议定本月志愿服务安排",
            "居委会通报近期居民反映。物业负责两天内修复照明；楼道堆物由网格员会同楼组长逐户告知后清理。",
            vec![
                Plan {
                    title: "修复楼道照明",
                    category: "facility_repair",
                    at_building: Some(1),
                    due_in_days: Some(3),
                    accepted: Some(0),
                    resolved: Some((2, "物业已更换灯具，楼组长确认")),
                },
                Plan {
                    title: "清理楼道堆物，消除消防隐患",
                    category: "sanitation",
                    at_building: Some(2),
                    due_in_days: Some(20),
                    accepted: Some(1),
                    resolved: None,
                },
            ],
        ),
        (
            neighbourhood.id,
            &as_secretary,
            // Just filed: within its day to be accepted.
            now - 2 * HOUR_MS,
            &nbhd_members,
            "一、独居老人冬季走访；二、加装电梯意见征询进度",
            "议定对80岁以上独居老人在寒潮前全部走访一遍。",
            vec![Plan {
                title: "寒潮前走访本居民区80岁以上独居老人",
                category: "meeting_decision",
                at_building: Some(0),
                due_in_days: Some(10),
                accepted: None,
                resolved: None,
            }],
        ),
    ];
    let mut held = 0;
    let mut filed = Vec::new();
    for (meeting, who, at, members, agenda, minutes, plans) in sessions {
        clock.set_ms(at);
        let day = chrono::DateTime::from_timestamp_millis(at)
            .unwrap_or_default()
            .with_timezone(&state.tz)
            .date_naive();
        let input = SessionInput {
            held_on: day.to_string(),
            venue: if meeting == street.id {
                "街道党群服务中心会议室"
            } else {
                "居民区党群服务站"
            }
            .to_owned(),
            agenda: agenda.to_owned(),
            minutes: minutes.to_owned(),
            // All but one member came.
            attended: members.iter().skip(1).copied().collect(),
            attendees: (members.len() * 2).to_string(),
            decisions: plans
                .iter()
                .map(|p| DecisionInput {
                    title: p.title.to_owned(),
                    detail: String::new(),
                    category: p.category.to_owned(),
                    // A small street's neighbourhood may have fewer buildings
                    // than the plans name: they take turns.
                    place_id: p
                        .at_building
                        .filter(|_| !buildings.is_empty())
                        .map(|b| buildings[b % buildings.len()].id),
                    due_on: p
                        .due_in_days
                        .map(|d| (day + chrono::Days::new(d)).to_string())
                        .unwrap_or_default(),
                })
                .collect(),
        };
        let recorded = meetings::record_session(party, who, meeting, &input, &addr)
            .await
            .map_err(fail("recording a session of a joint meeting"))?;
        held += 1;
        for (view, plan) in recorded.decisions.iter().zip(&plans) {
            let Some(order) = view.decision.order_id else {
                anyhow::bail!("a demo meeting decision was not filed");
            };
            filed.push(order);
            if let Some(days) = plan.accepted {
                clock.set_ms(at + days * DAY_MS + 30 * MINUTE_MS);
                anyhow::ensure!(
                    act(state, users, order, Planned::Owner(Action::Accept)).await?,
                    "the owner of a demo meeting decision could not work it"
                );
                anyhow::ensure!(
                    act(state, users, order, Planned::Owner(Action::Start)).await?,
                    "the owner of a demo meeting decision could not work it"
                );
            }
            if let Some((days, note)) = plan.resolved {
                clock.set_ms(at + days * DAY_MS + 2 * HOUR_MS);
                anyhow::ensure!(
                    act(
                        state,
                        users,
                        order,
                        Planned::Owner(Action::Resolve {
                            note: note.to_owned()
                        })
                    )
                    .await?,
                    "the owner of a demo meeting decision could not resolve it"
                );
            }
        }
    }
    // The SLA worker's pass just after each late decision fell due: it is
    // escalated (督办) then, as the running server would have done.
    for order in filed {
        let Some(o) = state.store.order_by_id(order).await? else {
            continue;
        };
        let open = shequ_domain::order::OrderState::parse(&o.state).is_some_and(|s| s.is_open());
        if open && o.resolve_due_at < now {
            clock.set_ms(o.resolve_due_at + 5 * MINUTE_MS);
            shequ_server::orders::workers::sla::run_once(&state.orders)
                .await
                .context("while escalating a late meeting decision")?;
        }
    }
    clock.set_ms(now);
    let mut figures = MeetingFigures {
        meetings: 2,
        sessions: held,
        ..MeetingFigures::default()
    };
    for m in meetings::visible(party, &as_operator)
        .await
        .map_err(fail("reading the demo's meetings"))?
    {
        figures.decisions += m.tally.decisions;
        figures.done += m.tally.done;
        figures.open += m.tally.open;
        figures.overdue += m.tally.overdue;
    }
    Ok(figures)
}
