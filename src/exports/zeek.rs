//! Zeek (Bro) Intel framework file (spec/sharing.md 4.7): the legacy `/attributes/bro/download`
//! export and restSearch `zeek`. MISP sorts the whole file naturally and drops duplicate rows,
//! so rows (one short line per indicator) are held until the footer; events and attributes are
//! not.

use std::cmp::Ordering;

use super::{Exporter, Item, Options};

const FIELDS: &str = "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url\t\
                      meta.do_notice\tmeta.if_in\n";

/// Export groups and the MISP types each selects: first those whose value1 is exported (the
/// whole value, or the first half of a composite), then those whose value2 is. MISP also lists
/// `attachment` under `filename`, but has no Intel type for it, so it never yields a row and is
/// left out here.
const GROUPS: [(&str, &str, &str); 9] = [
    ("ip", "ip-src ip-dst ip-src|port ip-dst|port", "domain|ip"),
    ("url", "url", ""),
    ("domain", "hostname domain domain|ip", ""),
    ("ja3-fingerprint-md5", "ja3-fingerprint-md5", ""),
    ("email", "email email-src email-dst target-email", ""),
    (
        "filename",
        "filename email-attachment filename|md5 filename|sha1 filename|sha256 malware-sample pdb",
        "",
    ),
    (
        "filehash",
        "md5 sha1 sha256 authentihash ssdeep imphash pehash impfuzzy sha224 sha384 sha512 \
         sha512/224 sha512/256 tlsh",
        "filename|md5 filename|sha1 filename|sha256 filename|authentihash filename|ssdeep \
         filename|imphash filename|pehash filename|impfuzzy filename|sha224 filename|sha384 \
         filename|sha512 filename|sha512/224 filename|sha512/256 filename|tlsh malware-sample",
    ),
    ("certhash", "x509-fingerprint-sha1", ""),
    ("software", "user-agent", ""),
];

/// The (type, value field) pairs a group selects; `all` is every group in turn.
fn selections(group: &str) -> Option<Vec<(&'static str, u8)>> {
    let chosen: Vec<_> = GROUPS
        .iter()
        .filter(|(name, _, _)| group == "all" || *name == group)
        .collect();
    if chosen.is_empty() {
        return None;
    }
    let pairs = chosen.iter().flat_map(|(_, first, second)| {
        let first = first.split_whitespace().map(|t| (t, 1));
        first.chain(second.split_whitespace().map(|t| (t, 2)))
    });
    Some(pairs.collect())
}

/// The MISP types a group (`all`, `ip`, `url` ...) exports, for filtering by type in SQL;
/// `None` for an unknown group.
pub fn types_of(group: &str) -> Option<Vec<&'static str>> {
    let mut types: Vec<&'static str> = Vec::new();
    for (t, _) in selections(group)? {
        if !types.contains(&t) {
            types.push(t);
        }
    }
    Some(types)
}

/// The Intel type of a selected value: value2 of a composite takes the composite's second type,
/// addresses with a `/` are subnets, everything else the type's own Intel type.
fn intel_type(kind: &str, field: u8, value: &str) -> &'static str {
    match kind {
        "domain|ip" if field == 2 => "ADDR",
        "ip-src" | "ip-dst" | "ip-src|port" | "ip-dst|port" if value.contains('/') => "SUBNET",
        "ip-src" | "ip-dst" | "ip-src|port" | "ip-dst|port" => "ADDR",
        "email" | "email-src" | "email-dst" | "target-email" => "EMAIL",
        "hostname" | "domain" | "domain|ip" => "DOMAIN",
        "url" => "URL",
        "user-agent" => "SOFTWARE",
        "ja3-fingerprint-md5" => "JA3",
        "x509-fingerprint-sha1" => "CERT_HASH",
        _ if field == 2 => "FILE_HASH",
        "email-attachment" | "filename" | "pdb" => "FILE_NAME",
        _ if kind.starts_with("filename|") || kind == "malware-sample" => "FILE_NAME",
        _ => "FILE_HASH",
    }
}

/// The Zeek writer for one export group.
pub struct Zeek {
    selected: Vec<(&'static str, u8)>,
    /// `<host org> MISP`, or `MISP` without a host organisation.
    instance: String,
    base_url: String,
    /// The cleaned `meta.source` and event-info part of the current event's rows, by event id,
    /// so an event's fields are cleaned once rather than per attribute.
    event_part: Option<(i64, String)>,
    rows: Vec<String>,
}

impl Zeek {
    /// `group` is the legacy URL's `<type>` slot. MISP answers an unknown group with a file
    /// holding only the `#fields` line; Cairn refuses it instead.
    pub fn new(opts: &Options, group: &str) -> Result<Self, String> {
        let selected = selections(group).ok_or_else(|| "Invalid type.".to_string())?;
        let instance = match &opts.host_org_name {
            Some(name) => format!("{} MISP", sanitize(name)),
            None => "MISP".to_string(),
        };
        Ok(Zeek {
            selected,
            instance,
            base_url: opts.base_url.clone(),
            event_part: None,
            rows: Vec::new(),
        })
    }
}

impl Exporter for Zeek {
    fn header(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(FIELDS.as_bytes());
    }

    fn attribute(&mut self, item: Item<'_>, _out: &mut Vec<u8>) {
        let a = item.attribute;
        let e = &item.event.event;
        if self.event_part.as_ref().is_none_or(|(id, _)| *id != e.id) {
            let part = format!(
                "{} ({}) - {}\t{}",
                self.instance,
                e.uuid,
                sanitize(&item.event.orgc.name),
                sanitize(&e.info)
            );
            self.event_part = Some((e.id, part));
        }
        let event_part = self.event_part.as_ref().map_or("", |(_, p)| p.as_str());
        for &(kind, field) in &self.selected {
            if kind != a.r#type {
                continue;
            }
            let raw = if field == 2 { &a.value2 } else { &a.value1 };
            let mut value = sanitize(raw);
            if kind == "url" {
                let bare = value
                    .strip_prefix("http://")
                    .or(value.strip_prefix("https://"));
                value = bare.unwrap_or(&value).to_string();
            }
            self.rows.push(format!(
                "{}\tIntel::{}\t{event_part}. {}\t{}/events/view/{}\tT\t-",
                sanitize(&value),
                intel_type(kind, field, raw),
                sanitize(&a.comment),
                self.base_url,
                e.id,
            ));
        }
    }

    fn footer(&mut self, out: &mut Vec<u8>) {
        let mut rows = std::mem::take(&mut self.rows);
        rows.sort_unstable();
        rows.dedup();
        rows.sort_by(|a, b| natural_cmp(a.as_bytes(), b.as_bytes()));
        for row in rows {
            out.extend_from_slice(row.as_bytes());
            out.push(b'\n');
        }
    }
}

/// MISP's field cleaning: TAB, VT, CR and LF become spaces, bytes from DEL upwards go, tags are
/// stripped and `&amp; &lt; &gt; &quot;` and numeric entities decoded. Unlike MISP, whitespace
/// produced by decoding (`&#9;`, `&#10;`) is replaced too, so no value can forge a field or row.
fn sanitize(s: &str) -> String {
    let spaced = |s: &str| {
        s.replace("\r\n", " ")
            .replace(['\t', '\x0B', '\r', '\n'], " ")
    };
    let ascii: String = spaced(s).chars().filter(|c| (*c as u32) < 127).collect();
    spaced(&decode_entities(&strip_tags(&ascii)))
}

/// PHP's `strip_tags` for what reaches it here (ASCII, quotes already neutral): `<` opens a tag
/// closed by the matching `>`, `<!--` a comment closed by `-->`; an unclosed tag eats the rest.
fn strip_tags(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            0 => i += 1,
            b'<' if b[i..].starts_with(b"<!--") => {
                i = s[i + 2..].find("-->").map_or(b.len(), |p| i + 2 + p + 3);
            }
            b'<' => {
                let mut depth = 0usize;
                let mut j = i + 1;
                while j < b.len() {
                    match b[j] {
                        b'<' => depth += 1,
                        b'>' if depth == 0 => break,
                        b'>' => depth -= 1,
                        _ => {}
                    }
                    j += 1;
                }
                i = j + 1;
            }
            c => {
                out.push(c as char);
                i += 1;
            }
        }
    }
    out
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        match entity(rest) {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The character an entity at the start of `s` stands for, and the entity's length.
fn entity(s: &str) -> Option<(char, usize)> {
    let end = s.find(';')?;
    let c = match &s[1..end] {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        body => {
            let num = body.strip_prefix('#')?;
            let (digits, radix) = match num.strip_prefix(['x', 'X']) {
                Some(hex) => (hex, 16),
                None => (num, 10),
            };
            if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
                return None;
            }
            let cp = u32::from_str_radix(digits, radix).ok()?;
            let allowed = matches!(cp, 0x09 | 0x0A | 0x0D | 0x20..=0x7E | 0xA0..=0xD7FF)
                || ((0xE000..=0x10FFFF).contains(&cp)
                    && (cp & 0xFFFF) < 0xFFFE
                    && !(0xFDD0..=0xFDEF).contains(&cp));
            if !allowed {
                return None;
            }
            char::from_u32(cp)?
        }
    };
    Some((c, end + 1))
}

/// PHP's `strnatcmp` (what `natsort` uses): runs of digits compare as numbers (or digit by
/// digit when one starts with `0`), whitespace is skipped, leading zeros ignored at the start.
pub(crate) fn natural_cmp(a: &[u8], b: &[u8]) -> Ordering {
    if a.is_empty() || b.is_empty() {
        return a.len().cmp(&b.len());
    }
    let at = |s: &[u8], i: usize| s.get(i).copied().unwrap_or(0);
    let (mut i, mut j) = (0, 0);
    let skip_zeros = |s: &[u8], i: &mut usize| {
        while s[*i] == b'0' && s.get(*i + 1).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
    };
    skip_zeros(a, &mut i);
    skip_zeros(b, &mut j);
    loop {
        while at(a, i).is_ascii_whitespace() || at(a, i) == 0x0B {
            i += 1;
        }
        while at(b, j).is_ascii_whitespace() || at(b, j) == 0x0B {
            j += 1;
        }
        if at(a, i).is_ascii_digit() && at(b, j).is_ascii_digit() {
            let fractional = at(a, i) == b'0' || at(b, j) == b'0';
            let r = digits_cmp(a, &mut i, b, &mut j, fractional);
            if r != Ordering::Equal {
                return r;
            }
            match (i >= a.len(), j >= b.len()) {
                (true, true) => return Ordering::Equal,
                (true, false) => return Ordering::Less,
                (false, true) => return Ordering::Greater,
                _ => {}
            }
        }
        let (ca, cb) = (at(a, i), at(b, j));
        if ca != cb {
            return ca.cmp(&cb);
        }
        i += 1;
        j += 1;
        match (i >= a.len(), j >= b.len()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
    }
}

/// Compares the digit runs at `i` and `j`, leaving both at the end of their runs when equal.
/// Right-aligned (the longer run is larger, else the first difference) unless `fractional`,
/// where the first difference decides.
fn digits_cmp(a: &[u8], i: &mut usize, b: &[u8], j: &mut usize, fractional: bool) -> Ordering {
    let mut bias = Ordering::Equal;
    loop {
        let da = a.get(*i).filter(|c| c.is_ascii_digit());
        let db = b.get(*j).filter(|c| c.is_ascii_digit());
        match (da, db) {
            (None, None) => return bias,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x != y => {
                if fractional {
                    return x.cmp(y);
                }
                if bias == Ordering::Equal {
                    bias = x.cmp(y);
                }
            }
            _ => {}
        }
        *i += 1;
        *j += 1;
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::exports::fixtures::*;

    #[test]
    fn all_groups_reproduce_misp_capture_098() {
        let events = [
            golden_event("070").filtered(|a| a.to_ids),
            golden_event("072").filtered(|a| a.to_ids),
        ];
        let mut zeek = Zeek::new(&options(json!({})), "all").unwrap();
        assert_eq!(run_events(&mut zeek, &events), golden_body("098"));
    }

    #[test]
    fn one_group_with_composites_subnets_and_cleaned_fields() {
        let mut opts = options(json!({}));
        opts.host_org_name = None;
        let mut ctx = event(3, "Op \"X\"\tnext");
        ctx.orgc = org(2, "OrgB");
        let mut data = EventData::new(ctx);
        let mut cidr = attribute(1, 3, "ip-dst", "10.0.0.0/8");
        cidr.comment = "<b>bold</b> &lt;i&gt; caf\u{e9}&#10;x".into();
        data.attributes.push((cidr, vec![]));
        data.attributes
            .push((attribute(2, 3, "domain|ip", "a.example|192.0.2.10"), vec![]));
        data.attributes
            .push((attribute(3, 3, "ip-src|port", "192.0.2.9|80"), vec![]));
        data.attributes
            .push((attribute(4, 3, "domain", "b.example"), vec![]));
        let mut zeek = Zeek::new(&opts, "ip").unwrap();
        let tail = "\tMISP (10000000-0000-4000-8000-000000000003) - OrgB\tOp \"X\" next. ";
        let url = "\thttp://127.0.0.1:8080/events/view/3\tT\t-\n";
        let expected = format!(
            "{FIELDS}10.0.0.0/8\tIntel::SUBNET{tail}bold <i> caf x{url}\
             192.0.2.9\tIntel::ADDR{tail}{url}\
             192.0.2.10\tIntel::ADDR{tail}{url}"
        );
        assert_eq!(run_events(&mut zeek, &[data]), expected);
    }

    #[test]
    fn urls_lose_their_scheme_and_tags_are_stripped_twice() {
        let mut data = EventData::new(event(1, "i"));
        let url = "https://evil.example/&lt;script&gt;x&lt;/script&gt;gate";
        data.attributes.push((attribute(1, 1, "url", url), vec![]));
        let mut zeek = Zeek::new(&options(json!({})), "url").unwrap();
        let body = run_events(&mut zeek, &[data]);
        assert!(
            body.contains("\nevil.example/xgate\tIntel::URL\tORGNAME MISP ("),
            "{body}"
        );
    }

    #[test]
    fn unknown_group_is_refused_and_groups_list_their_types() {
        assert_eq!(
            Zeek::new(&options(json!({})), "bogus").err().as_deref(),
            Some("Invalid type.")
        );
        assert_eq!(
            types_of("domain"),
            Some(vec!["hostname", "domain", "domain|ip"])
        );
        assert_eq!(types_of("software"), Some(vec!["user-agent"]));
        let all = types_of("all").unwrap();
        assert_eq!(all.iter().filter(|t| **t == "domain|ip").count(), 1);
        assert_eq!(all.len(), 47);
        assert_eq!(types_of("attachment"), None);
    }

    #[test]
    fn natural_order_matches_php_natsort() {
        let mut v = ["img12.png", "img10.png", "IMG2.png", "img2.png", "img1.png"];
        v.sort_by(|a, b| natural_cmp(a.as_bytes(), b.as_bytes()));
        assert_eq!(
            v,
            ["IMG2.png", "img1.png", "img2.png", "img10.png", "img12.png"]
        );
        let mut v = ["-5", "3", "-2", "0", "-1000", "9", "1"];
        v.sort_by(|a, b| natural_cmp(a.as_bytes(), b.as_bytes()));
        assert_eq!(v, ["-2", "-5", "-1000", "0", "1", "3", "9"]);
        let mut v = ["09", "8", "10", "009", "011", "0"];
        v.sort();
        v.sort_by(|a, b| natural_cmp(a.as_bytes(), b.as_bytes()));
        assert_eq!(v, ["0", "8", "009", "09", "10", "011"]);
        assert_eq!(natural_cmp(b"1.05", b"1.5"), Ordering::Less);
        assert_eq!(natural_cmp(b"a.net/x", b"a.net\tIntel"), Ordering::Less);
    }
}
