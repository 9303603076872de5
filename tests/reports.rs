//! Event reports through the API: MISP's shapes (captures 055-061), visibility by distribution,
//! edit rights, soft delete and restore, validation, and markdown kept byte for byte.

mod common;

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use common::{TestApp, TestResponse, assert_same_shape, capture_request, golden};
use serde_json::{Value, json};

const USER: i64 = 3;
const READ_ONLY: i64 = 6;

fn id_of(r: &TestResponse, wrapper: &str) -> String {
    r.json[wrapper]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no {wrapper} id in {}", r.text))
        .to_string()
}

async fn add_event(app: &TestApp, key: &str, body: Value) -> String {
    let r = app.post("/events/add", key, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    id_of(&r, "Event")
}

async fn add_report(app: &TestApp, key: &str, event: &str, body: Value) -> TestResponse {
    app.post(&format!("/eventReports/add/{event}"), key, body)
        .await
}

async fn published(app: &TestApp, event: &str) -> bool {
    let r = app.admin_get(&format!("/events/view/{event}")).await;
    r.json["Event"]["published"].as_bool().unwrap()
}

async fn publish(app: &TestApp, event: &str) {
    let r = app
        .admin_post(&format!("/events/publish/{event}"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(published(app, event).await);
}

/// Adds a sharing group owned by `owner` with `members` (rows written directly until the
/// sharing group endpoints exist).
async fn sharing_group(app: &TestApp, owner: i64, members: &[i64]) -> i64 {
    let now = cairn::wire::now();
    let fields: cairn::db::Fields = vec![
        ("uuid", cairn::wire::new_uuid().into()),
        ("name", "Reports SG".into()),
        ("organisation_uuid", cairn::wire::new_uuid().into()),
        ("org_id", owner.into()),
        ("created", now.into()),
        ("modified", now.into()),
    ];
    let ex = app.state.db.ex();
    let id = ex
        .insert(&cairn::db::insert_stmt("sharing_groups", fields))
        .await
        .unwrap();
    for m in members {
        let q = sea_query::Query::insert()
            .into_table("sharing_group_orgs")
            .columns(["sharing_group_id", "org_id"])
            .values_panic([id.into(), (*m).into()])
            .to_owned();
        app.state.db.ex().execute(&q).await.unwrap();
    }
    id
}

/// The golden capture's report (055) added by the admin to a published event: (app, event id,
/// report id, report uuid). Checks the add shape and that adding unpublishes the event.
async fn golden_report() -> (TestApp, String, String, String) {
    let app = TestApp::spawn().await;
    let event = add_event(
        &app,
        &app.admin_key,
        json!({"info": "Golden", "distribution": 1, "Attribute": [
        {"type": "ip-dst", "value": "192.0.2.1", "uuid": "c0114078-f7c5-49b1-95c7-5e786eb45126"}]}),
    )
    .await;
    publish(&app, &event).await;
    let body = capture_request("055-");
    let r = add_report(&app, &app.admin_key, &event, body.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_same_shape(&r.json, &golden("055-"), "add");
    let report = &r.json["EventReport"];
    for field in ["uuid", "name", "content", "distribution"] {
        assert_eq!(report[field], body[field], "{field}");
    }
    assert_eq!(report["event_id"], event.as_str());
    assert_eq!(report["sharing_group_id"], "0");
    assert_eq!(report["deleted"], false);
    assert_eq!(r.json["Event"]["info"], "Golden");
    assert_eq!(r.json["SharingGroup"], golden("055-")["SharingGroup"]);
    assert!(
        !published(&app, &event).await,
        "adding a report unpublishes"
    );
    let id = id_of(&r, "EventReport");
    let uuid = body["uuid"].as_str().unwrap().to_string();
    (app, event, id, uuid)
}

#[tokio::test]
async fn golden_add_view_and_index() {
    let (app, event, id, uuid) = golden_report().await;
    let added = app.admin_get(&format!("/eventReports/view/{id}")).await;
    for key in [id.as_str(), uuid.as_str()] {
        let v = app.admin_get(&format!("/eventReports/view/{key}")).await;
        assert_eq!(v.status, StatusCode::OK);
        assert_same_shape(&v.json, &golden("056-"), "view");
        assert_eq!(v.json["EventReport"]["uuid"], uuid.as_str());
    }
    // HEAD: PyMISP's existence check, 200 or 404.
    let key = app.admin_key.clone();
    for (path, status) in [
        (format!("/eventReports/view/{uuid}"), StatusCode::OK),
        ("/eventReports/view/999999".into(), StatusCode::NOT_FOUND),
    ] {
        let r = app.request(Method::HEAD, &path, Some(&key), None).await;
        assert_eq!(r.status, status, "HEAD {path}");
    }
    let v = app.admin_get("/eventReports/index").await;
    assert_same_shape(&v.json, &golden("057-"), "index");
    assert_eq!(v.json, json!([added.json]));
    let v = app
        .admin_get(&format!("/eventReports/index/event_id:{event}"))
        .await;
    assert_same_shape(&v.json, &golden("058-"), "index by event");
    assert_eq!(v.json.as_array().unwrap().len(), 1);
    let other = add_event(&app, &app.admin_key, json!({"info": "other"})).await;
    for path in [
        format!("/event_reports/index/event_id:{other}"),
        "/eventReports/index/event_id:nonsense".to_string(),
    ] {
        assert_eq!(app.admin_get(&path).await.json, json!([]), "{path}");
    }
}

#[tokio::test]
async fn golden_edit_and_delete() {
    let (app, event, id, uuid) = golden_report().await;
    // PyMISP's update: the uuid in the path, the fetched report echoed back in the body.
    let mut edit = capture_request("059-");
    edit["id"] = id.clone().into();
    edit["event_id"] = event.clone().into();
    let r = app
        .admin_post(&format!("/eventReports/edit/{uuid}"), edit.clone())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_same_shape(&r.json, &golden("059-"), "edit");
    assert_eq!(r.json["EventReport"]["name"], edit["name"]);
    assert_eq!(r.json["EventReport"]["content"], edit["content"]);
    assert_eq!(r.json["EventReport"]["id"], id.as_str());

    let r = add_report(&app, &app.admin_key, &event, capture_request("060-")).await;
    assert_same_shape(&r.json, &golden("060-"), "add scratch");
    assert_eq!(r.json["EventReport"]["distribution"], "0");
    let scratch = id_of(&r, "EventReport");
    let r = app
        .admin_post(&format!("/eventReports/delete/{scratch}"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let message = format!("Event Report {scratch} soft deleted");
    assert_eq!(
        r.json,
        json!({"saved": true, "success": true, "name": message, "message": message,
            "url": format!("/event_reports/delete/{scratch}"), "id": scratch})
    );
    assert_same_shape(&r.json, &golden("061-"), "delete");
}

/// Who sees a report, written out independently of `acl` as the oracle.
fn expect_report(who: &str, event_dist: i64, report_dist: i64) -> bool {
    matches!(who, "admin" | "owner")
        || (event_dist != 0
            && (matches!(report_dist, 1 | 2 | 3 | 5) || (report_dist == 4 && who == "member")))
}

#[tokio::test]
async fn reports_follow_distribution() {
    let app = TestApp::spawn().await;
    let owner_org = app.add_org("Owner").await;
    let member_org = app.add_org("Member").await;
    let other_org = app.add_org("Other").await;
    let (_, owner) = app.add_user("u@owner.test", owner_org, USER).await;
    let (_, member) = app.add_user("u@member.test", member_org, USER).await;
    let (_, other) = app.add_user("u@other.test", other_org, USER).await;
    let sg = sharing_group(&app, owner_org, &[owner_org, member_org]).await;
    let mut reports = Vec::new();
    for event_dist in [3, 0] {
        let event = add_event(
            &app,
            &owner,
            json!({"info": format!("dist {event_dist}"), "distribution": event_dist}),
        )
        .await;
        for dist in 0..=5 {
            let name = format!("e{event_dist}-r{dist}");
            let body = json!({"name": name, "content": "x", "distribution": dist.to_string(),
                "sharing_group_id": if dist == 4 { sg } else { 0 }});
            let r = add_report(&app, &owner, &event, body).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            reports.push((event_dist, dist, id_of(&r, "EventReport"), name));
        }
    }
    let admin = app.admin_key.clone();
    for (who, key) in [
        ("admin", &admin),
        ("owner", &owner),
        ("member", &member),
        ("other", &other),
    ] {
        let mut expected = BTreeSet::new();
        for (event_dist, dist, id, name) in &reports {
            let r = app.get(&format!("/eventReports/view/{id}"), key).await;
            if expect_report(who, *event_dist, *dist) {
                assert_eq!(r.status, StatusCode::OK, "{who} sees {name}");
                expected.insert(name.clone());
            } else {
                assert_eq!(r.status, StatusCode::NOT_FOUND, "{who} must not see {name}");
                assert_eq!(r.json["message"], "Invalid report");
            }
        }
        let r = app.get("/eventReports/index", key).await;
        let listed: BTreeSet<String> = r
            .json
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["EventReport"]["name"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(listed, expected, "index for {who}");
    }
    // The sharing group block is filled when the report uses one.
    let (_, _, sg_report, _) = &reports[4];
    let r = app
        .get(&format!("/eventReports/view/{sg_report}"), &member)
        .await;
    assert_eq!(r.json["SharingGroup"]["id"], sg.to_string());
    assert_eq!(r.json["SharingGroup"]["name"], "Reports SG");
}

/// Two organisations and a distribution-3 event of the first.
struct Shared {
    app: TestApp,
    owner_org: i64,
    owner: String,
    other: String,
    event: String,
}

async fn shared_event() -> Shared {
    let app = TestApp::spawn().await;
    let owner_org = app.add_org("Owner").await;
    let other_org = app.add_org("Other").await;
    let (_, owner) = app.add_user("u@owner.test", owner_org, USER).await;
    let (_, other) = app.add_user("u@other.test", other_org, USER).await;
    let event = add_event(&app, &owner, json!({"info": "shared", "distribution": 3})).await;
    Shared {
        app,
        owner_org,
        owner,
        other,
        event,
    }
}

fn names(r: &TestResponse) -> Vec<String> {
    r.json
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["EventReport"]["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn only_the_creator_org_changes_reports() {
    let Shared {
        app,
        owner_org,
        owner,
        other,
        event,
    } = shared_event().await;
    let (_, reader) = app.add_user("ro@owner.test", owner_org, READ_ONLY).await;
    let private = add_event(&app, &owner, json!({"info": "private", "distribution": 0})).await;
    let body = json!({"name": "shown", "content": "c"});
    let shown = id_of(&add_report(&app, &owner, &event, body).await, "EventReport");
    let body = json!({"name": "hidden", "distribution": 0});
    let hidden = id_of(&add_report(&app, &owner, &event, body).await, "EventReport");
    let before = app.count("event_reports").await;
    let (not_yours, no_permission) = (cairn::error::NOT_YOURS, cairn::error::NO_PERMISSION);
    let p = |action: &str, id: &str| format!("/eventReports/{action}/{id}");
    let (not_found, no_event) = ("Invalid report", "Invalid event");
    let refusals = [
        (&other, p("edit", &shown), 403, not_yours),
        (&other, p("delete", &shown), 403, not_yours),
        (&other, p("restore", &shown), 403, not_yours),
        (&other, p("add", &event), 403, not_yours),
        (&other, p("edit", &hidden), 404, not_found),
        (&other, p("delete", &format!("{hidden}/1")), 404, not_found),
        (&other, p("add", &private), 404, no_event),
        (&other, p("add", "999999"), 404, no_event),
        (&owner, p("edit", "999999"), 404, not_found),
        (&reader, p("add", &event), 403, no_permission),
        (&reader, p("edit", &shown), 403, no_permission),
        (&owner, "/eventReports/add".into(), 405, "No event ID set."),
    ];
    for (key, path, status, message) in refusals {
        let r = app.post(&path, key, json!({"name": "taken over"})).await;
        assert_eq!(r.status.as_u16(), status, "{path}: {}", r.text);
        assert_eq!(r.json["message"], message, "{path}");
    }
    assert_eq!(app.count("event_reports").await, before);
    let r = app
        .get(&format!("/eventReports/view/{shown}"), &other)
        .await;
    assert_eq!(r.json["EventReport"]["name"], "shown");
    assert_eq!(r.json["EventReport"]["deleted"], false);
}

#[tokio::test]
async fn the_creator_org_edits_with_a_partial_body() {
    let Shared {
        app, owner, event, ..
    } = shared_event().await;
    let body = json!({"name": "shown", "content": "c", "distribution": "1"});
    let shown = id_of(&add_report(&app, &owner, &event, body).await, "EventReport");
    publish(&app, &event).await;
    let r = app
        .request(
            Method::PUT,
            &format!("/eventReports/edit/{shown}"),
            Some(&owner),
            Some(json!({"name": "renamed", "content": null, "uuid": "ignored", "deleted": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let report = &r.json["EventReport"];
    assert_eq!(report["name"], "renamed");
    assert_eq!(report["content"], "c");
    assert_eq!(report["distribution"], "1");
    assert_eq!(report["deleted"], false);
    assert!(!published(&app, &event).await, "editing unpublishes");
}

#[tokio::test]
async fn soft_delete_hides_and_restore_shows() {
    let Shared {
        app,
        owner,
        other,
        event,
        ..
    } = shared_event().await;
    let r = add_report(&app, &owner, &event, json!({"name": "first"})).await;
    let first = id_of(&r, "EventReport");
    let uuid = r.json["EventReport"]["uuid"].as_str().unwrap().to_string();
    add_report(&app, &owner, &event, json!({"name": "second"})).await;
    publish(&app, &event).await;
    // Soft delete by uuid, as PyMISP does: the message and id carry the uuid.
    let r = app
        .post(&format!("/eventReports/delete/{uuid}"), &owner, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.json["message"],
        format!("Event Report {uuid} soft deleted")
    );
    assert_eq!(r.json["id"], uuid.as_str());
    assert!(!published(&app, &event).await, "deleting unpublishes");
    let view = format!("/eventReports/view/{first}");
    assert_eq!(
        app.get(&view, &owner).await.json["EventReport"]["deleted"],
        true
    );
    let r = app.get(&view, &other).await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "deleted is hidden from others"
    );
    let index = |path: &'static str, key: String| {
        let app = &app;
        async move { names(&app.get(path, &key).await) }
    };
    assert_eq!(
        index("/eventReports/index", owner.clone()).await,
        ["second"]
    );
    let deleted = "/eventReports/index/context:deleted";
    assert_eq!(index(deleted, owner.clone()).await, ["first"]);
    assert!(index(deleted, other.clone()).await.is_empty());
    let r = app
        .post(&format!("/eventReports/restore/{first}"), &owner, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["message"], format!("Event Report {first} restored"));
    assert_eq!(r.json["url"], format!("/event_reports/restore/{first}"));
    assert_eq!(
        app.get(&view, &other).await.json["EventReport"]["deleted"],
        false
    );
    assert_eq!(
        index("/eventReports/index", other).await,
        ["first", "second"]
    );
}

#[tokio::test]
async fn hard_delete_removes_the_row() {
    let Shared {
        app, owner, event, ..
    } = shared_event().await;
    let mut ids = Vec::new();
    for name in ["first", "second"] {
        let r = add_report(&app, &owner, &event, json!({ "name": name })).await;
        ids.push(id_of(&r, "EventReport"));
    }
    let before = app.count("event_reports").await;
    let (first, second) = (&ids[0], &ids[1]);
    for (path, body) in [
        (format!("/eventReports/delete/{first}/1"), json!({})),
        (format!("/eventReports/delete/{second}"), json!({"hard": 1})),
    ] {
        let r = app.post(&path, &owner, body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let id = path.split('/').nth(3).unwrap();
        assert_eq!(r.json["message"], format!("Event Report {id} hard deleted"));
    }
    assert_eq!(app.count("event_reports").await, before - 2);
    let r = app
        .get(&format!("/eventReports/view/{first}"), &owner)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

/// The stored `content` column, read directly.
async fn stored_content(app: &TestApp, id: &str) -> String {
    use sea_query::{Expr, ExprTrait, Query};
    let q = Query::select()
        .column("content")
        .from("event_reports")
        .and_where(Expr::col("id").eq(id.parse::<i64>().unwrap()))
        .to_owned();
    let row: Option<(String,)> = app.state.db.ex().fetch_optional(&q).await.unwrap();
    row.unwrap().0
}

#[tokio::test]
async fn markdown_is_stored_verbatim() {
    let app = TestApp::spawn().await;
    let event = add_event(&app, &app.admin_key, json!({"info": "markdown"})).await;
    let content = "  indented first line\n<script>alert('x')</script>\n<img src=x onerror=alert(1)>\n\
        [link](javascript:alert(1)) @[attribute](c0114078-f7c5-49b1-95c7-5e786eb45126)\n\
        caf\u{e9} \u{1F600} & &amp; \"quotes\"\r\n\n\t trailing  \n\n";
    let r = add_report(
        &app,
        &app.admin_key,
        &event,
        json!({"name": "<b>name</b>", "content": content}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let id = id_of(&r, "EventReport");
    assert_eq!(r.json["EventReport"]["content"], content);
    assert_eq!(r.json["EventReport"]["name"], "<b>name</b>");
    assert_eq!(stored_content(&app, &id).await, content);
    let r = app.admin_get(&format!("/eventReports/view/{id}")).await;
    assert_eq!(r.json["EventReport"]["content"], content);
    let edited = format!("{content}<script src=//evil></script>\n");
    let r = app
        .admin_post(
            &format!("/eventReports/edit/{id}"),
            json!({"EventReport": {"content": edited}}),
        )
        .await;
    assert_eq!(r.json["EventReport"]["content"], edited.as_str());
    assert_eq!(stored_content(&app, &id).await, edited);
}

#[tokio::test]
async fn invalid_reports_change_nothing() {
    let app = TestApp::spawn().await;
    let event = add_event(&app, &app.admin_key, json!({"info": "validation"})).await;
    let r = add_report(&app, &app.admin_key, &event, json!({"name": "kept"})).await;
    let (kept, kept_uuid) = (
        id_of(&r, "EventReport"),
        r.json["EventReport"]["uuid"].clone(),
    );
    publish(&app, &event).await;
    let before = app.count("event_reports").await;
    let options = cairn::attributes::DISTRIBUTION_OPTIONS;
    for (body, errors) in [
        (
            json!({"content": "no name"}),
            "This field cannot be left blank",
        ),
        (json!({"name": "  "}), "This field cannot be left blank"),
        (json!({"name": "x", "distribution": "9"}), options),
        (json!({"name": "x", "distribution": "one"}), options),
        (
            json!({"name": "x", "uuid": "nope"}),
            "Please provide a valid RFC 4122 UUID",
        ),
        (
            json!({"name": "x", "uuid": kept_uuid}),
            "The UUID provided is not unique",
        ),
        (
            json!({"name": "x", "distribution": 4, "sharing_group_id": 999}),
            "Invalid Sharing Group or not authorised.",
        ),
    ] {
        let r = add_report(&app, &app.admin_key, &event, body.clone()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{body}: {}", r.text);
        assert_eq!(r.json["saved"], false);
        assert_eq!(r.json["message"], "Could not add EventReport");
        assert_eq!(r.json["errors"], errors, "{body}");
    }
    let r = app
        .admin_post(&format!("/eventReports/edit/{kept}"), json!({"name": ""}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json["message"], "Could not edit EventReport");
    assert_eq!(r.json["errors"], "This field cannot be left blank");
    assert_eq!(app.count("event_reports").await, before);
    assert!(
        published(&app, &event).await,
        "a refused change leaves the event as it was"
    );
    let r = app.admin_get(&format!("/eventReports/view/{kept}")).await;
    assert_eq!(r.json["EventReport"]["name"], "kept");
    let r = app
        .admin_post("/eventReports/add/not-an-id", json!({"name": "x"}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
