//! MISP's XML export (spec/sharing.md 4.2): a mechanical rewrite of the JSON documents Cairn
//! already produces, so the XML can never drift from the JSON API and needs no model of its own.
//!
//! Conventions follow MISP's converter (capture 086): objects become child elements named
//! after their keys, arrays repeat the element once per item, `true`/`false` are `1`/`0`,
//! `null`, `""` and empty arrays are self-closed elements, and text is escaped with the five
//! XML entities after characters XML 1.0 cannot carry are replaced by one space.

use serde_json::{Map, Value};

/// Declaration and opening `<response>`: MISP puts a newline after the declaration only.
pub fn header(out: &mut Vec<u8>) {
    out.extend_from_slice(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<response>");
}

/// `</response>` and the final newline.
pub fn footer(out: &mut Vec<u8>) {
    out.extend_from_slice(b"</response>\n");
}

/// Writes `value` as element `name` (`<Event>…</Event>` for one event document). An array
/// repeats `name` per item, which is how nested lists (`Attribute`, `Tag` …) come out. In the
/// attributes scope MISP ends each `<Attribute>…</Attribute>` with a newline; the caller adds it.
pub fn element(name: &str, value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Array(items) if items.is_empty() => empty(name, out),
        Value::Array(items) => items.iter().for_each(|item| one(name, item, out)),
        _ => one(name, value, out),
    }
}

/// Reshapes an event document of the JSON API into the one MISP's XML export prints (capture
/// 086 against 080): `attribute_count`, `proposal_email_lock`, `locked` and `user_id` are not
/// exposed, event-level `Galaxy`, `EventReport` and `CryptographicKey` are absent, and the
/// children come after the event fields in the order Org, Orgc, SharingGroup, Attribute,
/// Object, ShadowAttribute, RelatedEvent, Tag.
pub fn misp_event_shape(event: &Map<String, Value>) -> Map<String, Value> {
    const HIDDEN: [&str; 7] = [
        "attribute_count",
        "proposal_email_lock",
        "locked",
        "user_id",
        "Galaxy",
        "EventReport",
        "CryptographicKey",
    ];
    const CHILDREN: [&str; 8] = [
        "Org",
        "Orgc",
        "SharingGroup",
        "Attribute",
        "Object",
        "ShadowAttribute",
        "RelatedEvent",
        "Tag",
    ];
    let mut shaped: Map<String, Value> = event
        .iter()
        .filter(|(k, _)| !HIDDEN.contains(&k.as_str()) && !CHILDREN.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for key in CHILDREN {
        if let Some(v) = event.get(key) {
            shaped.insert(key.to_string(), v.clone());
        }
    }
    shaped
}

fn one(name: &str, value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => empty(name, out),
        Value::String(s) if s.is_empty() => empty(name, out),
        Value::Object(map) => {
            open(name, out);
            for (k, v) in map {
                element(k, v, out);
            }
            close(name, out);
        }
        Value::Array(_) => {
            // A list directly inside a list has no key of its own: nest it under the same name.
            open(name, out);
            element(name, value, out);
            close(name, out);
        }
        Value::Bool(b) => text(name, if *b { "1" } else { "0" }, out),
        Value::Number(n) => text(name, &n.to_string(), out),
        Value::String(s) => text(name, s, out),
    }
}

fn text(name: &str, s: &str, out: &mut Vec<u8>) {
    open(name, out);
    escape(s, out);
    close(name, out);
}

fn open(name: &str, out: &mut Vec<u8>) {
    out.push(b'<');
    out.extend_from_slice(name.as_bytes());
    out.push(b'>');
}

fn close(name: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(b"</");
    out.extend_from_slice(name.as_bytes());
    out.push(b'>');
}

fn empty(name: &str, out: &mut Vec<u8>) {
    out.push(b'<');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"/>");
}

/// XML 1.0 allows TAB, LF, CR and the ranges below; a run of anything else becomes one space,
/// as MISP does, so a stray control character cannot make the document unparseable.
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
}

fn escape(s: &str, out: &mut Vec<u8>) {
    let mut in_bad_run = false;
    for c in s.chars() {
        if !allowed(c) {
            if !in_bad_run {
                out.push(b' ');
            }
            in_bad_run = true;
            continue;
        }
        in_bad_run = false;
        match c {
            '&' => out.extend_from_slice(b"&amp;"),
            '<' => out.extend_from_slice(b"&lt;"),
            '>' => out.extend_from_slice(b"&gt;"),
            '"' => out.extend_from_slice(b"&quot;"),
            '\'' => out.extend_from_slice(b"&apos;"),
            _ => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn golden(name: &str) -> Value {
        let path = format!(
            "{}/../shared/misp-golden/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).expect("golden file")).unwrap()
    }

    /// The JSON of event 7 (capture 080) reshaped and converted is byte-identical to MISP's
    /// XML export of the same event (capture 086).
    #[test]
    fn event_matches_golden_086() {
        let json = golden("080-rs-events-eventid.json");
        let event = json["response"]["body"]["response"][0]["Event"]
            .as_object()
            .unwrap();
        let mut out = Vec::new();
        header(&mut out);
        element("Event", &Value::Object(misp_event_shape(event)), &mut out);
        footer(&mut out);
        let expected = golden("086-rs-events-xml.json");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            expected["response"]["body"].as_str().unwrap()
        );
    }

    #[test]
    fn scalars_nulls_and_lists() {
        let v = json!({
            "id": "1", "n": 5, "f": 1.5, "t": true, "no": false, "nil": null, "e": "",
            "Tag": [{"name": "a"}, {"name": "b"}], "none": [], "vals": ["x", "y"],
            "Org": {"name": "O"}
        });
        let mut out = Vec::new();
        element("Attribute", &v, &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<Attribute><id>1</id><n>5</n><f>1.5</f><t>1</t><no>0</no><nil/><e/>\
             <Tag><name>a</name></Tag><Tag><name>b</name></Tag><none/>\
             <vals>x</vals><vals>y</vals><Org><name>O</name></Org></Attribute>"
        );
    }

    #[test]
    fn text_is_escaped_and_invalid_characters_replaced() {
        let v = json!({"value": "<a href=\"x\">&'</a>\u{1}\u{2}z\ttab\u{FFFF}"});
        let mut out = Vec::new();
        element("A", &v, &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<A><value>&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt; z\ttab </value></A>"
        );
    }

    #[test]
    fn framing() {
        let mut out = Vec::new();
        header(&mut out);
        element("Attribute", &json!({"id": "3"}), &mut out);
        footer(&mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<response>\
             <Attribute><id>3</id></Attribute></response>\n"
        );
    }

    #[test]
    fn shape_drops_hidden_keys_and_orders_children() {
        let ev = json!({"id": "1", "Tag": [], "Attribute": [], "locked": false,
                        "Orgc": {"id": "2"}, "info": "i", "Galaxy": [], "Object": []});
        let shaped = misp_event_shape(ev.as_object().unwrap());
        let keys: Vec<&str> = shaped.keys().map(String::as_str).collect();
        assert_eq!(keys, ["id", "info", "Orgc", "Attribute", "Object", "Tag"]);
    }
}
