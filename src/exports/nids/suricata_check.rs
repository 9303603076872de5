//! The real consumer: Suricata itself must load every rule the suricata export writes for a
//! representative event (`suricata -T`, the configuration test). Skipped, with a note, where
//! Suricata is not installed.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use serde_json::json;

use crate::exports::fixtures::{EventData, attribute, event, object, options, run_events, tag};
use crate::exports::suricata::Suricata;

const ATTRIBUTES: &[(&str, &str)] = &[
    ("ip-dst", "192.0.2.1"),
    ("ip-src", "198.51.100.1"),
    ("ip-dst|port", "192.0.2.2|8443"),
    ("ip-src|port", "198.51.100.2|4444"),
    ("ip-dst", "2001:db8::1"),
    ("domain", "update.evil.example"),
    ("hostname", "mail.evil.example"),
    ("url", "http://update.evil.example/gate.php?id=1"),
    ("url", "http://192.0.2.3:8080/x"),
    ("url", "http://update.evil.example"),
    ("url", "http://update.evil.example/a\";b|c\\d"),
    ("url", "https://secure.evil.example/login"),
    ("url", "https://secure.evil.example:8443/"),
    ("url", "ssh://192.0.2.4"),
    ("url", "ftp://192.0.2.5/pub"),
    ("url", "update.evil.example/no-scheme.php"),
    ("user-agent", "Mozilla/5.0 (Windows NT; \"x\")"),
    ("email-src", "phisher@evil.example"),
    ("email-dst", "victim@corp.example"),
    ("email", "both@evil.example"),
    ("email-subject", "Urgent: invoice; ref 0x1F"),
    ("email-attachment", "invoice.pdf.exe"),
    ("ja3-fingerprint-md5", "e7d705a3286e19ea42f587b344ee6865"),
    ("ja3s-fingerprint-md5", "15af977ce25de452b96affa2addb1036"),
    ("domain|ip", "c2.evil.example|192.0.2.6"),
    (
        "snort",
        "alert tcp any any -> any 80 (msg:\"Test rule\"; content:\"evil\"; sid:123; rev:3;)",
    ),
];

/// An event with every type above, tagged like the golden event (quotes and a `;` inside
/// tag names included), and connection objects with full and partial relations.
fn sample() -> EventData {
    let mut ev = event(5, "suricata check");
    ev.tags = vec![
        tag("tlp:green"),
        tag("golden:capture=\"yes\""),
        tag("note=\"a; b\""),
    ];
    let mut data = EventData::new(ev);
    for (i, (kind, value)) in ATTRIBUTES.iter().enumerate() {
        let a = attribute(10 + i as i64, 5, kind, value);
        data.attributes.push((a, vec![tag("kill-chain:delivery")]));
    }
    let relation = |id, rel: &str, value| {
        let mut a = attribute(id, 5, "text", value);
        a.object_relation = Some(rel.to_string());
        (a, vec![tag("misp:tool=\"x\"")])
    };
    let full = vec![
        relation(200, "ip-src", "198.51.100.9"),
        relation(201, "ip-dst", "192.0.2.9"),
        relation(202, "src-port", "1024"),
        relation(203, "dst-port", "443"),
        relation(204, "layer4-protocol", "TCP"),
    ];
    data.objects
        .push((object(100, 5, "network-connection", "network"), full));
    let partial = vec![relation(205, "ip-dst", "192.0.2.10")];
    data.objects
        .push((object(101, 5, "network-connection", "network"), partial));
    let ddos = vec![
        relation(206, "ip-dst", "192.0.2.11"),
        relation(207, "protocol", "UDP"),
    ];
    data.objects.push((object(102, 5, "ddos", "network"), ddos));
    data
}

fn suricata_installed() -> bool {
    Command::new("suricata")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn suricata_loads_every_rule() {
    if !suricata_installed() {
        crate::exports::fixtures::consumer_missing("suricata");
        return;
    }
    let mut exporter = Suricata::new(&options(json!({}))).expect("suricata exporter");
    let text = run_events(&mut exporter, &[sample()]);
    let written = text.lines().filter(|l| l.starts_with("alert ")).count();
    assert_eq!(
        written, 35,
        "one rule per address, URL and e-mail type, two for names"
    );

    let dir = tempfile::tempdir().expect("temporary directory");
    let rules = dir.path().join("misp.rules");
    std::fs::write(&rules, &text).expect("rules written");
    let mut cmd = Command::new("suricata");
    cmd.args(["-T", "-v", "-S"])
        .arg(&rules)
        .arg("-l")
        .arg(dir.path());
    if Path::new("/etc/suricata/suricata.yaml").exists() {
        cmd.args(["-c", "/etc/suricata/suricata.yaml"]);
    }
    let started = Instant::now();
    let output = cmd.output().expect("suricata runs");
    eprintln!("suricata -T took {:?}", started.elapsed());
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "suricata -T failed:\n{log}");
    assert!(!log.contains("Error:"), "suricata reported errors:\n{log}");
    let loaded = format!("{written} rules successfully loaded, 0 rules failed");
    assert!(log.contains(&loaded), "expected `{loaded}`:\n{log}");
}
