//! MISP objects with a natural STIX form (file, domain-ip, url, network-connection, email)
//! as one combined pattern and one SCO composition. An object with a relation outside the
//! handled set is not mapped at all (the caller then writes an `x-misp-object` holding every
//! attribute), so no attribute is ever silently dropped from the export.

use serde_json::{Map, Value, json};

use super::patterns::{addr_kind, hash_name, hash_path, number, quote, sco};
use crate::attributes::Attribute;
use crate::objects::Object;
use crate::tags::AttachedTag;

/// A mapped object: the conditions of its pattern (joined with `AND`) and its SCOs.
pub(super) struct ObjectShape {
    pub pattern: String,
    pub scos: Vec<Value>,
}

type Attrs<'a> = &'a [(Attribute, Vec<AttachedTag>)];

pub(super) fn object_shape(object: &Object, attributes: Attrs<'_>) -> Option<ObjectShape> {
    let mut conditions = Vec::new();
    let scos = match object.name.as_str() {
        "file" => file(&object.uuid, attributes, &mut conditions)?,
        "domain-ip" => domain_ip(attributes, &mut conditions)?,
        "url" => url(&object.uuid, attributes, &mut conditions)?,
        "network-connection" => network_connection(&object.uuid, attributes, &mut conditions)?,
        "email" => email(&object.uuid, attributes, &mut conditions)?,
        _ => return None,
    };
    if conditions.is_empty() {
        return None;
    }
    Some(ObjectShape {
        pattern: format!("[{}]", conditions.join(" AND ")),
        scos,
    })
}

fn relation(a: &Attribute) -> &str {
    a.object_relation.as_deref().unwrap_or("")
}

fn file(uuid: &str, attrs: Attrs<'_>, conds: &mut Vec<String>) -> Option<Vec<Value>> {
    let mut props = Map::new();
    let mut hashes = Map::new();
    for (a, _) in attrs {
        let v = &a.value1;
        match relation(a) {
            "filename" if !props.contains_key("name") => {
                conds.push(format!("file:name = {}", quote(v)));
                props.insert("name".into(), v.as_str().into());
            }
            "size-in-bytes" if !props.contains_key("size") => {
                let n = number(v)?;
                conds.push(format!("file:size = {n}"));
                props.insert("size".into(), n.into());
            }
            "mimetype" if !props.contains_key("mime_type") => {
                conds.push(format!("file:mime_type = {}", quote(v)));
                props.insert("mime_type".into(), v.as_str().into());
            }
            r => {
                let name = hash_name(&a.r#type).filter(|_| r == a.r#type)?;
                if hashes.insert(name.to_string(), v.as_str().into()).is_some() {
                    return None;
                }
                conds.push(format!("{} = {}", hash_path("file", name), quote(v)));
            }
        }
    }
    // STIX requires a file to carry a name or hashes.
    if hashes.is_empty() && !props.contains_key("name") {
        return None;
    }
    if !hashes.is_empty() {
        props.insert("hashes".into(), Value::Object(hashes));
    }
    Some(vec![sco("file", uuid, Value::Object(props))])
}

fn domain_ip(attrs: Attrs<'_>, conds: &mut Vec<String>) -> Option<Vec<Value>> {
    let mut domain = None;
    let mut addrs = Vec::new();
    for (a, _) in attrs {
        match relation(a) {
            "domain" | "hostname" if domain.is_none() => domain = Some(a),
            "ip" => addrs.push(sco(
                addr_kind(&a.value1),
                &a.uuid,
                json!({ "value": a.value1 }),
            )),
            _ => return None,
        }
    }
    let domain = domain?;
    conds.push(format!("domain-name:value = {}", quote(&domain.value1)));
    let mut refs = Vec::new();
    for addr in &addrs {
        conds.push(format!(
            "domain-name:resolves_to_refs[*].value = {}",
            quote(addr["value"].as_str().unwrap_or_default())
        ));
        refs.push(addr["id"].clone());
    }
    let mut props = json!({ "value": domain.value1 });
    if !refs.is_empty() {
        props["resolves_to_refs"] = Value::Array(refs);
    }
    let mut scos = vec![sco("domain-name", &domain.uuid, props)];
    scos.extend(addrs);
    Some(scos)
}

/// The other relations of a `url` object are parts of the URL itself.
fn url(uuid: &str, attrs: Attrs<'_>, conds: &mut Vec<String>) -> Option<Vec<Value>> {
    const PARTS: [&str; 10] = [
        "scheme",
        "host",
        "domain",
        "subdomain",
        "tld",
        "domain_without_tld",
        "port",
        "resource_path",
        "query_string",
        "fragment",
    ];
    let mut url = None;
    for (a, _) in attrs {
        match relation(a) {
            "url" if url.is_none() => url = Some(a.value1.as_str()),
            r if PARTS.contains(&r) => {}
            _ => return None,
        }
    }
    let url = url?;
    conds.push(format!("url:value = {}", quote(url)));
    Some(vec![sco("url", uuid, json!({ "value": url }))])
}

fn network_connection(uuid: &str, attrs: Attrs<'_>, conds: &mut Vec<String>) -> Option<Vec<Value>> {
    let mut traffic = Map::new();
    let mut scos = Vec::new();
    let mut protocols = Vec::new();
    for (a, _) in attrs {
        let v = a.value1.as_str();
        let (side, kind) = match relation(a) {
            "ip-src" => ("src", addr_kind(v)),
            "ip-dst" => ("dst", addr_kind(v)),
            "hostname-src" => ("src", "domain-name"),
            "hostname-dst" => ("dst", "domain-name"),
            r @ ("src-port" | "dst-port") => {
                let key = format!("{}_port", &r[..3]);
                let n = number(v)?;
                conds.push(format!("network-traffic:{key} = {n}"));
                traffic.insert(key, n.into()).is_none().then_some(())?;
                continue;
            }
            "layer3-protocol" | "layer4-protocol" | "layer7-protocol" => {
                let p = v.to_ascii_lowercase();
                conds.push(format!("network-traffic:protocols[*] = {}", quote(&p)));
                protocols.push(Value::String(p));
                continue;
            }
            _ => return None,
        };
        let key = format!("{side}_ref");
        let id = format!("{kind}--{}", a.uuid);
        traffic
            .insert(key.clone(), id.into())
            .is_none()
            .then_some(())?;
        conds.push(format!("network-traffic:{key}.type = '{kind}'"));
        conds.push(format!("network-traffic:{key}.value = {}", quote(v)));
        scos.push(sco(kind, &a.uuid, json!({ "value": v })));
    }
    if !traffic.contains_key("src_ref") && !traffic.contains_key("dst_ref") {
        return None;
    }
    if protocols.is_empty() {
        protocols.push("tcp".into());
    }
    traffic.insert("protocols".into(), Value::Array(protocols));
    scos.insert(0, sco("network-traffic", uuid, Value::Object(traffic)));
    Some(scos)
}

fn email(uuid: &str, attrs: Attrs<'_>, conds: &mut Vec<String>) -> Option<Vec<Value>> {
    let mut message = Map::new();
    message.insert("is_multipart".into(), false.into());
    let mut headers = Map::new();
    let mut scos = Vec::new();
    for (a, _) in attrs {
        let v = a.value1.as_str();
        let (list, path) = match relation(a) {
            "from" => (None, "from_ref"),
            "to" => (Some("to_refs"), "to_refs[*]"),
            "cc" => (Some("cc_refs"), "cc_refs[*]"),
            r @ ("subject" | "message-id" | "email-body") => {
                let field = match r {
                    "subject" => "subject",
                    "message-id" => "message_id",
                    _ => "body",
                };
                conds.push(format!("email-message:{field} = {}", quote(v)));
                message
                    .insert(field.into(), v.into())
                    .is_none()
                    .then_some(())?;
                continue;
            }
            r @ ("reply-to" | "x-mailer") => {
                let (path, name) = if r == "reply-to" {
                    ("reply_to", "Reply-To")
                } else {
                    ("x_mailer", "X-Mailer")
                };
                conds.push(format!(
                    "email-message:additional_header_fields.{path} = {}",
                    quote(v)
                ));
                headers
                    .insert(name.into(), v.into())
                    .is_none()
                    .then_some(())?;
                continue;
            }
            _ => return None,
        };
        let id = Value::String(format!("email-addr--{}", a.uuid));
        match list {
            Some(key) => message
                .entry(key)
                .or_insert_with(|| json!([]))
                .as_array_mut()?
                .push(id),
            None => message.insert(path.into(), id).is_none().then_some(())?,
        }
        conds.push(format!("email-message:{path}.value = {}", quote(v)));
        scos.push(sco("email-addr", &a.uuid, json!({ "value": v })));
    }
    if !headers.is_empty() {
        message.insert("additional_header_fields".into(), Value::Object(headers));
    }
    scos.insert(0, sco("email-message", uuid, Value::Object(message)));
    Some(scos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exports::fixtures::{attribute, object};

    fn member(id: i64, relation: &str, kind: &str, value: &str) -> (Attribute, Vec<AttachedTag>) {
        let mut a = attribute(id, 1, kind, value);
        a.object_relation = Some(relation.to_string());
        (a, Vec::new())
    }

    fn uuid(id: i64) -> String {
        format!("20000000-0000-4000-8000-{id:012}")
    }

    #[test]
    fn domain_ip_resolves_to_its_addresses() {
        let attrs = [
            member(1, "domain", "domain", "evil.example"),
            member(2, "ip", "ip-dst", "198.51.100.1"),
            member(3, "ip", "ip-dst", "2001:db8::2"),
        ];
        let shape = object_shape(&object(1, 1, "domain-ip", "network"), &attrs).unwrap();
        assert_eq!(
            shape.pattern,
            "[domain-name:value = 'evil.example' AND domain-name:resolves_to_refs[*].value = '198.51.100.1' AND domain-name:resolves_to_refs[*].value = '2001:db8::2']"
        );
        assert_eq!(
            shape.scos[0]["resolves_to_refs"],
            json!([
                format!("ipv4-addr--{}", uuid(2)),
                format!("ipv6-addr--{}", uuid(3))
            ])
        );
        assert_eq!(shape.scos.len(), 3);
    }

    #[test]
    fn network_connection_has_both_ends_ports_and_protocols() {
        let attrs = [
            member(1, "ip-src", "ip-src", "10.0.0.1"),
            member(2, "hostname-dst", "hostname", "c2.example"),
            member(3, "dst-port", "port", "443"),
            member(4, "layer4-protocol", "text", "TCP"),
        ];
        let shape = object_shape(&object(7, 1, "network-connection", "network"), &attrs).unwrap();
        assert_eq!(
            shape.pattern,
            "[network-traffic:src_ref.type = 'ipv4-addr' AND network-traffic:src_ref.value = '10.0.0.1' AND network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'c2.example' AND network-traffic:dst_port = 443 AND network-traffic:protocols[*] = 'tcp']"
        );
        assert_eq!(
            shape.scos[0],
            json!({"type": "network-traffic", "spec_version": "2.1",
                   "id": "network-traffic--30000000-0000-4000-8000-000000000007",
                   "src_ref": format!("ipv4-addr--{}", uuid(1)),
                   "dst_ref": format!("domain-name--{}", uuid(2)),
                   "dst_port": 443, "protocols": ["tcp"]})
        );
    }

    #[test]
    fn email_and_url_objects() {
        let mail = [
            member(1, "from", "email-src", "a@evil.example"),
            member(2, "to", "email-dst", "b@victim.example"),
            member(3, "to", "email-dst", "c@victim.example"),
            member(4, "subject", "email-subject", "Hi"),
            member(5, "x-mailer", "email-x-mailer", "Bat!"),
        ];
        let shape = object_shape(&object(1, 1, "email", "network"), &mail).unwrap();
        assert_eq!(shape.scos.len(), 4);
        assert_eq!(shape.scos[0]["to_refs"].as_array().unwrap().len(), 2);
        assert_eq!(
            shape.scos[0]["additional_header_fields"],
            json!({"X-Mailer": "Bat!"})
        );
        assert!(
            shape
                .pattern
                .contains("email-message:to_refs[*].value = 'c@victim.example'")
        );
        let url = [
            member(1, "url", "url", "http://evil.example/x"),
            member(2, "host", "hostname", "evil.example"),
        ];
        let shape = object_shape(&object(1, 1, "url", "network"), &url).unwrap();
        assert_eq!(shape.pattern, "[url:value = 'http://evil.example/x']");
    }

    #[test]
    fn unknown_relations_or_objects_are_not_mapped() {
        let file = [
            member(1, "filename", "filename", "a.exe"),
            member(2, "entropy", "float", "7.9"),
        ];
        assert!(object_shape(&object(1, 1, "file", "file"), &file).is_none());
        let size_only = [member(1, "size-in-bytes", "size-in-bytes", "10")];
        assert!(object_shape(&object(1, 1, "file", "file"), &size_only).is_none());
        let two_from = [
            member(1, "from", "email-src", "a@x"),
            member(2, "from", "email-src", "b@x"),
        ];
        assert!(object_shape(&object(1, 1, "email", "network"), &two_from).is_none());
        assert!(object_shape(&object(1, 1, "person", "misc"), &file[..1]).is_none());
    }
}
