//! The attribute type table itself, written out as Rust source.
//!
//! The facts come from MISP's `describeTypes.json` (as shipped with PyMISP), but the file
//! is not vendored: it is transcribed here so the registry is plain, reviewable code with
//! no start-up parsing. Three things must stay in MISP's order because clients see them
//! verbatim in `describeTypes.json`: [`CATEGORIES`], the rows of `TYPE_ROWS`, and each list
//! in `CATEGORY_TYPES` (whose order differs from the global type order). The unit tests in
//! the parent module compare everything against the upstream file.
//!
//! Per-type category membership is not written twice: it is derived from `CATEGORY_TYPES`
//! at compile time, and a misspelt or duplicated type name there is a compile error.

use std::cmp::Ordering;

/// One MISP attribute type (`md5`, `ip-dst`, `filename|sha256`, ...).
#[derive(Debug, PartialEq, Eq)]
pub struct TypeDef {
    /// The type name exactly as MISP spells it (case-sensitive).
    pub name: &'static str,
    /// MISP's sane default for the `to_ids` flag of a new attribute of this type.
    pub to_ids: bool,
    /// Index into [`CATEGORIES`].
    default_category: u8,
    /// Bit `i` is set when `CATEGORIES[i]` admits this type.
    categories: u16,
}

impl TypeDef {
    /// The category MISP assigns when a client creates an attribute without one.
    pub fn default_category(&self) -> &'static str {
        CATEGORIES[self.default_category as usize]
    }

    /// Every category this type may be filed under, in MISP's category order.
    pub fn allowed_categories(&self) -> impl Iterator<Item = &'static str> + use<> {
        let mask = self.categories;
        CATEGORIES
            .iter()
            .enumerate()
            .filter(move |(i, _)| mask & (1 << i) != 0)
            .map(|(_, c)| *c)
    }

    /// Whether `category` (exact spelling) admits this type.
    pub fn allows_category(&self, category: &str) -> bool {
        category_index(category).is_some_and(|i| self.categories & (1 << i) != 0)
    }
}

/// All attribute types, in MISP's `types` order.
pub fn types() -> &'static [TypeDef] {
    &TYPES
}

/// Finds a type by its exact (case-sensitive) name.
pub fn lookup(name: &str) -> Option<&'static TypeDef> {
    BY_NAME
        .binary_search_by(|&i| TYPES[i as usize].name.cmp(name))
        .ok()
        .map(|pos| &TYPES[BY_NAME[pos] as usize])
}

/// The sixteen MISP categories, in MISP's order.
pub fn categories() -> &'static [&'static str] {
    &CATEGORIES
}

/// Whether `name` is a MISP category (exact, case-sensitive spelling).
pub fn is_category(name: &str) -> bool {
    category_index(name).is_some()
}

/// Whether an attribute of type `type_name` may be filed under `category`.
/// Unknown categories and unknown types admit nothing.
pub fn category_allows(category: &str, type_name: &str) -> bool {
    lookup(type_name).is_some_and(|t| t.allows_category(category))
}

/// The types a category admits, in the order MISP lists them for that category
/// (which is not the global type order). Empty for an unknown category.
pub fn types_of_category(category: &str) -> impl Iterator<Item = &'static str> + use<> {
    let list: &'static [&'static str] = match category_index(category) {
        Some(i) => CATEGORY_TYPES[i],
        None => &[],
    };
    list.iter().copied()
}

fn category_index(name: &str) -> Option<usize> {
    CATEGORIES.iter().position(|c| *c == name)
}

const TYPE_COUNT: usize = TYPE_ROWS.len();

static TYPES: [TypeDef; TYPE_COUNT] = build_types();

/// Indexes into [`TYPES`], sorted by name, so [`lookup`] is a binary search with no
/// start-up cost.
static BY_NAME: [u16; TYPE_COUNT] = sort_by_name();

// Compile-time construction. `Ord` is not usable in `const fn`, hence the small helpers.

const fn cmp_str(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return if a[i] < b[i] {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        i += 1;
    }
    if a.len() < b.len() {
        Ordering::Less
    } else if a.len() > b.len() {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

const fn row_index(name: &str) -> usize {
    let mut i = 0;
    while i < TYPE_COUNT {
        if matches!(cmp_str(TYPE_ROWS[i].0, name), Ordering::Equal) {
            return i;
        }
        i += 1;
    }
    panic!("CATEGORY_TYPES names a type missing from TYPE_ROWS");
}

const fn build_types() -> [TypeDef; TYPE_COUNT] {
    assert!(CATEGORIES.len() <= 16, "category bitmask is a u16");
    assert!(TYPE_COUNT <= u16::MAX as usize, "type indexes are u16");
    let mut masks = [0u16; TYPE_COUNT];
    let mut c = 0;
    while c < CATEGORY_TYPES.len() {
        let list = CATEGORY_TYPES[c];
        let mut j = 0;
        while j < list.len() {
            let t = row_index(list[j]);
            assert!(
                masks[t] & (1 << c) == 0,
                "a type is listed twice in one category"
            );
            masks[t] |= 1 << c;
            j += 1;
        }
        c += 1;
    }
    const EMPTY: TypeDef = TypeDef {
        name: "",
        to_ids: false,
        default_category: 0,
        categories: 0,
    };
    let mut out = [EMPTY; TYPE_COUNT];
    let mut i = 0;
    while i < TYPE_COUNT {
        let (name, default_category, to_ids) = TYPE_ROWS[i];
        out[i] = TypeDef {
            name,
            to_ids,
            default_category,
            categories: masks[i],
        };
        i += 1;
    }
    out
}

const fn sort_by_name() -> [u16; TYPE_COUNT] {
    let mut idx = [0u16; TYPE_COUNT];
    let mut i = 0;
    while i < TYPE_COUNT {
        idx[i] = i as u16;
        i += 1;
    }
    // Insertion sort; a duplicate name would make lookups ambiguous, so it is rejected.
    let mut i = 1;
    while i < TYPE_COUNT {
        let mut j = i;
        while j > 0 {
            let prev = TYPE_ROWS[idx[j - 1] as usize].0;
            let cur = TYPE_ROWS[idx[j] as usize].0;
            match cmp_str(prev, cur) {
                Ordering::Less => break,
                Ordering::Equal => panic!("duplicate type name in TYPE_ROWS"),
                Ordering::Greater => {
                    let tmp = idx[j];
                    idx[j] = idx[j - 1];
                    idx[j - 1] = tmp;
                }
            }
            j -= 1;
        }
        i += 1;
    }
    idx
}

// ---------------------------------------------------------------------------------------
// The data. Transcribed from MISP's describeTypes.json; keep MISP's order everywhere.
// ---------------------------------------------------------------------------------------

/// MISP's categories, in MISP's order. The index constants below name the positions of
/// those that some type uses as its default category.
const CATEGORIES: [&str; 16] = [
    "Internal reference",
    "Targeting data",
    "Antivirus detection",
    "Payload delivery",
    "Artifacts dropped",
    "Payload installation",
    "Persistence mechanism",
    "Network activity",
    "Payload type",
    "Attribution",
    "External analysis",
    "Financial fraud",
    "Support Tool",
    "Social network",
    "Person",
    "Other",
];

const INTERNAL_REFERENCE: u8 = 0;
const TARGETING_DATA: u8 = 1;
const PAYLOAD_DELIVERY: u8 = 3;
const ARTIFACTS_DROPPED: u8 = 4;
const PAYLOAD_INSTALLATION: u8 = 5;
const PERSISTENCE_MECHANISM: u8 = 6;
const NETWORK_ACTIVITY: u8 = 7;
const ATTRIBUTION: u8 = 9;
const EXTERNAL_ANALYSIS: u8 = 10;
const FINANCIAL_FRAUD: u8 = 11;
const SOCIAL_NETWORK: u8 = 13;
const PERSON: u8 = 14;
const OTHER: u8 = 15;

/// Every attribute type in MISP's `types` order: name, default category, default `to_ids`.
#[rustfmt::skip]
const TYPE_ROWS: &[(&str, u8, bool)] = &[
    // name                                       default category       to_ids
    ("md5",                                       PAYLOAD_DELIVERY,      true),
    ("sha1",                                      PAYLOAD_DELIVERY,      true),
    ("sha256",                                    PAYLOAD_DELIVERY,      true),
    ("filename",                                  PAYLOAD_DELIVERY,      true),
    ("pdb",                                       ARTIFACTS_DROPPED,     false),
    ("filename|md5",                              PAYLOAD_DELIVERY,      true),
    ("filename|sha1",                             PAYLOAD_DELIVERY,      true),
    ("filename|sha256",                           PAYLOAD_DELIVERY,      true),
    ("ip-src",                                    NETWORK_ACTIVITY,      true),
    ("ip-dst",                                    NETWORK_ACTIVITY,      true),
    ("hostname",                                  NETWORK_ACTIVITY,      true),
    ("domain",                                    NETWORK_ACTIVITY,      true),
    ("domain|ip",                                 NETWORK_ACTIVITY,      true),
    ("email",                                     SOCIAL_NETWORK,        true),
    ("email-src",                                 PAYLOAD_DELIVERY,      true),
    ("eppn",                                      NETWORK_ACTIVITY,      true),
    ("email-dst",                                 NETWORK_ACTIVITY,      true),
    ("email-subject",                             PAYLOAD_DELIVERY,      false),
    ("email-attachment",                          PAYLOAD_DELIVERY,      true),
    ("email-body",                                PAYLOAD_DELIVERY,      false),
    ("float",                                     OTHER,                 false),
    ("git-commit-id",                             INTERNAL_REFERENCE,    false),
    ("url",                                       NETWORK_ACTIVITY,      true),
    ("http-method",                               NETWORK_ACTIVITY,      false),
    ("user-agent",                                NETWORK_ACTIVITY,      false),
    ("ja3-fingerprint-md5",                       NETWORK_ACTIVITY,      true),
    ("jarm-fingerprint",                          NETWORK_ACTIVITY,      true),
    ("favicon-mmh3",                              NETWORK_ACTIVITY,      true),
    ("hassh-md5",                                 NETWORK_ACTIVITY,      true),
    ("hasshserver-md5",                           NETWORK_ACTIVITY,      true),
    ("regkey",                                    PERSISTENCE_MECHANISM, true),
    ("regkey|value",                              PERSISTENCE_MECHANISM, true),
    ("AS",                                        NETWORK_ACTIVITY,      false),
    ("snort",                                     NETWORK_ACTIVITY,      true),
    ("suricata",                                  NETWORK_ACTIVITY,      true),
    ("bro",                                       NETWORK_ACTIVITY,      true),
    ("zeek",                                      NETWORK_ACTIVITY,      true),
    ("community-id",                              NETWORK_ACTIVITY,      true),
    ("dom-hash",                                  NETWORK_ACTIVITY,      true),
    ("pattern-in-file",                           PAYLOAD_INSTALLATION,  true),
    ("pattern-in-traffic",                        NETWORK_ACTIVITY,      true),
    ("pattern-in-memory",                         PAYLOAD_INSTALLATION,  true),
    ("filename-pattern",                          PAYLOAD_INSTALLATION,  true),
    ("pgp-public-key",                            PERSON,                false),
    ("pgp-private-key",                           PERSON,                false),
    ("ssh-fingerprint",                           NETWORK_ACTIVITY,      false),
    ("yara",                                      PAYLOAD_INSTALLATION,  true),
    ("stix2-pattern",                             PAYLOAD_INSTALLATION,  true),
    ("sigma",                                     PAYLOAD_INSTALLATION,  true),
    ("gene",                                      ARTIFACTS_DROPPED,     false),
    ("kusto-query",                               ARTIFACTS_DROPPED,     false),
    ("mime-type",                                 ARTIFACTS_DROPPED,     false),
    ("identity-card-number",                      PERSON,                false),
    ("cookie",                                    NETWORK_ACTIVITY,      false),
    ("vulnerability",                             EXTERNAL_ANALYSIS,     false),
    ("cpe",                                       EXTERNAL_ANALYSIS,     false),
    ("weakness",                                  EXTERNAL_ANALYSIS,     false),
    ("attachment",                                EXTERNAL_ANALYSIS,     false),
    ("malware-sample",                            PAYLOAD_DELIVERY,      true),
    ("link",                                      EXTERNAL_ANALYSIS,     false),
    ("comment",                                   OTHER,                 false),
    ("text",                                      OTHER,                 false),
    ("hex",                                       OTHER,                 false),
    ("other",                                     OTHER,                 false),
    ("named pipe",                                ARTIFACTS_DROPPED,     false),
    ("mutex",                                     ARTIFACTS_DROPPED,     true),
    ("process-state",                             ARTIFACTS_DROPPED,     false),
    ("target-user",                               TARGETING_DATA,        false),
    ("target-email",                              TARGETING_DATA,        false),
    ("target-machine",                            TARGETING_DATA,        false),
    ("target-org",                                TARGETING_DATA,        false),
    ("target-location",                           TARGETING_DATA,        false),
    ("target-external",                           TARGETING_DATA,        false),
    ("btc",                                       FINANCIAL_FRAUD,       true),
    ("dash",                                      FINANCIAL_FRAUD,       true),
    ("xmr",                                       FINANCIAL_FRAUD,       true),
    ("iban",                                      FINANCIAL_FRAUD,       true),
    ("bic",                                       FINANCIAL_FRAUD,       true),
    ("bank-account-nr",                           FINANCIAL_FRAUD,       true),
    ("aba-rtn",                                   FINANCIAL_FRAUD,       true),
    ("bin",                                       FINANCIAL_FRAUD,       true),
    ("cc-number",                                 FINANCIAL_FRAUD,       true),
    ("prtn",                                      FINANCIAL_FRAUD,       true),
    ("phone-number",                              PERSON,                false),
    ("threat-actor",                              ATTRIBUTION,           false),
    ("campaign-name",                             ATTRIBUTION,           false),
    ("campaign-id",                               ATTRIBUTION,           false),
    ("malware-type",                              PAYLOAD_DELIVERY,      false),
    ("uri",                                       NETWORK_ACTIVITY,      true),
    ("authentihash",                              PAYLOAD_DELIVERY,      true),
    ("vhash",                                     PAYLOAD_DELIVERY,      true),
    ("ssdeep",                                    PAYLOAD_DELIVERY,      true),
    ("imphash",                                   PAYLOAD_DELIVERY,      true),
    ("telfhash",                                  PAYLOAD_DELIVERY,      true),
    ("pehash",                                    PAYLOAD_DELIVERY,      true),
    ("impfuzzy",                                  PAYLOAD_DELIVERY,      true),
    ("sha224",                                    PAYLOAD_DELIVERY,      true),
    ("sha384",                                    PAYLOAD_DELIVERY,      true),
    ("sha512",                                    PAYLOAD_DELIVERY,      true),
    ("sha512/224",                                PAYLOAD_DELIVERY,      true),
    ("sha512/256",                                PAYLOAD_DELIVERY,      true),
    ("sha3-224",                                  PAYLOAD_DELIVERY,      true),
    ("sha3-256",                                  PAYLOAD_DELIVERY,      true),
    ("sha3-384",                                  PAYLOAD_DELIVERY,      true),
    ("sha3-512",                                  PAYLOAD_DELIVERY,      true),
    ("tlsh",                                      PAYLOAD_DELIVERY,      true),
    ("cdhash",                                    PAYLOAD_DELIVERY,      true),
    ("filename|authentihash",                     PAYLOAD_DELIVERY,      true),
    ("filename|vhash",                            PAYLOAD_DELIVERY,      true),
    ("filename|ssdeep",                           PAYLOAD_DELIVERY,      true),
    ("filename|imphash",                          PAYLOAD_DELIVERY,      true),
    ("filename|impfuzzy",                         PAYLOAD_DELIVERY,      true),
    ("filename|pehash",                           PAYLOAD_DELIVERY,      true),
    ("filename|sha224",                           PAYLOAD_DELIVERY,      true),
    ("filename|sha384",                           PAYLOAD_DELIVERY,      true),
    ("filename|sha512",                           PAYLOAD_DELIVERY,      true),
    ("filename|sha512/224",                       PAYLOAD_DELIVERY,      true),
    ("filename|sha512/256",                       PAYLOAD_DELIVERY,      true),
    ("filename|sha3-224",                         PAYLOAD_DELIVERY,      true),
    ("filename|sha3-256",                         PAYLOAD_DELIVERY,      true),
    ("filename|sha3-384",                         PAYLOAD_DELIVERY,      true),
    ("filename|sha3-512",                         PAYLOAD_DELIVERY,      true),
    ("filename|tlsh",                             PAYLOAD_DELIVERY,      true),
    ("windows-scheduled-task",                    ARTIFACTS_DROPPED,     false),
    ("windows-service-name",                      ARTIFACTS_DROPPED,     false),
    ("windows-service-displayname",               ARTIFACTS_DROPPED,     false),
    ("whois-registrant-email",                    ATTRIBUTION,           false),
    ("whois-registrant-phone",                    ATTRIBUTION,           false),
    ("whois-registrant-name",                     ATTRIBUTION,           false),
    ("whois-registrant-org",                      ATTRIBUTION,           false),
    ("whois-registrar",                           ATTRIBUTION,           false),
    ("whois-creation-date",                       ATTRIBUTION,           false),
    ("x509-fingerprint-sha1",                     NETWORK_ACTIVITY,      true),
    ("x509-fingerprint-md5",                      NETWORK_ACTIVITY,      true),
    ("x509-fingerprint-sha256",                   NETWORK_ACTIVITY,      true),
    ("dns-soa-email",                             ATTRIBUTION,           false),
    ("size-in-bytes",                             OTHER,                 false),
    ("counter",                                   OTHER,                 false),
    ("integer",                                   OTHER,                 false),
    ("datetime",                                  OTHER,                 false),
    ("port",                                      NETWORK_ACTIVITY,      false),
    ("ip-dst|port",                               NETWORK_ACTIVITY,      true),
    ("ip-src|port",                               NETWORK_ACTIVITY,      true),
    ("hostname|port",                             NETWORK_ACTIVITY,      true),
    ("mac-address",                               NETWORK_ACTIVITY,      false),
    ("mac-eui-64",                                NETWORK_ACTIVITY,      false),
    ("email-dst-display-name",                    PAYLOAD_DELIVERY,      false),
    ("email-src-display-name",                    PAYLOAD_DELIVERY,      false),
    ("email-header",                              PAYLOAD_DELIVERY,      false),
    ("email-reply-to",                            PAYLOAD_DELIVERY,      false),
    ("email-x-mailer",                            PAYLOAD_DELIVERY,      false),
    ("email-mime-boundary",                       PAYLOAD_DELIVERY,      false),
    ("email-thread-index",                        PAYLOAD_DELIVERY,      false),
    ("email-message-id",                          PAYLOAD_DELIVERY,      false),
    ("github-username",                           SOCIAL_NETWORK,        false),
    ("github-repository",                         SOCIAL_NETWORK,        false),
    ("github-organisation",                       SOCIAL_NETWORK,        false),
    ("jabber-id",                                 SOCIAL_NETWORK,        false),
    ("twitter-id",                                SOCIAL_NETWORK,        false),
    ("dkim",                                      NETWORK_ACTIVITY,      false),
    ("dkim-signature",                            NETWORK_ACTIVITY,      false),
    ("first-name",                                PERSON,                false),
    ("middle-name",                               PERSON,                false),
    ("last-name",                                 PERSON,                false),
    ("full-name",                                 PERSON,                false),
    ("date-of-birth",                             PERSON,                false),
    ("place-of-birth",                            PERSON,                false),
    ("gender",                                    PERSON,                false),
    ("passport-number",                           PERSON,                false),
    ("passport-country",                          PERSON,                false),
    ("passport-expiration",                       PERSON,                false),
    ("redress-number",                            PERSON,                false),
    ("nationality",                               PERSON,                false),
    ("visa-number",                               PERSON,                false),
    ("issue-date-of-the-visa",                    PERSON,                false),
    ("primary-residence",                         PERSON,                false),
    ("country-of-residence",                      PERSON,                false),
    ("special-service-request",                   PERSON,                false),
    ("frequent-flyer-number",                     PERSON,                false),
    ("travel-details",                            PERSON,                false),
    ("payment-details",                           PERSON,                false),
    ("place-port-of-original-embarkation",        PERSON,                false),
    ("place-port-of-clearance",                   PERSON,                false),
    ("place-port-of-onward-foreign-destination",  PERSON,                false),
    ("passenger-name-record-locator-number",      PERSON,                false),
    ("mobile-application-id",                     PAYLOAD_DELIVERY,      true),
    ("azure-application-id",                      PAYLOAD_DELIVERY,      true),
    ("chrome-extension-id",                       PAYLOAD_DELIVERY,      true),
    ("edge-extension-id",                         PAYLOAD_DELIVERY,      true),
    ("cortex",                                    EXTERNAL_ANALYSIS,     false),
    ("boolean",                                   OTHER,                 false),
    ("uuid",                                      OTHER,                 false),
    ("anonymised",                                OTHER,                 false),
    ("onion-address",                             NETWORK_ACTIVITY,      true),
];

/// The types each category admits (MISP's `category_type_mappings`), indexed like
/// [`CATEGORIES`] and in MISP's per-category order.
#[rustfmt::skip]
const CATEGORY_TYPES: [&[&str]; 16] = [
    // Internal reference
    &["text", "link", "comment", "other", "hex", "anonymised", "git-commit-id"],
    // Targeting data
    &["target-user", "target-email", "target-machine", "target-org", "target-location",
        "target-external", "comment", "anonymised"],
    // Antivirus detection
    &["link", "comment", "text", "hex", "attachment", "other", "anonymised"],
    // Payload delivery
    &["md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha512/224", "sha512/256", "sha3-224",
        "sha3-256", "sha3-384", "sha3-512", "ssdeep", "imphash", "telfhash", "impfuzzy",
        "authentihash", "vhash", "pehash", "tlsh", "cdhash", "filename", "filename|md5",
        "filename|sha1", "filename|sha224", "filename|sha256", "filename|sha384", "filename|sha512",
        "filename|sha512/224", "filename|sha512/256", "filename|sha3-224", "filename|sha3-256",
        "filename|sha3-384", "filename|sha3-512", "filename|authentihash", "filename|vhash",
        "filename|ssdeep", "filename|tlsh", "filename|imphash", "filename|impfuzzy",
        "filename|pehash", "mac-address", "mac-eui-64", "ip-src", "ip-dst", "ip-dst|port",
        "ip-src|port", "hostname", "domain", "email", "email-src", "email-dst", "email-subject",
        "email-attachment", "email-body", "url", "user-agent", "AS", "pattern-in-file",
        "pattern-in-traffic", "filename-pattern", "stix2-pattern", "yara", "sigma", "mime-type",
        "attachment", "malware-sample", "link", "malware-type", "comment", "text", "hex",
        "vulnerability", "cpe", "weakness", "x509-fingerprint-sha1", "x509-fingerprint-md5",
        "x509-fingerprint-sha256", "ja3-fingerprint-md5", "jarm-fingerprint", "hassh-md5",
        "hasshserver-md5", "other", "hostname|port", "email-dst-display-name",
        "email-src-display-name", "email-header", "email-reply-to", "email-x-mailer",
        "email-mime-boundary", "email-thread-index", "email-message-id", "azure-application-id",
        "mobile-application-id", "chrome-extension-id", "edge-extension-id",
        "whois-registrant-email", "anonymised", "onion-address"],
    // Artifacts dropped
    &["md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha512/224", "sha512/256", "sha3-224",
        "sha3-256", "sha3-384", "sha3-512", "ssdeep", "imphash", "telfhash", "impfuzzy",
        "authentihash", "vhash", "cdhash", "filename", "filename|md5", "filename|sha1",
        "filename|sha224", "filename|sha256", "filename|sha384", "filename|sha512",
        "filename|sha512/224", "filename|sha512/256", "filename|sha3-224", "filename|sha3-256",
        "filename|sha3-384", "filename|sha3-512", "filename|authentihash", "filename|vhash",
        "filename|ssdeep", "filename|tlsh", "filename|imphash", "filename|impfuzzy",
        "filename|pehash", "regkey", "regkey|value", "pattern-in-file", "pattern-in-memory",
        "filename-pattern", "pdb", "stix2-pattern", "yara", "sigma", "attachment", "malware-sample",
        "named pipe", "mutex", "process-state", "windows-scheduled-task", "windows-service-name",
        "windows-service-displayname", "comment", "text", "hex", "x509-fingerprint-sha1",
        "x509-fingerprint-md5", "x509-fingerprint-sha256", "other", "cookie", "gene", "kusto-query",
        "mime-type", "anonymised", "pgp-public-key", "pgp-private-key"],
    // Payload installation
    &["md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha512/224", "sha512/256", "sha3-224",
        "sha3-256", "sha3-384", "sha3-512", "ssdeep", "imphash", "telfhash", "impfuzzy",
        "authentihash", "vhash", "pehash", "tlsh", "cdhash", "filename", "filename|md5",
        "filename|sha1", "filename|sha224", "filename|sha256", "filename|sha384", "filename|sha512",
        "filename|sha512/224", "filename|sha512/256", "filename|sha3-224", "filename|sha3-256",
        "filename|sha3-384", "filename|sha3-512", "filename|authentihash", "filename|vhash",
        "filename|ssdeep", "filename|tlsh", "filename|imphash", "filename|impfuzzy",
        "filename|pehash", "pattern-in-file", "pattern-in-traffic", "pattern-in-memory",
        "filename-pattern", "stix2-pattern", "yara", "sigma", "vulnerability", "cpe", "weakness",
        "attachment", "malware-sample", "malware-type", "comment", "text", "hex",
        "x509-fingerprint-sha1", "x509-fingerprint-md5", "x509-fingerprint-sha256",
        "azure-application-id", "mobile-application-id", "chrome-extension-id", "edge-extension-id",
        "other", "mime-type", "anonymised"],
    // Persistence mechanism
    &["filename", "regkey", "regkey|value", "comment", "text", "other", "hex", "anonymised"],
    // Network activity
    &["ip-src", "ip-dst", "ip-dst|port", "ip-src|port", "port", "hostname", "domain", "domain|ip",
        "mac-address", "mac-eui-64", "email", "email-dst", "email-src", "eppn", "url", "uri",
        "user-agent", "http-method", "AS", "snort", "suricata", "pattern-in-file",
        "filename-pattern", "stix2-pattern", "pattern-in-traffic", "attachment", "comment", "text",
        "x509-fingerprint-md5", "x509-fingerprint-sha1", "x509-fingerprint-sha256",
        "ja3-fingerprint-md5", "jarm-fingerprint", "hassh-md5", "hasshserver-md5", "other", "hex",
        "cookie", "hostname|port", "bro", "zeek", "anonymised", "community-id", "email-subject",
        "favicon-mmh3", "dkim", "dkim-signature", "ssh-fingerprint", "dom-hash", "onion-address"],
    // Payload type
    &["comment", "text", "other", "anonymised"],
    // Attribution
    &["threat-actor", "campaign-name", "campaign-id", "whois-registrant-phone",
        "whois-registrant-email", "whois-registrant-name", "whois-registrant-org",
        "whois-registrar", "whois-creation-date", "comment", "text", "x509-fingerprint-sha1",
        "x509-fingerprint-md5", "x509-fingerprint-sha256", "other", "dns-soa-email", "anonymised",
        "email"],
    // External analysis
    &["md5", "sha1", "sha256", "sha3-224", "sha3-256", "sha3-384", "sha3-512", "filename",
        "filename|md5", "filename|sha1", "filename|sha256", "filename|sha3-224",
        "filename|sha3-256", "filename|sha3-384", "filename|sha3-512", "ip-src", "ip-dst",
        "ip-dst|port", "ip-src|port", "mac-address", "mac-eui-64", "hostname", "domain",
        "domain|ip", "url", "user-agent", "regkey", "regkey|value", "AS", "snort", "suricata",
        "bro", "zeek", "pattern-in-file", "pattern-in-traffic", "pattern-in-memory",
        "filename-pattern", "vulnerability", "cpe", "weakness", "attachment", "malware-sample",
        "link", "comment", "text", "x509-fingerprint-sha1", "x509-fingerprint-md5",
        "x509-fingerprint-sha256", "ja3-fingerprint-md5", "jarm-fingerprint", "hassh-md5",
        "hasshserver-md5", "github-repository", "other", "cortex", "anonymised", "community-id",
        "dom-hash", "onion-address"],
    // Financial fraud
    &["btc", "dash", "xmr", "iban", "bic", "bank-account-nr", "aba-rtn", "bin", "cc-number", "prtn",
        "phone-number", "comment", "text", "other", "hex", "anonymised"],
    // Support Tool
    &["link", "text", "attachment", "comment", "other", "hex", "anonymised"],
    // Social network
    &["github-username", "github-repository", "github-organisation", "jabber-id", "twitter-id",
        "email", "email-src", "email-dst", "eppn", "comment", "text", "other",
        "whois-registrant-email", "anonymised", "pgp-public-key", "pgp-private-key"],
    // Person
    &["first-name", "middle-name", "last-name", "full-name", "date-of-birth", "place-of-birth",
        "gender", "passport-number", "passport-country", "passport-expiration", "redress-number",
        "nationality", "visa-number", "issue-date-of-the-visa", "primary-residence",
        "country-of-residence", "special-service-request", "frequent-flyer-number",
        "travel-details", "payment-details", "place-port-of-original-embarkation",
        "place-port-of-clearance", "place-port-of-onward-foreign-destination",
        "passenger-name-record-locator-number", "comment", "text", "other", "phone-number",
        "identity-card-number", "anonymised", "email", "pgp-public-key", "pgp-private-key"],
    // Other
    &["comment", "text", "other", "size-in-bytes", "counter", "integer", "datetime", "cpe", "port",
        "float", "hex", "phone-number", "boolean", "anonymised", "pgp-public-key",
        "pgp-private-key", "uuid"],
];
