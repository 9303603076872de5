//! `text` (spec/sharing.md 4.4): the distinct attribute values, one per line in first-seen
//! order, streamed as they are first met instead of collected until the end as MISP does.

use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};

use super::{Exporter, Item, Options};

/// The text writer. Deduplication remembers a 64-bit hash of each value written, not the value,
/// so millions of long values cost 8 bytes each (plus the set's overhead) rather than their size.
///
/// Trade-off: two different values with the same hash would print only the first. With n
/// distinct values the chance of any such collision is about n²/2⁶⁵ (≈ 3·10⁻⁶ for ten million
/// values). The hash keys are random per export (`RandomState`), not fixed, so nobody can craft
/// a value that collides with someone else's indicator to hide it from the list; the price is
/// that such an (improbable) accident would not repeat from one export to the next.
pub struct Text {
    hasher: RandomState,
    seen: HashSet<u64>,
}

impl Text {
    pub fn new(_opts: &Options) -> Result<Self, String> {
        Ok(Text {
            hasher: RandomState::new(),
            seen: HashSet::new(),
        })
    }
}

impl Exporter for Text {
    fn attribute(&mut self, item: Item<'_>, out: &mut Vec<u8>) {
        let value = item.attribute.value();
        if self.seen.insert(self.hasher.hash_one(&value)) {
            out.extend_from_slice(value.as_bytes());
            out.push(b'\n');
        }
    }

    /// MISP ends the list with a newline, so an empty result is a single newline.
    fn footer(&mut self, out: &mut Vec<u8>) {
        if self.seen.is_empty() {
            out.push(b'\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::attributes::Attribute;
    use crate::exports::fixtures::*;

    fn ids(a: &Attribute) -> bool {
        a.to_ids
    }

    #[test]
    fn events_scope_reproduces_misp_capture_085() {
        let events = [
            golden_event("070").filtered(ids),
            golden_event("072").filtered(ids),
        ];
        let mut text = Text::new(&options(json!({"type": "ip-dst"}))).unwrap();
        assert_eq!(run_events(&mut text, &events), golden_body("085"));
    }

    #[test]
    fn attributes_scope_reproduces_misp_capture_097() {
        let domains = |a: &Attribute| a.to_ids && a.r#type == "domain";
        let (e5, e7) = (golden_event("070"), golden_event("072"));
        let (e5, e7) = (e5.filtered(domains), e7.filtered(domains));
        let rows: Vec<Item> = e5.items().into_iter().chain(e7.items()).collect();
        let mut text = Text::new(&options(json!({}))).unwrap();
        assert_eq!(run_attributes(&mut text, &rows), golden_body("097"));
    }

    #[test]
    fn composite_values_stay_joined_and_duplicates_keep_first_position() {
        let mut data = EventData::new(event(1, "x"));
        for (id, kind, value) in [
            (1, "domain", "b.example"),
            (2, "domain|ip", "a.example|10.0.0.1"),
            (3, "hostname", "b.example"),
            (4, "ip-dst", "10.0.0.1"),
        ] {
            data.attributes
                .push((attribute(id, 1, kind, value), vec![]));
        }
        let mut text = Text::new(&options(json!({}))).unwrap();
        let body = run_events(&mut text, &[data]);
        assert_eq!(body, "b.example\na.example|10.0.0.1\n10.0.0.1\n");
    }

    #[test]
    fn empty_result_is_one_newline() {
        let mut text = Text::new(&options(json!({}))).unwrap();
        assert_eq!(run_events(&mut text, &[]), "\n");
    }
}
