//! What the order page offers: the actions the pure state machine allows
//! this user's standing to the order (owner, co-owner, dispatcher,
//! supervisor, viewer) — so the page never offers what the store would
//! refuse — and the small form of each.

use maud::{Markup, html};
use shequ_domain::Role;
use shequ_domain::order::routing::supervises;
use shequ_domain::order::{
    Action, ActorKind, CancelReason, OrderFacts, actor_kinds, transition_as_any,
};
use shequ_store::Paging;
use shequ_store::orders::Order;
use shequ_store::orders::read::Participant;

use crate::app::auth::AuthUser;
use crate::app::page::ctx::Ctx;
use crate::app::page::ctx::PageResult;
use crate::orders::OrdersState;

/// An action the order page can offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    Accept,
    Start,
    Resolve,
    Note,
    Return,
    Reassign,
    Cancel,
    Escalate,
    PauseClock,
    ResumeClock,
    Summon,
    ReportIn,
}

impl Offer {
    pub const ALL: [Offer; 12] = [
        Offer::Accept,
        Offer::Start,
        Offer::Resolve,
        Offer::Note,
        Offer::Return,
        Offer::Reassign,
        Offer::Cancel,
        Offer::Escalate,
        Offer::PauseClock,
        Offer::ResumeClock,
        Offer::Summon,
        Offer::ReportIn,
    ];

    /// An action of this kind with its fields filled, to ask the state
    /// machine whether it would be allowed.
    fn sample(self) -> Action {
        let text = || "x".to_owned();
        match self {
            Offer::Accept => Action::Accept,
            Offer::Start => Action::Start,
            Offer::Resolve => Action::Resolve { note: text() },
            Offer::Note => Action::Note { text: text() },
            Offer::Return => Action::Return { reason: text() },
            Offer::Reassign => Action::Reassign { to_user: 0 },
            Offer::Cancel => Action::Cancel {
                reason: CancelReason::Invalid { note: text() },
            },
            Offer::Escalate => Action::Escalate {
                to_user: 0,
                reason: text(),
                overdue: None,
            },
            Offer::PauseClock => Action::PauseClock { reason: text() },
            Offer::ResumeClock => Action::ResumeClock,
            Offer::Summon => Action::Summon {
                teams: vec![0],
                within_minutes: 30,
            },
            Offer::ReportIn => Action::ReportIn {
                team: 0,
                note: text(),
            },
        }
    }

    /// The action's name, as in the trail and the form.
    pub fn name(self) -> &'static str {
        self.sample().name()
    }
}

/// How the user stands to the order, and the choices their forms need.
#[derive(Debug, Clone, Default)]
pub struct Standing {
    pub kinds: Vec<ActorKind>,
    /// Summoned teams of the user that have not reported in.
    pub my_teams: Vec<(i64, String)>,
    /// People the order may be reassigned to.
    pub assignees: Vec<(i64, String)>,
    /// People it may be escalated to, nearest first.
    pub supervisors: Vec<(i64, String)>,
    /// Teams that may be summoned.
    pub teams: Vec<(i64, String)>,
}

/// The facts the state machine needs.
pub fn facts_of(o: &Order) -> OrderFacts {
    OrderFacts {
        state: o.state(),
        clock_paused: o.clock_paused_at.is_some(),
        reopened: u32::try_from(o.reopened).unwrap_or(u32::MAX),
    }
}

/// The actions the state machine allows this standing, among those whose
/// forms have something to choose from. Pure.
pub fn allowed(o: &Order, st: &Standing) -> Vec<Offer> {
    let facts = facts_of(o);
    Offer::ALL
        .into_iter()
        .filter(|offer| transition_as_any(facts, &offer.sample(), &st.kinds).is_ok())
        .filter(|offer| match offer {
            Offer::ReportIn => !st.my_teams.is_empty(),
            Offer::Reassign => !st.assignees.is_empty(),
            Offer::Escalate => !st.supervisors.is_empty(),
            Offer::Summon => !st.teams.is_empty(),
            _ => true,
        })
        .collect()
}

/// Works out the user's standing and the choices for the forms.
pub async fn standing(
    state: &OrdersState,
    user: &AuthUser,
    o: &Order,
    participants: &[Participant],
) -> PageResult<Standing> {
    let me = user.user.id;
    let now = state.clock.now_ms();
    let mut my_teams = Vec::new();
    let mut co_owner = participants.iter().any(|p| p.user_id == Some(me));
    for p in participants {
        if let Some(team) = p.team_id
            && state
                .store
                .team_candidates(team, now)
                .await?
                .iter()
                .any(|c| c.user_id == me)
        {
            co_owner = true;
            if p.reported_at.is_none() {
                my_teams.push((team, p.team_name.clone().unwrap_or_default()));
            }
        }
    }
    let kinds = actor_kinds(
        me,
        user.role,
        user.scope.contains(&o.region_path),
        o.owner_user_id,
        o.supervisor_user_id,
        co_owner,
    );
    let mut st = Standing {
        kinds,
        my_teams,
        ..Standing::default()
    };
    if !st.kinds.contains(&ActorKind::Dispatcher) {
        return Ok(st);
    }
    // Only the command centre reassigns, escalates and summons.
    st.assignees = state
        .store
        .users_in(&user.scope, Paging::new(None, Some(Paging::MAX_PAGE_SIZE)))
        .await?
        .items
        .into_iter()
        .filter(|u| !u.disabled && Some(u.id) != o.owner_user_id)
        .filter(|u| u.role().is_ok_and(|r| r != Role::DistrictOrganiser))
        .map(|u| (u.id, format!("{}（{}）", u.display_name, u.region_name)))
        .collect();
    let mut above = state.store.people_above(&o.region_path).await?;
    above.retain(|(id, role, _)| supervises(*role) && Some(*id) != o.owner_user_id);
    above.sort_by(|a, b| b.2.len().cmp(&a.2.len()).then(a.0.cmp(&b.0)));
    for (id, _, _) in above {
        if let Some(u) = state.store.user_by_id(id).await? {
            st.supervisors
                .push((id, format!("{}（{}）", u.display_name, u.region_name)));
        }
    }
    st.teams = state
        .store
        .teams_in(&user.scope)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    Ok(st)
}

fn note_field(ctx: &Ctx, id: &str, name: &str, label: &str, required: bool) -> Markup {
    html! {
        label for=(id) { (ctx.t(label)) }
        textarea id=(id) name=(name) rows="2" required[required] {}
    }
}

fn select(id: &str, name: &str, label: String, choices: &[(i64, String)]) -> Markup {
    html! {
        label for=(id) { (label) }
        select id=(id) name=(name) {
            @for (value, text) in choices { option value=(value) { (text) } }
        }
    }
}

/// The form of one offered action.
fn action_form(ctx: &Ctx, o: &Order, offer: Offer, st: &Standing) -> Markup {
    let name = offer.name();
    let id = |f: &str| format!("a-{name}-{f}");
    let fields = match offer {
        Offer::Accept | Offer::Start | Offer::ResumeClock => html! {},
        Offer::Note => note_field(ctx, &id("text"), "text", "action-field-note", true),
        Offer::Resolve => html! {
            (note_field(ctx, &id("note"), "note", "action-field-resolution", true))
            label for=(id("photo")) { (ctx.t("action-field-photo")) }
            input id=(id("photo")) type="file" name="photo" accept="image/*" capture="environment";
        },
        Offer::Return | Offer::PauseClock => {
            note_field(ctx, &id("reason"), "reason", "action-field-reason", true)
        }
        Offer::Reassign => select(
            &id("to"),
            "to_user",
            ctx.t("action-field-assignee"),
            &st.assignees,
        ),
        Offer::Escalate => html! {
            (select(&id("to"), "to_user", ctx.t("action-field-supervisor"), &st.supervisors))
            (note_field(ctx, &id("reason"), "reason", "action-field-reason", true))
        },
        Offer::Cancel => html! {
            fieldset {
                legend { (ctx.t("action-field-cancel-reason")) }
                label.check { input type="radio" name="reason" value="invalid" checked; " " (ctx.t("cancel-invalid")) }
                label.check { input type="radio" name="reason" value="duplicate"; " " (ctx.t("cancel-duplicate")) }
            }
            label for=(id("of")) { (ctx.t("action-field-duplicate-of")) }
            input id=(id("of")) type="number" name="of" min="1" inputmode="numeric";
            (note_field(ctx, &id("note"), "note", "action-field-note", false))
        },
        Offer::Summon => html! {
            fieldset {
                legend { (ctx.t("action-field-teams")) }
                @for (team, label) in &st.teams {
                    label.check { input type="checkbox" name="teams" value=(team); " " (label) }
                }
            }
            label for=(id("minutes")) { (ctx.t("action-field-minutes")) }
            input id=(id("minutes")) type="number" name="minutes" value="30" min="1" max="1440";
        },
        Offer::ReportIn => html! {
            (select(&id("team"), "team", ctx.t("action-field-team"), &st.my_teams))
            (note_field(ctx, &id("note"), "note", "action-field-note", false))
        },
    };
    let multipart = offer == Offer::Resolve;
    let primary = matches!(offer, Offer::Accept | Offer::Start | Offer::Resolve);
    html! {
        form.action-form method="post" action={ "/orders/" (o.id) "/act" } data-action=(name)
            enctype=[multipart.then_some("multipart/form-data")] {
            input type="hidden" name="action" value=(name);
            @if fields.0.is_empty() {
                button.big.primary[primary] type="submit" { (ctx.label("action", name)) }
            } @else {
                details open[primary] {
                    summary { (ctx.label("action", name)) }
                    div.stack {
                        (fields)
                        button.primary[primary] type="submit" { (ctx.label("action", name)) }
                    }
                }
            }
        }
    }
}

/// The offered actions as forms.
pub fn action_forms(ctx: &Ctx, o: &Order, offers: &[Offer], st: &Standing) -> Markup {
    html! {
        div.action-list {
            @for offer in offers { (action_form(ctx, o, *offer, st)) }
        }
    }
}
