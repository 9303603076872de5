//! The `snort` restSearch format: MISP's Snort 2 rules, where DNS names are matched as raw
//! wire labels and HTTP fields with the legacy `http_*` content modifiers. Also the rewrite of
//! `snort` attributes (rules written by users), which both flavours export the same way.

use crate::exports::nids::{
    Emit, Flavour, FlavourRules, SESSION_TAG, escape, nids_exporter, preg_quote,
};

nids_exporter!(
    /// Snort rules for the attributes and `network-connection`/`ddos` objects exported.
    Snort,
    Flavour::Snort
);

pub(crate) const RULES: FlavourRules = FlavourRules {
    name: "snort",
    domain,
    hostname,
    url,
    user_agent,
    ja3: None,
};

const DNS_HEADER: &str =
    "content:\"|01 00 00 01 00 00 00 00 00 01|\"; depth:10; offset:2; content:\"";
const OUT_HTTP: [&str; 5] = ["tcp", "$HOME_NET", "any", "$EXTERNAL_NET", "$HTTP_PORTS"];

/// A DNS name as its wire labels (`|06|update|03|net|00|`); hostnames get MISP's extra
/// leading `|01|`.
pub(crate) fn dns_raw(name: &str, hostname: bool) -> String {
    let mut out = String::from(if hostname { "|01|" } else { "" });
    for label in name.split('.') {
        out.push_str(&format!("|{:02x}|{label}", label.len()));
    }
    out.push_str("|00|");
    out
}

/// The DNS query over UDP and over TCP, then the HTTP `Host` header.
fn dns_rules(e: &mut Emit<'_>, label: &str, v: &str, hostname: bool, http: &str) {
    let content = format!(
        "{DNS_HEADER}{}\"; fast_pattern; nocase;",
        dns_raw(v, hostname)
    );
    e.rule(
        ["udp", "any", "any", "any", "53"],
        &format!("{label}: {v}"),
        &content,
        "",
    );
    e.sid += 1;
    let content = format!("{content} flow:established;");
    e.rule(
        ["tcp", "any", "any", "any", "53"],
        &format!("{label}: {v}"),
        &content,
        "",
    );
    e.sid += 1;
    let text = format!("Outgoing HTTP {label}: {v}");
    e.rule(OUT_HTTP, &text, http, SESSION_TAG);
}

fn domain(e: &mut Emit<'_>, value: &str) {
    let v = escape(value);
    let http = format!(
        "flow:to_server,established; content: \"Host|3a|\"; nocase; http_header; \
         content:\"{v}\"; fast_pattern; nocase; http_header; \
         pcre: \"/(^|[^A-Za-z0-9-]){}[^A-Za-z0-9-\\.]/H\";",
        preg_quote(&v)
    );
    dns_rules(e, "Domain", &v, false, &http);
}

fn hostname(e: &mut Emit<'_>, value: &str) {
    let v = escape(value);
    let http = format!(
        "flow:to_server,established; content: \"Host|3a| {v}\"; nocase; http_header; \
         pcre: \"/(^|[^A-Za-z0-9-\\.]){}[^A-Za-z0-9-\\.]/H\";",
        preg_quote(&v)
    );
    dns_rules(e, "Hostname", &v, true, &http);
}

fn url(e: &mut Emit<'_>, value: &str) {
    let v = escape(value);
    let content = format!("flow:to_server,established; content:\"{v}\"; nocase; http_uri;");
    e.rule(
        OUT_HTTP,
        &format!("Outgoing HTTP URL: {v}"),
        &content,
        SESSION_TAG,
    );
}

fn user_agent(e: &mut Emit<'_>, value: &str) {
    let v = escape(value);
    let content = format!("flow:to_server,established; content:\"{v}\"; http_header;");
    e.rule(
        OUT_HTTP,
        &format!("Outgoing User-Agent: {v}"),
        &content,
        SESSION_TAG,
    );
}

/// A `snort` attribute holds a whole rule: MISP keeps it on one line and rewrites its
/// `sid`, `rev`, `classtype`, `msg` and `reference` options as for its own rules, appending
/// those that were missing before the closing `)`.
pub(crate) fn rewrite_rule(e: &mut Emit<'_>, value: &str) {
    let rule = value.replace(['\r', '\n'], " ");
    let sid = format!("sid:{};", e.sid);
    let (rule, sids) = replace_all(&rule, |b, i| keyword_number(b, i, b"sid"), |_| sid.clone());
    let (rule, revs) = replace_all(
        &rule,
        |b, i| keyword_number(b, i, b"rev"),
        |_| "rev:1;".into(),
    );
    let classtype = "classtype:trojan-activity;";
    let (rule, classtypes) = replace_all(&rule, classtype_at, |_| classtype.into());
    let (rule, msgs) = replace_all(&rule, msg_at, |m| {
        let text = &m[m.find('"').unwrap_or(0) + 1..m.rfind('"').unwrap_or(m.len())];
        format!("{};", e.msg(&format!("snort-rule | {text}")))
    });
    let reference = format!("{};", e.reference());
    let (rule, _) = replace_all(&rule, reference_at, |_| reference.clone());
    let (rule, references) = replace_all(&rule, reference_at, |_| reference.clone());
    let mut extra = String::new();
    for (count, option) in [
        (sids, sid.clone()),
        (revs, "rev:1;".to_string()),
        (classtypes, classtype.to_string()),
        (msgs, format!("{};", e.msg("%s"))),
        (references, reference.clone()),
    ] {
        if count == 0 {
            extra.push_str(&option);
        }
    }
    let (rule, _) = replace_all(&rule, close_at, |_| format!("; {extra})"));
    e.rules.push(rule);
}

/// `preg_replace` for one hand-written pattern: `at(bytes, i)` gives the end of a match
/// starting at `i`. Matches are found left to right without overlapping; every pattern
/// starts and ends on ASCII bytes, so the slices stay on character boundaries.
fn replace_all(
    s: &str,
    at: impl Fn(&[u8], usize) -> Option<usize>,
    with: impl Fn(&str) -> String,
) -> (String, usize) {
    let b = s.as_bytes();
    let (mut out, mut count, mut copied, mut i) = (String::new(), 0, 0, 0);
    while i < b.len() {
        match at(b, i) {
            Some(end) => {
                out.push_str(&s[copied..i]);
                out.push_str(&with(&s[i..end]));
                (copied, i, count) = (end, end, count + 1);
            }
            None => i += 1,
        }
    }
    out.push_str(&s[copied..]);
    (out, count)
}

/// PCRE's `\s` without the UTF flag.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn spaces(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_space(b[i]) {
        i += 1;
    }
    i
}

fn literal(b: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    b[i..].starts_with(word).then_some(i + word.len())
}

/// `<word>\s*:\s*` and the position after it.
fn option_start(b: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    let i = spaces(b, literal(b, i, word)?);
    Some(spaces(b, literal(b, i, b":")?))
}

/// `sid\s*:\s*[0-9]+\s*;` (and the same for `rev`).
fn keyword_number(b: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    let start = option_start(b, i, word)?;
    let digits = b[start..].iter().take_while(|c| c.is_ascii_digit()).count();
    (digits > 0).then_some(())?;
    literal(b, spaces(b, start + digits), b";")
}

/// `classtype:[a-zA-Z_-]+;`
fn classtype_at(b: &[u8], i: usize) -> Option<usize> {
    let start = literal(b, i, b"classtype:")?;
    let name = b[start..]
        .iter()
        .take_while(|c| c.is_ascii_alphabetic() || **c == b'_' || **c == b'-')
        .count();
    (name > 0).then_some(())?;
    literal(b, start + name, b";")
}

/// `msg\s*:\s*"(.*?)"\s*;`: the first closing quote followed by `;` ends the message
/// (the rule has no line breaks left for `.` to stop at).
fn msg_at(b: &[u8], i: usize) -> Option<usize> {
    let open = literal(b, option_start(b, i, b"msg")?, b"\"")?;
    (open..b.len())
        .filter(|&k| b[k] == b'"')
        .find_map(|k| literal(b, spaces(b, k + 1), b";"))
}

/// `reference\s*:\s*.+?;`: PCRE first widens the lazy part after the longest run of
/// spaces, and only then gives spaces back to it.
fn reference_at(b: &[u8], i: usize) -> Option<usize> {
    let colon = literal(b, spaces(b, literal(b, i, b"reference")?), b":")?;
    (colon..=spaces(b, colon)).rev().find_map(|from| {
        let semicolon = b.get(from + 1..)?.iter().position(|&c| c == b';')?;
        Some(from + 1 + semicolon + 1)
    })
}

/// `;\s*\)`
fn close_at(b: &[u8], i: usize) -> Option<usize> {
    literal(b, spaces(b, literal(b, i, b";")?), b")")
}
