//! The rule generator shared by the Suricata and Snort exports (spec/sharing.md 4.8): MISP's
//! header, rule template, value escaping and sid allocation, plus the rules both flavours
//! write the same way. The flavour-specific rules live in `suricata` and `snort`.

use std::collections::HashMap;

use crate::attributes::Attribute;
use crate::exports::{EventCtx, Exporter, Item, Options, snort, suricata};
use crate::objects::Object;
use crate::tags::AttachedTag;

/// Which engine the rules are written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    Suricata,
    Snort,
}

impl Flavour {
    fn rules(self) -> &'static FlavourRules {
        match self {
            Flavour::Suricata => &suricata::RULES,
            Flavour::Snort => &snort::RULES,
        }
    }
}

/// The rules whose form differs between the two engines, each written by its own module.
pub(crate) struct FlavourRules {
    pub(crate) name: &'static str,
    pub(crate) domain: fn(&mut Emit<'_>, &str),
    pub(crate) hostname: fn(&mut Emit<'_>, &str),
    pub(crate) url: fn(&mut Emit<'_>, &str),
    pub(crate) user_agent: fn(&mut Emit<'_>, &str),
    /// JA3/JA3S fingerprints (keyword, label, value); Snort has no rule for them.
    pub(crate) ja3: Option<fn(&mut Emit<'_>, &str, &str, &str)>,
}

/// The session-tagging option MISP adds to rules that log the rest of the conversation.
pub(crate) const SESSION_TAG: &str = "tag:session,600,seconds;";

/// Collects the rules of one attribute or object. MISP leaves room for ten rules per
/// attribute: the first takes `nids_sid + id * 10 + 1` and each further rule the next sid.
pub(crate) struct Emit<'a> {
    event: &'a EventCtx,
    base_url: &'a str,
    /// Attribute tag names then event tag names, as printed between the brackets.
    tags: String,
    pub(crate) sid: i64,
    pub(crate) rules: Vec<String>,
}

impl<'a> Emit<'a> {
    fn new(event: &'a EventCtx, base_url: &'a str, own_tags: &[&AttachedTag], sid: i64) -> Self {
        // MISP writes tag names as they are; a `;` would end the message and make the
        // rule unloadable, so it alone is escaped.
        let names: Vec<String> = own_tags
            .iter()
            .copied()
            .chain(event.tags.iter())
            .map(|t| t.tag.name.replace(';', "\\;"))
            .collect();
        Emit {
            event,
            base_url,
            tags: names.join(","),
            sid,
            rules: Vec::new(),
        }
    }

    /// `msg: "MISP e<id> [<tags>] <text>"`, the message every rule carries.
    pub(crate) fn msg(&self, text: &str) -> String {
        format!(
            "msg: \"MISP e{} [{}] {text}\"",
            self.event.event.id, self.tags
        )
    }

    pub(crate) fn reference(&self) -> String {
        format!(
            "reference:url,{}/events/view/{}",
            self.base_url, self.event.event.id
        )
    }

    /// Appends one rule; `head` is `[proto, src, src port, dst, dst port]`. Empty `content`
    /// and `tag` keep their separating spaces, as MISP's template does.
    pub(crate) fn rule(&mut self, head: [&str; 5], text: &str, content: &str, tag: &str) {
        let [proto, src, sport, dst, dport] = head;
        let rule = format!(
            "alert {proto} {src} {sport} -> {dst} {dport} ({}; {content} {tag} \
             classtype:trojan-activity; sid:{}; rev:1; priority:{}; {};) ",
            self.msg(text),
            self.sid,
            self.event.event.threat_level_id,
            self.reference()
        );
        self.rules.push(rule);
    }
}

/// MISP's `replaceIllegalChars`: one pass, so the bars it writes are not escaped again.
pub(crate) fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '|' => out.push_str("|7c|"),
            '"' => out.push_str("|22|"),
            ';' => out.push_str("|3b|"),
            ':' => out.push_str("|3a|"),
            '\\' => out.push_str("|5c|"),
            '0' if chars.peek() == Some(&'x') => {
                chars.next();
                out.push_str("|30 78|");
            }
            _ => out.push(c),
        }
    }
    out
}

/// PHP's `preg_quote` without a delimiter, as MISP quotes values inside `pcre:` patterns.
pub(crate) fn preg_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '.' | '\\' | '+' | '*' | '?' | '[' | '^' | ']' | '$' | '(' | ')' | '{' | '}' | '='
            | '!' | '<' | '>' | '|' | ':' | '-' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\0' => out.push_str("\\000"),
            _ => out.push(c),
        }
    }
    out
}

/// The streaming writer behind both exports. Rules for `network-connection` and `ddos`
/// objects are held until the event ends because MISP writes them after every attribute of
/// the event, including those of other objects.
pub struct Nids {
    rules: &'static FlavourRules,
    sid_base: i64,
    base_url: String,
    deferred: Vec<String>,
}

impl Nids {
    pub fn new(flavour: Flavour, opts: &Options) -> Result<Self, String> {
        Ok(Nids {
            rules: flavour.rules(),
            sid_base: opts.nids_sid,
            base_url: opts.base_url.trim_end_matches('/').to_string(),
            deferred: Vec::new(),
        })
    }

    /// Rules are joined by LF with none after the last, so each rule brings its own
    /// leading LF after the header.
    fn write(out: &mut Vec<u8>, rules: &[String]) {
        for rule in rules {
            out.push(b'\n');
            out.extend_from_slice(rule.as_bytes());
        }
    }

    fn flush_deferred(&mut self, out: &mut Vec<u8>) {
        Self::write(out, &self.deferred);
        self.deferred.clear();
    }

    fn attribute_rules(&self, e: &mut Emit<'_>, a: &Attribute) {
        let value = a.value();
        match a.r#type.as_str() {
            "ip-dst" | "ip-dst|port" => ip(e, true, a, &value),
            "ip-src" | "ip-src|port" => ip(e, false, a, &value),
            "email" => {
                email(e, "MAIL FROM", "Source Email Address", &value);
                e.sid += 1;
                email(e, "RCPT TO", "Destination Email Address", &value);
            }
            "email-src" => email(e, "MAIL FROM", "Source Email Address", &value),
            "email-dst" => email(e, "RCPT TO", "Destination Email Address", &value),
            "email-subject" => email_subject(e, &value),
            "email-attachment" => email_attachment(e, &value),
            "domain" => (self.rules.domain)(e, &a.value1),
            "domain|ip" => {
                (self.rules.domain)(e, &a.value1);
                e.sid += 1;
                ip_rule(e, true, &a.value2, "any", &a.value2);
                e.sid += 1;
                ip_rule(e, false, &a.value2, "any", &a.value2);
            }
            "hostname" => (self.rules.hostname)(e, &value),
            "url" => (self.rules.url)(e, &value),
            "user-agent" => (self.rules.user_agent)(e, &value),
            "ja3-fingerprint-md5" | "ja3s-fingerprint-md5" => {
                if let Some(ja3) = self.rules.ja3 {
                    let (keyword, label) = match a.r#type.as_str() {
                        "ja3-fingerprint-md5" => ("ja3", "JA3"),
                        _ => ("ja3s", "JA3S"),
                    };
                    ja3(e, keyword, label, &value);
                }
            }
            "snort" => snort::rewrite_rule(e, &value),
            _ => {}
        }
    }
}

/// The header lines after the title line.
const HEADER: [&str; 9] = [
    "#",
    "# These NIDS rules contain some variables that need to exist in your configuration.",
    "# Make sure you have set:",
    "#",
    "# $HOME_NET     - Your internal network range",
    "# $EXTERNAL_NET - The network considered as outside",
    "# $SMTP_SERVERS - All your internal SMTP servers",
    "# $HTTP_PORTS   - The ports used to contain HTTP traffic (not required with suricata export)",
    "# ",
];

impl Exporter for Nids {
    fn header(&mut self, out: &mut Vec<u8>) {
        let title = format!(
            "# MISP export of IDS rules - optimized for {}",
            self.rules.name
        );
        out.extend_from_slice(title.as_bytes());
        for line in HEADER {
            out.push(b'\n');
            out.extend_from_slice(line.as_bytes());
        }
    }

    fn attribute(&mut self, item: Item<'_>, out: &mut Vec<u8>) {
        let own: Vec<&AttachedTag> = item.tags.iter().collect();
        let sid = self.sid_base + item.attribute.id * 10 + 1;
        let mut e = Emit::new(item.event, &self.base_url, &own, sid);
        self.attribute_rules(&mut e, item.attribute);
        Self::write(out, &e.rules);
    }

    /// `network-connection` and `ddos` objects become one rule built from their relations,
    /// carrying the tags of all their attributes; other objects export their attributes.
    fn object(
        &mut self,
        event: &EventCtx,
        object: &Object,
        attributes: &[(Attribute, Vec<AttachedTag>)],
        out: &mut Vec<u8>,
    ) {
        if attributes.is_empty() {
            return;
        }
        let (protocol, text) = match object.name.as_str() {
            "network-connection" => ("layer4-protocol", "Network connection between"),
            "ddos" => ("protocol", "DDOS attack detected between"),
            _ => {
                for (attribute, tags) in attributes {
                    let item = Item {
                        event,
                        object: Some(object),
                        attribute,
                        tags,
                    };
                    self.attribute(item, out);
                }
                return;
            }
        };
        let own: Vec<&AttachedTag> = attributes.iter().flat_map(|(_, t)| t).collect();
        let sid = self.sid_base + object.id * 10 + 1;
        let mut e = Emit::new(event, &self.base_url, &own, sid);
        let relations: HashMap<&str, String> = attributes
            .iter()
            .filter_map(|(a, _)| Some((a.object_relation.as_deref()?, a.value())))
            .collect();
        let get = |key: &str, default: &'static str| -> String {
            relations
                .get(key)
                .cloned()
                .unwrap_or_else(|| default.into())
        };
        let (src, dst) = (get("ip-src", "$HOME_NET"), get("ip-dst", "$HOME_NET"));
        let head = [
            &get(protocol, "ip"),
            &src,
            &get("src-port", "any"),
            &dst,
            &get("dst-port", "any"),
        ];
        e.rule(
            head.map(String::as_str),
            &format!("{text} {src} and {dst}"),
            "",
            "",
        );
        self.deferred.append(&mut e.rules);
    }

    fn event_end(&mut self, _event: &EventCtx, out: &mut Vec<u8>) {
        self.flush_deferred(out);
    }

    fn footer(&mut self, out: &mut Vec<u8>) {
        self.flush_deferred(out);
    }
}

/// `ip-dst`/`ip-src` and their `|port` forms; the message shows the whole value.
fn ip(e: &mut Emit<'_>, outgoing: bool, a: &Attribute, value: &str) {
    let port = if a.r#type.ends_with("|port") {
        a.value2.as_str()
    } else {
        "any"
    };
    ip_rule(e, outgoing, &a.value1, port, value);
}

fn ip_rule(e: &mut Emit<'_>, outgoing: bool, ip: &str, port: &str, value: &str) {
    if outgoing {
        let head = ["ip", "$HOME_NET", "any", ip, port];
        e.rule(head, &format!("Outgoing To IP: {value}"), "", "");
    } else {
        let head = ["ip", ip, port, "$HOME_NET", "any"];
        e.rule(head, &format!("Incoming From IP: {value}"), "", "");
    }
}

const SMTP: [&str; 5] = ["tcp", "$EXTERNAL_NET", "any", "$SMTP_SERVERS", "25"];
const MAIL_END: &str = "content:\"|0D 0A 0D 0A|\"; within:8192;";

/// An SMTP envelope address after `command` (`MAIL FROM` or `RCPT TO`).
fn email(e: &mut Emit<'_>, command: &str, label: &str, value: &str) {
    let v = escape(value);
    let content = format!(
        "flow:established,to_server; content:\"{command}|3a|\"; nocase; content:\"{v}\"; \
         fast_pattern; nocase; {MAIL_END}"
    );
    e.rule(SMTP, &format!("{label}: {v}"), &content, SESSION_TAG);
}

fn email_subject(e: &mut Emit<'_>, value: &str) {
    let v = escape(value);
    let content = format!(
        "flow:established,to_server; content:\"Subject|3a|\"; nocase; content:\"{v}\"; \
         fast_pattern; nocase; {MAIL_END}"
    );
    e.rule(SMTP, "Bad Email Subject", &content, SESSION_TAG);
}

fn email_attachment(e: &mut Emit<'_>, value: &str) {
    let v = escape(value);
    let content = format!(
        "flow:established,to_server; content:\"Content-Disposition|3a| attachment|3b| \
         filename|3d 22|\"; content:\"{v}|22|\"; fast_pattern; {MAIL_END}"
    );
    e.rule(SMTP, "Bad Email Attachment", &content, SESSION_TAG);
}

/// Declares a flavour's exporter: a named wrapper over `Nids`, so `search` builds each
/// format by its own name like every other export.
macro_rules! nids_exporter {
    ($(#[$doc:meta])* $name:ident, $flavour:expr) => {
        $(#[$doc])*
        pub struct $name(crate::exports::nids::Nids);

        impl $name {
            pub fn new(opts: &crate::exports::Options) -> Result<Self, String> {
                crate::exports::nids::Nids::new($flavour, opts).map($name)
            }
        }

        impl crate::exports::Exporter for $name {
            fn header(&mut self, out: &mut Vec<u8>) {
                self.0.header(out)
            }
            fn attribute(&mut self, item: crate::exports::Item<'_>, out: &mut Vec<u8>) {
                self.0.attribute(item, out)
            }
            fn object(
                &mut self,
                event: &crate::exports::EventCtx,
                object: &crate::objects::Object,
                attributes: &[(crate::attributes::Attribute, Vec<crate::tags::AttachedTag>)],
                out: &mut Vec<u8>,
            ) {
                self.0.object(event, object, attributes, out)
            }
            fn event_end(&mut self, event: &crate::exports::EventCtx, out: &mut Vec<u8>) {
                self.0.event_end(event, out)
            }
            fn footer(&mut self, out: &mut Vec<u8>) {
                self.0.footer(out)
            }
        }
    };
}
pub(crate) use nids_exporter;

#[cfg(test)]
mod snort_tests;
#[cfg(test)]
mod suricata_check;
#[cfg(test)]
mod suricata_tests;
