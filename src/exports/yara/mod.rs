//! YARA rules from MISP data (spec/sharing.md 4.10), natively instead of MISP's Python
//! generator: hashes become `hash`/`pe` module conditions, string-like values text strings.
//! `yara` attributes are passed through when a small scanner finds whole rules in them, and
//! otherwise written inside a `MISP EXPORT COMMENT` block so the file still compiles.
//!
//! Generated rules stream out as they are completed (one per attribute in the attributes
//! scope, up to 1000 attributes per rule in the events scope). The as-is section comes last
//! in MISP's layout, so those rules (few and small in practice) are held until `footer`.

mod rule;
#[cfg(test)]
mod tests;

use serde_json::json;

use self::rule::{Rule, check_rule, contribution};
use super::{EventCtx, Exporter, Item, Options};

const GENERATED_BANNER: &str =
    "// ===================================== GENERATED ====================================\n";
const AS_IS_BANNER: &str =
    "// =====================================   AS-IS  ====================================\n";
/// MISP's limit of attributes per event rule.
const MAX_PER_RULE: usize = 1000;

pub struct Yara {
    json: bool,
    /// No generated rule written yet (no separator before the next one).
    first: bool,
    /// Rendered as-is entries (raw text or JSON objects), written by `footer`.
    as_is: Vec<String>,
    /// Events scope: the event being exported and its rule under construction.
    event: Option<EventRules>,
}

struct EventRules {
    uuid: String,
    info: String,
    part: usize,
    rule: Rule,
}

impl Yara {
    /// `json` selects `yara-json`; there are no parameters to reject.
    pub fn new(_opts: &Options, json: bool) -> Result<Self, String> {
        Ok(Yara {
            json,
            first: true,
            as_is: Vec::new(),
            event: None,
        })
    }

    fn write_generated(&mut self, text: &str, out: &mut Vec<u8>) {
        if !self.first {
            out.extend_from_slice(if self.json { b"," } else { b"\n\n" });
        }
        self.first = false;
        if self.json {
            let entry = json!({"value": text, "comment": "Generated. ", "valid": true});
            out.extend_from_slice(entry.to_string().as_bytes());
        } else {
            out.extend_from_slice(text.as_bytes());
        }
    }

    fn keep_as_is(&mut self, item: &Item<'_>) {
        let a = item.attribute;
        let value = a.value();
        let entry = match check_rule(&value) {
            Ok(()) if self.json => {
                json!({"value": value, "comment": "Loaded from source. ", "valid": true})
                    .to_string()
            }
            Ok(()) => value,
            Err(reason) => {
                let text = format!(
                    "/*            MISP EXPORT COMMENT\n    MISP_UUID: {}\n    {reason}\n{}\n*/",
                    a.uuid,
                    value.replace("*/", "* /")
                );
                if !self.json {
                    text
                } else {
                    let comment = "Broken yara attribute. Could not parse or repair.";
                    json!({"value": text, "comment": comment, "valid": false}).to_string()
                }
            }
        };
        self.as_is.push(entry);
    }

    /// Writes the event's pending rule, if it has a condition.
    fn flush_event_rule(&mut self, out: &mut Vec<u8>) {
        let Some(ev) = self.event.as_mut() else {
            return;
        };
        let rule = std::mem::take(&mut ev.rule);
        if rule.is_empty() {
            return;
        }
        ev.part += 1;
        let name = match rule.single_uuid() {
            Some(uuid) => format!("MISP_ATTRIBUTE_{uuid}"),
            None => format!("MISP_EVENT_{}_PART{}", ev.uuid, ev.part),
        };
        let meta = [
            ("MISP_EVENT_INFO", ev.info.clone()),
            ("MISP_EVENT_UUID", ev.uuid.clone()),
        ];
        let text = rule.render(&name, &meta);
        self.write_generated(&text, out);
    }
}

impl Exporter for Yara {
    fn header(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(if self.json {
            br#"{"generated":["#
        } else {
            GENERATED_BANNER.as_bytes()
        });
    }

    fn event_begin(&mut self, event: &EventCtx, _out: &mut Vec<u8>) {
        self.event = Some(EventRules {
            uuid: event.event.uuid.clone(),
            info: event.event.info.clone(),
            part: 0,
            rule: Rule::default(),
        });
    }

    fn attribute(&mut self, item: Item<'_>, out: &mut Vec<u8>) {
        let a = item.attribute;
        if a.r#type == "yara" {
            self.keep_as_is(&item);
            return;
        }
        let Some(part) = contribution(a) else {
            return;
        };
        if let Some(ev) = self.event.as_mut() {
            ev.rule.add(&a.uuid, part);
            if ev.rule.count() >= MAX_PER_RULE {
                self.flush_event_rule(out);
            }
            return;
        }
        let mut rule = Rule::default();
        rule.add(&a.uuid, part);
        let meta = [
            ("MISP_EVENT_INFO", item.event.event.info.clone()),
            ("MISP_EVENT_UUID", item.event.event.uuid.clone()),
            ("MISP_UUID", format!("{} ({})", a.uuid, a.r#type)),
        ];
        let text = rule.render(&format!("MISP_ATTRIBUTE_{}", a.uuid), &meta);
        self.write_generated(&text, out);
    }

    fn event_end(&mut self, _event: &EventCtx, out: &mut Vec<u8>) {
        self.flush_event_rule(out);
        self.event = None;
    }

    fn footer(&mut self, out: &mut Vec<u8>) {
        if self.json {
            out.extend_from_slice(br#"],"as-is":["#);
            out.extend_from_slice(self.as_is.join(",").as_bytes());
            out.extend_from_slice(b"]}");
        } else {
            out.push(b'\n');
            out.extend_from_slice(AS_IS_BANNER.as_bytes());
            out.extend_from_slice(self.as_is.join("\n\n").as_bytes());
        }
    }
}
