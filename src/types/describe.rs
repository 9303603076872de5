//! The body of `GET /attributes/describeTypes.json`, rendered from the registry.
//!
//! Clients (PyMISP, the MISP web UI, sync peers) read this document to learn which types
//! and categories exist, so it must match MISP's byte order of keys, not just its content.
//! The crate's `serde_json` may lack `preserve_order`, so instead of building a `Value`
//! the document is streamed through hand-written `Serialize` impls whose map entries are
//! emitted in exactly MISP's order.

use std::sync::LazyLock;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::registry::{categories, types, types_of_category};

static DESCRIBE_TYPES: LazyLock<Vec<u8>> = LazyLock::new(|| {
    serde_json::to_vec(&Document).expect("serialising static type registry cannot fail")
});

/// The compact JSON body MISP returns for `GET /attributes/describeTypes.json`:
/// `{"result":{"sane_defaults":{..},"types":[..],"categories":[..],
/// "category_type_mappings":{..}}}`. Rendered once, on first use.
pub fn describe_types_json() -> &'static [u8] {
    &DESCRIBE_TYPES
}

struct Document;

impl Serialize for Document {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry("result", &DescribeResult)?;
        map.end()
    }
}

struct DescribeResult;

impl Serialize for DescribeResult {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry("sane_defaults", &SaneDefaults)?;
        map.serialize_entry("types", &TypeNames)?;
        map.serialize_entry("categories", categories())?;
        map.serialize_entry("category_type_mappings", &CategoryTypeMappings)?;
        map.end()
    }
}

/// `{type: {"default_category": .., "to_ids": 0|1}}` in type order.
struct SaneDefaults;

/// MISP sends `to_ids` here as an integer, not a boolean.
#[derive(Serialize)]
struct SaneDefault {
    default_category: &'static str,
    to_ids: u8,
}

impl Serialize for SaneDefaults {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(types().iter().map(|t| {
            let value = SaneDefault {
                default_category: t.default_category(),
                to_ids: u8::from(t.to_ids),
            };
            (t.name, value)
        }))
    }
}

struct TypeNames;

impl Serialize for TypeNames {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(types().iter().map(|t| t.name))
    }
}

/// `{category: [type, ..]}` in category order, each list in MISP's per-category order.
struct CategoryTypeMappings;

struct CategoryTypes(&'static str);

impl Serialize for CategoryTypeMappings {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(categories().iter().map(|&c| (c, CategoryTypes(c))))
    }
}

impl Serialize for CategoryTypes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(types_of_category(self.0))
    }
}
