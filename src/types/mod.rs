//! MISP attribute type registry: the 194 attribute types, the 16 categories, which
//! categories admit which types, and each type's sane defaults.
//!
//! MISP validates every attribute against this table and publishes it verbatim at
//! `GET /attributes/describeTypes.json`; clients such as PyMISP rely on both, so Cairn
//! carries the same facts in the same order. They live in `registry.rs` as Rust source
//! (not a vendored copy of MISP's JSON), and the tests below check them against the
//! upstream `describeTypes.json` so drift is caught the moment the data is refreshed.

mod describe;
mod registry;
pub mod routes;
pub mod validate;

pub use describe::describe_types_json;
pub use registry::{
    TypeDef, categories, category_allows, is_category, lookup, types, types_of_category,
};
pub use validate::{CategoryError, Normalised, check_category, is_composite, normalise};

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const UPSTREAM: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/misp-data/pymisp/data/describeTypes.json"
    );

    fn upstream_text() -> String {
        std::fs::read_to_string(UPSTREAM).unwrap_or_else(|e| {
            panic!(
                "cannot read MISP's describeTypes.json at {UPSTREAM}: {e}; \
                 these tests need the shared MISP data checkout next to the crate"
            )
        })
    }

    fn upstream() -> Value {
        serde_json::from_str(&upstream_text()).expect("upstream describeTypes.json is valid JSON")
    }

    fn ours() -> Value {
        serde_json::from_slice(describe_types_json()).expect("describe_types_json is valid JSON")
    }

    fn strings(v: &Value) -> Vec<&str> {
        v.as_array()
            .expect("array")
            .iter()
            .map(|s| s.as_str().expect("string"))
            .collect()
    }

    /// Drops the whitespace between JSON tokens, keeping everything inside strings.
    fn minify(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let (mut in_string, mut escaped) = (false, false);
        for ch in text.chars() {
            if in_string {
                out.push(ch);
                if escaped {
                    escaped = false;
                } else if ch == '\\' {
                    escaped = true;
                } else if ch == '"' {
                    in_string = false;
                }
            } else if !ch.is_ascii_whitespace() {
                in_string = ch == '"';
                out.push(ch);
            }
        }
        out
    }

    #[test]
    fn describe_types_equals_upstream_value() {
        assert_eq!(ours(), upstream());
    }

    /// `Value` maps may not keep key order, so this compares text: byte-identical to the
    /// upstream file once its pretty-printing whitespace is removed. That pins the order of
    /// every key (`result` fields, `sane_defaults`, `category_type_mappings`) and list, and
    /// shows the output is compact.
    #[test]
    fn describe_types_is_upstream_minified_byte_for_byte() {
        let ours = std::str::from_utf8(describe_types_json()).expect("UTF-8");
        assert_eq!(ours, minify(&upstream_text()));
    }

    #[test]
    fn counts() {
        assert_eq!(types().len(), 194);
        assert_eq!(categories().len(), 16);
        let up = upstream();
        assert_eq!(up["result"]["types"].as_array().unwrap().len(), 194);
        assert_eq!(up["result"]["categories"].as_array().unwrap().len(), 16);
    }

    #[test]
    fn orders_match_upstream() {
        let up = upstream();
        let r = &up["result"];
        let our_types: Vec<&str> = types().iter().map(|t| t.name).collect();
        assert_eq!(our_types, strings(&r["types"]), "types order");
        assert_eq!(categories(), strings(&r["categories"]), "categories order");
        for &c in categories() {
            let ours: Vec<&str> = types_of_category(c).collect();
            assert_eq!(
                ours,
                strings(&r["category_type_mappings"][c]),
                "mapping order for {c}"
            );
        }
    }

    #[test]
    fn lookup_and_category_allows_agree_with_upstream() {
        let up = upstream();
        let r = &up["result"];
        let cats = strings(&r["categories"]);
        let mappings = &r["category_type_mappings"];
        for name in strings(&r["types"]) {
            let t = lookup(name).unwrap_or_else(|| panic!("lookup({name}) is None"));
            assert_eq!(t.name, name);
            let sane = &r["sane_defaults"][name];
            assert_eq!(t.default_category(), sane["default_category"], "{name}");
            assert_eq!(Value::from(u8::from(t.to_ids)), sane["to_ids"], "{name}");

            let expected: Vec<&str> = cats
                .iter()
                .copied()
                .filter(|c| strings(&mappings[*c]).contains(&name))
                .collect();
            assert_eq!(
                t.allowed_categories().collect::<Vec<_>>(),
                expected,
                "{name}"
            );
            for &c in &cats {
                let listed = strings(&mappings[c]).contains(&name);
                assert_eq!(category_allows(c, name), listed, "{c} / {name}");
                assert_eq!(t.allows_category(c), listed, "{c} / {name}");
            }
        }
        for &c in &cats {
            assert!(is_category(c), "{c}");
        }
    }

    #[test]
    fn unknown_names_are_rejected() {
        assert!(lookup("no-such-type").is_none());
        assert!(lookup("MD5").is_none(), "type names are case-sensitive");
        assert!(lookup("").is_none());
        assert!(!is_category("network activity"));
        assert!(!is_category("Nope"));
        assert!(!category_allows("Nope", "md5"));
        assert!(!category_allows("Network activity", "no-such-type"));
        assert!(!category_allows("Payload type", "md5"));
        assert!(category_allows("Payload delivery", "md5"));
        assert_eq!(types_of_category("Nope").count(), 0);
        assert_eq!(
            lookup("md5").unwrap().default_category(),
            "Payload delivery"
        );
        assert!(lookup("md5").unwrap().to_ids);
    }

    #[test]
    fn lookup_finds_every_type_at_its_own_row() {
        for t in types() {
            assert!(std::ptr::eq(lookup(t.name).unwrap(), t), "{}", t.name);
        }
    }
}
