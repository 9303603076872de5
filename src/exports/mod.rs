//! Export formats for restSearch and the Zeek download (spec/sharing.md 4): each format is an
//! `Exporter`, a pure writer from already ACL-filtered rows to bytes, fed a chunk at a time so
//! the response streams and memory stays flat whatever the result size. Nothing here touches
//! the database or HTTP; `search` feeds the rows and frames the response.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::attributes::Attribute;
use crate::events::Event;
use crate::objects::Object;
use crate::tags::AttachedTag;

// modules: formats (one line per format file)
pub mod cache;
pub mod csv;
#[cfg(test)]
pub mod fixtures;
pub mod hashes;
pub mod nids;
pub mod rpz;
pub mod snort;
pub mod stix2;
pub mod suricata;
pub mod text;
pub mod xml;
pub mod yara;
pub mod zeek;

/// An organisation as exports name it.
#[derive(Debug, Clone, Default)]
pub struct OrgRef {
    pub id: i64,
    pub name: String,
    pub uuid: String,
    /// A local organisation has users on this instance.
    pub local: bool,
}

/// An event with what every format may print about it: its owner and creator organisations
/// and the event tags the requesting user may see (already filtered for exportability).
#[derive(Debug, Clone)]
pub struct EventCtx {
    pub event: Event,
    pub org: OrgRef,
    pub orgc: OrgRef,
    pub tags: Vec<AttachedTag>,
}

/// One attribute to export, with its event, its object (when it belongs to one) and its own
/// tags. `attribute.value()` is the public value (`a|b` for composite types).
#[derive(Debug, Clone, Copy)]
pub struct Item<'a> {
    pub event: &'a EventCtx,
    pub object: Option<&'a Object>,
    pub attribute: &'a Attribute,
    pub tags: &'a [AttachedTag],
}

/// Request-independent settings plus the parsed request flags every format may use.
/// Format-specific parameters (rpz's `policy`, cache's `hash_type`, csv's
/// `requested_attributes` ...) are read by the format itself from `Options::params`.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `https://misp.example.org`, without a trailing slash.
    pub base_url: String,
    /// The host organisation's name (Zeek's `meta.source` is `<name> MISP`).
    pub host_org_name: Option<String>,
    /// The requesting user's `nids_sid` (Snort/Suricata sid base).
    pub nids_sid: i64,
    /// The requesting user's organisation (OpenIOC `authored_by`, STIX producer).
    pub user_org_name: String,
    /// Unix seconds at the start of the export (for dates in headers and serials).
    pub now: i64,
    /// The request's filters as posted (after URL parameters were merged in).
    pub params: Arc<Map<String, Value>>,
}

impl Options {
    /// A request flag: `1`, `true`, `"1"`, `"true"` are on; anything else off.
    pub fn flag(&self, key: &str) -> bool {
        match self.params.get(key) {
            Some(Value::Bool(b)) => *b,
            Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
            Some(Value::String(s)) => matches!(s.trim(), "1" | "true" | "True"),
            _ => false,
        }
    }

    /// A request string parameter (a number is given as its decimal form).
    pub fn string(&self, key: &str) -> Option<String> {
        match self.params.get(key)? {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// A request list parameter: a JSON list, or a string split on `,` (MISP accepts both).
    pub fn list(&self, key: &str) -> Option<Vec<String>> {
        match self.params.get(key)? {
            Value::Array(a) => Some(
                a.iter()
                    .filter_map(|v| match v {
                        Value::String(s) => Some(s.trim().to_string()),
                        Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    })
                    .filter(|s| !s.is_empty())
                    .collect(),
            ),
            Value::String(s) if !s.trim().is_empty() => Some(
                s.split(',')
                    .map(|p| p.trim().to_string())
                    .filter(|p| !p.is_empty())
                    .collect(),
            ),
            _ => None,
        }
    }
}

/// A streaming writer. `search` calls `header` once, then, in result order, `event_begin`,
/// `attribute` for each attribute outside objects and `object` for each object (events scope),
/// or `attribute` alone for each result row (attributes scope, where `Item::object` is set for
/// object attributes), then `event_end`, and finally `footer`. Every call appends to `out`,
/// which the caller flushes to the client between chunks.
pub trait Exporter: Send {
    fn header(&mut self, _out: &mut Vec<u8>) {}
    fn event_begin(&mut self, _event: &EventCtx, _out: &mut Vec<u8>) {}
    fn attribute(&mut self, item: Item<'_>, out: &mut Vec<u8>);
    /// An object with its attributes (events scope). By default each attribute alone.
    fn object(
        &mut self,
        event: &EventCtx,
        object: &Object,
        attributes: &[(Attribute, Vec<AttachedTag>)],
        out: &mut Vec<u8>,
    ) {
        for (a, tags) in attributes {
            self.attribute(
                Item {
                    event,
                    object: Some(object),
                    attribute: a,
                    tags,
                },
                out,
            );
        }
    }
    fn event_end(&mut self, _event: &EventCtx, _out: &mut Vec<u8>) {}
    fn footer(&mut self, _out: &mut Vec<u8>) {}
}

/// Which restSearch endpoint is exporting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Events,
    Attributes,
    Objects,
}

/// The restSearch return formats Cairn serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
    Csv,
    Text,
    Hashes,
    Cache,
    Count,
    Rpz,
    Suricata,
    Snort,
    Stix2,
    Yara,
    YaraJson,
    Zeek,
}

impl Format {
    /// `returnFormat` as clients send it; `download` is json, `bro` is Zeek.
    pub fn parse(name: &str) -> Option<Format> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "json" | "download" => Format::Json,
            "xml" => Format::Xml,
            "csv" => Format::Csv,
            "text" => Format::Text,
            "hashes" => Format::Hashes,
            "cache" => Format::Cache,
            "count" => Format::Count,
            "rpz" => Format::Rpz,
            "suricata" => Format::Suricata,
            "snort" => Format::Snort,
            "stix2" => Format::Stix2,
            "yara" => Format::Yara,
            "yara-json" => Format::YaraJson,
            "zeek" | "bro" => Format::Zeek,
            _ => return None,
        })
    }

    /// The name in `X-Export-Module-Used`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Xml => "xml",
            Format::Csv => "csv",
            Format::Text => "text",
            Format::Hashes => "hashes",
            Format::Cache => "cache",
            Format::Count => "count",
            Format::Rpz => "rpz",
            Format::Suricata => "suricata",
            Format::Snort => "snort",
            Format::Stix2 => "stix2",
            Format::Yara => "yara",
            Format::YaraJson => "yara-json",
            Format::Zeek => "zeek",
        }
    }

    /// `text`, `hashes`, `rpz`, `snort`, `suricata` and Zeek imply `to_ids = 1` and
    /// `published = 1` unless the request sets them.
    pub fn restrictive(self) -> bool {
        matches!(
            self,
            Format::Text
                | Format::Hashes
                | Format::Rpz
                | Format::Snort
                | Format::Suricata
                | Format::Zeek
        )
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json | Format::Stix2 | Format::YaraJson => "application/json; charset=UTF-8",
            Format::Xml => "application/xml; charset=UTF-8",
            Format::Csv => "text/csv; charset=UTF-8",
            _ => "text/plain; charset=UTF-8",
        }
    }

    /// `X-Response-Format`, which is also the download file's extension.
    pub fn response_format(self) -> &'static str {
        match self {
            Format::Json | Format::Stix2 | Format::YaraJson => "json",
            Format::Xml => "xml",
            Format::Csv => "csv",
            _ => "txt",
        }
    }
}
