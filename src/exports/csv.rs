//! `csv` (spec/sharing.md 4.3): one row per attribute with MISP's columns and cell typing, so
//! spreadsheets and scripts written against MISP read Cairn's output unchanged.

use std::borrow::Cow;

use super::{EventCtx, Exporter, Item, Options};
use crate::attributes::format_seen;

const DEFAULT_FIELDS: [&str; 10] = [
    "uuid",
    "event_id",
    "category",
    "type",
    "value",
    "comment",
    "to_ids",
    "timestamp",
    "object_relation",
    "attribute_tag",
];
const DEFAULT_OBJECT_FIELDS: [&str; 3] = ["object_uuid", "object_name", "object_meta-category"];
const CONTEXT_FIELDS: [&str; 9] = [
    "event_info",
    "event_member_org",
    "event_source_org",
    "event_distribution",
    "event_threat_level_id",
    "event_analysis",
    "event_date",
    "event_tag",
    "event_timestamp",
];
const DECAY_FIELDS: [&str; 2] = ["decay_score_score", "decay_score_decayed"];

/// The CSV writer: the column list is fixed by the request before the first row.
pub struct Csv {
    columns: Vec<String>,
    headerless: bool,
    /// Inside `event_begin`/`event_end`, i.e. the events scope, where MISP leaves the decay
    /// columns empty; the attributes scope fills them with its "no score" values.
    in_event: bool,
}

/// One cell before encoding, typed as MISP's array value would be.
enum Cell<'a> {
    Text(Cow<'a, str>),
    Int(i64),
    Bool(bool),
    Missing,
}

impl Csv {
    pub fn new(opts: &Options) -> Result<Self, String> {
        let requested = opts.list("requested_attributes");
        let mut columns: Vec<String> = match &requested {
            Some(list) => list.clone(),
            None if opts.flag("includeDecayScore") => DEFAULT_FIELDS
                .iter()
                .chain(DECAY_FIELDS.iter())
                .map(|s| s.to_string())
                .collect(),
            None => DEFAULT_FIELDS.iter().map(|s| s.to_string()).collect(),
        };
        match opts.list("requested_obj_attributes") {
            Some(list) => columns.extend(list.iter().map(|f| format!("object_{f}"))),
            None if requested.is_none() => {
                columns.extend(DEFAULT_OBJECT_FIELDS.iter().map(|s| s.to_string()))
            }
            None => {}
        }
        if opts.flag("includeContext") {
            columns.extend(CONTEXT_FIELDS.iter().map(|s| s.to_string()));
        }
        Ok(Csv {
            columns,
            headerless: opts.flag("headerless"),
            in_event: false,
        })
    }

    fn cell<'a>(&self, name: &str, item: &Item<'a>) -> Cell<'a> {
        let a = item.attribute;
        match name {
            "id" => Cell::Int(a.id),
            "uuid" => Cell::Text(Cow::Borrowed(&a.uuid)),
            "event_id" => Cell::Int(a.event_id),
            "object_id" => Cell::Int(a.object_id),
            "object_relation" => opt_text(a.object_relation.as_deref()),
            "category" => Cell::Text(Cow::Borrowed(&a.category)),
            "type" => Cell::Text(Cow::Borrowed(&a.r#type)),
            "value" => Cell::Text(Cow::Owned(a.value())),
            "to_ids" => Cell::Bool(a.to_ids),
            "distribution" => Cell::Int(a.distribution),
            "sharing_group_id" => Cell::Int(a.sharing_group_id),
            "comment" => Cell::Text(Cow::Borrowed(&a.comment)),
            "deleted" => Cell::Bool(a.deleted),
            "disable_correlation" => Cell::Bool(a.disable_correlation),
            "timestamp" => Cell::Int(a.timestamp),
            "first_seen" => seen(a.first_seen),
            "last_seen" => seen(a.last_seen),
            "attribute_tag" => joined_tags(item.tags),
            "decay_score_score" if !self.in_event => Cell::Int(0),
            "decay_score_decayed" if !self.in_event => Cell::Bool(false),
            _ => object_cell(name, item)
                .or_else(|| event_cell(name, item.event))
                .unwrap_or(Cell::Missing),
        }
    }
}

fn opt_text(v: Option<&str>) -> Cell<'_> {
    v.map_or(Cell::Missing, |s| Cell::Text(Cow::Borrowed(s)))
}

fn seen<'a>(us: Option<i64>) -> Cell<'a> {
    us.map_or(Cell::Missing, |us| Cell::Text(Cow::Owned(format_seen(us))))
}

/// Tag names comma-joined; no tags is a missing cell, as MISP only sets the key when some exist.
fn joined_tags(tags: &[crate::tags::AttachedTag]) -> Cell<'_> {
    if tags.is_empty() {
        return Cell::Missing;
    }
    let names: Vec<&str> = tags.iter().map(|t| t.tag.name.as_str()).collect();
    Cell::Text(Cow::Owned(names.join(",")))
}

fn object_cell<'a>(name: &str, item: &Item<'a>) -> Option<Cell<'a>> {
    let o = item.object?;
    Some(match name {
        "object_uuid" => Cell::Text(Cow::Borrowed(&o.uuid)),
        "object_name" => Cell::Text(Cow::Borrowed(&o.name)),
        "object_meta-category" => Cell::Text(Cow::Borrowed(&o.meta_category)),
        _ => return None,
    })
}

/// The `event_*` context columns: orgs and threat level by name, as MISP's CsvExport does.
fn event_cell<'a>(name: &str, ctx: &'a EventCtx) -> Option<Cell<'a>> {
    let e = &ctx.event;
    Some(match name {
        "event_info" => Cell::Text(Cow::Borrowed(&e.info)),
        "event_member_org" => Cell::Text(Cow::Borrowed(&ctx.org.name)),
        "event_source_org" => Cell::Text(Cow::Borrowed(&ctx.orgc.name)),
        "event_distribution" => Cell::Int(e.distribution),
        "event_threat_level_id" => threat_level_name(e.threat_level_id)
            .map_or(Cell::Missing, |n| Cell::Text(Cow::Borrowed(n))),
        "event_analysis" => Cell::Int(e.analysis),
        "event_date" => Cell::Text(Cow::Borrowed(&e.date)),
        "event_tag" => joined_tags(&ctx.tags),
        "event_timestamp" => Cell::Int(e.timestamp),
        _ => return None,
    })
}

fn threat_level_name(id: i64) -> Option<&'static str> {
    match id {
        1 => Some("High"),
        2 => Some("Medium"),
        3 => Some("Low"),
        4 => Some("Undefined"),
        _ => None,
    }
}

fn encode(cell: &Cell<'_>, out: &mut Vec<u8>) {
    match cell {
        Cell::Int(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Cell::Bool(b) => out.push(if *b { b'1' } else { b'0' }),
        Cell::Missing => out.extend_from_slice(b"\"\""),
        Cell::Text(s) if php_is_numeric(s) => out.extend_from_slice(s.as_bytes()),
        Cell::Text(s) => {
            out.push(b'"');
            out.extend_from_slice(s.replace('"', "\"\"").as_bytes());
            out.push(b'"');
        }
    }
}

/// PHP 8's `is_numeric` for strings, which decides whether MISP quotes a cell: optional
/// surrounding whitespace, a sign, decimal digits with an optional fraction and exponent.
pub(crate) fn php_is_numeric(s: &str) -> bool {
    let ws = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C);
    let b = s.as_bytes();
    let start = b.iter().position(|c| !ws(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !ws(c)).map_or(start, |i| i + 1);
    let t = &b[start..end];
    let mut i = usize::from(matches!(t.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let from = *i;
        while t.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - from
    };
    let mut mantissa = digits(&mut i);
    if t.get(i) == Some(&b'.') {
        i += 1;
        mantissa += digits(&mut i);
    }
    if mantissa == 0 {
        return false;
    }
    if matches!(t.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(t.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == t.len()
}

impl Exporter for Csv {
    fn header(&mut self, out: &mut Vec<u8>) {
        if self.headerless {
            return;
        }
        let names: Vec<String> = self
            .columns
            .iter()
            .map(|c| match c.as_str() {
                "timestamp" => "date".to_string(),
                other => other.replace('-', "_"),
            })
            .collect();
        out.extend_from_slice(names.join(",").as_bytes());
        out.push(b'\n');
    }

    fn event_begin(&mut self, _event: &EventCtx, _out: &mut Vec<u8>) {
        self.in_event = true;
    }

    fn attribute(&mut self, item: Item<'_>, out: &mut Vec<u8>) {
        for (i, name) in self.columns.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            encode(&self.cell(name, &item), out);
        }
        out.push(b'\n');
    }

    fn event_end(&mut self, _event: &EventCtx, _out: &mut Vec<u8>) {
        self.in_event = false;
    }

    fn footer(&mut self, out: &mut Vec<u8>) {
        out.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::exports::fixtures::*;

    fn published(prefix: &str) -> EventData {
        let mut e = golden_event(prefix);
        e.ctx.event.published = true;
        e
    }

    #[test]
    fn events_scope_reproduces_misp_capture_084() {
        let opts = options(json!({"returnFormat": "csv", "eventid": "5", "includeContext": 0}));
        let mut csv = Csv::new(&opts).unwrap();
        let body = run_events(&mut csv, &[published("070")]);
        assert_eq!(body, golden_body("084"));
    }

    #[test]
    fn attributes_scope_reproduces_misp_capture_096() {
        // Event 3's domain carries an object_relation but belongs to no object.
        let mut e3 = EventData::new(event(3, "pre-existing"));
        let mut a = attribute(1, 3, "domain", "example.net");
        a.uuid = "d21eb35b-fe59-49f1-8fbc-70bf29287a0a".into();
        a.object_relation = Some("domain".into());
        a.timestamp = 1_795_811_976;
        e3.attributes.push((a, vec![]));
        let domains = |a: &crate::attributes::Attribute| a.r#type == "domain";
        let (e5, e7) = (golden_event("070"), golden_event("072"));
        let (e5, e7) = (e5.filtered(domains), e7.filtered(domains));
        let rows: Vec<Item> = [&e3, &e5, &e7].iter().flat_map(|e| e.items()).collect();
        let mut csv = Csv::new(&options(json!({"type": "domain"}))).unwrap();
        assert_eq!(run_attributes(&mut csv, &rows), golden_body("096"));
    }

    fn sample() -> EventData {
        let mut ctx = event(9, "Say \"hi\", ok");
        ctx.org = org(2, "OrgB");
        ctx.tags = vec![tag("tlp:green"), tag("misp:x=\"y\"")];
        let mut data = EventData::new(ctx);
        let mut a = attribute(41, 9, "ip-dst|port", "1.2.3.4|443");
        a.comment = "1e3".into();
        a.first_seen = Some(1_577_919_600_000_000);
        data.attributes.push((a, vec![tag("t1"), tag("t2")]));
        let mut port = attribute(42, 9, "port", "8080");
        port.to_ids = false;
        port.object_relation = Some("dst-port".into());
        let obj = object(7, 9, "ip-port", "network");
        data.objects.push((obj, vec![(port, vec![])]));
        data
    }

    #[test]
    fn context_columns_name_orgs_and_threat_level() {
        let opts = options(json!({"includeContext": 1, "headerless": "1"}));
        let mut csv = Csv::new(&opts).unwrap();
        let body = run_events(&mut csv, &[sample()]);
        let ctx = ",\"Say \"\"hi\"\", ok\",\"OrgB\",\"ORGNAME\",1,\"Medium\",1,\"2026-11-27\",\
                   \"tlp:green,misp:x=\"\"y\"\"\",1795812628";
        let expected = format!(
            "\"20000000-0000-4000-8000-000000000041\",9,\"Network activity\",\"ip-dst|port\",\
             \"1.2.3.4|443\",1e3,1,1795812628,\"\",\"t1,t2\",\"\",\"\",\"\"{ctx}\n\
             \"20000000-0000-4000-8000-000000000042\",9,\"Network activity\",\"port\",8080,\"\",0,\
             1795812628,\"dst-port\",\"\",\"30000000-0000-4000-8000-000000000007\",\"ip-port\",\
             \"network\"{ctx}\n\n"
        );
        assert_eq!(body, expected);
    }

    #[test]
    fn requested_attributes_replace_columns_and_drop_object_columns() {
        let opts = options(json!({
            "requested_attributes": ["id", "value", "first_seen", "to_ids", "nonsense"],
        }));
        let mut csv = Csv::new(&opts).unwrap();
        let data = sample();
        let body = run_attributes(&mut csv, &data.items());
        assert_eq!(
            body,
            "id,value,first_seen,to_ids,nonsense\n\
             41,\"1.2.3.4|443\",\"2020-01-01T23:00:00.000000+00:00\",1,\"\"\n\
             42,8080,\"\",0,\"\"\n\n"
        );
    }

    #[test]
    fn requested_object_attributes_are_prefixed() {
        let opts = options(json!({
            "requested_attributes": "uuid,timestamp",
            "requested_obj_attributes": ["name", "meta-category", "comment"],
        }));
        let mut csv = Csv::new(&opts).unwrap();
        let data = sample();
        let rows = data.items();
        let body = run_attributes(&mut csv, &rows[1..]);
        assert_eq!(
            body,
            "uuid,date,object_name,object_meta_category,object_comment\n\
             \"20000000-0000-4000-8000-000000000042\",1795812628,\"ip-port\",\"network\",\"\"\n\n"
        );
    }

    #[test]
    fn decay_columns_are_zero_in_attributes_scope_and_empty_in_events_scope() {
        let opts = options(json!({"includeDecayScore": true, "requested_obj_attributes": []}));
        let data = EventData {
            objects: vec![],
            ..sample()
        };
        let mut csv = Csv::new(&opts).unwrap();
        let attrs = run_attributes(&mut csv, &data.items());
        assert!(attrs.starts_with(
            "uuid,event_id,category,type,value,comment,to_ids,date,object_relation,\
             attribute_tag,decay_score_score,decay_score_decayed\n"
        ));
        assert!(attrs.ends_with(",\"\",\"t1,t2\",0,0\n\n"), "{attrs}");
        let mut csv = Csv::new(&opts).unwrap();
        let events = run_events(&mut csv, &[data]);
        assert!(
            events.ends_with(",\"\",\"t1,t2\",\"\",\"\"\n\n"),
            "{events}"
        );
    }

    #[test]
    fn empty_result_is_header_and_blank_line() {
        let mut csv = Csv::new(&options(json!({}))).unwrap();
        let body = run_events(&mut csv, &[]);
        assert_eq!(body.matches('\n').count(), 2);
        assert!(body.ends_with("object_meta_category\n\n"));
        let mut csv = Csv::new(&options(json!({"headerless": 1}))).unwrap();
        assert_eq!(run_events(&mut csv, &[]), "\n");
    }

    #[test]
    fn numeric_strings_follow_php_is_numeric() {
        for yes in [
            "0", "48213", "-1", "+.5", "5.", "1e5", "1E-3", " 12", "12 \n", "0012",
        ] {
            assert!(php_is_numeric(yes), "{yes:?}");
        }
        for no in [
            "", " ", ".", "-", "1e", "e5", "0x1A", "1.2.3.4", "1,5", "12a", "inf",
        ] {
            assert!(!php_is_numeric(no), "{no:?}");
        }
    }
}
