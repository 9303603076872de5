//! Exact output of the Suricata flavour for each supported type, the golden capture included.
use serde_json::json;

use crate::exports::fixtures::{
    EventData, attribute, event, golden_body, golden_event, object, options, run_attributes,
    run_events, tag,
};
use crate::exports::suricata::Suricata;

pub(crate) const HEADER: &str = "# MISP export of IDS rules - optimized for suricata\n#\n\
    # These NIDS rules contain some variables that need to exist in your configuration.\n\
    # Make sure you have set:\n#\n\
    # $HOME_NET     - Your internal network range\n\
    # $EXTERNAL_NET - The network considered as outside\n\
    # $SMTP_SERVERS - All your internal SMTP servers\n\
    # $HTTP_PORTS   - The ports used to contain HTTP traffic (not required with suricata export)\n\
    # ";

fn export(events: &[EventData]) -> String {
    let mut x = Suricata::new(&options(json!({}))).expect("suricata exporter");
    run_events(&mut x, events)
}

/// The rules written for one attribute (id 8) of an untagged event 5.
fn rules(kind: &str, value: &str) -> Vec<String> {
    let mut data = EventData::new(event(5, "e"));
    data.attributes.push((attribute(8, 5, kind, value), vec![]));
    let out = export(&[data]);
    let body = out.strip_prefix(HEADER).expect("header first");
    body.split('\n').skip(1).map(str::to_string).collect()
}

/// A rule of event 5 (threat level 2) with MISP's fixed trailer; `body` holds the
/// content and tag parts with their separating spaces, `sid` is past the user's 4000000.
fn rule(head: &str, text: &str, body: &str, sid: i64) -> String {
    format!(
        "alert {head} (msg: \"MISP e5 [] {text}\"; {body} classtype:trojan-activity; \
         sid:{}; rev:1; priority:2; reference:url,http://127.0.0.1:8080/events/view/5;) ",
        4_000_000 + sid
    )
}

const TAG: &str = "tag:session,600,seconds;";

#[test]
fn golden_event_a_byte_for_byte() {
    let e5 = golden_event("070").filtered(|a| a.to_ids);
    assert_eq!(export(&[e5]), golden_body("088"));
}

#[test]
fn no_rules_is_the_header_without_a_final_newline() {
    assert_eq!(export(&[]), HEADER);
    assert_eq!(
        rules("md5", "c773fdef3889bdadbe809f1e8aaeea46"),
        Vec::<String>::new()
    );
}

#[test]
fn url_rules_by_scheme() {
    let http = "http $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS";
    let ip_port = "http $HOME_NET any -> 10.1.2.3 8080";
    let cases: [(&str, String); 9] = [
        (
            "http://a.example/p?q=1",
            rule(
                http,
                "Outgoing URL http|3a|//a.example/p?q=1",
                &format!(
                    "flow:to_server,established; http.header; content:\"a.example\"; fast_pattern; nocase; http.uri; content:\"/p\"; nocase; {TAG}"
                ),
                81,
            ),
        ),
        (
            "http://10.1.2.3:8080/x;y",
            rule(
                ip_port,
                "Outgoing URL http|3a|//10.1.2.3|3a|8080/x|3b|y",
                &format!(
                    "flow:to_server,established; http.header; content:\"10.1.2.3\"; fast_pattern; nocase; http.uri; content:\"/x|3b|y\"; nocase; {TAG}"
                ),
                81,
            ),
        ),
        (
            "http://a.example",
            rule(
                http,
                "Outgoing URL http|3a|//a.example",
                &format!(
                    "flow:to_server,established; http.header; content:\"a.example\"; nocase; {TAG}"
                ),
                81,
            ),
        ),
        (
            "https://b.example/login",
            rule(
                "tls $HOME_NET any -> $EXTERNAL_NET 443",
                "Outgoing URL https|3a|//b.example/login",
                &format!("tls.sni; content:\"b.example\"; {TAG}"),
                81,
            ),
        ),
        (
            "https://user@b.example:8443",
            rule(
                "tls $HOME_NET any -> $EXTERNAL_NET 8443",
                "Outgoing URL https|3a|//user@b.example|3a|8443",
                &format!("tls.sni; content:\"b.example\"; {TAG}"),
                81,
            ),
        ),
        (
            "ssh://10.9.9.9",
            rule(
                "tcp $HOME_NET any -> 10.9.9.9 $SSH_PORTS",
                "Outgoing URL ssh|3a|//10.9.9.9",
                "flow:to_server; app-layer-protocol:ssh; ",
                81,
            ),
        ),
        (
            "ftp://10.9.9.9/pub",
            rule(
                "tcp $HOME_NET any -> 10.9.9.9 [20,21]",
                "Outgoing URL ftp|3a|//10.9.9.9/pub",
                "flow:to_server; app-layer-protocol:ftp; ",
                81,
            ),
        ),
        (
            "c.example/gate.php",
            rule(
                "http $HOME_NET any -> $EXTERNAL_NET any",
                "Outgoing URL c.example/gate.php",
                &format!(
                    "flow:to_server,established; http.uri; content:\"c.example/gate.php\"; fast_pattern; nocase; {TAG}"
                ),
                81,
            ),
        ),
        (
            "http:c.example",
            rule(
                "http $HOME_NET any -> $EXTERNAL_NET any",
                "Outgoing URL http|3a|c.example",
                &format!(
                    "flow:to_server,established; http.uri; content:\"http|3a|c.example\"; fast_pattern; nocase; {TAG}"
                ),
                81,
            ),
        ),
    ];
    for (value, expected) in cases {
        assert_eq!(rules("url", value), vec![expected], "{value}");
    }
    assert_eq!(rules("url", "ssh://git.example"), Vec::<String>::new());
    assert_eq!(rules("url", "ftp://files.example/x"), Vec::<String>::new());
}

#[test]
fn http_field_and_tls_rules() {
    let ua = "Mozilla/5.0 (X; \"evil\")";
    assert_eq!(
        rules("user-agent", ua),
        vec![rule(
            "http $HOME_NET any -> $EXTERNAL_NET any",
            "Outgoing User-Agent Mozilla/5.0 (X|3b| |22|evil|22|)",
            &format!(
                "flow:to_server,established; content:\"Mozilla/5.0 (X|3b| |22|evil|22|)\"; fast_pattern; http_user_agent; {TAG}"
            ),
            81,
        )]
    );
    let md5 = "e7d705a3286e19ea42f587b344ee6865";
    let ja3 = |label, keyword| {
        rule(
            "tls any any -> any any",
            &format!("{label} Hash: {md5}"),
            &format!("{keyword}.hash; content:\"{md5}\"; fast_pattern; {TAG}"),
            81,
        )
    };
    assert_eq!(rules("ja3-fingerprint-md5", md5), vec![ja3("JA3", "ja3")]);
    assert_eq!(
        rules("ja3s-fingerprint-md5", md5),
        vec![ja3("JA3S", "ja3s")]
    );
}

#[test]
fn domain_ip_uses_four_consecutive_sids() {
    let got = rules("domain|ip", "c2.example|198.51.100.7");
    assert_eq!(got.len(), 4);
    assert!(got[0].starts_with(
        "alert dns any any -> any any (msg: \"MISP e5 [] Domain c2.example\"; dns.query;"
    ));
    assert!(got[0].contains("sid:4000081;") && got[1].contains("sid:4000082;"));
    assert!(got[1].contains("Outgoing HTTP Domain c2.example"));
    assert_eq!(
        got[2],
        rule(
            "ip $HOME_NET any -> 198.51.100.7 any",
            "Outgoing To IP: 198.51.100.7",
            " ",
            83
        )
    );
    assert_eq!(
        got[3],
        rule(
            "ip 198.51.100.7 any -> $HOME_NET any",
            "Incoming From IP: 198.51.100.7",
            " ",
            84
        )
    );
}

#[test]
fn email_rules() {
    let trailer = format!("content:\"|0D 0A 0D 0A|\"; within:8192; {TAG}");
    let smtp = "tcp $EXTERNAL_NET any -> $SMTP_SERVERS 25";
    let envelope = |cmd: &str, v: &str| {
        format!(
            "flow:established,to_server; content:\"{cmd}|3a|\"; nocase; content:\"{v}\"; fast_pattern; nocase; {trailer}"
        )
    };
    assert_eq!(
        rules("email", "a@b.example"),
        vec![
            rule(
                smtp,
                "Source Email Address: a@b.example",
                &envelope("MAIL FROM", "a@b.example"),
                81
            ),
            rule(
                smtp,
                "Destination Email Address: a@b.example",
                &envelope("RCPT TO", "a@b.example"),
                82
            ),
        ]
    );
    assert_eq!(
        rules("email-dst", "x@y.example"),
        vec![rule(
            smtp,
            "Destination Email Address: x@y.example",
            &envelope("RCPT TO", "x@y.example"),
            81
        ),]
    );
    assert_eq!(
        rules("email-subject", "Invoice: 0x12; due"),
        vec![rule(
            smtp,
            "Bad Email Subject",
            &format!(
                "flow:established,to_server; content:\"Subject|3a|\"; nocase; content:\"Invoice|3a| |30 78|12|3b| due\"; fast_pattern; nocase; {trailer}"
            ),
            81
        )]
    );
    assert_eq!(
        rules("email-attachment", "a\\b|c.zip"),
        vec![rule(
            smtp,
            "Bad Email Attachment",
            &format!(
                "flow:established,to_server; content:\"Content-Disposition|3a| attachment|3b| filename|3d 22|\"; content:\"a|5c|b|7c|c.zip|22|\"; fast_pattern; {trailer}"
            ),
            81
        )]
    );
}

#[test]
fn ip_with_port_and_unsupported_types() {
    assert_eq!(
        rules("ip-src|port", "203.0.113.5|4444"),
        vec![rule(
            "ip 203.0.113.5 4444 -> $HOME_NET any",
            "Incoming From IP: 203.0.113.5|4444",
            " ",
            81
        )]
    );
    assert_eq!(
        rules("ip-dst", "2001:db8::1"),
        vec![rule(
            "ip $HOME_NET any -> 2001:db8::1 any",
            "Outgoing To IP: 2001:db8::1",
            " ",
            81
        )]
    );
    assert!(rules("filename", "evil.exe").is_empty());
}

/// Tags: the attribute's (or, for objects, all its attributes') then the event's. The
/// connection objects come after every other attribute of the event, as in MISP.
#[test]
fn objects_and_tags() {
    let mut ev = event(5, "e");
    ev.tags = vec![tag("tlp:green"), tag("golden:capture=\"yes\"")];
    let mut data = EventData::new(ev);
    data.attributes.push((
        attribute(8, 5, "ip-dst", "192.0.2.1"),
        vec![tag("kill-chain:c2")],
    ));
    let relation = |id, kind, rel: &str, value| {
        let mut a = attribute(id, 5, kind, value);
        a.object_relation = Some(rel.to_string());
        a
    };
    let conn = vec![
        (
            relation(30, "ip-dst", "ip-dst", "192.0.2.9"),
            vec![tag("a")],
        ),
        (relation(31, "port", "dst-port", "8443"), vec![tag("b")]),
        (relation(32, "text", "layer4-protocol", "TCP"), vec![]),
    ];
    data.objects
        .push((object(3, 5, "network-connection", "network"), conn));
    data.objects.push((
        object(4, 5, "ddos", "network"),
        vec![(relation(40, "ip-src", "ip-src", "198.51.100.2"), vec![])],
    ));
    data.objects.push((
        object(5, 5, "domain-ip", "network"),
        vec![(relation(50, "ip-src", "ip", "198.51.100.3"), vec![])],
    ));
    data.objects.push((object(6, 5, "ddos", "network"), vec![]));
    let out = export(&[data]);
    let got: Vec<&str> = out
        .strip_prefix(HEADER)
        .unwrap()
        .split('\n')
        .skip(1)
        .collect();
    let trailer = "classtype:trojan-activity; sid:{SID}; rev:1; priority:2; reference:url,http://127.0.0.1:8080/events/view/5;) ";
    let t = |sid: &str| trailer.replace("{SID}", sid);
    assert_eq!(
        got,
        vec![
            format!(
                "alert ip $HOME_NET any -> 192.0.2.1 any (msg: \"MISP e5 [kill-chain:c2,tlp:green,golden:capture=\"yes\"] Outgoing To IP: 192.0.2.1\";   {}",
                t("4000081")
            ),
            format!(
                "alert ip 198.51.100.3 any -> $HOME_NET any (msg: \"MISP e5 [tlp:green,golden:capture=\"yes\"] Incoming From IP: 198.51.100.3\";   {}",
                t("4000501")
            ),
            format!(
                "alert TCP $HOME_NET any -> 192.0.2.9 8443 (msg: \"MISP e5 [a,b,tlp:green,golden:capture=\"yes\"] Network connection between $HOME_NET and 192.0.2.9\";   {}",
                t("4000031")
            ),
            format!(
                "alert ip 198.51.100.2 any -> $HOME_NET any (msg: \"MISP e5 [tlp:green,golden:capture=\"yes\"] DDOS attack detected between 198.51.100.2 and $HOME_NET\";   {}",
                t("4000041")
            ),
        ]
    );
}

/// In attributes scope an object's attributes are plain rows: no object rule.
#[test]
fn attributes_scope_ignores_objects() {
    let ev = event(7, "e");
    let obj = object(3, 7, "network-connection", "network");
    let mut a = attribute(30, 7, "ip-dst", "192.0.2.9");
    a.object_relation = Some("ip-dst".into());
    let item = crate::exports::Item {
        event: &ev,
        object: Some(&obj),
        attribute: &a,
        tags: &[],
    };
    let mut x = Suricata::new(&options(json!({}))).unwrap();
    let out = run_attributes(&mut x, &[item]);
    let expected = "alert ip $HOME_NET any -> 192.0.2.9 any (msg: \"MISP e7 [] Outgoing To IP: 192.0.2.9\";   \
        classtype:trojan-activity; sid:4000301; rev:1; priority:2; reference:url,http://127.0.0.1:8080/events/view/7;) ";
    assert_eq!(out, format!("{HEADER}\n{expected}"));
}

/// The one change to tag names: a `;` would end the message, so it is escaped.
#[test]
fn semicolons_in_tag_names_are_escaped() {
    let mut ev = event(5, "e");
    ev.tags = vec![tag("note=\"a; b\"")];
    let mut data = EventData::new(ev);
    data.attributes
        .push((attribute(8, 5, "ip-src", "192.0.2.1"), vec![]));
    let expected = "alert ip 192.0.2.1 any -> $HOME_NET any (msg: \"MISP e5 [note=\"a\\; b\"] \
        Incoming From IP: 192.0.2.1\";   classtype:trojan-activity; sid:4000081; rev:1; \
        priority:2; reference:url,http://127.0.0.1:8080/events/view/5;) ";
    assert_eq!(export(&[data]), format!("{HEADER}\n{expected}"));
}
