//! Correlation through the API: which values relate events (exact and casefolded values,
//! composite halves, primary-only types, CIDR containment), what never correlates (types,
//! disabled attributes and events, deleted attributes, exclusions, over-correlating values),
//! how edits, restores and deletes move the index, who sees a correlation (the ACL on the
//! other side), the exclusion endpoints, and that a full rebuild gives what incremental
//! indexing gave.

mod common;

use axum::http::StatusCode;
use common::{TestApp, assert_same_shape, golden};
use serde_json::{Value, json};

/// Adds an event as `key` with the given attributes (`[type, value]`); returns its id.
async fn event(app: &TestApp, key: &str, info: &str, dist: i64, attrs: &[(&str, &str)]) -> String {
    let attributes: Vec<Value> = attrs
        .iter()
        .map(|(t, v)| json!({"type": t, "value": v}))
        .collect();
    let body = json!({"info": info, "distribution": dist, "Attribute": attributes});
    let r = app.post("/events/add", key, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json["Event"]["id"].as_str().unwrap().to_string()
}

async fn view(app: &TestApp, key: &str, path: &str) -> Value {
    let r = app.get(path, key).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json["Event"].clone()
}

/// The ids of the events in `RelatedEvent` of `event` as seen by `key`.
async fn related(app: &TestApp, key: &str, event: &str) -> Vec<String> {
    let e = view(app, key, &format!("/events/view/{event}")).await;
    e["RelatedEvent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Event"]["id"].as_str().unwrap().to_string())
        .collect()
}

/// Attribute value -> [(related attribute id, value, event id)] with granular correlations.
async fn granular(
    app: &TestApp,
    key: &str,
    event: &str,
) -> Vec<(String, Vec<(String, String, String)>)> {
    let e = view(
        app,
        key,
        &format!("/events/view/{event}/includeGranularCorrelations:1"),
    )
    .await;
    let mut attrs: Vec<Value> = e["Attribute"].as_array().unwrap().clone();
    for o in e["Object"].as_array().unwrap() {
        attrs.extend(o["Attribute"].as_array().unwrap().iter().cloned());
    }
    attrs
        .iter()
        .filter_map(|a| {
            let list = a.get("RelatedAttribute")?.as_array()?;
            let found = list
                .iter()
                .map(|r| {
                    let s = |k: &str| r[k].as_str().unwrap().to_string();
                    (s("id"), s("value"), s("event_id"))
                })
                .collect();
            Some((a["value"].as_str().unwrap().to_string(), found))
        })
        .collect()
}

fn attribute_id(event: &Value, value: &str) -> String {
    event["Attribute"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["value"] == value)
        .unwrap_or_else(|| panic!("no attribute {value}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn equal_values_relate_events_whatever_their_case() {
    let app = TestApp::spawn().await;
    let admin = app.admin_key.clone();
    let a = event(
        &app,
        &admin,
        "A",
        1,
        &[("domain", "Evil.Example.com"), ("ip-dst", "198.51.100.7")],
    )
    .await;
    let b = event(&app, &admin, "B", 3, &[("domain", "evil.example.com")]).await;
    let c = event(&app, &admin, "C", 1, &[("domain", "other.example.com")]).await;
    assert_eq!(related(&app, &admin, &a).await, vec![b.clone()]);
    assert_eq!(related(&app, &admin, &b).await, vec![a.clone()]);
    assert!(related(&app, &admin, &c).await.is_empty());
    // The view's entries have MISP's shape (capture 073), the add answer's too (capture 071).
    let e = view(&app, &admin, &format!("/events/view/{a}")).await;
    assert_same_shape(
        &e["RelatedEvent"],
        &golden("073-")["Event"]["RelatedEvent"],
        "RelatedEvent",
    );
    assert_eq!(e["RelatedEvent"][0]["Event"]["info"], "B");
    assert_eq!(e["RelatedEvent"][0]["Event"]["Orgc"]["name"], "ORGNAME");
    let r = app
        .admin_post("/events/add", json!({"info": "D", "distribution": 1, "Attribute": [{"type": "ip-dst", "value": "198.51.100.7"}]}))
        .await;
    assert_same_shape(
        &r.json["Event"]["RelatedEvent"],
        &golden("071-")["Event"]["RelatedEvent"],
        "add",
    );
    assert_eq!(
        r.json["Event"]["RelatedEvent"][0]["Event"]["id"],
        a.as_str()
    );
    // includeEventCorrelations:0 leaves RelatedEvent empty.
    let e = view(
        &app,
        &admin,
        &format!("/events/view/{a}/includeEventCorrelations:0"),
    )
    .await;
    assert_eq!(e["RelatedEvent"], json!([]));
    // Newest date first.
    let d = r.json["Event"]["id"].as_str().unwrap().to_string();
    app.admin_post(&format!("/events/edit/{d}"), json!({"date": "2001-01-01"}))
        .await;
    app.admin_post(&format!("/events/edit/{b}"), json!({"date": "2030-01-01"}))
        .await;
    assert_eq!(related(&app, &admin, &a).await, vec![b.clone(), d.clone()]);
}

#[tokio::test]
async fn composite_halves_and_primary_only_types() {
    let app = TestApp::spawn().await;
    let admin = app.admin_key.clone();
    let md5 = "9c7969d08ab515b3d1735f97dbd45721";
    let a = event(
        &app,
        &admin,
        "A",
        1,
        &[
            ("filename|md5", &format!("invoice.exe|{md5}")),
            ("ip-dst|port", "203.0.113.5|8443"),
            ("hostname|port", "h.example.net|8080"),
            ("domain|ip", "d.example.net|203.0.113.9"),
        ],
    )
    .await;
    let b = event(&app, &admin, "B", 1, &[("md5", md5)]).await;
    let c = event(
        &app,
        &admin,
        "C",
        1,
        &[
            ("ip-dst", "203.0.113.5"),
            ("text", "8443"),
            ("text", "8080"),
        ],
    )
    .await;
    let d = event(&app, &admin, "D", 1, &[("ip-src", "203.0.113.9")]).await;
    assert_eq!(related(&app, &admin, &b).await, vec![a.clone()]);
    assert_eq!(related(&app, &admin, &d).await, vec![a.clone()]);
    // The port halves never correlate: C relates to A through the address only.
    assert_eq!(related(&app, &admin, &c).await, vec![a.clone()]);
    let ea = view(&app, &admin, &format!("/events/view/{a}")).await;
    let by_value = granular(&app, &admin, &c).await;
    let ip = attribute_id(&ea, "203.0.113.5|8443");
    assert_eq!(
        by_value,
        vec![(
            "203.0.113.5".to_string(),
            vec![(ip, "203.0.113.5".to_string(), a.clone())]
        )]
    );
    // B's md5 names the matching half of A's filename|md5, in the shape of capture 074.
    let e = view(
        &app,
        &admin,
        &format!("/events/view/{b}/includeGranularCorrelations:1"),
    )
    .await;
    let entry = &e["Attribute"][0]["RelatedAttribute"][0];
    assert_same_shape(
        entry,
        &golden("074-")["Event"]["Attribute"][1]["RelatedAttribute"][0],
        "granular",
    );
    assert_eq!(entry["value"], md5);
    assert_eq!(entry["event_id"], a.as_str());
    assert_eq!(
        entry["id"],
        attribute_id(&ea, &format!("invoice.exe|{md5}")).as_str()
    );
    assert_eq!(entry["info"], "A");
    assert_eq!(entry["org_id"], "1");
    // Without the option, no RelatedAttribute at all (capture 072).
    let e = view(&app, &admin, &format!("/events/view/{b}")).await;
    assert!(e["Attribute"][0].get("RelatedAttribute").is_none());
}

#[tokio::test]
async fn addresses_correlate_with_networks_containing_them() {
    let app = TestApp::spawn().await;
    let admin = app.admin_key.clone();
    let net = event(
        &app,
        &admin,
        "net",
        1,
        &[("ip-src", "10.0.0.0/8"), ("ip-dst", "2001:db8::/32")],
    )
    .await;
    let inside = event(&app, &admin, "inside", 1, &[("ip-dst", "10.1.2.3")]).await;
    let port = event(
        &app,
        &admin,
        "port",
        1,
        &[("ip-dst|port", "10.200.0.1|443")],
    )
    .await;
    let outside = event(&app, &admin, "outside", 1, &[("ip-dst", "11.1.2.3")]).await;
    let v6 = event(&app, &admin, "v6", 1, &[("ip-src", "2001:db8::1")]).await;
    let pair = event(
        &app,
        &admin,
        "pair",
        1,
        &[("domain|ip", "x.example.net|10.9.9.9")],
    )
    .await;
    let mapped = event(&app, &admin, "mapped", 1, &[("ip-dst", "::ffff:10.1.1.1")]).await;
    let mut from_net = related(&app, &admin, &net).await;
    from_net.sort();
    let mut want = vec![inside.clone(), port.clone(), v6.clone()];
    want.sort();
    assert_eq!(from_net, want);
    assert_eq!(related(&app, &admin, &inside).await, vec![net.clone()]);
    assert_eq!(related(&app, &admin, &port).await, vec![net.clone()]);
    assert_eq!(related(&app, &admin, &v6).await, vec![net.clone()]);
    for e in [&outside, &pair, &mapped] {
        assert!(related(&app, &admin, e).await.is_empty(), "event {e}");
    }
    // The granular entry of an address names the network it is in.
    let en = view(&app, &admin, &format!("/events/view/{net}")).await;
    let g = granular(&app, &admin, &inside).await;
    assert_eq!(
        g,
        vec![(
            "10.1.2.3".to_string(),
            vec![(
                attribute_id(&en, "10.0.0.0/8"),
                "10.0.0.0/8".to_string(),
                net.clone()
            )]
        )]
    );
}

#[tokio::test]
async fn types_flags_and_disabled_events_do_not_correlate() {
    let app = TestApp::spawn().await;
    let admin = app.admin_key.clone();
    let a = event(
        &app,
        &admin,
        "A",
        1,
        &[
            ("comment", "shared words"),
            ("port", "4444"),
            ("domain", "quiet.example"),
        ],
    )
    .await;
    let b = event(
        &app,
        &admin,
        "B",
        1,
        &[("comment", "shared words"), ("port", "4444")],
    )
    .await;
    assert!(related(&app, &admin, &b).await.is_empty());
    // An attribute with disable_correlation stays out.
    let body = json!({"info": "C", "distribution": 1, "Attribute": [{"type": "domain", "value": "quiet.example", "disable_correlation": true}]});
    let r = app.admin_post("/events/add", body).await;
    let c = r.json["Event"]["id"].as_str().unwrap().to_string();
    assert!(related(&app, &admin, &c).await.is_empty());
    assert!(related(&app, &admin, &a).await.is_empty());
    // So does a whole event with disable_correlation, until the flag is cleared.
    let body = json!({"info": "D", "distribution": 1, "disable_correlation": true, "Attribute": [{"type": "domain", "value": "quiet.example"}]});
    let r = app.admin_post("/events/add", body).await;
    let d = r.json["Event"]["id"].as_str().unwrap().to_string();
    assert!(related(&app, &admin, &a).await.is_empty());
    let r = app
        .admin_post(
            &format!("/events/edit/{d}"),
            json!({"disable_correlation": false}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(related(&app, &admin, &a).await, vec![d.clone()]);
    // Clearing the attribute's flag brings C in too.
    let ec = view(&app, &admin, &format!("/events/view/{c}")).await;
    let id = attribute_id(&ec, "quiet.example");
    let r = app
        .admin_post(
            &format!("/attributes/edit/{id}"),
            json!({"disable_correlation": false}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mut got = related(&app, &admin, &a).await;
    got.sort();
    let mut want = vec![c, d];
    want.sort();
    assert_eq!(got, want);
}

#[tokio::test]
async fn edits_deletes_and_restores_move_the_index() {
    let app = TestApp::spawn().await;
    let admin = app.admin_key.clone();
    let a = event(
        &app,
        &admin,
        "A",
        1,
        &[("domain", "moving.example"), ("url", "http://u.example/x")],
    )
    .await;
    let b = event(&app, &admin, "B", 1, &[("domain", "moving.example")]).await;
    let c = event(&app, &admin, "C", 1, &[("domain", "elsewhere.example")]).await;
    let ea = view(&app, &admin, &format!("/events/view/{a}")).await;
    let id = attribute_id(&ea, "moving.example");
    // Soft delete, restore.
    let r = app
        .admin_post(&format!("/attributes/delete/{id}"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(related(&app, &admin, &b).await.is_empty());
    let r = app
        .admin_post(&format!("/attributes/restore/{id}"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(related(&app, &admin, &b).await, vec![a.clone()]);
    // A new value moves the correlation from B to C.
    let r = app
        .admin_post(
            &format!("/attributes/edit/{id}"),
            json!({"value": "Elsewhere.example"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(related(&app, &admin, &b).await.is_empty());
    assert_eq!(related(&app, &admin, &c).await, vec![a.clone()]);
    // Hard delete.
    let r = app
        .admin_post(&format!("/attributes/delete/{id}/1"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(related(&app, &admin, &c).await.is_empty());
    // Attributes added later, alone or in a list, correlate at once.
    let r = app
        .admin_post(
            &format!("/attributes/add/{c}"),
            json!({"type": "url", "value": "http://u.example/x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(related(&app, &admin, &a).await, vec![c.clone()]);
    // Objects: added, then soft-deleted, then a second one hard-deleted.
    let object = json!({"name": "domain-ip", "meta-category": "network", "description": "d",
        "template_uuid": "43b3b146-77eb-4931-b4cc-b66c60f28734", "template_version": "1",
        "Attribute": [{"type": "domain", "object_relation": "domain", "value": "moving.example"}]});
    let r = app
        .admin_post(&format!("/objects/add/{c}"), object.clone())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let oid = r.json["Object"]["id"].as_str().unwrap().to_string();
    assert_eq!(related(&app, &admin, &b).await, vec![c.clone()]);
    let g = granular(&app, &admin, &c).await;
    assert!(
        g.iter()
            .any(|(v, list)| v == "moving.example" && list[0].2 == b),
        "{g:?}"
    );
    let r = app
        .admin_post(&format!("/objects/delete/{oid}"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(related(&app, &admin, &b).await.is_empty());
    let r = app.admin_post(&format!("/objects/add/{c}"), object).await;
    let oid = r.json["Object"]["id"].as_str().unwrap().to_string();
    assert_eq!(related(&app, &admin, &b).await, vec![c.clone()]);
    let r = app
        .admin_post(&format!("/objects/delete/{oid}/1"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(related(&app, &admin, &b).await.is_empty());
    // Deleting an event removes its postings.
    let r = app
        .admin_post(&format!("/events/delete/{c}"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(related(&app, &admin, &a).await.is_empty());
    let left = event_postings(&app, &c).await;
    assert_eq!(left, 0);
}

/// Postings stored for one event.
async fn event_postings(app: &TestApp, event: &str) -> i64 {
    use sea_query::{Asterisk, Expr, ExprTrait, Func, Query};
    let id: i64 = event.parse().unwrap();
    app.state
        .db
        .ex()
        .fetch_i64(
            Query::select()
                .expr(Func::count(Expr::col(Asterisk)))
                .from("correlation_postings")
                .and_where(Expr::col("event_id").eq(id)),
        )
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn values_over_the_limit_are_hidden_until_they_fall_back() {
    let app = TestApp::spawn_with(|c| c.correlation_limit = 2).await;
    let admin = app.admin_key.clone();
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(
            event(
                &app,
                &admin,
                &format!("E{i}"),
                1,
                &[("domain", "popular.example"), ("md5", &format!("{i:032x}"))],
            )
            .await,
        );
    }
    // Three carriers: two others each, within the limit of 2.
    assert_eq!(related(&app, &admin, &ids[0]).await.len(), 2);
    let fourth = event(&app, &admin, "E3", 1, &[("domain", "popular.example")]).await;
    for e in ids.iter().chain([&fourth]) {
        assert!(related(&app, &admin, e).await.is_empty(), "event {e}");
    }
    let r = app
        .admin_post(&format!("/events/delete/{fourth}"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(related(&app, &admin, &ids[2]).await.len(), 2);
}

#[tokio::test]
async fn exclusions_hide_values_and_have_misp_shapes() {
    let app = TestApp::spawn().await;
    let admin = app.admin_key.clone();
    let a = event(
        &app,
        &admin,
        "A",
        1,
        &[
            ("domain", "cdn.example.org"),
            ("domain", "keep.example.net"),
        ],
    )
    .await;
    let b = event(&app, &admin, "B", 1, &[("domain", "cdn.example.org")]).await;
    let c = event(&app, &admin, "C", 1, &[("domain", "keep.example.net")]).await;
    let r = app
        .admin_post(
            "/correlation_exclusions/add",
            json!({"value": "%.EXAMPLE.org", "comment": "CDN"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let id = r.json["CorrelationExclusion"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        r.json,
        json!({"CorrelationExclusion": {"id": id, "value": "%.EXAMPLE.org", "from_json": false, "comment": "CDN"}})
    );
    assert!(related(&app, &admin, &b).await.is_empty());
    assert_eq!(related(&app, &admin, &c).await, vec![a.clone()]);
    // New values matching it are excluded from the start.
    let d = event(&app, &admin, "D", 1, &[("domain", "img.example.org")]).await;
    let e = event(&app, &admin, "E", 1, &[("domain", "img.example.org")]).await;
    assert!(related(&app, &admin, &e).await.is_empty());
    let r = app.admin_get("/correlation_exclusions/index").await;
    assert_eq!(
        r.json,
        json!([{"CorrelationExclusion": {"id": id, "value": "%.EXAMPLE.org", "from_json": false, "comment": "CDN"}}])
    );
    let r = app
        .admin_get(&format!("/correlation_exclusions/view/{id}"))
        .await;
    assert_eq!(r.json["CorrelationExclusion"]["value"], "%.EXAMPLE.org");
    let r = app
        .admin_post(
            "/correlation_exclusions/add",
            json!({"value": "%.EXAMPLE.org"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.json["errors"],
        json!({"value": ["Value is already in the exclusion list."]})
    );
    let r = app
        .admin_post("/correlation_exclusions/clean", json!({}))
        .await;
    assert_eq!(
        r.json["message"],
        "Correlations cleanup initiated, based on the exclusion rules."
    );
    assert!(related(&app, &admin, &b).await.is_empty());
    // Site admins only.
    let org = app.add_org("OrgB").await;
    let (_, user) = app.add_user("u@orgb.test", org, 3).await;
    assert_eq!(
        app.get("/correlation_exclusions/index", &user).await.status,
        StatusCode::FORBIDDEN
    );
    let r = app
        .post("/correlation_exclusions/add", &user, json!({"value": "x"}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Deleting it brings the correlations back.
    let r = app
        .admin_post(&format!("/correlation_exclusions/delete/{id}"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["message"], "CorrelationExclusion deleted.");
    assert_eq!(
        r.json["url"],
        format!("/correlation_exclusions/delete/{id}")
    );
    assert_eq!(related(&app, &admin, &b).await, vec![a.clone()]);
    assert_eq!(related(&app, &admin, &e).await, vec![d.clone()]);
    let r = app
        .admin_get(&format!("/correlation_exclusions/view/{id}"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json["message"], "Invalid CorrelationExclusion.");
    assert_eq!(
        app.admin_get("/correlation_exclusions/index").await.json,
        json!([])
    );
}

#[tokio::test]
async fn correlations_show_only_what_the_viewer_may_see() {
    let app = TestApp::spawn().await;
    let admin = app.admin_key.clone();
    let org = app.add_org("OrgB").await;
    let (_, user) = app.add_user("u@orgb.test", org, 3).await;
    let r = app
        .admin_post(
            "/sharing_groups/add",
            json!({"name": "Admins only", "releasability": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let sg = r.json["SharingGroup"]["id"].as_str().unwrap().to_string();
    let v = "secret.example";
    let private = event(&app, &admin, "private", 0, &[("domain", v)]).await;
    let body = json!({"info": "sg", "distribution": 4, "sharing_group_id": sg, "Attribute": [{"type": "domain", "value": v}]});
    let r = app.admin_post("/events/add", body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let in_sg = r.json["Event"]["id"].as_str().unwrap().to_string();
    let body = json!({"info": "attr0", "distribution": 1, "Attribute": [{"type": "domain", "value": v, "distribution": 0}]});
    let attr0 = app.admin_post("/events/add", body).await.json["Event"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let body = json!({"info": "obj0", "distribution": 1, "Object": [{"name": "domain-ip", "meta-category": "network",
        "distribution": 0, "Attribute": [{"type": "domain", "object_relation": "domain", "value": v}]}]});
    let obj0 = app.admin_post("/events/add", body).await.json["Event"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let shared = event(&app, &admin, "shared", 1, &[("domain", v)]).await;
    let mine = event(&app, &user, "OrgB's", 1, &[("domain", v)]).await;
    assert_eq!(related(&app, &user, &mine).await, vec![shared.clone()]);
    let g = granular(&app, &user, &mine).await;
    assert_eq!(g.len(), 1);
    assert_eq!(
        g[0].1.iter().map(|x| x.2.clone()).collect::<Vec<_>>(),
        vec![shared.clone()]
    );
    let mut all = related(&app, &admin, &mine).await;
    all.sort();
    let mut want = vec![private, in_sg, attr0.clone(), obj0, shared.clone()];
    want.sort();
    assert_eq!(all, want);
    // The looked-from side too: OrgB may see event attr0 but not its dist-0 attribute, so that
    // attribute must not reveal OrgB's own event as related.
    assert!(related(&app, &user, &attr0).await.is_empty());
    assert_eq!(related(&app, &user, &shared).await, vec![mine.clone()]);
}

/// For every event: the related event ids and per attribute the related attribute ids, as a
/// site admin sees them.
async fn snapshot(app: &TestApp, events: &[String]) -> Vec<(Vec<String>, Vec<(i64, Vec<String>)>)> {
    let admin = cairn::acl::Viewer {
        site_admin: true,
        ..Default::default()
    };
    let mut out = Vec::new();
    for e in events {
        let r = cairn::correlation::related_for_event(
            app.state.db.ex(),
            &admin,
            e.parse().unwrap(),
            20,
        )
        .await
        .unwrap();
        let ids = r
            .events
            .iter()
            .map(|v| v["Event"]["id"].as_str().unwrap().to_string())
            .collect();
        let mut attrs: Vec<(i64, Vec<String>)> = r
            .attributes
            .iter()
            .map(|(k, v)| {
                (
                    *k,
                    v.iter()
                        .map(|x| x["id"].as_str().unwrap().to_string())
                        .collect(),
                )
            })
            .collect();
        attrs.sort();
        out.push((ids, attrs));
    }
    out
}

/// (key, occurrence, excluded) of every stored value, sorted.
async fn values(app: &TestApp) -> Vec<(String, i64, bool)> {
    use sea_query::{Order, Query};
    let mut rows: Vec<(String, i64, bool)> = app
        .state
        .db
        .ex()
        .fetch_all(
            Query::select()
                .columns(["value", "occurrence", "excluded"])
                .from("correlation_values")
                .order_by("value", Order::Asc),
        )
        .await
        .unwrap();
    rows.retain(|r| r.1 > 0);
    rows.sort();
    rows
}

#[tokio::test]
async fn a_rebuild_gives_what_incremental_indexing_gave() {
    let app = TestApp::spawn().await;
    let admin = app.admin_key.clone();
    let r = app
        .admin_post("/correlation_exclusions/add", json!({"value": "noise%"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mut events = Vec::new();
    events.push(
        event(
            &app,
            &admin,
            "A",
            1,
            &[
                ("domain", "Same.example"),
                ("ip-src", "192.0.2.0/24"),
                (
                    "filename|sha1",
                    "a.bin|da39a3ee5e6b4b0d3255bfef95601890afd80709",
                ),
                ("text", "noise 1"),
            ],
        )
        .await,
    );
    events.push(
        event(
            &app,
            &admin,
            "B",
            1,
            &[
                ("domain", "same.example"),
                ("ip-dst|port", "192.0.2.77|53"),
                ("text", "noise 1"),
            ],
        )
        .await,
    );
    events.push(
        event(
            &app,
            &admin,
            "C",
            0,
            &[
                ("sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
                ("comment", "x"),
            ],
        )
        .await,
    );
    let body = json!({"info": "D", "distribution": 1, "disable_correlation": true, "Attribute": [{"type": "domain", "value": "same.example"}]});
    events.push(
        app.admin_post("/events/add", body).await.json["Event"]["id"]
            .as_str()
            .unwrap()
            .to_string(),
    );
    let e = event(
        &app,
        &admin,
        "E",
        1,
        &[("domain", "same.example"), ("domain", "gone.example")],
    )
    .await;
    let ee = view(&app, &admin, &format!("/events/view/{e}")).await;
    app.admin_post(
        &format!("/attributes/delete/{}", attribute_id(&ee, "gone.example")),
        json!({}),
    )
    .await;
    events.push(e);
    let before = snapshot(&app, &events).await;
    let stored = values(&app).await;
    assert!(
        before[0].0.len() == 3 && !before[2].0.is_empty(),
        "{before:?}"
    );
    let posted = cairn::correlation::rebuild(&app.state.db).await.unwrap();
    assert_eq!(posted, 9);
    assert_eq!(snapshot(&app, &events).await, before);
    assert_eq!(values(&app).await, stored);
    // The index keeps working incrementally after a rebuild.
    let f = event(&app, &admin, "F", 1, &[("domain", "same.example")]).await;
    assert!(related(&app, &admin, &f).await.len() == 3);
}

#[tokio::test]
async fn rest_search_shape_lists_related_attributes_with_their_event() {
    let app = TestApp::spawn().await;
    let admin = app.admin_key.clone();
    let a = event(
        &app,
        &admin,
        "A",
        1,
        &[("ip-dst", "89.203.249.203"), ("domain", "d.example")],
    )
    .await;
    let b = event(&app, &admin, "B", 3, &[("ip-dst", "89.203.249.203")]).await;
    let ea = view(&app, &admin, &format!("/events/view/{a}")).await;
    let eb = view(&app, &admin, &format!("/events/view/{b}")).await;
    let src: i64 = attribute_id(&eb, "89.203.249.203").parse().unwrap();
    let viewer = cairn::acl::Viewer {
        site_admin: true,
        ..Default::default()
    };
    let map = cairn::correlation::related_for_attributes(app.state.db.ex(), &viewer, &[src], 20)
        .await
        .unwrap();
    let list = &map[&src];
    assert_eq!(list.len(), 1);
    let misp = &golden("095-")["response"]["Attribute"][0]["RelatedAttribute"][0];
    assert_same_shape(&list[0], misp, "RelatedAttribute");
    assert_eq!(list[0]["id"], attribute_id(&ea, "89.203.249.203").as_str());
    assert_eq!(list[0]["Event"]["id"], a.as_str());
    assert_eq!(list[0]["Event"]["info"], "A");
    assert_eq!(list[0]["value"], "89.203.249.203");
}

#[tokio::test]
async fn an_event_add_posts_its_objects_and_only_stored_attributes() {
    let app = TestApp::spawn().await;
    let admin = app.admin_key.clone();
    let uuid = "5f0c4b3a-1111-4c2d-9e8f-0123456789ab";
    // The object attribute reuses the top-level attribute's uuid: it is refused at insert, so
    // its value must not be posted for the stored attribute.
    let body = json!({"info": "A", "distribution": 1,
        "Attribute": [{"uuid": uuid, "type": "domain", "value": "top.example"}],
        "Object": [{"name": "file", "meta-category": "file", "Attribute": [
            {"uuid": uuid, "type": "domain", "object_relation": "domain", "value": "refused.example"},
            {"type": "md5", "object_relation": "md5", "value": "0123456789abcdef0123456789abcdef"}]}]});
    let r = app.admin_post("/events/add", body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let a = r.json["Event"]["id"].as_str().unwrap().to_string();
    let top = event(&app, &admin, "top", 1, &[("domain", "top.example")]).await;
    let refused = event(&app, &admin, "refused", 1, &[("domain", "refused.example")]).await;
    let md5 = event(
        &app,
        &admin,
        "md5",
        1,
        &[("md5", "0123456789ABCDEF0123456789ABCDEF")],
    )
    .await;
    assert_eq!(related(&app, &admin, &top).await, vec![a.clone()]);
    assert!(related(&app, &admin, &refused).await.is_empty());
    assert_eq!(related(&app, &admin, &md5).await, vec![a.clone()]);
    // A plain event: every attribute stored, ids read in insertion order.
    let many: Vec<(String, String)> = (0..50)
        .map(|i| ("domain".to_string(), format!("n{i}.example")))
        .collect();
    let refs: Vec<(&str, &str)> = many.iter().map(|(t, v)| (t.as_str(), v.as_str())).collect();
    let b = event(&app, &admin, "B", 1, &refs).await;
    let c = event(&app, &admin, "C", 1, &[("domain", "n37.example")]).await;
    assert_eq!(related(&app, &admin, &c).await, vec![b.clone()]);
    let eb = view(&app, &admin, &format!("/events/view/{b}")).await;
    let g = granular(&app, &admin, &c).await;
    assert_eq!(
        g,
        vec![(
            "n37.example".to_string(),
            vec![(
                attribute_id(&eb, "n37.example"),
                "n37.example".to_string(),
                b.clone()
            )]
        )]
    );
}
