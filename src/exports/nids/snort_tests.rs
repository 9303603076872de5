//! Exact output of the Snort flavour, the golden capture included, plus the escaping helpers
//! and the rewrite of `snort` attributes both flavours share.

use serde_json::json;

use crate::exports::fixtures::{
    EventData, attribute, event, golden_body, golden_event, options, run_events,
};
use crate::exports::nids::{escape, preg_quote};
use crate::exports::snort::Snort;
use crate::exports::snort::dns_raw;
use crate::exports::suricata::Suricata;

const TRAILER: &str = "classtype:trojan-activity; sid:{SID}; rev:1; priority:2; \
    reference:url,http://127.0.0.1:8080/events/view/5;) ";

/// The rules of attributes `(id, type, value)` in an untagged event 5, header dropped.
fn snort(attributes: &[(i64, &str, &str)]) -> Vec<String> {
    let mut data = EventData::new(event(5, "e"));
    for (id, kind, value) in attributes {
        data.attributes
            .push((attribute(*id, 5, kind, value), vec![]));
    }
    let mut x = Snort::new(&options(json!({}))).expect("snort exporter");
    let out = run_events(&mut x, &[data]);
    assert!(out.starts_with("# MISP export of IDS rules - optimized for snort\n#\n"));
    out.split('\n').skip(10).map(str::to_string).collect()
}

fn rule(head: &str, text: &str, body: &str, sid: i64) -> String {
    let trailer = TRAILER.replace("{SID}", &sid.to_string());
    format!("alert {head} (msg: \"MISP e5 [] {text}\"; {body} {trailer}")
}

#[test]
fn golden_event_a_byte_for_byte() {
    let e5 = golden_event("070").filtered(|a| a.to_ids);
    let mut x = Snort::new(&options(json!({}))).unwrap();
    assert_eq!(run_events(&mut x, &[e5]), golden_body("089"));
}

#[test]
fn escaping_helpers() {
    assert_eq!(
        escape("a|b\"c;d:e\\f0x10 0X1"),
        "a|7c|b|22|c|3b|d|3a|e|5c|f|30 78|10 0X1"
    );
    assert_eq!(preg_quote("a.b-c|d:e#f/g$"), "a\\.b\\-c\\|d\\:e\\#f/g\\$");
    assert_eq!(
        dns_raw("www.example.com", false),
        "|03|www|07|example|03|com|00|"
    );
    let long = "a".repeat(20);
    assert_eq!(
        dns_raw(&format!("{long}.io"), true),
        format!("|01||14|{long}|02|io|00|")
    );
}

#[test]
fn url_user_agent_and_ja3() {
    let http = "tcp $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS";
    let tag = "tag:session,600,seconds;";
    let got = snort(&[
        (8, "url", "https://x.example/a\"b"),
        (9, "user-agent", "curl/8.0"),
        (
            10,
            "ja3-fingerprint-md5",
            "e7d705a3286e19ea42f587b344ee6865",
        ),
    ]);
    let url_body = format!(
        "flow:to_server,established; content:\"https|3a|//x.example/a|22|b\"; nocase; http_uri; {tag}"
    );
    let ua_body = format!("flow:to_server,established; content:\"curl/8.0\"; http_header; {tag}");
    assert_eq!(
        got,
        vec![
            rule(
                http,
                "Outgoing HTTP URL: https|3a|//x.example/a|22|b",
                &url_body,
                4000081
            ),
            rule(http, "Outgoing User-Agent: curl/8.0", &ua_body, 4000091),
        ]
    );
}

#[test]
fn domain_ip_and_email_sids() {
    let got = snort(&[
        (8, "domain|ip", "c2.example|198.51.100.7"),
        (9, "email", "a@b.example"),
    ]);
    let sids: Vec<String> = got
        .iter()
        .map(|r| r.split("sid:").nth(1).unwrap()[..7].to_string())
        .collect();
    assert_eq!(
        sids,
        [
            "4000081", "4000082", "4000083", "4000084", "4000085", "4000091", "4000092"
        ]
    );
    let dns = "content:\"|01 00 00 01 00 00 00 00 00 01|\"; depth:10; offset:2; \
        content:\"|02|c2|07|example|00|\"; fast_pattern; nocase;";
    assert_eq!(
        got[0],
        rule(
            "udp any any -> any 53",
            "Domain: c2.example",
            &format!("{dns} "),
            4000081
        )
    );
    assert_eq!(
        got[1],
        rule(
            "tcp any any -> any 53",
            "Domain: c2.example",
            &format!("{dns} flow:established; "),
            4000082
        )
    );
    assert_eq!(
        got[3],
        rule(
            "ip $HOME_NET any -> 198.51.100.7 any",
            "Outgoing To IP: 198.51.100.7",
            " ",
            4000084
        )
    );
    assert_eq!(
        got[4],
        rule(
            "ip 198.51.100.7 any -> $HOME_NET any",
            "Incoming From IP: 198.51.100.7",
            " ",
            4000085
        )
    );
}

/// A user-written rule keeps its own options except those MISP takes over.
#[test]
fn snort_attribute_options_are_rewritten() {
    let value = "alert tcp any any -> any 80 (msg : \"Bad; \\\"thing\\\"\" ;\r\ncontent:\"x\"; \
        classtype:bad-unknown; sid: 99 ; rev:4; reference:url,example.com/a; reference: cve,2024-1;)";
    let reference = "reference:url,http://127.0.0.1:8080/events/view/5";
    let expected = format!(
        "alert tcp any any -> any 80 (msg: \"MISP e5 [] snort-rule | Bad; \\\"thing\\\"\";  \
         content:\"x\"; classtype:trojan-activity; sid:4000081; rev:1; {reference}; {reference}; )"
    );
    assert_eq!(snort(&[(8, "snort", value)]), vec![expected.clone()]);
    let mut x = Suricata::new(&options(json!({}))).unwrap();
    let mut data = EventData::new(event(5, "e"));
    data.attributes
        .push((attribute(8, 5, "snort", value), vec![]));
    assert!(run_events(&mut x, &[data]).ends_with(&format!("\n{expected}")));
}

/// Missing options are appended before the closing parenthesis; a missing message keeps
/// MISP's unfilled `%s`.
#[test]
fn snort_attribute_missing_options_are_appended() {
    let value = "alert udp any any -> any 53 (content:\"q\";  )";
    let expected = "alert udp any any -> any 53 (content:\"q\"; sid:4000081;rev:1;classtype:trojan-activity;\
        msg: \"MISP e5 [] %s\";reference:url,http://127.0.0.1:8080/events/view/5;)";
    assert_eq!(snort(&[(8, "snort", value)]), vec![expected.to_string()]);
    let unterminated = "alert udp any any -> any 53 (content:\"q\")";
    assert_eq!(
        snort(&[(8, "snort", unterminated)]),
        vec![unterminated.to_string()]
    );
}
