//! MISP attribute types to STIX 2.1 patterns and cyber-observable objects (spec/sharing.md
//! 4.13 mapping table). SCO ids reuse the attribute UUID (`<sco type>--<attribute uuid>`), as
//! misp-stix does, so a re-export names the same observables.

use serde_json::{Map, Value, json};

use crate::attributes::Attribute;

/// How one attribute is expressed in STIX.
#[derive(Debug, PartialEq)]
pub(super) enum Shape {
    /// A STIX pattern for the indicator and the SCOs the observed-data refers to.
    Observable {
        pattern: String,
        scos: Vec<Value>,
    },
    /// A STIX pattern with no observable form (`size-in-bytes`, `user-agent`, `port` …).
    PatternOnly(String),
    /// A rule in another pattern language (`snort`, `suricata`, `yara`, `sigma`).
    Rule {
        pattern_type: &'static str,
        rule: String,
    },
    Vulnerability(String),
    Campaign(String),
    /// No STIX equivalent: an `x-misp-attribute` custom object.
    Custom,
}

/// A single-quoted pattern literal with `\` and `'` escaped.
pub(super) fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('\'');
    for c in s.chars() {
        if c == '\\' || c == '\'' {
            q.push('\\');
        }
        q.push(c);
    }
    q.push('\'');
    q
}

/// A cyber-observable object of `kind` with the given properties.
pub(super) fn sco(kind: &str, uuid: &str, props: Value) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), kind.into());
    m.insert("spec_version".into(), "2.1".into());
    m.insert("id".into(), format!("{kind}--{uuid}").into());
    if let Value::Object(p) = props {
        m.extend(p);
    }
    Value::Object(m)
}

pub(super) fn addr_kind(ip: &str) -> &'static str {
    if ip.contains(':') {
        "ipv6-addr"
    } else {
        "ipv4-addr"
    }
}

/// The STIX hash name of a MISP hash type; `None` for types that are not hashes.
pub(super) fn hash_name(misp_type: &str) -> Option<&'static str> {
    Some(match misp_type {
        "md5" => "MD5",
        "sha1" => "SHA-1",
        "sha224" => "SHA-224",
        "sha256" => "SHA-256",
        "sha384" => "SHA-384",
        "sha512" => "SHA-512",
        "sha3-224" => "SHA3-224",
        "sha3-256" => "SHA3-256",
        "sha3-384" => "SHA3-384",
        "sha3-512" => "SHA3-512",
        "ssdeep" => "SSDEEP",
        "tlsh" => "TLSH",
        "imphash" => "IMPHASH",
        "pehash" => "PEHASH",
        "authentihash" => "AUTHENTIHASH",
        "vhash" => "VHASH",
        "telfhash" => "TELFHASH",
        _ => return None,
    })
}

/// `<object>:hashes.<name>`, quoting names that are not plain identifiers (`'SHA-1'`).
pub(super) fn hash_path(object: &str, name: &str) -> String {
    if name.chars().all(|c| c.is_ascii_alphanumeric()) {
        format!("{object}:hashes.{name}")
    } else {
        format!("{object}:hashes.'{name}'")
    }
}

/// A port or AS number as the integer STIX wants (patterns compare integers unquoted).
pub(super) fn number(s: &str) -> Option<u64> {
    s.trim().parse().ok()
}

fn observable(conditions: &[String], scos: Vec<Value>) -> Shape {
    Shape::Observable {
        pattern: format!("[{}]", conditions.join(" AND ")),
        scos,
    }
}

fn simple(kind: &str, property: &str, uuid: &str, value: &str) -> Shape {
    observable(
        &[format!("{kind}:{property} = {}", quote(value))],
        vec![sco(kind, uuid, json!({ property: value }))],
    )
}

/// The shape of an attribute; composite types use `value1`/`value2` directly.
pub(super) fn attribute_shape(a: &Attribute) -> Shape {
    let (t, v1, v2, uuid) = (a.r#type.as_str(), &a.value1, &a.value2, a.uuid.as_str());
    match t {
        "ip-src" | "ip-dst" => ip(uuid, &t[3..], v1, None),
        "ip-src|port" | "ip-dst|port" => ip(uuid, &t[3..6], v1, Some(v2)),
        "domain" | "hostname" => simple("domain-name", "value", uuid, v1),
        "hostname|port" => hostname_port(uuid, v1, v2),
        "domain|ip" => domain_ip(uuid, v1, v2),
        "url" | "uri" | "link" => simple("url", "value", uuid, v1),
        "filename" => simple("file", "name", uuid, v1),
        "email" => simple("email-addr", "value", uuid, v1),
        "email-src" => email_addr(uuid, v1, "from_ref", "from_ref.value", false),
        "email-dst" => email_addr(uuid, v1, "to_refs", "to_refs[*].value", true),
        "email-subject" => email_field(uuid, "subject", "subject", json!(v1), v1),
        "email-body" => email_field(uuid, "body", "body", json!(v1), v1),
        "email-message-id" => email_field(uuid, "message_id", "message_id", json!(v1), v1),
        "email-reply-to" => header(uuid, "reply_to", "Reply-To", v1),
        "email-x-mailer" => header(uuid, "x_mailer", "X-Mailer", v1),
        "email-header" => email_field(uuid, "received_lines", "received_lines", json!([v1]), v1),
        "email-attachment" => email_attachment(uuid, v1),
        "mutex" => simple("mutex", "name", uuid, v1),
        "regkey" => simple("windows-registry-key", "key", uuid, &full_hive(v1)),
        "regkey|value" => regkey_value(uuid, &full_hive(v1), v2),
        "AS" => autonomous_system(uuid, v1),
        "mac-address" => simple("mac-addr", "value", uuid, v1),
        "x509-fingerprint-md5" | "x509-fingerprint-sha1" | "x509-fingerprint-sha256" => {
            let name = hash_name(&t[17..]).unwrap_or("MD5");
            hashed("x509-certificate", uuid, name, v1, None)
        }
        "malware-sample" => hashed("file", uuid, "MD5", v2, Some(v1)),
        "attachment" => simple("file", "name", uuid, v1),
        "github-username" => github(uuid, v1),
        "size-in-bytes" => number(v1).map_or(Shape::Custom, |n| {
            Shape::PatternOnly(format!("[file:size = {n}]"))
        }),
        "port" => number(v1).map_or(Shape::Custom, |n| {
            Shape::PatternOnly(format!("[network-traffic:dst_port = {n}]"))
        }),
        "http-method" => Shape::PatternOnly(format!(
            "[network-traffic:extensions.'http-request-ext'.request_method = {}]",
            quote(v1)
        )),
        "user-agent" => Shape::PatternOnly(format!(
            "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = {}]",
            quote(v1)
        )),
        "snort" | "suricata" | "yara" | "sigma" => Shape::Rule {
            pattern_type: match t {
                "snort" => "snort",
                "suricata" => "suricata",
                "yara" => "yara",
                _ => "sigma",
            },
            rule: v1.clone(),
        },
        "vulnerability" => Shape::Vulnerability(v1.clone()),
        "campaign-name" => Shape::Campaign(v1.clone()),
        _ => file_hash(t, uuid, v1, v2),
    }
}

/// `md5`, `sha256` … and `filename|<hash>`.
fn file_hash(t: &str, uuid: &str, v1: &str, v2: &str) -> Shape {
    if let Some(name) = hash_name(t) {
        return hashed("file", uuid, name, v1, None);
    }
    match t.strip_prefix("filename|").and_then(hash_name) {
        Some(name) => hashed("file", uuid, name, v2, Some(v1)),
        None => Shape::Custom,
    }
}

fn hashed(kind: &str, uuid: &str, name: &str, hash: &str, file_name: Option<&str>) -> Shape {
    let mut conditions = Vec::new();
    let mut props = Map::new();
    if let Some(n) = file_name {
        conditions.push(format!("{kind}:name = {}", quote(n)));
        props.insert("name".into(), n.into());
    }
    conditions.push(format!("{} = {}", hash_path(kind, name), quote(hash)));
    props.insert("hashes".into(), json!({ name: hash }));
    observable(&conditions, vec![sco(kind, uuid, Value::Object(props))])
}

fn ip(uuid: &str, side: &str, addr: &str, port: Option<&str>) -> Shape {
    let kind = addr_kind(addr);
    let mut conditions = vec![
        format!("network-traffic:{side}_ref.type = '{kind}'"),
        format!("network-traffic:{side}_ref.value = {}", quote(addr)),
    ];
    let mut traffic = Map::new();
    traffic.insert(format!("{side}_ref"), format!("{kind}--{uuid}").into());
    if let Some(p) = port {
        let Some(p) = number(p) else {
            return Shape::Custom;
        };
        conditions.push(format!("network-traffic:{side}_port = {p}"));
        traffic.insert(format!("{side}_port"), p.into());
    }
    traffic.insert("protocols".into(), json!(["tcp"]));
    let scos = vec![
        sco("network-traffic", uuid, Value::Object(traffic)),
        sco(kind, uuid, json!({ "value": addr })),
    ];
    observable(&conditions, scos)
}

fn hostname_port(uuid: &str, host: &str, port: &str) -> Shape {
    let Some(p) = number(port) else {
        return Shape::Custom;
    };
    let conditions = [
        format!("domain-name:value = {}", quote(host)),
        format!("network-traffic:dst_port = {p}"),
    ];
    let scos = vec![
        sco("domain-name", uuid, json!({ "value": host })),
        sco(
            "network-traffic",
            uuid,
            json!({ "dst_ref": format!("domain-name--{uuid}"), "dst_port": p, "protocols": ["tcp"] }),
        ),
    ];
    observable(&conditions, scos)
}

fn domain_ip(uuid: &str, domain: &str, addr: &str) -> Shape {
    let kind = addr_kind(addr);
    let conditions = [
        format!("domain-name:value = {}", quote(domain)),
        format!("domain-name:resolves_to_refs[*].value = {}", quote(addr)),
    ];
    let scos = vec![
        sco(
            "domain-name",
            uuid,
            json!({ "value": domain, "resolves_to_refs": [format!("{kind}--{uuid}")] }),
        ),
        sco(kind, uuid, json!({ "value": addr })),
    ];
    observable(&conditions, scos)
}

fn email_addr(uuid: &str, addr: &str, field: &str, path: &str, many: bool) -> Shape {
    let addr_id = format!("email-addr--{uuid}");
    let reference = if many {
        json!([addr_id])
    } else {
        json!(addr_id)
    };
    let scos = vec![
        sco(
            "email-message",
            uuid,
            json!({ "is_multipart": false, field: reference }),
        ),
        sco("email-addr", uuid, json!({ "value": addr })),
    ];
    observable(&[format!("email-message:{path} = {}", quote(addr))], scos)
}

fn email_field(uuid: &str, path: &str, field: &str, sco_value: Value, value: &str) -> Shape {
    let message = sco(
        "email-message",
        uuid,
        json!({ "is_multipart": false, field: sco_value }),
    );
    observable(
        &[format!("email-message:{path} = {}", quote(value))],
        vec![message],
    )
}

fn header(uuid: &str, path: &str, name: &str, value: &str) -> Shape {
    email_field(
        uuid,
        &format!("additional_header_fields.{path}"),
        "additional_header_fields",
        json!({ name: value }),
        value,
    )
}

fn email_attachment(uuid: &str, name: &str) -> Shape {
    let part = json!({
        "body_raw_ref": format!("file--{uuid}"),
        "content_disposition": format!("attachment; filename={}", quote(name)),
    });
    let scos = vec![
        sco(
            "email-message",
            uuid,
            json!({ "is_multipart": true, "body_multipart": [part] }),
        ),
        sco("file", uuid, json!({ "name": name })),
    ];
    let condition = format!(
        "email-message:body_multipart[*].body_raw_ref.name = {}",
        quote(name)
    );
    observable(&[condition], scos)
}

/// STIX 2.1 requires the full hive name (`HKEY_LOCAL_MACHINE`), MISP users mostly write
/// `HKLM`: expand the abbreviation so the key is valid.
pub(super) fn full_hive(key: &str) -> String {
    const HIVES: [(&str, &str); 5] = [
        ("HKLM", "HKEY_LOCAL_MACHINE"),
        ("HKCU", "HKEY_CURRENT_USER"),
        ("HKCR", "HKEY_CLASSES_ROOT"),
        ("HKCC", "HKEY_CURRENT_CONFIG"),
        ("HKU", "HKEY_USERS"),
    ];
    let (head, rest) = key.split_at(key.find('\\').unwrap_or(key.len()));
    match HIVES
        .iter()
        .find(|(short, _)| head.eq_ignore_ascii_case(short))
    {
        Some((_, long)) => format!("{long}{rest}"),
        None => key.to_string(),
    }
}

fn regkey_value(uuid: &str, key: &str, data: &str) -> Shape {
    let conditions = [
        format!("windows-registry-key:key = {}", quote(key)),
        format!("windows-registry-key:values[*].data = {}", quote(data)),
    ];
    let scos = vec![sco(
        "windows-registry-key",
        uuid,
        json!({ "key": key, "values": [{ "data": data }] }),
    )];
    observable(&conditions, scos)
}

fn autonomous_system(uuid: &str, value: &str) -> Shape {
    let digits = value.trim().trim_start_matches(['A', 'S', 'a', 's']);
    match number(digits) {
        Some(n) => observable(
            &[format!("autonomous-system:number = {n}")],
            vec![sco("autonomous-system", uuid, json!({ "number": n }))],
        ),
        None => Shape::Custom,
    }
}

fn github(uuid: &str, login: &str) -> Shape {
    let conditions = [
        "user-account:account_type = 'github'".to_string(),
        format!("user-account:account_login = {}", quote(login)),
    ];
    let scos = vec![sco(
        "user-account",
        uuid,
        json!({ "account_type": "github", "account_login": login }),
    )];
    observable(&conditions, scos)
}
