//! The 三缘 branches over HTTP, on both engines: a round's offers and
//! forms refused with their line or field, scope, the assignment from the
//! stored forms, confirmation moving the members with history (and
//! refused, moving nobody, when no assignment meets the limits), and a
//! committee election's rounds recounted from their ballots.

mod common;

use chrono::NaiveDate;
use common::*;
use serde_json::json;
use shequ_domain::party::{MemberStanding, OrgKind, Standing};
use shequ_store::Store;
use shequ_store::party::{NewPartyMember, NewPartyOrg};
use shequ_store::people::NewPerson;

/// The street committee S, neighbourhood A's general branch NA with its
/// branch BA1, neighbourhood B's NB; twelve members of NA living in grid
/// A1 (two of them probationary) and one more in BA1. The members' ids,
/// NA's first.
async fn street(store: &Store) -> Vec<i64> {
    let region = |code: &'static str| async move {
        store
            .region_by_code(code)
            .await
            .expect("region")
            .expect(code)
            .region
    };
    for (code, kind, parent, r) in [
        ("S", OrgKind::StreetWorkingCommittee, None, "310104011"),
        (
            "NA",
            OrgKind::NeighbourhoodGeneralBranch,
            Some("S"),
            "310104011001",
        ),
        (
            "NB",
            OrgKind::NeighbourhoodGeneralBranch,
            Some("S"),
            "310104011002",
        ),
        ("BA1", OrgKind::Branch, Some("NA"), "310104011001"),
    ] {
        store
            .create_party_org(
                &NewPartyOrg {
                    code,
                    name: code,
                    kind,
                    parent,
                    region_id: Some(region(r).await.id),
                    founded_on: None,
                },
                "setup",
                1,
            )
            .await
            .expect("org");
    }
    let grid = region("31010401100101").await;
    let people: Vec<NewPerson> = (1..=13)
        .map(|i| NewPerson {
            identity_number: format!("3101041970010{i:04}"),
            name: format!("党员{i:02}"),
            gender: "male",
            birth_date: "1970-01-01".into(),
            phone: None,
            residency: "registered",
            care_tags: String::new(),
            household_id: None,
            region_id: grid.id,
            region_path: grid.path.clone(),
        })
        .collect();
    store.upsert_people(&people).await.expect("people");
    let numbers: Vec<&str> = people.iter().map(|p| p.identity_number.as_str()).collect();
    let ids = store.person_ids_by_identity(&numbers).await.expect("ids");
    let joined = NaiveDate::from_ymd_opt(2010, 7, 1).expect("day");
    let mut out = Vec::new();
    for (i, p) in people.iter().enumerate() {
        let id = ids[&p.identity_number];
        let standing = if (10..12).contains(&i) {
            NewPartyMember {
                standing: MemberStanding {
                    joined_on: joined,
                    standing: Standing::Probationary {
                        probation_end: NaiveDate::from_ymd_opt(2030, 1, 1).expect("day"),
                    },
                },
                unit: "",
                mobile: false,
            }
        } else {
            NewPartyMember::full(joined)
        };
        let org = if i == 12 { "BA1" } else { "NA" };
        store
            .add_party_member(id, org, &standing, joined, 1)
            .await
            .expect("member");
        out.push(id);
    }
    out
}

fn field_codes(body: &serde_json::Value) -> Vec<(String, String)> {
    body["error"]["fields"]
        .as_array()
        .map(|d| {
            d.iter()
                .map(|f| {
                    (
                        f["field"].as_str().unwrap_or("").to_owned(),
                        f["code"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

const OFFERS: &str =
    "TJ,太极拳,趣缘,3,5\nSF,书法,interest,3,20\nDY,一号网格,地缘,3,20,31010401100101";

#[engines]
async fn a_round_places_every_member_within_limits_and_confirming_moves_them_with_history() {
    let app = app().await;
    let m = street(&app.store).await;
    let sec = app.login("sec_a").await;

    // Bad offers: each line named, nothing opened.
    let (status, body) = app
        .json(post_json(
            "/api/v1/branches/rounds",
            Some(&sec),
            &json!({"org": "NA", "offers": "TJ,太极拳,趣缘,6,4\nXX,x,兴趣,3,5\nTJ,又一个,趣缘"}),
        ))
        .await;
    assert_eq!(status, 422, "{body}");
    let text = body.to_string();
    assert!(text.contains("line 1") && text.contains("line 2"), "{body}");
    let codes: Vec<String> = field_codes(&body).into_iter().map(|(_, c)| c).collect();
    assert_eq!(codes, ["branch_limits", "branch_kind_unknown"], "{body}");
    let (_, list) = app.json(get("/api/v1/branches/rounds", Some(&sec))).await;
    assert_eq!(list, json!([]), "nothing opened");

    let (status, body) = app
        .json(post_json(
            "/api/v1/branches/rounds",
            Some(&sec),
            &json!({"org": "NA", "offers": OFFERS}),
        ))
        .await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_i64().expect("id");
    let url = format!("/api/v1/branches/rounds/{id}");
    // A second round of NA while this one is open is refused.
    let (status, body) = app
        .json(post_json(
            "/api/v1/branches/rounds",
            Some(&sec),
            &json!({"org": "NA", "offers": OFFERS}),
        ))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        field_codes(&body),
        [("org".into(), "branch_round_state".into())]
    );

    // Another neighbourhood's secretary, and a round that does not exist.
    let sec_b = app.login("sec_b").await;
    let (status, body) = app.json(get(&url, Some(&sec_b))).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("out_of_scope"))
    );
    let (status, body) = app
        .json(get("/api/v1/branches/rounds/9999", Some(&sec)))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("branch_round_not_found"))
    );

    // Bad forms.
    let form = |person: i64, choices: serde_json::Value| {
        post_json(
            &format!("{url}/forms"),
            Some(&sec),
            &json!({"person_id": person, "choices": choices}),
        )
    };
    let (status, body) = app.json(form(m[0], json!(["TJ", "QQ"]))).await;
    assert_eq!(status, 422);
    assert_eq!(
        field_codes(&body),
        [("choice2".into(), "branch_unknown".into())]
    );
    let (_, body) = app.json(form(m[0], json!(["SF", "SF"]))).await;
    assert_eq!(
        field_codes(&body),
        [("choice2".into(), "branch_choice_twice".into())]
    );
    // Someone of neighbourhood B, made a member of NB: not in NA's round.
    let outsider = app
        .store
        .monitored_people(None)
        .await
        .expect("people")
        .into_iter()
        .find(|p| p.region_path.contains("310104011002"))
        .expect("a resident of B")
        .id;
    let joined = NaiveDate::from_ymd_opt(2010, 7, 1).expect("day");
    app.store
        .add_party_member(outsider, "NB", &NewPartyMember::full(joined), joined, 1)
        .await
        .expect("member");
    let (_, body) = app.json(form(outsider, json!(["TJ"]))).await;
    assert_eq!(
        field_codes(&body),
        [("person_id".into(), "branch_not_in_round".into())]
    );

    // Six want 太极拳 (room for five) with 书法 second; two want 书法,
    // which needs a third full member: the sixth. The rest send nothing
    // and go home to the grid's branch (three full, two probationary).
    for &p in &m[0..6] {
        assert_eq!(app.send(form(p, json!(["TJ", "SF"]))).await.status(), 204);
    }
    for &p in &m[6..8] {
        assert_eq!(app.send(form(p, json!(["SF"]))).await.status(), 204);
    }
    let (status, r) = app.json(get(&url, Some(&sec))).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        r["members"].as_array().map(Vec::len),
        Some(13),
        "NA's and BA1's"
    );
    assert_eq!(r["placed"].as_array().map(Vec::len), Some(13), "{r}");
    assert_eq!(r["counts"], json!([7, 1, 0, 5, 0]), "{r}");
    assert_eq!(r["infeasible"], json!([]));

    // Confirming an open round is refused; closed, it moves everyone.
    let (status, body) = app
        .json(post_json(&format!("{url}/confirm"), Some(&sec), &json!({})))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(field_codes(&body)[0].1, "branch_round_state");
    assert_eq!(
        app.send(post_json(&format!("{url}/close"), Some(&sec), &json!({})))
            .await
            .status(),
        204
    );
    let (status, body) = app.json(form(m[10], json!(["TJ"]))).await;
    assert_eq!(status, 422, "no forms once closed: {body}");
    let (status, body) = app
        .json(post_json(&format!("{url}/confirm"), Some(&sec), &json!({})))
        .await;
    assert_eq!(status, 204, "{body}");
    let (_, r) = app.json(get(&url, Some(&sec))).await;
    assert_eq!(r["round"]["state"], "confirmed");
    assert_eq!(r["counts"], json!([7, 1, 0, 5, 0]), "as confirmed: {r}");
    let now_in: Vec<&str> = r["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["org_code"].as_str().unwrap_or(""))
        .collect();
    assert!(
        now_in.iter().all(|c| ["TJ", "SF", "DY"].contains(c)),
        "{now_in:?}"
    );
    assert_eq!(now_in.iter().filter(|c| **c == "TJ").count(), 5);
    // The member's history: NA, then their branch from today.
    let path = app.store.party_member_path(m[12]).await.expect("path");
    assert_eq!(path.len(), 2, "{path:?}");
    let branch = app
        .store
        .party_org("DY")
        .await
        .expect("q")
        .expect("DY made");
    assert_eq!(branch.kind, "location_branch");
    let (status, _) = app
        .json(post_json(&format!("{url}/confirm"), Some(&sec), &json!({})))
        .await;
    assert_eq!(status, 422, "confirmed once only");
}

#[engines]
async fn limits_no_assignment_can_meet_are_refused_naming_the_branch_and_nobody_moves() {
    let app = app().await;
    let m = street(&app.store).await;
    let sec = app.login("sec_a").await;
    let (_, body) = app
        .json(post_json(
            "/api/v1/branches/rounds",
            Some(&sec),
            &json!({"org": "NA", "offers": OFFERS}),
        ))
        .await;
    let url = format!("/api/v1/branches/rounds/{}", body["id"]);
    // Only two full members rank 太极拳 (and a probationary one).
    for &p in [m[0], m[1], m[10]].iter() {
        let r = app
            .send(post_json(
                &format!("{url}/forms"),
                Some(&sec),
                &json!({"person_id": p, "choices": ["TJ"]}),
            ))
            .await;
        assert_eq!(r.status(), 204);
    }
    let (_, r) = app.json(get(&url, Some(&sec))).await;
    let why = r["infeasible"][0].as_str().unwrap_or("");
    assert!(
        why.contains("趣缘·太极拳: only 2 full members ranked it; the minimum is 3"),
        "{r}"
    );
    assert_eq!(r["placed"], json!([]), "never a partial answer");
    app.send(post_json(&format!("{url}/close"), Some(&sec), &json!({})))
        .await;
    let (status, body) = app
        .json(post_json(&format!("{url}/confirm"), Some(&sec), &json!({})))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(field_codes(&body)[0].1, "branch_infeasible");
    assert!(body.to_string().contains("太极拳"), "{body}");
    assert_eq!(
        app.store.party_member_path(m[0]).await.expect("path").len(),
        1,
        "nobody moved"
    );
    assert!(
        app.store.party_org("TJ").await.expect("q").is_none(),
        "no branch made"
    );
}

#[engines]
async fn an_election_counts_each_round_again_from_its_ballots() {
    let app = app().await;
    street(&app.store).await;
    let sec = app.login("sec_a").await;
    let (status, body) = app
        .json(post_json(
            "/api/v1/branches/elections",
            Some(&sec),
            &json!({"org": "NA", "seats": 9}),
        ))
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        field_codes(&body),
        [("seats".into(), "election_seats".into())]
    );
    let (status, body) = app
        .json(post_json(
            "/api/v1/branches/elections",
            Some(&sec),
            &json!({"org": "NA", "seats": 3}),
        ))
        .await;
    assert_eq!(status, 201, "{body}");
    let election = body["id"].as_i64().expect("id");
    let url = format!("/api/v1/branches/elections/{election}");
    let round = |entitled: u32, present: u32, issued: u32, ballots: &str| {
        post_json(
            &format!("{url}/rounds"),
            Some(&sec),
            &json!({"entitled": entitled, "present": present, "issued": issued, "ballots": ballots}),
        )
    };
    // No ballots at all is an error, not a round.
    let (status, body) = app.json(round(10, 9, 9, "")).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(field_codes(&body)[0].1, "election_no_ballots");
    // Exactly four fifths present: held, and void.
    let (status, r) = app.json(round(10, 8, 8, "党员01\n党员01\n")).await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(
        (r["valid"].as_bool(), r["elected"].clone()),
        (Some(false), json!([]))
    );
    // Nine of ten; 党员01 and 党员02 pass 5 votes; a name outside the
    // branch is not counted; one seat left for a further round.
    let ballots = "党员01,党员02,党员03\n党员01,党员02\n党员01,党员02,外人\n党员01,党员02\n党员01,党员02,党员04\n党员03\n党员04\n\n党员01,党员02,党员03,党员04";
    let (status, r) = app.json(round(10, 9, 9, ballots)).await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(r["threshold"], 5);
    assert_eq!(r["elected"], json!(["党员01", "党员02"]));
    assert_eq!(r["not_counted"], json!({"外人": 1}));
    assert_eq!(r["invalid"], 1);
    assert_eq!(r["runoff"], "further");

    let (status, e) = app.json(get(&url, Some(&sec))).await;
    assert_eq!(status, 200, "{e}");
    let rounds = e["rounds"].as_array().expect("rounds");
    assert_eq!(rounds.len(), 2);
    assert!(rounds.iter().all(|r| r["matches_record"] == true), "{e}");
    assert_eq!(e["next"]["decide"], "further");
    assert_eq!(e["next"]["candidates"], json!(["党员03", "党员04"]));
    assert_eq!(e["standing"]["committee"], json!(["党员01", "党员02"]));
    // The further round takes only its candidates.
    let (_, r) = app
        .json(round(
            10,
            9,
            9,
            "党员03\n党员03\n党员03\n党员03\n党员03\n党员01\n党员04\n\n\n",
        ))
        .await;
    assert_eq!(r["elected"], json!(["党员03"]), "{r}");
    assert_eq!(r["not_counted"], json!({"党员01": 1}), "{r}");
    let (_, e) = app.json(get(&url, Some(&sec))).await;
    assert_eq!(e["next"]["purpose"], "secretary", "{e}");
    // A round planned on what another secretary has since recorded (its
    // number taken) is refused whole.
    let taken = app
        .store
        .record_election_round(
            election,
            2,
            &shequ_store::branches::NewElectionRound {
                purpose: "committee",
                decide: "first",
                seats: 3,
                entitled: 10,
                present: 9,
                issued: 9,
                eligible: &[],
                ballots: &[vec!["党员09".to_owned()]],
                result: "{}",
            },
            "other",
            1,
        )
        .await;
    assert!(
        matches!(taken, Err(shequ_store::StoreError::Conflict { .. })),
        "{taken:?}"
    );
    let (_, e) = app.json(get(&url, Some(&sec))).await;
    assert_eq!(
        e["rounds"].as_array().map(Vec::len),
        Some(3),
        "nothing stored: {e}"
    );
    let (status, body) = app
        .json(get("/api/v1/branches/elections/9999", Some(&sec)))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("branch_election_not_found"))
    );
}

#[engines]
async fn a_branch_code_taken_elsewhere_is_refused_before_any_branch_is_made() {
    let app = app().await;
    let m = street(&app.store).await;
    let sec = app.login("sec_a").await;
    // NB is neighbourhood B's general branch, not under NA.
    let (status, body) = app
        .json(post_json(
            "/api/v1/branches/rounds",
            Some(&sec),
            &json!({"org": "NA", "offers": "TJ,太极拳,趣缘,3,20\nNB,重名,趣缘,3,20\nDY,一号网格,地缘,3,20,31010401100101"}),
        ))
        .await;
    assert_eq!(status, 201, "{body}");
    let url = format!("/api/v1/branches/rounds/{}", body["id"]);
    for (people, branch) in [(&m[0..3], "TJ"), (&m[3..6], "NB")] {
        for &p in people {
            let r = app
                .send(post_json(
                    &format!("{url}/forms"),
                    Some(&sec),
                    &json!({"person_id": p, "choices": [branch]}),
                ))
                .await;
            assert_eq!(r.status(), 204);
        }
    }
    app.send(post_json(&format!("{url}/close"), Some(&sec), &json!({})))
        .await;
    let (status, body) = app
        .json(post_json(&format!("{url}/confirm"), Some(&sec), &json!({})))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        field_codes(&body),
        [("offers".into(), "org_code_taken".into())]
    );
    assert!(
        app.store.party_org("TJ").await.expect("q").is_none(),
        "no branch made before the refusal"
    );
    assert_eq!(
        app.store.party_member_path(m[0]).await.expect("path").len(),
        1,
        "nobody moved"
    );
}
