//! restSearch through the router: every filter of spec/api.md 6.3 on a small world of events,
//! both JSON shapes against MISP's captures, the paging and count headers, the awkward cases
//! (unparseable times, NOT tags on events, deleted semantics), the URL forms, the errors, and
//! the access rules (a hidden value never reveals its event, counts count only visible rows).

mod common;

use axum::http::StatusCode;
use common::{TestApp, TestResponse, assert_same_shape, capture_request, golden};
use serde_json::{Value, json};

/// The fixture: ids and keys of what `world` created.
struct World {
    a: String,
    b: String,
    private: String,
    d: String,
    user_b: String,
    user_c: String,
    org_b_name: String,
}

async fn event(app: &TestApp, key: &str, body: Value) -> String {
    let r = app.post("/events/add", key, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json["Event"]["id"].as_str().unwrap().to_string()
}

async fn publish(app: &TestApp, key: &str, id: &str) {
    let r = app
        .post(&format!("/events/publish/{id}"), key, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

/// Event A (host org, community, published, tlp:green): the C2 IP, a domain, a non-IDS md5, an
/// IPv6 source, an attribute tagged `x:tagged`, an e-mail and a file object.
/// Event B (OrgB, community, published, dated 2020, tlp:amber): the same C2 IP and a domain
/// tagged tlp:red. Private event (host org, distribution 0, unpublished). Event D (host org,
/// published): one visible domain and one distribution-0 value.
async fn world(app: &TestApp) -> World {
    let org_b = app.add_org("OrgB").await;
    let org_c = app.add_org("OrgC").await;
    let (_, user_b) = app.add_user("pub@orgb.test", org_b, 4).await;
    let (_, user_c) = app.add_user("user@orgc.test", org_c, 3).await;
    let admin = app.admin_key.clone();
    // Publishers may attach existing tags only.
    for name in ["tlp:green", "tlp:amber", "tlp:red", "x:tagged"] {
        let r = app.post("/tags/add", &admin, json!({"name": name})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let a = event(app, &admin, json!({
        "info": "Phishing campaign A", "distribution": 3, "threat_level_id": 2, "date": "2026-11-20",
        "Tag": [{"name": "tlp:green"}],
        "Attribute": [
            {"type": "ip-dst", "value": "89.203.249.203", "comment": "C2 server", "to_ids": true},
            {"type": "domain", "value": "evil.example", "to_ids": true},
            {"type": "md5", "value": "d41d8cd98f00b204e9800998ecf8427e", "to_ids": false},
            {"type": "ip-src", "value": "2001:0db8:0000:0000:0000:0000:0000:0001", "to_ids": true},
            {"type": "url", "value": "http://evil.example/login", "to_ids": true, "Tag": [{"name": "x:tagged"}]},
            {"type": "email", "value": "boss@evil.example", "to_ids": true, "category": "Payload delivery"}
        ],
        "Object": [{"name": "file", "meta-category": "file", "distribution": 5, "Attribute": [
            {"type": "filename", "object_relation": "filename", "value": "invoice.exe", "to_ids": false},
            {"type": "sha256", "object_relation": "sha256", "to_ids": true,
             "value": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}
        ]}]
    })).await;
    publish(app, &admin, &a).await;
    let b = event(app, &user_b, json!({
        "info": "OrgB sighting", "distribution": 3, "threat_level_id": 1, "date": "2020-06-01",
        "Tag": [{"name": "tlp:amber"}],
        "Attribute": [
            {"type": "ip-dst", "value": "89.203.249.203", "comment": "same C2", "to_ids": true},
            {"type": "domain", "value": "other.example", "to_ids": true, "Tag": [{"name": "tlp:red"}]}
        ]
    })).await;
    publish(app, &user_b, &b).await;
    let private = event(
        app,
        &admin,
        json!({
            "info": "Private notes", "distribution": 0,
            "Attribute": [{"type": "ip-dst", "value": "10.0.0.1", "to_ids": true}]
        }),
    )
    .await;
    let d = event(
        app,
        &admin,
        json!({
            "info": "Mixed visibility", "distribution": 3,
            "Attribute": [
                {"type": "domain", "value": "visible.example", "to_ids": true},
                {"type": "domain", "value": "hidden.example", "to_ids": true, "distribution": 0}
            ]
        }),
    )
    .await;
    publish(app, &admin, &d).await;
    World {
        a,
        b,
        private,
        d,
        user_b,
        user_c,
        org_b_name: "OrgB".into(),
    }
}

async fn rs(app: &TestApp, key: &str, scope: &str, body: Value) -> TestResponse {
    let r = app.post(&format!("/{scope}/restSearch"), key, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r
}

/// The attribute values of an attributes-scope JSON answer.
fn values(r: &TestResponse) -> Vec<String> {
    r.json["response"]["Attribute"]
        .as_array()
        .unwrap_or_else(|| panic!("no attribute list: {}", r.text))
        .iter()
        .map(|a| a["value"].as_str().unwrap().to_string())
        .collect()
}

/// The event ids of an events-scope JSON answer.
fn event_ids(r: &TestResponse) -> Vec<String> {
    r.json["response"]
        .as_array()
        .unwrap_or_else(|| panic!("no event list: {}", r.text))
        .iter()
        .map(|e| e["Event"]["id"].as_str().unwrap().to_string())
        .collect()
}

fn count(r: &TestResponse) -> i64 {
    r.headers["X-Result-Count"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn the_seed_example_and_the_capture_shapes() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let admin = app.admin_key.clone();
    let r = rs(
        &app,
        &admin,
        "attributes",
        json!({"value": "89.203.249.203"}),
    )
    .await;
    assert_eq!(values(&r), ["89.203.249.203", "89.203.249.203"]);
    assert_eq!(count(&r), 2);
    let first = &r.json["response"]["Attribute"][0];
    assert_eq!(first["Event"]["info"], "Phishing campaign A");
    assert_eq!(first["Event"]["id"], w.a.as_str());
    assert_eq!(r.headers["X-Export-Module-Used"], "json");
    assert_eq!(r.headers["X-Response-Format"], "json");
    assert!(r.headers.get("Content-Disposition").is_none());
    assert_same_shape(&r.json, &golden("094-"), "$");
    // Events scope: the whole events holding the value, capture 078's headers.
    let r = rs(&app, &admin, "events", capture_request("078-")).await;
    assert_eq!(event_ids(&r), [w.a.clone(), w.b.clone()]);
    assert_eq!(
        r.json["response"][0]["Event"]["Attribute"]
            .as_array()
            .unwrap()
            .len(),
        6
    );
    assert_eq!(
        r.headers["Content-Disposition"],
        "attachment; filename=\"misp.event.list.json\""
    );
    // Each event carries its correlations, as on the event view (capture 078).
    let related =
        |i: usize| r.json["response"][i]["Event"]["RelatedEvent"][0]["Event"]["id"].clone();
    assert_eq!((related(0), related(1)), (json!(w.b), json!(w.a)));
    assert_eq!(count(&r), 2);
}

#[tokio::test]
async fn value_wildcards_lists_negation_and_ipv6() {
    let app = TestApp::spawn().await;
    world(&app).await;
    let admin = app.admin_key.clone();
    let r = rs(
        &app,
        &admin,
        "attributes",
        json!({"value": "%.EXAMPLE", "type": "domain"}),
    )
    .await;
    assert_eq!(
        values(&r),
        [
            "evil.example",
            "other.example",
            "visible.example",
            "hidden.example"
        ]
    );
    let r = rs(
        &app,
        &admin,
        "attributes",
        json!({"value": ["evil.example", "other.example"]}),
    )
    .await;
    assert_eq!(values(&r), ["evil.example", "other.example"]);
    let r = rs(
        &app,
        &admin,
        "attributes",
        json!({"value": "evil.example||other.example"}),
    )
    .await;
    assert_eq!(values(&r).len(), 2);
    let r = rs(
        &app,
        &admin,
        "attributes",
        json!({"value": {"OR": ["%.example"], "NOT": ["evil.example"]}, "type": "domain"}),
    )
    .await;
    assert_eq!(
        values(&r),
        ["other.example", "visible.example", "hidden.example"]
    );
    // Uncompressed IPv6 matches the stored compressed form.
    let r = rs(
        &app,
        &admin,
        "attributes",
        json!({"value": "2001:db8:0:0:0:0:0:1"}),
    )
    .await;
    assert_eq!(values(&r), ["2001:db8::1"]);
    // value1/value2 halves.
    let r = rs(&app, &admin, "attributes", json!({"value1": "invoice.exe"})).await;
    assert_eq!(values(&r), ["invoice.exe"]);
}

#[tokio::test]
async fn type_category_org_and_object_relation() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let admin = app.admin_key.clone();
    let r = rs(&app, &admin, "attributes", json!({"type": "ip-dst"})).await;
    assert_eq!(values(&r), ["89.203.249.203", "89.203.249.203", "10.0.0.1"]);
    // email-src also finds plain `email` attributes (spec 6.3).
    let r = rs(&app, &admin, "attributes", json!({"type": "email-src"})).await;
    assert_eq!(values(&r), ["boss@evil.example"]);
    let r = rs(
        &app,
        &admin,
        "attributes",
        json!({"category": "Payload delivery", "type": "!md5"}),
    )
    .await;
    assert_eq!(
        values(&r),
        [
            "boss@evil.example",
            "invoice.exe",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        ]
    );
    let r = rs(
        &app,
        &admin,
        "attributes",
        json!({"org": w.org_b_name, "type": "domain"}),
    )
    .await;
    assert_eq!(values(&r), ["other.example"]);
    let r = rs(&app, &admin, "attributes", json!({"org": "No such org"})).await;
    assert_eq!(count(&r), 0);
    let r = rs(&app, &admin, "events", json!({"org": "!1"})).await;
    assert_eq!(event_ids(&r), vec![w.b.clone()]);
    let r = rs(
        &app,
        &admin,
        "attributes",
        json!({"object_relation": "sha256"}),
    )
    .await;
    assert_eq!(values(&r).len(), 1);
    assert_eq!(
        r.json["response"]["Attribute"][0]["Object"]["distribution"],
        "5"
    );
}

#[tokio::test]
async fn tags_or_and_not_in_both_scopes() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let admin = app.admin_key.clone();
    // Attribute scope: own tag or the event's.
    let r = rs(
        &app,
        &admin,
        "attributes",
        json!({"tags": "tlp:green", "type": "domain"}),
    )
    .await;
    assert_eq!(values(&r), ["evil.example"]);
    let r = rs(&app, &admin, "attributes", json!({"tags": "x:tagged"})).await;
    assert_eq!(values(&r), ["http://evil.example/login"]);
    let r = rs(
        &app,
        &admin,
        "attributes",
        json!({"tags": {"AND": ["tlp:amber", "tlp:red"]}}),
    )
    .await;
    assert_eq!(values(&r), ["other.example"]);
    let r = rs(
        &app,
        &admin,
        "attributes",
        json!({"tags": {"NOT": ["tlp:red"]}, "eventid": w.b}),
    )
    .await;
    assert_eq!(values(&r), ["89.203.249.203"]);
    // Unknown OR tags: nothing; an unknown AND tag: nothing; unknown NOT tags: ignored.
    assert_eq!(
        count(
            &rs(
                &app,
                &admin,
                "attributes",
                json!({"tags": ["nope:nothing"]})
            )
            .await
        ),
        0
    );
    assert_eq!(
        count(
            &rs(
                &app,
                &admin,
                "events",
                json!({"tags": {"AND": ["tlp:green", "nope"]}})
            )
            .await
        ),
        0
    );
    assert_eq!(
        count(&rs(&app, &admin, "events", json!({"tags": "!nope:nothing"})).await),
        4
    );
    // Events scope: an attribute tag selects its event; NOT removes tagged attributes only
    // from the returned events, and events tagged at event level.
    let r = rs(&app, &admin, "events", json!({"tags": "tlp:red"})).await;
    assert_eq!(event_ids(&r), vec![w.b.clone()]);
    let r = rs(
        &app,
        &admin,
        "events",
        json!({"tags": {"OR": ["tlp:amber", "tlp:green"], "NOT": ["tlp:red"]}}),
    )
    .await;
    assert_eq!(event_ids(&r), [w.a.clone(), w.b.clone()]);
    let b_attrs = r.json["response"][1]["Event"]["Attribute"]
        .as_array()
        .unwrap();
    assert_eq!(
        b_attrs.len(),
        1,
        "the tlp:red attribute is removed from event B"
    );
    let r = rs(&app, &admin, "events", json!({"tags": "!tlp:green"})).await;
    assert!(!event_ids(&r).contains(&w.a));
    // Wildcards and numeric ids.
    let r = rs(
        &app,
        &admin,
        "events",
        json!({"tags": "tlp:%", "metadata": 1}),
    )
    .await;
    assert_eq!(event_ids(&r), [w.a.clone(), w.b.clone()]);
    assert!(r.json["response"][0]["Event"].get("Attribute").is_none());
}

#[tokio::test]
async fn eventid_uuid_eventinfo_and_searchall() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let admin = app.admin_key.clone();
    let r = rs(&app, &admin, "events", json!({"eventid": w.b})).await;
    assert_eq!(event_ids(&r), vec![w.b.clone()]);
    assert_eq!(
        r.headers["Content-Disposition"],
        format!("attachment; filename=\"misp.event.{}.json\"", w.b)
    );
    let uuid = r.json["response"][0]["Event"]["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let attr_uuid = r.json["response"][0]["Event"]["Attribute"][0]["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let r = rs(&app, &admin, "events", json!({"uuid": attr_uuid})).await;
    assert_eq!(event_ids(&r), vec![w.b.clone()]);
    // Attribute scope: the attribute's uuid, or every attribute of the event with that uuid.
    let r = rs(&app, &admin, "attributes", json!({"uuid": uuid})).await;
    assert_eq!(values(&r).len(), 2);
    let r = rs(
        &app,
        &admin,
        "attributes",
        json!({"eventid": [w.a.clone(), w.d.clone()], "type": "domain"}),
    )
    .await;
    assert_eq!(
        values(&r),
        ["evil.example", "visible.example", "hidden.example"]
    );
    let r = rs(&app, &admin, "events", json!({"eventinfo": "%campaign%"})).await;
    assert_eq!(event_ids(&r), vec![w.a.clone()]);
    let r = rs(&app, &admin, "events", json!({"searchall": "same c2"})).await;
    assert_eq!(event_ids(&r), vec![w.b.clone()]);
    let r = rs(&app, &admin, "events", json!({"searchall": "tlp:amb"})).await;
    assert_eq!(event_ids(&r), vec![w.b.clone()]);
    let r = rs(&app, &admin, "attributes", json!({"searchall": "C2"})).await;
    assert_eq!(values(&r), ["89.203.249.203", "89.203.249.203"]);
}

#[tokio::test]
async fn dates_and_time_filters() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let admin = app.admin_key.clone();
    let r = rs(&app, &admin, "events", json!({"from": "2026-01-01"})).await;
    assert!(!event_ids(&r).contains(&w.b));
    let r = rs(&app, &admin, "events", json!({"to": "2021-01-01"})).await;
    assert_eq!(event_ids(&r), vec![w.b.clone()]);
    let r = rs(
        &app,
        &admin,
        "events",
        json!({"from": 1590969600, "to": "2020-12-31"}),
    )
    .await;
    assert_eq!(event_ids(&r), vec![w.b.clone()]);
    // `last` and `publish_timestamp`: published in the last day; the private one is not.
    let r = rs(&app, &admin, "events", json!({"last": "1d", "metadata": 1})).await;
    assert_eq!(event_ids(&r), [w.a.clone(), w.b.clone(), w.d.clone()]);
    let r = rs(&app, &admin, "events", json!({"publish_timestamp": "1d"})).await;
    assert_eq!(count(&r), 3);
    // Unparseable: no error, nothing matches (captures 099, 101).
    let r = rs(&app, &admin, "events", json!({"last": "5x"})).await;
    assert_eq!((count(&r), r.json.clone()), (0, json!({"response": []})));
    let r = rs(&app, &admin, "attributes", json!({"timestamp": "5x"})).await;
    assert_eq!(r.json, json!({"response": {"Attribute": []}}));
    let now = chrono::Utc::now().timestamp();
    let r = rs(
        &app,
        &admin,
        "attributes",
        json!({"timestamp": [now - 3600, now + 60], "type": "md5"}),
    )
    .await;
    assert_eq!(values(&r).len(), 1);
    let r = rs(&app, &admin, "events", json!({"timestamp": now + 60})).await;
    assert_eq!(count(&r), 0);
    let r = rs(
        &app,
        &admin,
        "events",
        json!({"event_timestamp": "1h", "eventid": w.private}),
    )
    .await;
    assert_eq!(event_ids(&r), vec![w.private.clone()]);
}

#[tokio::test]
async fn published_to_ids_and_deleted_semantics() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let admin = app.admin_key.clone();
    let r = rs(&app, &admin, "events", json!({"published": false})).await;
    assert_eq!(event_ids(&r), vec![w.private.clone()]);
    let r = rs(&app, &admin, "events", json!({"published": [true, false]})).await;
    assert_eq!(count(&r), 4);
    // to_ids in the events scope: events with such an attribute, holding only those.
    let r = rs(&app, &admin, "events", json!({"to_ids": 0})).await;
    assert_eq!(event_ids(&r), vec![w.a.clone()]);
    let attrs = r.json["response"][0]["Event"]["Attribute"]
        .as_array()
        .unwrap();
    assert_eq!(attrs.len(), 1);
    assert_eq!(attrs[0]["type"], "md5");
    let r = rs(&app, &admin, "attributes", json!({"to_ids": "exclude"})).await;
    assert_eq!(values(&r).len(), 2, "md5 and the object's filename");
    // deleted: live by default, 1 = only soft-deleted, [0,1] = both.
    let md5 = rs(&app, &admin, "attributes", json!({"type": "md5"})).await;
    let id = md5.json["response"]["Attribute"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let del = app
        .post(&format!("/attributes/delete/{id}"), &admin, json!({}))
        .await;
    assert_eq!(del.status, StatusCode::OK, "{}", del.text);
    assert_eq!(
        count(&rs(&app, &admin, "attributes", json!({"type": "md5"})).await),
        0
    );
    let r = rs(
        &app,
        &admin,
        "attributes",
        json!({"type": "md5", "deleted": 1}),
    )
    .await;
    assert_eq!(r.json["response"]["Attribute"][0]["deleted"], true);
    let r = rs(
        &app,
        &admin,
        "attributes",
        json!({"eventid": w.a, "deleted": [0, 1]}),
    )
    .await;
    assert_eq!(count(&r), 8);
    // Another organisation never sees soft-deleted data, even when asking.
    let r = rs(
        &app,
        &w.user_b,
        "attributes",
        json!({"type": "md5", "deleted": 1}),
    )
    .await;
    assert_eq!(count(&r), 0);
}

#[tokio::test]
async fn paging_order_and_counts() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let admin = app.admin_key.clone();
    // Events scope paginates events; X-Result-Count is the total (capture 082).
    let r = rs(&app, &admin, "events", json!({"limit": 1, "page": 2})).await;
    assert_eq!((event_ids(&r), count(&r)), (vec![w.b.clone()], 4));
    // Attributes scope paginates attributes; X-Result-Count is this page's size.
    let r = rs(
        &app,
        &admin,
        "attributes",
        json!({"type": "domain", "limit": 3, "page": 2}),
    )
    .await;
    assert_eq!(
        (values(&r), count(&r)),
        (vec!["hidden.example".to_string()], 1)
    );
    let r = rs(
        &app,
        &admin,
        "attributes",
        json!({"type": "domain", "order": "value desc"}),
    )
    .await;
    assert_eq!(
        values(&r),
        [
            "visible.example",
            "other.example",
            "hidden.example",
            "evil.example"
        ]
    );
    // A hostile order is ignored, never SQL.
    let r = rs(
        &app,
        &admin,
        "attributes",
        json!({"type": "domain", "order": "value; DROP TABLE attributes"}),
    )
    .await;
    assert_eq!(count(&r), 4);
    let r = rs(
        &app,
        &admin,
        "attributes",
        json!({"returnFormat": "count", "type": "domain"}),
    )
    .await;
    assert_eq!(r.text, "4");
}

#[tokio::test]
async fn include_flags_shape_the_attributes() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let admin = app.admin_key.clone();
    let body = json!({"type": "ip-dst", "eventid": w.b, "to_ids": 1, "includeEventTags": 1,
                      "includeContext": 1, "includeCorrelations": 1});
    let r = rs(&app, &admin, "attributes", body).await;
    assert_same_shape(&r.json, &golden("095-"), "$");
    let a = &r.json["response"]["Attribute"][0];
    assert_eq!(a["Event"]["info"], "OrgB sighting");
    assert_eq!(a["Event"]["Orgc"]["name"], "OrgB");
    assert_eq!(a["Event"]["Tag"][0]["name"], "tlp:amber");
    assert_eq!(
        a["Tag"][0],
        json!({"id": a["Tag"][0]["id"], "name": "tlp:amber", "colour": a["Tag"][0]["colour"], "numerical_value": null, "inherited": 1})
    );
    let related = a["RelatedAttribute"].as_array().expect("correlations");
    assert_eq!(related[0]["event_id"], w.a.as_str());
    assert_eq!(related[0]["Event"]["info"], "Phishing campaign A");
    let r = rs(
        &app,
        &admin,
        "attributes",
        json!({"eventid": w.b, "type": "ip-dst", "includeEventUuid": 1}),
    )
    .await;
    let a = &r.json["response"]["Attribute"][0];
    assert!(a["event_uuid"].as_str().is_some_and(|u| u.len() == 36));
    assert!(a.get("RelatedAttribute").is_none() && a.get("Tag").is_none());
}

#[tokio::test]
async fn visibility_rules_apply_to_every_filter() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    // OrgC: the private event and the distribution-0 value are invisible, and searching the
    // hidden value reveals neither it nor its event.
    let c = w.user_c.clone();
    assert_eq!(
        count(&rs(&app, &c, "attributes", json!({"value": "10.0.0.1"})).await),
        0
    );
    assert_eq!(
        count(&rs(&app, &c, "events", json!({"value": "10.0.0.1"})).await),
        0
    );
    assert_eq!(
        count(&rs(&app, &c, "attributes", json!({"value": "hidden.example"})).await),
        0
    );
    assert_eq!(
        count(&rs(&app, &c, "events", json!({"value": "hidden.example"})).await),
        0
    );
    assert_eq!(
        count(&rs(&app, &c, "events", json!({"searchall": "hidden.example"})).await),
        0
    );
    let r = rs(&app, &c, "events", json!({"eventid": w.d})).await;
    let attrs = r.json["response"][0]["Event"]["Attribute"]
        .as_array()
        .unwrap();
    assert_eq!(attrs.len(), 1);
    let r = rs(
        &app,
        &c,
        "events",
        json!({"returnFormat": "json", "published": [0, 1]}),
    )
    .await;
    assert_eq!(event_ids(&r), [w.a.clone(), w.b.clone(), w.d.clone()]);
    for format in [
        "csv", "text", "suricata", "stix2", "xml", "rpz", "cache", "hashes",
    ] {
        for scope in ["events", "attributes"] {
            let r = rs(
                &app,
                &c,
                scope,
                json!({"returnFormat": format, "published": [0, 1], "to_ids": [0, 1]}),
            )
            .await;
            assert!(
                !r.text.contains("10.0.0.1") && !r.text.contains("hidden.example"),
                "{scope} {format}: {}",
                r.text
            );
        }
    }
    let r = app.get("/attributes/bro/download/all", &c).await;
    assert!(
        r.text.contains("visible.example") && !r.text.contains("hidden.example"),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn url_forms_and_errors() {
    let app = TestApp::spawn().await;
    world(&app).await;
    let admin = app.admin_key.clone();
    let r = app
        .get("/attributes/restSearch/json/89.203.249.203", &admin)
        .await;
    assert_eq!(values(&r).len(), 2, "{}", r.text);
    let r = app
        .get(
            "/attributes/restSearch/returnFormat:text/type:domain/published:1",
            &admin,
        )
        .await;
    // The admin's organisation owns event D: its distribution-0 value is theirs to see.
    assert_eq!(
        r.text,
        "evil.example\nother.example\nvisible.example\nhidden.example\n"
    );
    let r = app
        .post(
            "/attributes/restSearch.json",
            &admin,
            json!({"request": {"value": "evil.example"}}),
        )
        .await;
    assert_eq!(values(&r), ["evil.example"]);
    let r = app.post("/events/restSearch", &admin, json!({})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json["message"],
        "Either specify the search terms in the url, or POST a json with the filter parameters."
    );
    let r = app.get("/events/restSearch", &admin).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.json["message"]
            .as_str()
            .unwrap()
            .starts_with("Restsearch queries using GET and no parameters")
    );
    let r = app
        .post(
            "/attributes/restSearch",
            &admin,
            json!({"returnFormat": "nope"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json["message"], "Invalid output format.");
}

#[tokio::test]
async fn formats_carry_misp_headers_and_bodies() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let admin = app.admin_key.clone();
    // text: unique to_ids values of published events (restrictive), capture 085's headers.
    let r = rs(
        &app,
        &admin,
        "events",
        json!({"returnFormat": "text", "type": "ip-dst"}),
    )
    .await;
    assert_eq!(r.headers["X-Response-Format"], "text");
    assert_eq!(
        r.headers["Content-Disposition"],
        "attachment; filename=\"misp.event.list.text\""
    );
    assert!(
        r.text.starts_with("89.203.249.203\nevil.example\n"),
        "{}",
        r.text
    );
    assert!(
        !r.text.contains("d41d8cd98f00b204e9800998ecf8427e"),
        "non-IDS md5 is left out"
    );
    let r = rs(
        &app,
        &admin,
        "attributes",
        json!({"returnFormat": "text", "type": "ip-dst"}),
    )
    .await;
    assert_eq!(r.text, "89.203.249.203\n");
    assert_eq!(r.headers["X-Response-Format"], "txt");
    // csv: MISP's header and cell rules.
    let r = rs(
        &app,
        &admin,
        "events",
        json!({"returnFormat": "csv", "eventid": w.b}),
    )
    .await;
    assert_eq!(r.headers["Content-Type"], "text/csv; charset=UTF-8");
    let lines: Vec<&str> = r.text.lines().collect();
    assert_eq!(
        lines[0],
        "uuid,event_id,category,type,value,comment,to_ids,date,object_relation,attribute_tag,object_uuid,object_name,object_meta_category"
    );
    assert!(
        lines[1].contains(&format!(
            ",{},\"Network activity\",\"ip-dst\",\"89.203.249.203\",\"same C2\",1,",
            w.b
        )),
        "{}",
        lines[1]
    );
    assert!(r.text.ends_with("\n\n"));
    let r = rs(
        &app,
        &admin,
        "attributes",
        json!({"returnFormat": "hashes"}),
    )
    .await;
    assert_eq!(
        r.text,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
    );
    let r = rs(
        &app,
        &admin,
        "events",
        json!({"returnFormat": "suricata", "eventid": w.a}),
    )
    .await;
    assert!(
        r.text
            .starts_with("# MISP export of IDS rules - optimized for suricata")
    );
    assert!(r.text.contains("89.203.249.203"));
    let r = rs(
        &app,
        &admin,
        "events",
        json!({"returnFormat": "stix2", "eventid": w.a}),
    )
    .await;
    assert_eq!(r.json["type"], "bundle");
    assert!(
        r.json["objects"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["type"] == "report")
    );
    let r = rs(
        &app,
        &admin,
        "events",
        json!({"returnFormat": "xml", "eventid": w.b}),
    )
    .await;
    assert_eq!(r.headers["Content-Type"], "application/xml; charset=UTF-8");
    assert!(r.text.contains("<info>OrgB sighting</info>"), "{}", r.text);
    let r = rs(
        &app,
        &admin,
        "attributes",
        json!({"returnFormat": "cache", "value": "evil.example", "includeEventUuid": 1}),
    )
    .await;
    assert!(
        r.text.starts_with(&format!(
            "{},",
            hex::encode(<md5::Md5 as md5::Digest>::digest(b"evil.example"))
        )),
        "{}",
        r.text
    );
    let r = app.get("/attributes/bro/download/domain", &admin).await;
    assert_eq!(
        r.headers["Content-Disposition"],
        "attachment; filename=\"misp.domain.intel\""
    );
    assert!(
        r.text.starts_with("#fields\tindicator\tindicator_type"),
        "{}",
        r.text
    );
    assert!(r.text.contains("evil.example\tIntel::DOMAIN"));
    // An unknown type: MISP's answer is the header line alone.
    let r = app.get("/attributes/bro/download/nope", &admin).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.text.lines().count(), 1);
    assert!(r.text.starts_with("#fields\tindicator"));
}
