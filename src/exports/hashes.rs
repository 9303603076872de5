//! `hashes` (spec/sharing.md 4.5): every file, certificate and fuzzy hash of the result, one per
//! line and not deduplicated, for loading into hash blocklists.

use super::{Exporter, Item, Options};

/// Types whose whole value is a hash.
const SIMPLE: [&str; 21] = [
    "md5",
    "sha1",
    "sha256",
    "sha224",
    "sha384",
    "sha512",
    "sha512/224",
    "sha512/256",
    "sha3-224",
    "sha3-256",
    "sha3-384",
    "sha3-512",
    "ssdeep",
    "imphash",
    "tlsh",
    "x509-fingerprint-sha1",
    "x509-fingerprint-md5",
    "x509-fingerprint-sha256",
    "pehash",
    "authentihash",
    "impfuzzy",
];

/// Types whose second half (after `|`) is a hash. MISP's list leaves out `filename|sha384`.
const COMPOSITE: [&str; 18] = [
    "malware-sample",
    "filename|md5",
    "filename|sha1",
    "filename|sha256",
    "filename|sha224",
    "filename|sha512",
    "filename|sha512/224",
    "filename|sha512/256",
    "filename|sha3-224",
    "filename|sha3-256",
    "filename|sha3-384",
    "filename|sha3-512",
    "filename|ssdeep",
    "filename|imphash",
    "filename|tlsh",
    "filename|pehash",
    "filename|authentihash",
    "filename|impfuzzy",
];

/// The hashes writer.
pub struct Hashes {
    written: bool,
}

impl Hashes {
    pub fn new(_opts: &Options) -> Result<Self, String> {
        Ok(Hashes { written: false })
    }
}

impl Exporter for Hashes {
    fn attribute(&mut self, item: Item<'_>, out: &mut Vec<u8>) {
        let a = item.attribute;
        let kind = a.r#type.as_str();
        let hash = if COMPOSITE.contains(&kind) {
            &a.value2
        } else if SIMPLE.contains(&kind) {
            &a.value1
        } else {
            return;
        };
        out.extend_from_slice(hash.as_bytes());
        out.push(b'\n');
        self.written = true;
    }

    /// MISP joins the hashes with newlines and appends one, so an empty result is a newline.
    fn footer(&mut self, out: &mut Vec<u8>) {
        if !self.written {
            out.push(b'\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::exports::fixtures::*;

    #[test]
    fn events_scope_reproduces_misp_capture_091() {
        let e5 = golden_event("070").filtered(|a| a.to_ids);
        let mut hashes = Hashes::new(&options(json!({"eventid": "5"}))).unwrap();
        assert_eq!(run_events(&mut hashes, &[e5]), golden_body("091"));
    }

    #[test]
    fn simple_and_composite_types_only_without_deduplication() {
        let mut data = EventData::new(event(1, "x"));
        for (id, kind, value) in [
            (1, "sha3-256", "aa"),
            (2, "filename|sha384", "a.exe|bb"),
            (3, "malware-sample", "a.exe|cc"),
            (4, "domain", "example.org"),
            (5, "x509-fingerprint-md5", "dd"),
            (6, "sha3-256", "aa"),
            (7, "filename|impfuzzy", "b.exe|ee"),
        ] {
            data.attributes
                .push((attribute(id, 1, kind, value), vec![]));
        }
        let mut hashes = Hashes::new(&options(json!({}))).unwrap();
        let body = run_attributes(&mut hashes, &data.items());
        assert_eq!(body, "aa\ncc\ndd\naa\nee\n");
    }

    #[test]
    fn empty_result_is_one_newline() {
        let mut hashes = Hashes::new(&options(json!({}))).unwrap();
        let data = EventData::new(event(1, "no hashes"));
        assert_eq!(run_events(&mut hashes, &[data]), "\n");
    }
}
