//! The access-control matrix: for every event distribution (0-4), every element distribution
//! (0-5), sharing-group membership, owner org, other org and site admin, exactly what each
//! read path returns. Every later read path adds itself here.

mod common;

use std::collections::BTreeSet;

use axum::http::StatusCode;
use common::TestApp;
use serde_json::json;

/// Adds a sharing group owned by `owner` with `members` (rows written directly until the
/// sharing group endpoints exist).
async fn sharing_group(app: &TestApp, owner: i64, members: &[i64]) -> i64 {
    use sea_query::Query;
    let now = cairn::wire::now();
    let fields: cairn::db::Fields = vec![
        ("uuid", cairn::wire::new_uuid().into()),
        ("name", "Matrix SG".into()),
        ("organisation_uuid", cairn::wire::new_uuid().into()),
        ("org_id", owner.into()),
        ("created", now.into()),
        ("modified", now.into()),
    ];
    let id = app
        .state
        .db
        .ex()
        .insert(&cairn::db::insert_stmt("sharing_groups", fields))
        .await
        .unwrap();
    for m in members {
        let q = Query::insert()
            .into_table("sharing_group_orgs")
            .columns(["sharing_group_id", "org_id"])
            .values_panic([id.into(), (*m).into()])
            .to_owned();
        app.state.db.ex().execute(&q).await.unwrap();
    }
    id
}

/// Who may see what, written out independently of `acl` as the oracle.
fn expect_event(viewer: &str, dist: i64) -> bool {
    matches!(viewer, "admin" | "owner")
        || matches!(dist, 1..=3)
        || (dist == 4 && viewer == "member")
}

fn expect_attribute(viewer: &str, dist: i64) -> bool {
    matches!(viewer, "admin" | "owner")
        || matches!(dist, 1 | 2 | 3 | 5)
        || (dist == 4 && viewer == "member")
}

#[tokio::test]
async fn event_view_and_index_follow_distribution() {
    let app = TestApp::spawn().await;
    let owner_org = app.add_org("Owner").await;
    let member_org = app.add_org("Member").await;
    let other_org = app.add_org("Other").await;
    let (_, owner) = app.add_user("u@owner.test", owner_org, 3).await;
    let (_, member) = app.add_user("u@member.test", member_org, 3).await;
    let (_, other) = app.add_user("u@other.test", other_org, 3).await;
    let sg = sharing_group(&app, owner_org, &[owner_org, member_org]).await;
    let mut events = Vec::new();
    for dist in 0..=4 {
        let attributes: Vec<_> = (0..=5)
            .map(|d| json!({"type": "text", "value": format!("e{dist}-a{d}"), "distribution": d, "sharing_group_id": if d == 4 { sg } else { 0 }}))
            .collect();
        let body = json!({"info": format!("dist {dist}"), "distribution": dist, "sharing_group_id": if dist == 4 { sg } else { 0 }, "Attribute": attributes});
        let r = app.post("/events/add", &owner, body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json["Event"]["attribute_count"], "6");
        events.push((dist, r.json["Event"]["id"].as_str().unwrap().to_string()));
    }
    let admin = app.admin_key.clone();
    for (who, key) in [
        ("admin", &admin),
        ("owner", &owner),
        ("member", &member),
        ("other", &other),
    ] {
        let mut expected_index = BTreeSet::new();
        for (dist, id) in &events {
            let r = app.get(&format!("/events/view/{id}"), key).await;
            if !expect_event(who, *dist) {
                assert_eq!(
                    r.status,
                    StatusCode::NOT_FOUND,
                    "{who} must not see event dist {dist}"
                );
                assert_eq!(r.json["message"], "Invalid event");
                continue;
            }
            expected_index.insert(id.clone());
            assert_eq!(r.status, StatusCode::OK, "{who} sees event dist {dist}");
            let got: BTreeSet<String> = r.json["Event"]["Attribute"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["value"].as_str().unwrap().to_string())
                .collect();
            let want: BTreeSet<String> = (0..=5)
                .filter(|d| expect_attribute(who, *d))
                .map(|d| format!("e{dist}-a{d}"))
                .collect();
            assert_eq!(got, want, "{who}, event dist {dist}");
        }
        let r = app.get("/events/index", key).await;
        let listed: BTreeSet<String> = r
            .json
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(listed, expected_index, "index for {who}");
        assert_eq!(
            r.headers["x-result-count"],
            expected_index.len().to_string().as_str(),
            "count for {who}"
        );
    }
}
