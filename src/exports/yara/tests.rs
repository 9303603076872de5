//! YARA export tests: exact rule text per scope, the as-is and commented sections, yara-json,
//! rule splitting, and compilation of a generated file with `yarac` when it is installed.

use serde_json::{Value, json};

use super::Yara;
use super::rule::check_rule;
use crate::exports::fixtures::{EventData, attribute, event, options, run_attributes, run_events};

const GEN: &str =
    "// ===================================== GENERATED ====================================\n";
const ASIS: &str =
    "// =====================================   AS-IS  ====================================\n";

fn yara(json: bool) -> Yara {
    Yara::new(&options(json!({})), json).unwrap()
}

fn event_with(rows: &[(&str, &str)]) -> EventData {
    let mut data = EventData::new(event(1, "Golden \"phish\""));
    for (i, (kind, value)) in rows.iter().enumerate() {
        data.attributes
            .push((attribute(i as i64 + 1, 1, kind, value), vec![]));
    }
    data
}

const EVENT_META: &str = "\tmeta:\n\t\tMISP_EVENT_INFO = \"Golden \\\"phish\\\"\"\n\
     \t\tMISP_EVENT_UUID = \"10000000-0000-4000-8000-000000000001\"\n\
     \t\tMISP_ORIGIN = \"Automatically generated from non-Yara attribute(s)\"\n";

#[test]
fn attributes_scope_one_rule_per_attribute() {
    let data = event_with(&[("md5", "C773FDEF3889BDADBE809F1E8AAEEA46"), ("AS", "AS1")]);
    let out = run_attributes(&mut yara(false), &data.items());
    let expected = format!(
        "{GEN}import \"hash\"\nrule MISP_ATTRIBUTE_20000000_0000_4000_8000_000000000001 : generated\n{{\n\
         {EVENT_META}\t\tMISP_UUID = \"20000000-0000-4000-8000-000000000001 (md5)\"\n\
         \tcondition:\n\t\thash.md5(0, filesize) == \"c773fdef3889bdadbe809f1e8aaeea46\"\n}}\n{ASIS}"
    );
    assert_eq!(out, expected);
}

#[test]
fn events_scope_groups_an_event_into_one_rule() {
    let data = event_with(&[
        ("ip-dst|port", "198.51.100.7|443"),
        ("md5", "c773fdef3889bdadbe809f1e8aaeea46"),
        ("domain|ip", "evil.example|198.51.100.8"),
        ("filename|imphash", "a.exe|f34d5f2d4577ed6d9ceec516c1f5a744"),
        ("hex", "4d5a 9000"),
        ("regkey", "HKLM\\Run \"x\"\nline2"),
        ("AS", "AS64500"),
    ]);
    let out = run_events(&mut yara(false), &[data]);
    let expected = format!(
        "{GEN}import \"hash\"\nimport \"pe\"\n\
         rule MISP_EVENT_10000000_0000_4000_8000_000000000001_PART1 : generated\n{{\n{EVENT_META}\
         \tstrings:\n\t\t$ = \"198.51.100.7\" ascii wide\n\t\t$ = \"evil.example\" ascii wide\n\
         \t\t$ = \"198.51.100.8\" ascii wide\n\t\t$ = {{ 4d 5a 90 00 }}\n\
         \t\t$ = \"HKLM\\\\Run \\\"x\\\"\\nline2\" ascii wide\n\
         \tcondition:\n\t\thash.md5(0, filesize) == \"c773fdef3889bdadbe809f1e8aaeea46\"\n\
         \t\tor pe.imphash() == \"f34d5f2d4577ed6d9ceec516c1f5a744\"\n\t\tor any of them\n}}\n{ASIS}"
    );
    assert_eq!(out, expected);
}

#[test]
fn a_single_attribute_event_rule_is_named_after_the_attribute() {
    let data = event_with(&[("mutex", "Global\\m"), ("comment", "not exported")]);
    let out = run_events(&mut yara(false), &[data, event_with(&[])]);
    assert!(out.contains("rule MISP_ATTRIBUTE_20000000_0000_4000_8000_000000000001 : generated\n"));
    assert_eq!(out.matches("\nrule ").count(), 1, "{out}");
    assert!(
        !out.contains("MISP_UUID"),
        "events scope names only the event"
    );
}

#[test]
fn large_events_are_split_every_1000_attributes() {
    let mut data = EventData::new(event(1, "big"));
    for i in 0..2001 {
        data.attributes.push((
            attribute(i + 1, 1, "ip-dst", &format!("10.0.{}.{}", i / 256, i % 256)),
            vec![],
        ));
    }
    let out = run_events(&mut yara(false), &[data]);
    for part in ["PART1 ", "PART2 "] {
        assert!(
            out.contains(&format!("_000000000001_{part}: generated")),
            "{part}"
        );
    }
    assert!(out.contains("rule MISP_ATTRIBUTE_20000000_0000_4000_8000_000000002001 : generated"));
    assert_eq!(out.matches("\t\t$ = ").count(), 2001);
}

#[test]
fn yara_attributes_go_to_the_as_is_section() {
    let good = "import \"pe\"\nrule good : tag1 {\n strings: $a = \"}\" // }\n condition: $a and pe.is_dll() }";
    let bad = "rule bad { strings: $a = \"x\" condition: $a /* */ */";
    let data = event_with(&[("yara", good), ("yara", bad), ("url", "http://x/")]);
    let out = run_events(&mut yara(false), &[data]);
    let expected_tail = format!(
        "\n{ASIS}{good}\n\n/*            MISP EXPORT COMMENT\n    MISP_UUID: 20000000-0000-4000-8000-000000000002\n    \
         Unbalanced braces: missing '}}'\nrule bad {{ strings: $a = \"x\" condition: $a /* * / * /\n*/"
    );
    assert!(out.starts_with(GEN), "{out}");
    assert!(out.ends_with(&expected_tail), "{out}");
    assert!(out.contains("rule MISP_ATTRIBUTE_20000000_0000_4000_8000_000000000003 : generated"));
}

#[test]
fn yara_json_lists_generated_and_as_is_rules() {
    let data = event_with(&[
        ("sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("yara", "rule r { condition: true }"),
        ("yara", "nonsense"),
    ]);
    let out = run_events(&mut yara(true), &[data]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["generated"].as_array().unwrap().len(), 1);
    assert_eq!(v["generated"][0]["comment"], "Generated. ");
    assert_eq!(v["generated"][0]["valid"], true);
    assert!(
        v["generated"][0]["value"]
            .as_str()
            .unwrap()
            .contains("hash.sha1(0, filesize) == \"da39a3ee5e6b4b0d3255bfef95601890afd80709\"")
    );
    assert_eq!(
        v["as-is"],
        json!([
            {"value": "rule r { condition: true }", "comment": "Loaded from source. ", "valid": true},
            {"value": "/*            MISP EXPORT COMMENT\n    MISP_UUID: 20000000-0000-4000-8000-000000000003\n    No rule found (expected: rule <name> { ... condition: ... })\nnonsense\n*/",
             "comment": "Broken yara attribute. Could not parse or repair.", "valid": false}
        ])
    );
    let empty = run_events(&mut yara(true), &[]);
    assert_eq!(empty, r#"{"generated":[],"as-is":[]}"#);
}

#[test]
fn rule_scanner() {
    assert_eq!(
        check_rule("private rule a_1 : t { condition: true }\nrule b { condition : a_1 }"),
        Ok(())
    );
    assert_eq!(
        check_rule("rule a { strings: $h = { 4D ?? 5A } condition: $h }"),
        Ok(())
    );
    assert_eq!(
        check_rule("rule 1a { condition: true }"),
        Err("Invalid rule name: \"1a\"".into())
    );
    assert_eq!(
        check_rule("rule a { strings: $a = \"x\" }"),
        Err("Rule without a condition section".into())
    );
    assert_eq!(
        check_rule("rule a { condition: true } }"),
        Err("Unbalanced braces: '}' without '{'".into())
    );
    assert_eq!(
        check_rule("rule a { condition: \"x }"),
        Err("Unterminated string or comment".into())
    );
    assert_eq!(
        check_rule("foo rule a { condition: true }"),
        Err("Unexpected text before the rule declaration".into())
    );
    assert_eq!(
        check_rule("rule a { condition: true } trailing"),
        Err("Unexpected text after the last rule: trailing".into())
    );
}

/// Compiles a generated file (both scopes' shapes, as-is and commented rules) with `yarac`.
#[test]
fn yarac_compiles_the_output() {
    let Some(yarac) = ["/usr/bin/yarac", "/usr/local/bin/yarac"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
    else {
        crate::exports::fixtures::consumer_missing("yarac (Debian package yara)");
        return;
    };
    let data = event_with(&[
        ("md5", "c773fdef3889bdadbe809f1e8aaeea46"),
        (
            "sha256",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
        ("imphash", "f34d5f2d4577ed6d9ceec516c1f5a744"),
        ("url", "http://evil.example/\"q\"\\\t"),
        ("email-subject", "Ünïcode \u{1} subject"),
        ("hex", "{ 4D 5A ?? 00 }"),
        (
            "yara",
            "import \"pe\"\nrule asis { condition: pe.is_dll() }",
        ),
        ("yara", "rule broken { condition: */ true"),
    ]);
    let outputs = [
        run_events(&mut yara(false), std::slice::from_ref(&data)),
        run_attributes(&mut yara(false), &data.items()),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (i, text) in outputs.iter().enumerate() {
        let src = dir.path().join(format!("misp{i}.yar"));
        std::fs::write(&src, text).unwrap();
        let run = std::process::Command::new(yarac)
            .arg(&src)
            .arg(dir.path().join(format!("misp{i}.yarc")))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(
            run.status.success(),
            "yarac on output {i}: {stderr}\n{text}"
        );
    }
}
