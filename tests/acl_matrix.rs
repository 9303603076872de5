//! The access-control matrix: for every event distribution (0-4), every element distribution
//! (0-5) on attributes, objects and reports, sharing-group membership, owner org, other org and
//! site admin, exactly what each read path returns. Every later read path adds itself here.

mod common;

use std::collections::BTreeSet;

use axum::http::StatusCode;
use common::TestApp;
use serde_json::{Value, json};

/// Who may see what, written out independently of `acl` as the oracle.
fn expect_event(viewer: &str, dist: i64) -> bool {
    matches!(viewer, "admin" | "owner")
        || matches!(dist, 1..=3)
        || (dist == 4 && viewer == "member")
}

fn expect_element(viewer: &str, dist: i64) -> bool {
    matches!(viewer, "admin" | "owner")
        || matches!(dist, 1 | 2 | 3 | 5)
        || (dist == 4 && viewer == "member")
}

fn sg_of(d: i64, sg: i64) -> i64 {
    if d == 4 { sg } else { 0 }
}

/// One event of distribution `dist` holding, for every element distribution d in 0-5, an
/// attribute `e{dist}-a{d}`, an object `e{dist}-o{d}` (its attribute inherits) and a report
/// `e{dist}-r{d}`.
fn event_body(dist: i64, sg: i64) -> Value {
    let attributes: Vec<Value> = (0..=5)
        .map(|d| json!({"type": "text", "value": format!("e{dist}-a{d}"), "distribution": d, "sharing_group_id": sg_of(d, sg)}))
        .collect();
    let objects: Vec<Value> = (0..=5)
        .map(|d| json!({"name": "file", "meta-category": "file", "distribution": d, "sharing_group_id": sg_of(d, sg),
            "Attribute": [{"type": "filename", "object_relation": "filename", "value": format!("e{dist}-o{d}"), "distribution": 5}]}))
        .collect();
    let reports: Vec<Value> = (0..=5)
        .map(|d| json!({"name": format!("e{dist}-r{d}"), "content": "x", "distribution": d, "sharing_group_id": sg_of(d, sg)}))
        .collect();
    json!({"info": format!("dist {dist}"), "distribution": dist, "sharing_group_id": sg_of(dist, sg),
        "Attribute": attributes, "Object": objects, "EventReport": reports})
}

fn names(list: &Value, key: &str) -> BTreeSet<String> {
    list.as_array().map_or_else(BTreeSet::new, |l| {
        l.iter()
            .map(|x| x[key].as_str().unwrap_or_default().to_string())
            .collect()
    })
}

#[tokio::test]
async fn every_read_path_follows_distribution() {
    let app = TestApp::spawn().await;
    let owner_org = app.add_org("Owner").await;
    let member_org = app.add_org("Member").await;
    let other_org = app.add_org("Other").await;
    let (_, owner) = app.add_user("u@owner.test", owner_org, 2).await;
    let (_, member) = app.add_user("u@member.test", member_org, 3).await;
    let (_, other) = app.add_user("u@other.test", other_org, 3).await;
    let r = app
        .post(
            "/sharing_groups/add",
            &owner,
            json!({"name": "Matrix SG", "releasability": "matrix"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let sg: i64 = r.json["SharingGroup"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let r = app
        .post(
            &format!("/sharing_groups/addOrg/{sg}/{member_org}"),
            &owner,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mut events = Vec::new();
    for dist in 0..=4 {
        let r = app.post("/events/add", &owner, event_body(dist, sg)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json["Event"]["attribute_count"], "12");
        let id = r.json["Event"]["id"].as_str().unwrap().to_string();
        // Published or not changes nothing (MISP.unpublishedprivate is off): half are published.
        if dist % 2 == 1 {
            let p = app
                .post(&format!("/events/publish/{id}"), &owner, json!({}))
                .await;
            assert_eq!(p.status, StatusCode::OK, "{}", p.text);
        }
        events.push((dist, id));
    }
    let admin = app.admin_key.clone();
    for (who, key) in [
        ("admin", &admin),
        ("owner", &owner),
        ("member", &member),
        ("other", &other),
    ] {
        let mut visible_events = BTreeSet::new();
        let mut visible_attributes = BTreeSet::new();
        let mut visible_reports = BTreeSet::new();
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
            assert_eq!(r.status, StatusCode::OK, "{who} sees event dist {dist}");
            visible_events.insert(id.clone());
            let want = |prefix: &str| -> BTreeSet<String> {
                (0..=5)
                    .filter(|d| expect_element(who, *d))
                    .map(|d| format!("e{dist}-{prefix}{d}"))
                    .collect()
            };
            let e = &r.json["Event"];
            assert_eq!(
                names(&e["Attribute"], "value"),
                want("a"),
                "attributes: {who}, event dist {dist}"
            );
            let objects: BTreeSet<String> = e["Object"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["Attribute"][0]["value"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(objects, want("o"), "objects: {who}, event dist {dist}");
            assert_eq!(
                names(&e["EventReport"], "name"),
                want("r"),
                "reports: {who}, event dist {dist}"
            );
            visible_attributes.extend(want("a"));
            visible_attributes.extend(want("o"));
            visible_reports.extend(want("r"));
        }
        let r = app.get("/events/index", key).await;
        assert_eq!(
            names(&r.json, "id"),
            visible_events,
            "events/index for {who}"
        );
        assert_eq!(
            r.headers["x-result-count"],
            visible_events.len().to_string().as_str(),
            "count for {who}"
        );
        let r = app.get("/attributes/index/limit:1000", key).await;
        assert_eq!(
            names(&r.json, "value"),
            visible_attributes,
            "attributes/index for {who}"
        );
        let r = app.get("/event_reports/index", key).await;
        let reports: BTreeSet<String> = r
            .json
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["EventReport"]["name"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(reports, visible_reports, "event_reports/index for {who}");
        search_paths(&app, who, key, &visible_events, &visible_attributes).await;
    }
}

/// restSearch in both scopes and every export format: exactly the visible values, and counts
/// that count only them.
async fn search_paths(
    app: &TestApp,
    who: &str,
    key: &str,
    visible_events: &BTreeSet<String>,
    visible_attributes: &BTreeSet<String>,
) {
    let all = json!({"published": [0, 1], "to_ids": [0, 1]});
    let r = app.post("/attributes/restSearch", key, all.clone()).await;
    let values = names(&r.json["response"]["Attribute"], "value");
    assert_eq!(
        &values, visible_attributes,
        "attributes/restSearch for {who}"
    );
    assert_eq!(
        r.headers["x-result-count"],
        values.len().to_string().as_str()
    );
    let r = app
        .post("/events/restSearch", key, json!({"published": [0, 1]}))
        .await;
    let ids: BTreeSet<String> = r.json["response"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["Event"]["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(&ids, visible_events, "events/restSearch for {who}");
    assert_eq!(r.headers["x-result-count"], ids.len().to_string().as_str());
    let inside: BTreeSet<String> = r.json["response"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| {
            let e = &e["Event"];
            let mut v: Vec<String> = names(&e["Attribute"], "value").into_iter().collect();
            for o in e["Object"].as_array().unwrap() {
                v.extend(names(&o["Attribute"], "value"));
            }
            v
        })
        .collect();
    assert_eq!(
        &inside, visible_attributes,
        "events/restSearch contents for {who}"
    );
    let every: Vec<String> = (0..=4)
        .flat_map(|e| (0..=5).flat_map(move |d| [format!("e{e}-a{d}"), format!("e{e}-o{d}")]))
        .collect();
    for scope in ["events", "attributes"] {
        for format in ["csv", "text", "xml", "stix2", "json"] {
            let mut body = all.clone();
            body["returnFormat"] = format.into();
            let r = app.post(&format!("/{scope}/restSearch"), key, body).await;
            assert_eq!(r.status, StatusCode::OK, "{scope} {format}: {}", r.text);
            for v in &every {
                assert_eq!(
                    r.text.contains(v.as_str()),
                    visible_attributes.contains(v),
                    "{scope}/restSearch {format} for {who}: {v}"
                );
            }
        }
        let mut body = all.clone();
        body["returnFormat"] = "count".into();
        let r = app.post(&format!("/{scope}/restSearch"), key, body).await;
        let want = if scope == "events" {
            visible_events.len()
        } else {
            visible_attributes.len()
        };
        assert_eq!(r.text, want.to_string(), "{scope} count for {who}");
    }
}
