//! STIX 2.1 export tests: exact objects for the main mappings, and the OASIS validator run
//! over a bundle covering the representative types, event states and a MISP object.

use serde_json::{Value, json};

use super::Stix2;
use super::patterns::{Shape, attribute_shape, quote};
use crate::exports::fixtures::{
    EventData, attribute, event, object, options, org, run_attributes, run_events, tag,
};

const ORG_A: &str = "identity--00000000-0000-4000-8000-000000000001";

fn exporter() -> Stix2 {
    Stix2::new(&options(json!({}))).unwrap()
}

/// Event 1 (published, tlp:green): one attribute of each representative type and two
/// objects. Event 2 (unpublished, another org), event 3 (published, empty).
fn sample_events() -> Vec<EventData> {
    let mut one = event(1, "Representative event");
    one.tags = vec![tag("tlp:green"), tag("type:OSINT")];
    let mut e1 = EventData::new(one);
    let rows: [(&str, &str); 17] = [
        ("ip-dst", "198.51.100.7"),
        ("ip-src|port", "203.0.113.9|8443"),
        ("domain", "evil.example"),
        ("hostname", "c2.evil.example"),
        ("domain|ip", "evil.example|2001:db8::1"),
        ("url", "https://evil.example/a?b='c'"),
        ("md5", "d41d8cd98f00b204e9800998ecf8427e"),
        (
            "sha256",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
        (
            "filename|sha1",
            "drop.exe|da39a3ee5e6b4b0d3255bfef95601890afd80709",
        ),
        ("email-src", "attacker@evil.example"),
        ("email-subject", "Invoice 'urgent'"),
        ("mutex", "Global\\evil"),
        ("regkey|value", "HKLM\\Software\\Run|c:\\evil.exe"),
        ("AS", "AS64500"),
        ("vulnerability", "CVE-2021-44228"),
        ("comment", "seen in the wild"),
        ("text", "free text"),
    ];
    for (i, (kind, value)) in rows.iter().enumerate() {
        let mut a = attribute(i as i64 + 1, 1, kind, value);
        a.to_ids = i % 2 == 0;
        let tags = if *kind == "text" {
            vec![tag("tlp:amber"), tag("misp:review")]
        } else {
            vec![]
        };
        e1.attributes.push((a, tags));
    }
    add_objects(&mut e1);

    let mut two = event(2, "Unpublished event");
    two.event.published = false;
    two.orgc = org(2, "OrgB");
    let mut e2 = EventData::new(two);
    let mut seen = attribute(201, 2, "ip-dst", "192.0.2.1");
    seen.first_seen = Some(1_700_000_000_123_456);
    seen.last_seen = Some(1_700_000_100_000_000);
    e2.attributes.push((seen, vec![]));
    e2.attributes.push((
        attribute(202, 2, "yara", "rule a { condition: true }"),
        vec![],
    ));

    let three = event(3, "Empty event");
    vec![e1, e2, EventData::new(three)]
}

/// A mappable `file` object and an unmapped `person` object.
fn add_objects(e1: &mut EventData) {
    let file = object(1, 1, "file", "file");
    let mut parts = Vec::new();
    for (id, rel, kind, value) in [
        (101, "filename", "filename", "invoice.pdf.exe"),
        (102, "md5", "md5", "9c7969d08ab515b3d1735f97dbd45721"),
        (103, "size-in-bytes", "size-in-bytes", "4096"),
    ] {
        let mut a = attribute(id, 1, kind, value);
        a.object_id = 1;
        a.object_relation = Some(rel.to_string());
        parts.push((a, vec![]));
    }
    e1.objects.push((file, parts));
    let person = object(2, 1, "person", "misc");
    let mut name = attribute(104, 1, "first-name", "Alice");
    name.object_relation = Some("first-name".to_string());
    name.to_ids = false;
    e1.objects.push((person, vec![(name, vec![])]));
}

fn parse(bundle: &str) -> Value {
    serde_json::from_str(bundle).expect("the bundle is JSON")
}

fn find<'a>(bundle: &'a Value, id: &str) -> &'a Value {
    bundle["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in bundle"))
}

fn count(bundle: &Value, kind: &str) -> usize {
    let objects = bundle["objects"].as_array().unwrap();
    objects.iter().filter(|o| o["type"] == kind).count()
}

fn attr_id(kind: &str, n: u32) -> String {
    format!("{kind}--20000000-0000-4000-8000-{n:012}")
}

#[test]
fn bundle_framing_identities_and_markings() {
    let bundle = parse(&run_events(&mut exporter(), &sample_events()));
    assert_eq!(bundle["type"], "bundle");
    assert!(bundle["id"].as_str().unwrap().starts_with("bundle--"));
    assert_eq!(
        count(&bundle, "identity"),
        2,
        "one identity per organisation"
    );
    assert_eq!(
        find(&bundle, ORG_A),
        &json!({"type": "identity", "spec_version": "2.1", "id": ORG_A,
                "created": "2026-11-27T20:50:28.000Z", "modified": "2026-11-27T20:50:28.000Z",
                "name": "ORGNAME", "identity_class": "organization"})
    );
    assert_eq!(
        count(&bundle, "marking-definition"),
        2,
        "green and amber, once each"
    );
    assert_eq!(
        find(
            &bundle,
            "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
        ),
        &json!({"type": "marking-definition", "spec_version": "2.1",
                "id": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
                "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp",
                "name": "TLP:GREEN", "definition": {"tlp": "green"}})
    );
}

#[test]
fn ids_attribute_gives_indicator_observed_data_and_relationship() {
    let bundle = parse(&run_events(&mut exporter(), &sample_events()));
    assert_eq!(
        find(&bundle, &attr_id("indicator", 1)),
        &json!({"type": "indicator", "spec_version": "2.1", "id": attr_id("indicator", 1),
                "created_by_ref": ORG_A, "created": "2026-11-27T20:50:28.000Z",
                "modified": "2026-11-27T20:50:28.000Z",
                "pattern": "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '198.51.100.7']",
                "pattern_type": "stix", "pattern_version": "2.1",
                "valid_from": "2026-11-27T20:50:28.000Z",
                "kill_chain_phases": [{"kill_chain_name": "misp-category", "phase_name": "Network activity"}],
                "labels": ["misp:type=\"ip-dst\"", "misp:category=\"Network activity\""]})
    );
    let rel = bundle["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["type"] == "relationship" && o["source_ref"] == attr_id("indicator", 1))
        .unwrap();
    assert_eq!(rel["relationship_type"], "based-on");
    assert_eq!(rel["target_ref"], attr_id("observed-data", 1));
}

#[test]
fn non_ids_attribute_is_observed_data_with_scos() {
    let bundle = parse(&run_events(&mut exporter(), &sample_events()));
    assert!(
        bundle["objects"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["id"] != attr_id("indicator", 2))
    );
    let observed = find(&bundle, &attr_id("observed-data", 2));
    assert_eq!(observed["first_observed"], "2026-11-27T20:50:28.000Z");
    assert_eq!(observed["last_observed"], "2026-11-27T20:50:28.000Z");
    assert_eq!(observed["number_observed"], 1);
    assert_eq!(
        observed["object_refs"],
        json!([attr_id("network-traffic", 2), attr_id("ipv4-addr", 2)])
    );
    assert_eq!(
        find(&bundle, &attr_id("network-traffic", 2)),
        &json!({"type": "network-traffic", "spec_version": "2.1", "id": attr_id("network-traffic", 2),
                "src_ref": attr_id("ipv4-addr", 2), "src_port": 8443, "protocols": ["tcp"]})
    );
    assert_eq!(
        find(&bundle, &attr_id("ipv4-addr", 2)),
        &json!({"type": "ipv4-addr", "spec_version": "2.1", "id": attr_id("ipv4-addr", 2),
                "value": "203.0.113.9"})
    );
}

#[test]
fn patterns_escape_quotes_and_backslashes() {
    assert_eq!(quote(r"a\b'c"), r"'a\\b\'c'");
    let bundle = parse(&run_events(&mut exporter(), &sample_events()));
    assert_eq!(
        find(&bundle, &attr_id("indicator", 13))["pattern"],
        r"[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\Software\\Run' AND windows-registry-key:values[*].data = 'c:\\evil.exe']"
    );
    let mut a = attribute(1, 1, "email-subject", "Invoice 'urgent'");
    a.uuid = "u".into();
    match attribute_shape(&a) {
        Shape::Observable { pattern, .. } => {
            assert_eq!(pattern, r"[email-message:subject = 'Invoice \'urgent\'']")
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn type_specific_objects() {
    let bundle = parse(&run_events(&mut exporter(), &sample_events()));
    assert_eq!(
        find(&bundle, &attr_id("indicator", 9))["pattern"],
        "[file:name = 'drop.exe' AND file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']"
    );
    assert_eq!(
        find(&bundle, &attr_id("autonomous-system", 14)),
        &json!({"type": "autonomous-system", "spec_version": "2.1",
                "id": attr_id("autonomous-system", 14), "number": 64500})
    );
    let vuln = find(&bundle, &attr_id("vulnerability", 15));
    assert_eq!(vuln["name"], "CVE-2021-44228");
    assert_eq!(
        vuln["external_references"],
        json!([{"source_name": "cve", "external_id": "CVE-2021-44228"}])
    );
    assert_eq!(
        find(&bundle, &attr_id("x-misp-attribute", 17)),
        &json!({"type": "x-misp-attribute", "spec_version": "2.1",
                "id": attr_id("x-misp-attribute", 17), "created_by_ref": ORG_A,
                "created": "2026-11-27T20:50:28.000Z", "modified": "2026-11-27T20:50:28.000Z",
                "labels": ["misp:type=\"text\"", "misp:category=\"Network activity\"",
                           "misp:review", "misp:to_ids=\"True\""],
                "x_misp_type": "text", "x_misp_value": "free text",
                "x_misp_category": "Network activity",
                "object_marking_refs": ["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]})
    );
}

#[test]
fn objects_map_or_fall_back_to_custom() {
    let bundle = parse(&run_events(&mut exporter(), &sample_events()));
    let obj = "30000000-0000-4000-8000-000000000001";
    assert_eq!(
        find(&bundle, &format!("indicator--{obj}"))["pattern"],
        "[file:name = 'invoice.pdf.exe' AND file:hashes.MD5 = '9c7969d08ab515b3d1735f97dbd45721' AND file:size = 4096]"
    );
    assert_eq!(
        find(&bundle, &format!("file--{obj}")),
        &json!({"type": "file", "spec_version": "2.1", "id": format!("file--{obj}"),
                "name": "invoice.pdf.exe", "size": 4096,
                "hashes": {"MD5": "9c7969d08ab515b3d1735f97dbd45721"}})
    );
    let custom = find(
        &bundle,
        "x-misp-object--30000000-0000-4000-8000-000000000002",
    );
    assert_eq!(custom["x_misp_name"], "person");
    assert_eq!(custom["x_misp_attributes"][0]["value"], "Alice");
    assert_eq!(
        custom["x_misp_attributes"][0]["object_relation"],
        "first-name"
    );
}

#[test]
fn report_grouping_and_note() {
    let bundle = parse(&run_events(&mut exporter(), &sample_events()));
    let report = find(&bundle, "report--10000000-0000-4000-8000-000000000001");
    assert_eq!(report["published"], "2026-11-27T20:50:29.000Z");
    assert_eq!(
        report["labels"],
        json!([
            "Threat-Report",
            "misp:tool=\"MISP-STIX-Converter\"",
            "type:OSINT"
        ])
    );
    assert_eq!(
        report["object_marking_refs"],
        json!(["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"])
    );
    let refs: Vec<&str> = report["object_refs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(refs.contains(&attr_id("indicator", 1).as_str()));
    assert!(refs.contains(&attr_id("observed-data", 2).as_str()));
    assert!(refs.contains(&"x-misp-object--30000000-0000-4000-8000-000000000002"));
    assert!(
        !refs
            .iter()
            .any(|r| r.starts_with("ipv4-addr--") || r.starts_with("identity--"))
    );
    let ref_count = |kind: &str| refs.iter().filter(|r| r.starts_with(kind)).count();
    assert_eq!(ref_count("relationship--"), ref_count("indicator--"));

    let grouping = find(&bundle, "grouping--10000000-0000-4000-8000-000000000002");
    assert_eq!(grouping["context"], "suspicious-activity");
    assert_eq!(
        grouping["created_by_ref"],
        "identity--00000000-0000-4000-8000-000000000002"
    );
    assert!(grouping.get("published").is_none());
    let seen = find(&bundle, &attr_id("indicator", 201));
    assert_eq!(seen["valid_from"], "2023-11-14T22:13:20.123Z");
    assert_eq!(seen["valid_until"], "2023-11-14T22:15:00.000Z");
    let rule = find(&bundle, &attr_id("indicator", 202));
    assert_eq!(rule["pattern_type"], "yara");
    assert!(rule.get("pattern_version").is_none());

    let empty = "10000000-0000-4000-8000-000000000003";
    assert_eq!(
        find(&bundle, &format!("note--{empty}")),
        &json!({"type": "note", "spec_version": "2.1", "id": format!("note--{empty}"),
                "created_by_ref": ORG_A, "created": "2026-11-27T20:50:28.000Z",
                "modified": "2026-11-27T20:50:28.000Z",
                "content": "This MISP Event is empty and contains no attribute, object, galaxy or tag.",
                "object_refs": [format!("report--{empty}")]})
    );
    assert_eq!(
        find(&bundle, &format!("report--{empty}"))["object_refs"],
        json!([format!("note--{empty}")])
    );
}

#[test]
fn attributes_scope_has_no_report() {
    let events = sample_events();
    let items: Vec<_> = events[0].items().into_iter().take(3).collect();
    let bundle = parse(&run_attributes(&mut exporter(), &items));
    assert_eq!(count(&bundle, "identity"), 1);
    assert_eq!(
        count(&bundle, "report") + count(&bundle, "grouping") + count(&bundle, "note"),
        0
    );
    assert_eq!(count(&bundle, "observed-data"), 3);
    assert_eq!(count(&bundle, "indicator"), 2);
}

#[test]
fn only_stix_21_is_offered() {
    assert!(Stix2::new(&options(json!({"stix-version": "2.1"}))).is_ok());
    let err = Stix2::new(&options(json!({"stix-version": "2.0"})))
        .err()
        .unwrap();
    assert_eq!(
        err,
        "Unsupported STIX version 2.0: this server exports STIX 2.1 only."
    );
}

/// The OASIS validator (`pip install stix2-validator`), found through `STIX2_VALIDATOR` or the
/// virtualenv under /var/tmp/stix-venv; skipped when neither exists.
fn validator() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("STIX2_VALIDATOR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| "/var/tmp/stix-venv/bin/stix2_validator".into());
    path.exists().then_some(path)
}

#[test]
fn oasis_validator_accepts_the_bundle() {
    let Some(validator) = validator() else {
        crate::exports::fixtures::consumer_missing("stix2_validator (set STIX2_VALIDATOR)");
        return;
    };
    let bundle = run_events(&mut exporter(), &sample_events());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bundle.json");
    std::fs::write(&file, bundle).unwrap();
    let run = std::process::Command::new(validator)
        .args(["--version", "2.1", "--no-cache"])
        .arg(&file)
        .output()
        .expect("the validator runs");
    let report = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "validator failed:\n{report}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(report.contains("STIX JSON: Valid"), "{report}");
    assert!(!report.contains("[X]"), "errors reported:\n{report}");
}
