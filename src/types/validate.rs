//! Attribute value normalisation and validation done the way MISP does them, so that
//! stored values, value1/value2 splits and error texts are the ones MISP produces.
//!
//! MISP runs every attribute value (on add, edit, proposal and sync) through one pipeline
//! (spec `model.md` 2.4): trim, refang (2.5), per-type rewriting (2.6), then a chain of
//! validation rules (2.7) that stops at the first failure and reports MISP's own sentence
//! under `errors.value`. Clients (PyMISP, remote MISP instances on push) compare stored
//! values and show those sentences, and correlation depends on the stored form, so Cairn
//! copies both the rewrites and the messages. [`normalise`] does all of this for one
//! value; [`check_category`] does the category/type half of MISP's checks.
//!
//! Everything here is hand-written (no regex engine). Ingest runs at tens of thousands of
//! attributes per second, so the common path borrows the input and only allocates the
//! output strings.
//!
//! Where MISP has no rule for a type (`suricata`, `uuid`, `edge-extension-id`,
//! `filename|impfuzzy`: MISP 2.5.1 throws on them) the rule in spec 2.7 applies. Other
//! deliberate departures are listed on [`normalise`].

use std::borrow::Cow;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::registry::lookup;

/// MISP's text when the value is empty after trimming (and after per-type rewriting,
/// which can delete everything, e.g. a `cc-number` with no digits).
pub const EMPTY_VALUE: &str = "Value cannot be empty.";
/// MISP's text when the value is nothing but control characters.
pub const CONTROL_CHARACTERS: &str =
    "Value provided consists purely of control characters and is therefore considered to be empty.";
/// MISP's text when a composite type's value does not contain exactly one `|`.
pub const NOT_COMPOSITE: &str =
    "Composite type found but the value not in the composite (value1|value2) format.";
/// MISP's fallback text for a type whose check fails without its own sentence
/// (`mac-address`, `link`, `hex`, `iban`, `float`, `cortex`, ...).
pub const WRONG_FORMAT: &str =
    "Value not in the right type/format. Please double check the value or select type \"other\".";
/// MISP's text for a value longer than 65535 bytes.
pub const TOO_LONG: &str = "The entered string is too long and would get truncated. Please consider adding the data as an attachment instead";
/// MISP's text for a value that duplicates an attribute of the event (checked by the
/// storage layer, spec 2.8; kept here so every `errors.value` text lives in one place).
pub const DUPLICATE: &str = "A similar attribute already exists for this event.";
/// MISP's text (under `errors.type`) for a type name it does not know. [`normalise`]
/// returns it too, but callers should run [`check_category`] first, which reports it
/// under the right field.
pub const INVALID_TYPE: &str = "Invalid type.";

const IP_INVALID: &str = "IP address has an invalid format.";
const CIDR_INVALID: &str = "Invalid CIDR notation value found.";
const CIDR_V4: &str = "Invalid CIDR notation value found, for IPv4 must be lower or equal 32.";
const CIDR_V6: &str = "Invalid CIDR notation value found, for IPv6 must be lower or equal 128.";
const PORT_INVALID: &str = "Port numbers have to be integers between 1 and 65535.";
const HOSTNAME_INVALID: &str =
    "Hostname has an invalid format. Please double check the value or select type \"other\".";
const DOMAIN_INVALID: &str =
    "Domain has an invalid format. Please double check the value or select type \"other\".";
const HOSTNAME_PORT_INVALID: &str = "Hostname has an invalid format.";
const DOMAIN_IP_INVALID: &str = "Domain has an invalid format.";
const EMAIL_INVALID: &str =
    "Email address has an invalid format. Please double check the value or select type \"other\".";
const ONION_INVALID: &str = "Onion address has an invalid format.";
const CVE_INVALID: &str = "Invalid format. Expected: CVE-xxxx-xxxx...";
const CWE_INVALID: &str = "Invalid format. Expected: CWE-x...";
const SERVICE_INVALID: &str = "Invalid format. Only values shorter than 256 characters that don't include any forward or backward slashes are allowed.";
const NEWLINE: &str = "Value must not contain new line character.";
const FILENAME_NEWLINE: &str = "Filename must not contain new line character.";
const TLSH_INVALID: &str = "Checksum has an invalid length or format (expected: at least 35 hexadecimal characters, optionally starting with t1 instead of hexadecimal characters). Please double check the value or select type \"other\".";
const FILENAME_TLSH_INVALID: &str = "TLSH hash has an invalid length or format (expected: filename|at least 35 hexadecimal characters, optionally starting with t1 instead of hexadecimal characters). Please double check the value or select type \"other\".";
const TELFHASH_INVALID: &str = "Checksum has an invalid length or format (expected: 70 or 72 hexadecimal characters). Please double check the value or select type \"other\".";
const PEHASH_INVALID: &str = "The input doesn't match the expected sha1 format (expected: 40 hexadecimal characters). Keep in mind that MISP currently only supports SHA1 for PEhashes, if you would like to get the support extended to other hash types, make sure to create a github ticket about it at https://github.com/MISP/MISP!";
const FILENAME_PEHASH_INVALID: &str = "The input doesn't match the expected filename|sha1 format (expected: filename|40 hexadecimal characters). Keep in mind that MISP currently only supports SHA1 for PEhashes, if you would like to get the support extended to other hash types, make sure to create a github ticket about it at https://github.com/MISP/MISP!";
const SSDEEP_INVALID: &str = "Invalid SSDeep hash. The format has to be blocksize:hash:hash";
const FILENAME_SSDEEP_INVALID: &str = "Invalid ssdeep hash (expected: blocksize:hash:hash).";
const IMPFUZZY_INVALID: &str = "Invalid impfuzzy format. The format has to be imports:hash:hash";
const CDHASH_INVALID: &str =
    "The input doesn't match the expected format (expected: 40 or more hexadecimal characters)";
const FILENAME_VHASH_INVALID: &str = "Checksum has an invalid length or format (expected: filename|string characters). Please double check the value or select type \"other\".";
const HTTP_METHOD_INVALID: &str = "Unknown HTTP method.";
const SSH_FINGERPRINT_INVALID: &str = "SSH fingerprint must be in MD5 or SHA256 format.";
const DATETIME_INVALID: &str = "Datetime has to be in the ISO 8601 format.";
const UNSIGNED_INVALID: &str = "The value has to be a whole number greater or equal 0.";
const INTEGER_INVALID: &str = "The value has to be an integer value.";
const AS_INVALID: &str = "AS number have to be integer between 1 and 4294967295";

/// MISP's checksum sentence, which names the expected number of hex digits.
fn checksum_message(len: u8) -> &'static str {
    match len {
        32 => {
            "Checksum has an invalid length or format (expected: 32 hexadecimal characters). Please double check the value or select type \"other\"."
        }
        40 => {
            "Checksum has an invalid length or format (expected: 40 hexadecimal characters). Please double check the value or select type \"other\"."
        }
        56 => {
            "Checksum has an invalid length or format (expected: 56 hexadecimal characters). Please double check the value or select type \"other\"."
        }
        62 => {
            "Checksum has an invalid length or format (expected: 62 hexadecimal characters). Please double check the value or select type \"other\"."
        }
        64 => {
            "Checksum has an invalid length or format (expected: 64 hexadecimal characters). Please double check the value or select type \"other\"."
        }
        96 => {
            "Checksum has an invalid length or format (expected: 96 hexadecimal characters). Please double check the value or select type \"other\"."
        }
        128 => {
            "Checksum has an invalid length or format (expected: 128 hexadecimal characters). Please double check the value or select type \"other\"."
        }
        _ => WRONG_FORMAT,
    }
}

/// The `filename|<hash>` variant of [`checksum_message`].
fn filename_checksum_message(len: u8) -> &'static str {
    match len {
        32 => {
            "Checksum has an invalid length or format (expected: filename|32 hexadecimal characters). Please double check the value or select type \"other\"."
        }
        40 => {
            "Checksum has an invalid length or format (expected: filename|40 hexadecimal characters). Please double check the value or select type \"other\"."
        }
        56 => {
            "Checksum has an invalid length or format (expected: filename|56 hexadecimal characters). Please double check the value or select type \"other\"."
        }
        64 => {
            "Checksum has an invalid length or format (expected: filename|64 hexadecimal characters). Please double check the value or select type \"other\"."
        }
        96 => {
            "Checksum has an invalid length or format (expected: filename|96 hexadecimal characters). Please double check the value or select type \"other\"."
        }
        128 => {
            "Checksum has an invalid length or format (expected: filename|128 hexadecimal characters). Please double check the value or select type \"other\"."
        }
        _ => WRONG_FORMAT,
    }
}

/// A value as MISP stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalised {
    /// The value every later read shows: `value1`, or `value1|value2` when `value2` is
    /// not empty (MISP's virtual `value` column).
    pub value: String,
    /// The whole value for ordinary types; the part before `|` for composite types.
    pub value1: String,
    /// Empty unless the type is composite (spec 2.3); then the part after `|`.
    pub value2: String,
}

/// Whether MISP stores `type_name` split in two at `|`: every type whose name holds a
/// `|`, plus `malware-sample` (`filename|md5`), as MISP hard-codes (spec 2.3).
pub fn is_composite(type_name: &str) -> bool {
    type_name.contains('|') || type_name == "malware-sample"
}

/// Step 1 of the pipeline: a client may send `value1`/`value2` instead of `value`.
/// Like MISP, both non-empty give `value1|value2`, otherwise `value1` alone.
pub fn value_from_parts(value1: &str, value2: &str) -> String {
    if !value1.is_empty() && !value2.is_empty() {
        format!("{value1}|{value2}")
    } else {
        value1.to_owned()
    }
}

/// Normalises and validates `raw` as a value of attribute type `type_name`, as MISP does
/// before saving: trim, refang, per-type rewrite, then MISP's checks in MISP's order
/// (empty, control characters, composite shape, per-type rule, length). The error is
/// MISP's sentence for `errors.value`.
///
/// Departures from MISP 2.5.1, all deliberate:
/// - 4-byte UTF-8 characters are kept (MISP turns them into `?` because of its utf8mb3
///   columns; spec 2.4 step 4).
/// - A value that is empty after trimming is refused for every type. MISP checks
///   emptiness after the per-type rewrite, so an empty `boolean` became "0".
/// - IPv6 addresses are always compressed to the canonical (inet_ntop) form; MISP skips
///   the compression when the text starts with `:`.
/// - `integer` accepts `-?[0-9]+` (MISP refuses every string, a bug); `onion-address`
///   accepts v3 addresses (MISP's pattern has a typo); `uuid` accepts any
///   8-4-4-4-12 hex UUID; `suricata` is free text like `snort`; `edge-extension-id` is
///   single-line like `chrome-extension-id`; `filename|impfuzzy` is a single-line
///   filename plus an impfuzzy hash (spec 2.7).
/// - `datetime` understands ISO 8601 dates and date-times (with or without offset),
///   RFC 2822 dates and `@<unix seconds>`, not every phrase PHP's `strtotime` does
///   ("next monday").
/// - `link` follows PHP's `FILTER_VALIDATE_URL` closely but not byte for byte.
/// - Import regexes (spec 2.4 step 6) and uniqueness (2.8) need the database and are not
///   done here.
pub fn normalise(type_name: &str, raw: &str) -> Result<Normalised, &'static str> {
    let rule = rule_of(type_name).ok_or(INVALID_TYPE)?;
    let trimmed = php_trim(raw);
    if trimmed.is_empty() {
        return Err(EMPTY_VALUE);
    }
    let refanged = refang(rule.refang(), trimmed);
    let value = rewrite(rule, refanged);

    // MISP's `value` rules, in order; the first failure is the one reported.
    if php_trim(&value).is_empty() {
        return Err(EMPTY_VALUE);
    }
    if is_cntrl(&value) {
        return Err(CONTROL_CHARACTERS);
    }
    let composite = is_composite(type_name);
    if composite {
        let mut halves = value.split('|');
        let first = halves.next().unwrap_or("");
        let second = halves.next().unwrap_or("");
        if is_cntrl(first) || is_cntrl(second) {
            return Err(CONTROL_CHARACTERS);
        }
        if value.bytes().filter(|&b| b == b'|').count() != 1 {
            return Err(NOT_COMPOSITE);
        }
    }
    check(rule, &value)?;
    if value.len() > 65535 {
        return Err(TOO_LONG);
    }

    Ok(match value.split_once('|').filter(|_| composite) {
        Some((v1, v2)) => Normalised {
            value: if v2.is_empty() {
                v1.to_owned()
            } else {
                value.clone().into_owned()
            },
            value1: v1.to_owned(),
            value2: v2.to_owned(),
        },
        None => {
            let value = value.into_owned();
            Normalised {
                value1: value.clone(),
                value,
                value2: String::new(),
            }
        }
    })
}

/// Why [`check_category`] refused an attribute. MISP reports these under different
/// fields of `errors`, so each variant carries its field(s) and sentence(s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CategoryError {
    /// The type is not one of MISP's: `errors.type = ["Invalid type."]`.
    UnknownType,
    /// The category is not one of the sixteen. MISP then fails both the category rule
    /// and the type-in-category rule, so it reports under `type` and `category`.
    UnknownCategory,
    /// The category exists but does not list the type:
    /// `errors.type = ["Options depend on the selected category."]`.
    NotAllowed,
}

const TYPE_NOT_IN_CATEGORY: &str = "Options depend on the selected category.";
const CATEGORY_INVALID: &str =
    "Options : Payload delivery, Antivirus detection, Payload installation, Files dropped ...";

impl CategoryError {
    /// Every `(field, message)` pair MISP puts under `errors`, in MISP's order.
    pub fn errors(self) -> &'static [(&'static str, &'static str)] {
        match self {
            CategoryError::UnknownType => &[("type", INVALID_TYPE)],
            CategoryError::UnknownCategory => &[
                ("type", TYPE_NOT_IN_CATEGORY),
                ("category", CATEGORY_INVALID),
            ],
            CategoryError::NotAllowed => &[("type", TYPE_NOT_IN_CATEGORY)],
        }
    }

    /// The field of the error specific to this refusal (`category` for an unknown
    /// category, `type` otherwise). [`CategoryError::errors`] has the full list.
    pub fn field(self) -> &'static str {
        self.primary().0
    }

    /// MISP's sentence for [`CategoryError::field`]; also what `Display` prints.
    pub fn message(self) -> &'static str {
        self.primary().1
    }

    fn primary(self) -> (&'static str, &'static str) {
        match self {
            CategoryError::UnknownCategory => ("category", CATEGORY_INVALID),
            other => other.errors()[0],
        }
    }
}

impl fmt::Display for CategoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for CategoryError {}

impl From<CategoryError> for String {
    fn from(e: CategoryError) -> String {
        e.message().to_owned()
    }
}

/// The category an attribute of `type_name` is filed under: the given one if it admits
/// the type, or the type's default (describeTypes `sane_defaults`) when none or an
/// empty one is given, as MISP does.
pub fn check_category(
    type_name: &str,
    category: Option<&str>,
) -> Result<&'static str, CategoryError> {
    let def = lookup(type_name).ok_or(CategoryError::UnknownType)?;
    let Some(category) = category.filter(|c| !c.is_empty()) else {
        return Ok(def.default_category());
    };
    match super::registry::categories()
        .iter()
        .find(|&&c| c == category)
    {
        None => Err(CategoryError::UnknownCategory),
        Some(&c) if def.allows_category(c) => Ok(c),
        Some(_) => Err(CategoryError::NotAllowed),
    }
}

// ---------------------------------------------------------------------------------------
// Per-type rules
// ---------------------------------------------------------------------------------------

/// What MISP does with a type's value. One variant per distinct behaviour; the type
/// name itself only matters in [`rule_of`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// Fixed-length hex checksum; `lower` says whether MISP lower-cases it first
    /// (`git-commit-id` is the one it does not).
    Checksum {
        len: u8,
        lower: bool,
    },
    /// `x509-fingerprint-*`: colons removed, lower-cased, fixed-length hex.
    X509 {
        len: u8,
    },
    Pehash,
    Tlsh,
    Telfhash,
    Ssdeep,
    Impfuzzy,
    Cdhash,
    Vhash,
    /// `filename|<hex hash>`: hash part lower-cased, `^.+\|[0-9a-f]{len}$`.
    FilenameChecksum {
        len: u8,
    },
    FilenamePehash,
    FilenameSsdeep,
    FilenameTlsh,
    FilenameVhash,
    FilenameImpfuzzy,
    /// `malware-sample`: composite, otherwise anything.
    MalwareSample,
    /// `regkey|value`: composite, no newline.
    RegkeyValue,
    Ip,
    IpPort,
    HostnamePort,
    DomainIp,
    Domain,
    Hostname,
    Port,
    /// MISP's loose e-mail check; `lower`/`refang` differ between the e-mail types.
    Email {
        lower: bool,
        refang: bool,
    },
    Onion,
    Mac {
        pairs: u8,
    },
    Vulnerability,
    Weakness,
    WindowsService,
    /// Anything, newlines included (`anonymised` is lower-cased).
    Text {
        lower: bool,
    },
    /// Anything on one line.
    Line,
    /// `url`: one line, refanged.
    Url,
    Link,
    Hex,
    HttpMethod,
    SshFingerprint,
    Datetime,
    /// `size-in-bytes`, `counter`: digits only.
    Unsigned,
    Integer,
    /// `iban`, `bic` (`bank`: upper-cased, stripped to `[0-9A-Z]`), `btc`, `dash`, `xmr`.
    Alnum {
        bank: bool,
    },
    /// PHP `is_numeric`, after an optional rewrite.
    Numeric(NumericRewrite),
    Cortex,
    Boolean,
    As,
    Uuid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumericRewrite {
    None,
    /// `cc-number`, `bin`: keep the digits.
    Digits,
    /// `phone-number`, `prtn`, `whois-registrant-phone`: `00` → `+`, drop `(0)`, keep `+`
    /// and digits.
    Phone,
}

/// Which rows of MISP's refang table (spec 2.5) apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refang {
    None,
    /// `link`, `url`: every row except the `@` one.
    Url,
    /// IPs, domains, hostnames: `[.]`, `[dot]`, `(dot)` only.
    Dot,
    /// `email`, `email-src`, `email-dst`: the dot row and the `@` row.
    Email,
}

impl Rule {
    fn refang(self) -> Refang {
        match self {
            Rule::Url | Rule::Link => Refang::Url,
            Rule::Ip | Rule::DomainIp | Rule::Domain | Rule::Hostname => Refang::Dot,
            Rule::Email { refang: true, .. } => Refang::Email,
            _ => Refang::None,
        }
    }
}

/// The rule for each of MISP's 194 types (a test checks the registry and this agree).
fn rule_of(type_name: &str) -> Option<Rule> {
    use Rule::*;
    let checksum = |len| Checksum { len, lower: true };
    Some(match type_name {
        "md5"
        | "imphash"
        | "ja3-fingerprint-md5"
        | "hassh-md5"
        | "hasshserver-md5"
        | "dom-hash" => checksum(32),
        "sha1" => checksum(40),
        "git-commit-id" => Checksum {
            len: 40,
            lower: false,
        },
        "sha224" | "sha512/224" | "sha3-224" => checksum(56),
        "jarm-fingerprint" => checksum(62),
        "sha256" | "sha512/256" | "sha3-256" | "authentihash" => checksum(64),
        "sha384" | "sha3-384" => checksum(96),
        "sha512" | "sha3-512" => checksum(128),
        "x509-fingerprint-md5" => X509 { len: 32 },
        "x509-fingerprint-sha1" => X509 { len: 40 },
        "x509-fingerprint-sha256" => X509 { len: 64 },
        "pehash" => Pehash,
        "tlsh" => Tlsh,
        "telfhash" => Telfhash,
        "ssdeep" => Ssdeep,
        "impfuzzy" => Impfuzzy,
        "cdhash" => Cdhash,
        "vhash" => Vhash,
        "filename|md5" | "filename|imphash" => FilenameChecksum { len: 32 },
        "filename|sha1" => FilenameChecksum { len: 40 },
        "filename|sha224" | "filename|sha512/224" | "filename|sha3-224" => {
            FilenameChecksum { len: 56 }
        }
        "filename|sha256"
        | "filename|sha512/256"
        | "filename|sha3-256"
        | "filename|authentihash" => FilenameChecksum { len: 64 },
        "filename|sha384" | "filename|sha3-384" => FilenameChecksum { len: 96 },
        "filename|sha512" | "filename|sha3-512" => FilenameChecksum { len: 128 },
        "filename|pehash" => FilenamePehash,
        "filename|ssdeep" => FilenameSsdeep,
        "filename|tlsh" => FilenameTlsh,
        "filename|vhash" => FilenameVhash,
        "filename|impfuzzy" => FilenameImpfuzzy,
        "malware-sample" => MalwareSample,
        "regkey|value" => RegkeyValue,
        "ip-src" | "ip-dst" => Ip,
        "ip-src|port" | "ip-dst|port" => IpPort,
        "hostname|port" => HostnamePort,
        "domain|ip" => DomainIp,
        "domain" => Domain,
        "hostname" => Hostname,
        "port" => Port,
        "email" | "email-src" | "email-dst" => Email {
            lower: true,
            refang: true,
        },
        "target-email" | "whois-registrant-email" => Email {
            lower: true,
            refang: false,
        },
        "eppn" | "dns-soa-email" | "jabber-id" => Email {
            lower: false,
            refang: false,
        },
        "onion-address" => Onion,
        "mac-address" => Mac { pairs: 6 },
        "mac-eui-64" => Mac { pairs: 8 },
        "vulnerability" => Vulnerability,
        "weakness" => Weakness,
        "windows-service-name" | "windows-service-displayname" => WindowsService,
        "anonymised" => Text { lower: true },
        "mutex"
        | "process-state"
        | "snort"
        | "suricata"
        | "bro"
        | "zeek"
        | "community-id"
        | "pattern-in-file"
        | "pattern-in-traffic"
        | "pattern-in-memory"
        | "filename-pattern"
        | "pgp-public-key"
        | "pgp-private-key"
        | "yara"
        | "stix2-pattern"
        | "sigma"
        | "gene"
        | "kusto-query"
        | "mime-type"
        | "identity-card-number"
        | "cookie"
        | "attachment"
        | "comment"
        | "text"
        | "other"
        | "cpe"
        | "email-attachment"
        | "email-body"
        | "email-header"
        | "first-name"
        | "middle-name"
        | "last-name"
        | "full-name" => Text { lower: false },
        "url" => Url,
        "target-user"
        | "campaign-name"
        | "campaign-id"
        | "threat-actor"
        | "target-machine"
        | "target-org"
        | "target-location"
        | "target-external"
        | "email-subject"
        | "malware-type"
        | "uri"
        | "user-agent"
        | "regkey"
        | "filename"
        | "pdb"
        | "windows-scheduled-task"
        | "whois-registrant-name"
        | "whois-registrant-org"
        | "whois-registrar"
        | "whois-creation-date"
        | "date-of-birth"
        | "place-of-birth"
        | "gender"
        | "passport-number"
        | "passport-country"
        | "passport-expiration"
        | "redress-number"
        | "nationality"
        | "visa-number"
        | "issue-date-of-the-visa"
        | "primary-residence"
        | "country-of-residence"
        | "special-service-request"
        | "frequent-flyer-number"
        | "travel-details"
        | "payment-details"
        | "place-port-of-original-embarkation"
        | "place-port-of-clearance"
        | "place-port-of-onward-foreign-destination"
        | "passenger-name-record-locator-number"
        | "email-dst-display-name"
        | "email-src-display-name"
        | "email-reply-to"
        | "email-x-mailer"
        | "email-mime-boundary"
        | "email-thread-index"
        | "email-message-id"
        | "github-username"
        | "github-repository"
        | "github-organisation"
        | "twitter-id"
        | "dkim"
        | "dkim-signature"
        | "favicon-mmh3"
        | "chrome-extension-id"
        | "edge-extension-id"
        | "mobile-application-id"
        | "azure-application-id"
        | "named pipe" => Line,
        "link" => Link,
        "hex" => Hex,
        "http-method" => HttpMethod,
        "ssh-fingerprint" => SshFingerprint,
        "datetime" => Datetime,
        "size-in-bytes" | "counter" => Unsigned,
        "integer" => Integer,
        "iban" | "bic" => Alnum { bank: true },
        "btc" | "dash" | "xmr" => Alnum { bank: false },
        "bin" | "cc-number" => Numeric(NumericRewrite::Digits),
        "prtn" | "phone-number" | "whois-registrant-phone" => Numeric(NumericRewrite::Phone),
        "bank-account-nr" | "aba-rtn" | "float" => Numeric(NumericRewrite::None),
        "cortex" => Cortex,
        "boolean" => Boolean,
        "AS" => As,
        "uuid" => Uuid,
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------
// Step 2 and 3: trim and refang
// ---------------------------------------------------------------------------------------

/// PHP's `trim()`: only space, tab, LF, CR, NUL and vertical tab, not Unicode spaces.
fn php_trim(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\n', '\r', '\0', '\x0B'])
}

/// PHP's `ctype_cntrl()`: non-empty and every byte a control character.
fn is_cntrl(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b < 0x20 || b == 0x7f)
}

/// Applies MISP's refang table rows in MISP's order; borrows when nothing matches.
fn refang(mode: Refang, s: &str) -> Cow<'_, str> {
    if mode == Refang::None {
        return Cow::Borrowed(s);
    }
    let mut v = Cow::Borrowed(s);
    if mode == Refang::Url {
        // Row 1, case-insensitive and anchored at the start.
        let b = s.as_bytes();
        let prefix = ["hxxp", "hxtp", "htxp", "meow", "h[tt]p"]
            .into_iter()
            .find(|p| b.len() >= p.len() && b[..p.len()].eq_ignore_ascii_case(p.as_bytes()));
        if let Some(p) = prefix {
            v = Cow::Owned(format!("http{}", &s[p.len()..]));
        }
    }
    v = replace_any(v, &["[.]", "[dot]", "(dot)"], ".");
    if mode == Refang::Url {
        v = replace_any(v, &["[hxxp://]"], "http://");
    }
    if mode == Refang::Email {
        v = replace_any(v, &["[@]", "[at]"], "@");
    }
    if mode == Refang::Url {
        v = replace_any(v, &["[:]"], ":");
    }
    v
}

/// Replaces every occurrence of any of `pats` (leftmost first, first pattern winning at
/// a position, like a PCRE alternation) by `to`.
fn replace_any<'a>(s: Cow<'a, str>, pats: &[&str], to: &str) -> Cow<'a, str> {
    if !pats.iter().any(|p| s.contains(p)) {
        return s;
    }
    let mut out = String::with_capacity(s.len());
    let mut rest: &str = &s;
    'scan: while !rest.is_empty() {
        for p in pats {
            if let Some(after) = rest.strip_prefix(p) {
                out.push_str(to);
                rest = after;
                continue 'scan;
            }
        }
        let ch = rest.chars().next().unwrap_or('\0');
        out.push(ch);
        rest = &rest[ch.len_utf8()..];
    }
    Cow::Owned(out)
}

// ---------------------------------------------------------------------------------------
// Step 5: per-type rewriting (MISP's modifyBeforeValidation)
// ---------------------------------------------------------------------------------------

fn lower(s: Cow<'_, str>) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        s
    }
}

fn upper(s: Cow<'_, str>) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_lowercase()) {
        Cow::Owned(s.to_ascii_uppercase())
    } else {
        s
    }
}

/// Keeps the bytes `keep` accepts (ASCII only, so byte filtering is char filtering).
fn retain(s: Cow<'_, str>, keep: impl Fn(u8) -> bool) -> Cow<'_, str> {
    if s.bytes().all(&keep) {
        return s;
    }
    Cow::Owned(
        s.chars()
            .filter(|&c| c.is_ascii() && keep(c as u8))
            .collect(),
    )
}

/// Sub-slices a Cow without copying when it is borrowed.
fn slice_cow<'a>(s: Cow<'a, str>, f: impl Fn(&str) -> &str) -> Cow<'a, str> {
    match s {
        Cow::Borrowed(b) => Cow::Borrowed(f(b)),
        Cow::Owned(o) => {
            let t = f(&o);
            if t.len() == o.len() {
                Cow::Owned(o)
            } else {
                Cow::Owned(t.to_owned())
            }
        }
    }
}

fn rewrite(rule: Rule, v: Cow<'_, str>) -> Cow<'_, str> {
    match rule {
        Rule::Checksum { lower: true, .. }
        | Rule::Pehash
        | Rule::Tlsh
        | Rule::Telfhash
        | Rule::Cdhash
        | Rule::Vhash
        | Rule::Hostname
        | Rule::Onion
        | Rule::Email { lower: true, .. }
        | Rule::Text { lower: true } => lower(v),
        Rule::Ip => match normalize_ip(&v) {
            Cow::Borrowed(b) if b.len() == v.len() => v,
            other => Cow::Owned(other.into_owned()),
        },
        Rule::Domain => normalise_domain(lower(v)),
        Rule::DomainIp => {
            let v = lower(v);
            let Some((domain, rest)) = v.split_once('|') else {
                return v;
            };
            // MISP rebuilds from the first two `|`-separated parts only.
            let ip = rest.split('|').next().unwrap_or("");
            let domain = normalise_domain(Cow::Borrowed(domain));
            let ip = normalize_ip(ip);
            Cow::Owned(format!("{domain}|{ip}"))
        }
        Rule::FilenameChecksum { .. }
        | Rule::FilenamePehash
        | Rule::FilenameTlsh
        | Rule::FilenameVhash => match v.find('|') {
            Some(p) if v[p..].bytes().any(|b| b.is_ascii_uppercase()) => {
                Cow::Owned(format!("{}{}", &v[..p], v[p..].to_ascii_lowercase()))
            }
            Some(_) => v,
            None => lower(v),
        },
        Rule::HttpMethod | Rule::Hex => upper(v),
        Rule::Vulnerability | Rule::Weakness => {
            let v = if v.contains('\u{2013}') {
                Cow::Owned(v.replace('\u{2013}', "-"))
            } else {
                v
            };
            upper(v)
        }
        Rule::Numeric(NumericRewrite::Digits) => retain(v, |b| b.is_ascii_digit()),
        Rule::Alnum { bank: true } => retain(upper(v), |b| b.is_ascii_alphanumeric()),
        Rule::Numeric(NumericRewrite::Phone) => {
            let v = match v.strip_prefix("00") {
                Some(rest) => Cow::Owned(format!("+{rest}")),
                None => v,
            };
            let v = if v.contains("(0)") {
                Cow::Owned(v.replace("(0)", ""))
            } else {
                v
            };
            retain(v, |b| b == b'+' || b.is_ascii_digit())
        }
        Rule::X509 { .. } => {
            let v = if v.contains(':') {
                Cow::Owned(v.replace(':', ""))
            } else {
                v
            };
            lower(v)
        }
        Rule::IpPort => rewrite_ip_port(v),
        Rule::Mac { .. } => {
            let hex: String = v
                .chars()
                .filter(|c| !matches!(c, '.' | ':' | '-' | ' '))
                .map(|c| c.to_ascii_lowercase())
                .collect();
            let mut out = String::with_capacity(hex.len() * 3 / 2);
            for (i, c) in hex.chars().enumerate() {
                if i > 0 && i % 2 == 0 {
                    out.push(':');
                }
                out.push(c);
            }
            if out == *v { v } else { Cow::Owned(out) }
        }
        Rule::HostnamePort => {
            let v = lower(v);
            if v.contains(':') {
                Cow::Owned(v.replace(':', "|"))
            } else {
                v
            }
        }
        Rule::Boolean => {
            // PHP: "true"/"false" first, then truthiness ("" and "0" are false).
            let t = php_trim(&v);
            let truthy = if t.eq_ignore_ascii_case("true") {
                true
            } else if t.eq_ignore_ascii_case("false") {
                false
            } else {
                !(t.is_empty() || t == "0")
            };
            Cow::Borrowed(if truthy { "1" } else { "0" })
        }
        Rule::Datetime => match parse_datetime(&v) {
            Some(iso) => Cow::Owned(iso),
            None => v,
        },
        Rule::As => {
            let b = v.as_bytes();
            let v = if b.len() >= 2 && b[..2].eq_ignore_ascii_case(b"AS") {
                slice_cow(v, |s| &s[2..])
            } else {
                v
            };
            // asdot `a.b` is a*65536+b; MISP leaves the value alone when it does not fit.
            if let Some((hi, lo)) = v.split_once('.')
                && is_digits(hi)
                && is_digits(lo)
            {
                let n = digits_value(hi)
                    .checked_mul(65536)
                    .and_then(|n| n.checked_add(digits_value(lo)));
                if let Some(n) = n {
                    return Cow::Owned(n.to_string());
                }
            }
            v
        }
        _ => v,
    }
}

/// Lower-cased domain, dots trimmed at both ends, converted to punycode when it is not
/// valid as is (`bücher.de` → `xn--bcher-kva.de`), as MISP does with `idn_to_ascii`.
fn normalise_domain(v: Cow<'_, str>) -> Cow<'_, str> {
    let v = slice_cow(v, |s| s.trim_matches('.'));
    if !is_domain_valid(&v)
        && !v.is_ascii()
        && let Ok(url::Host::Domain(puny)) = url::Host::parse(&v)
    {
        return Cow::Owned(puny);
    }
    v
}

/// MISP's `normalizeIp`: compresses IPv6 (also the address part of a CIDR) and drops a
/// `/32` (IPv4) or `/128` (IPv6) suffix.
fn normalize_ip(v: &str) -> Cow<'_, str> {
    if let Some(p) = v.find('/').filter(|&p| p > 0) {
        let (ip, range) = (&v[..p], &v[p + 1..]);
        let ip = compress_v6(ip);
        if (range == "32" && v.contains('.')) || (range == "128" && v.contains(':')) {
            return ip;
        }
        return match ip {
            Cow::Borrowed(_) => Cow::Borrowed(v),
            Cow::Owned(ip) => Cow::Owned(format!("{ip}/{range}")),
        };
    }
    compress_v6(v)
}

fn compress_v6(v: &str) -> Cow<'_, str> {
    if v.contains(':')
        && let Ok(addr) = v.parse::<Ipv6Addr>()
    {
        let text = format_v6(addr);
        if text != v {
            return Cow::Owned(text);
        }
    }
    Cow::Borrowed(v)
}

/// IPv6 text as glibc's `inet_ntop` writes it (what MISP stores). Rust's `Display`
/// agrees except for IPv4-compatible addresses (`::1.2.3.4`), which glibc keeps dotted.
fn format_v6(a: Ipv6Addr) -> String {
    let s = a.segments();
    if s[..6] == [0; 6] && s[6] != 0 {
        let [.., a, b, c, d] = a.octets();
        return format!("::{}", Ipv4Addr::new(a, b, c, d));
    }
    a.to_string()
}

/// MISP's `ip-src|port` / `ip-dst|port` rewrite: finds the port whichever way it was
/// written (`ip:port`, `ip|port`, `[v6]:port`, `v6|port`, `v6.port`, `v6 port N`,
/// `v6pN`, `v6#N`, or `v6:N` taking the last group) and returns `ip|port`.
///
/// PHP's `strpos(...)` is falsy at position 0, so a separator only counts after the
/// first character; MISP also keeps only the first two parts of a split.
fn rewrite_ip_port(v: Cow<'_, str>) -> Cow<'_, str> {
    let after_start = |pat: &str| v.find(pat).is_some_and(|p| p > 0);
    let first_two = |sep: &str| -> (String, String) {
        let mut it = v.split(sep);
        let a = it.next().unwrap_or("").to_owned();
        let b = it.next().unwrap_or("").to_owned();
        (a, b)
    };
    let (ip, port) = if v.bytes().filter(|&b| b == b':').count() >= 2 {
        if after_start("|") {
            first_two("|")
        } else if v.starts_with('[')
            && let Some(close) = v.find(']')
        {
            let port = v[close..].split(':').nth(1).unwrap_or("");
            (v[1..close].to_owned(), port.to_owned())
        } else if after_start(".") {
            first_two(".")
        } else if after_start(" port ") {
            first_two(" port ")
        } else if after_start("p") {
            first_two("p")
        } else if after_start("#") {
            first_two("#")
        } else {
            let (a, b) = v.rsplit_once(':').unwrap_or((&v, ""));
            (a.to_owned(), b.to_owned())
        }
    } else if after_start(":") {
        first_two(":")
    } else if after_start("|") {
        first_two("|")
    } else {
        return v;
    };
    let joined = format!("{}|{port}", normalize_ip(&ip));
    if joined == *v { v } else { Cow::Owned(joined) }
}

// ---------------------------------------------------------------------------------------
// Step 7: per-type validation (MISP's AttributeValidationTool::validate)
// ---------------------------------------------------------------------------------------

fn ok_or(cond: bool, msg: &'static str) -> Result<(), &'static str> {
    if cond { Ok(()) } else { Err(msg) }
}

fn check(rule: Rule, v: &str) -> Result<(), &'static str> {
    match rule {
        Rule::Checksum { len, .. } | Rule::X509 { len } => {
            ok_or(is_hex_len(v, len as usize), checksum_message(len))
        }
        Rule::Pehash => ok_or(is_hex_len(v, 40), PEHASH_INVALID),
        Rule::Tlsh => ok_or(is_tlsh(v), TLSH_INVALID),
        Rule::Telfhash => ok_or(v.len() == 70 || v.len() == 72, TELFHASH_INVALID),
        Rule::Ssdeep => ok_or(is_ssdeep(v), SSDEEP_INVALID),
        Rule::Impfuzzy => ok_or(is_impfuzzy(v), IMPFUZZY_INVALID),
        Rule::Cdhash => ok_or(v.len() >= 40 && is_lower_hex(v), CDHASH_INVALID),
        Rule::Vhash => ok_or(!v.contains('\n'), WRONG_FORMAT),
        Rule::FilenameChecksum { len } => {
            let (name, hash) = halves(v);
            ok_or(
                is_one_line(name) && hash.len() == len as usize && is_lower_hex(hash),
                filename_checksum_message(len),
            )
        }
        Rule::FilenamePehash => {
            let (name, hash) = halves(v);
            ok_or(
                is_one_line(name) && hash.len() == 40 && is_lower_hex(hash),
                FILENAME_PEHASH_INVALID,
            )
        }
        Rule::FilenameSsdeep => {
            let (name, hash) = halves(v);
            ok_or(!name.contains('\n'), FILENAME_NEWLINE)?;
            ok_or(is_ssdeep(hash), FILENAME_SSDEEP_INVALID)
        }
        Rule::FilenameTlsh => {
            let (name, hash) = halves(v);
            ok_or(!name.contains('\n'), FILENAME_NEWLINE)?;
            ok_or(is_tlsh(hash), FILENAME_TLSH_INVALID)
        }
        Rule::FilenameVhash => {
            let (name, hash) = halves(v);
            ok_or(
                is_one_line(name) && is_one_line(hash),
                FILENAME_VHASH_INVALID,
            )
        }
        Rule::FilenameImpfuzzy => {
            let (name, hash) = halves(v);
            ok_or(!name.contains('\n'), FILENAME_NEWLINE)?;
            ok_or(is_impfuzzy(hash), IMPFUZZY_INVALID)
        }
        Rule::MalwareSample | Rule::Text { .. } => Ok(()),
        Rule::RegkeyValue | Rule::Line | Rule::Url => ok_or(!v.contains('\n'), NEWLINE),
        Rule::Ip => check_ip(v),
        Rule::IpPort => {
            let (ip, port) = halves(v);
            ok_or(ip.parse::<IpAddr>().is_ok(), IP_INVALID)?;
            ok_or(is_port(port), PORT_INVALID)
        }
        Rule::Port => ok_or(is_port(v), PORT_INVALID),
        Rule::HostnamePort => {
            let (host, port) = halves(v);
            ok_or(is_domain_valid(host), HOSTNAME_PORT_INVALID)?;
            ok_or(is_port(port), PORT_INVALID)
        }
        Rule::DomainIp => {
            let (domain, ip) = halves(v);
            ok_or(is_domain_valid(domain), DOMAIN_IP_INVALID)?;
            ok_or(ip.parse::<IpAddr>().is_ok(), IP_INVALID)
        }
        Rule::Domain => ok_or(is_domain_valid(v), DOMAIN_INVALID),
        Rule::Hostname => ok_or(is_domain_valid(v), HOSTNAME_INVALID),
        Rule::Email { .. } => ok_or(is_email(v), EMAIL_INVALID),
        Rule::Onion => ok_or(is_onion(v), ONION_INVALID),
        Rule::Mac { pairs } => ok_or(is_mac(v, pairs as usize), WRONG_FORMAT),
        Rule::Vulnerability => ok_or(is_prefixed_number(v, "CVE-", true), CVE_INVALID),
        Rule::Weakness => ok_or(is_prefixed_number(v, "CWE-", false), CWE_INVALID),
        Rule::WindowsService => ok_or(v.len() <= 256 && !v.contains(['/', '\\']), SERVICE_INVALID),
        Rule::Link => ok_or(is_php_url(v), WRONG_FORMAT),
        Rule::Hex => ok_or(v.bytes().all(|b| b.is_ascii_hexdigit()), WRONG_FORMAT),
        Rule::HttpMethod => ok_or(
            HTTP_METHODS.iter().any(|m| v.contains(m)),
            HTTP_METHOD_INVALID,
        ),
        Rule::SshFingerprint => ok_or(is_ssh_fingerprint(v), SSH_FINGERPRINT_INVALID),
        Rule::Datetime => ok_or(parse_datetime(v).is_some(), DATETIME_INVALID),
        Rule::Unsigned => ok_or(is_digits(v), UNSIGNED_INVALID),
        Rule::Integer => ok_or(is_digits(v.strip_prefix('-').unwrap_or(v)), INTEGER_INVALID),
        Rule::Alnum { .. } => ok_or(v.bytes().all(|b| b.is_ascii_alphanumeric()), WRONG_FORMAT),
        Rule::Numeric(_) => ok_or(is_php_numeric(v), WRONG_FORMAT),
        Rule::Cortex => ok_or(
            serde_json::from_str::<serde::de::IgnoredAny>(v).is_ok(),
            WRONG_FORMAT,
        ),
        Rule::Boolean => ok_or(v == "0" || v == "1", WRONG_FORMAT),
        Rule::As => ok_or(is_digits(v) && digits_value(v) <= 4_294_967_295, AS_INVALID),
        Rule::Uuid => ok_or(is_uuid(v), WRONG_FORMAT),
    }
}

/// The two parts of a composite value (exactly one `|` has been checked by then).
fn halves(v: &str) -> (&str, &str) {
    v.split_once('|').unwrap_or((v, ""))
}

/// PCRE's `.+`: at least one character, none a newline.
fn is_one_line(s: &str) -> bool {
    !s.is_empty() && !s.contains('\n')
}

/// PHP's `ctype_digit()` on a string: non-empty, ASCII digits only.
fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The value of a digit string, saturating (PHP compares huge ones as floats, which
/// are larger than any bound used here anyway).
fn digits_value(s: &str) -> u64 {
    s.bytes().fold(0u64, |n, b| {
        n.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    })
}

fn is_port(s: &str) -> bool {
    is_digits(s) && (1..=65535).contains(&digits_value(s))
}

fn is_hex_len(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_lower_hex(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// One optional leading `t` (TLSH v4 `T1` prefix, lower-cased), then more than 35 hex.
fn is_tlsh(s: &str) -> bool {
    let s = s.strip_prefix('t').unwrap_or(s);
    s.len() > 35 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `^[0-9]+:[0-9a-zA-Z/+]*:[0-9a-zA-Z/+]*$`.
fn is_ssdeep(s: &str) -> bool {
    let mut parts = s.split(':');
    let (Some(size), Some(a), Some(b), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let b64 = |p: &str| {
        p.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'/' || c == b'+')
    };
    is_digits(size) && b64(a) && b64(b)
}

/// Exactly two `:` and a non-negative integer before the first.
fn is_impfuzzy(s: &str) -> bool {
    s.bytes().filter(|&b| b == b':').count() == 2 && is_digits(s.split(':').next().unwrap_or(""))
}

fn check_ip(v: &str) -> Result<(), &'static str> {
    if !v.contains('/') {
        return ok_or(v.parse::<IpAddr>().is_ok(), IP_INVALID);
    }
    let mut parts = v.split('/');
    let (Some(ip), Some(bits), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(CIDR_INVALID);
    };
    if !is_digits(bits) {
        return Err(CIDR_INVALID);
    }
    let bits = digits_value(bits);
    if ip.parse::<Ipv4Addr>().is_ok() {
        ok_or(bits <= 32, CIDR_V4)
    } else if ip.parse::<Ipv6Addr>().is_ok() {
        ok_or(bits <= 128, CIDR_V6)
    } else {
        Err(IP_INVALID)
    }
}

/// MISP's hostname/domain pattern `^[A-Z0-9.\-_]+\.[A-Z0-9\-]{2,}$` (case-insensitive):
/// the part after the last dot is the TLD.
fn is_domain_valid(s: &str) -> bool {
    let Some((head, tld)) = s.rsplit_once('.') else {
        return false;
    };
    tld.len() >= 2
        && tld.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !head.is_empty()
        && head
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// MISP's deliberately loose `^.[^\s]*@.*\..*$`: one character, then no whitespace up
/// to an `@`, and a dot somewhere after it; no newline anywhere.
fn is_email(s: &str) -> bool {
    if s.contains('\n') {
        return false;
    }
    let Some(first) = s.chars().next() else {
        return false;
    };
    let rest = &s[first.len_utf8()..];
    let Some(at) = rest.find('@') else {
        return false;
    };
    !rest[..at]
        .bytes()
        .any(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\x0B' | b'\x0C'))
        && rest[at + 1..].contains('.')
}

/// `^([a-z2-7]{16}|[a-z2-7]{56})\.onion$`: v2 and v3 addresses (the intended rule).
fn is_onion(s: &str) -> bool {
    s.strip_suffix(".onion").is_some_and(|name| {
        (name.len() == 16 || name.len() == 56)
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
    })
}

/// `^([0-9a-fA-F]{2}:?){pairs}$`.
fn is_mac(s: &str, pairs: usize) -> bool {
    let mut b = s.as_bytes();
    for _ in 0..pairs {
        let [x, y, rest @ ..] = b else {
            return false;
        };
        if !x.is_ascii_hexdigit() || !y.is_ascii_hexdigit() {
            return false;
        }
        b = rest.strip_prefix(b":").unwrap_or(rest);
    }
    b.is_empty()
}

/// `^CVE-[0-9]{4}-[0-9]{4,}$` (`year`) or `^CWE-[0-9]+$`.
fn is_prefixed_number(s: &str, prefix: &str, year: bool) -> bool {
    let Some(rest) = s.strip_prefix(prefix) else {
        return false;
    };
    if !year {
        return is_digits(rest);
    }
    rest.split_once('-')
        .is_some_and(|(y, n)| y.len() == 4 && is_digits(y) && n.len() >= 4 && is_digits(n))
}

const HTTP_METHODS: &[&str] = &[
    "OPTIONS",
    "GET",
    "HEAD",
    "POST",
    "PUT",
    "DELETE",
    "TRACE",
    "CONNECT",
    "PROPFIND",
    "PROPPATCH",
    "MKCOL",
    "COPY",
    "MOVE",
    "LOCK",
    "UNLOCK",
    "VERSION-CONTROL",
    "REPORT",
    "CHECKOUT",
    "CHECKIN",
    "UNCHECKOUT",
    "MKWORKSPACE",
    "UPDATE",
    "LABEL",
    "MERGE",
    "BASELINE-CONTROL",
    "MKACTIVITY",
    "ORDERPATCH",
    "ACL",
    "PATCH",
    "SEARCH",
];

/// `SHA256:` + base64 of 32 bytes (padding optional, as PHP's decoder allows), or an
/// optional `MD5:` and 32 hex digits with any colons.
fn is_ssh_fingerprint(s: &str) -> bool {
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    if let Some(b64) = s.strip_prefix("SHA256:") {
        return LENIENT.decode(b64).is_ok_and(|d| d.len() == 32);
    }
    let hex = s.strip_prefix("MD5:").unwrap_or(s);
    hex.bytes().filter(|&b| b != b':').count() == 32
        && hex.bytes().all(|b| b == b':' || b.is_ascii_hexdigit())
}

/// PHP 8 `is_numeric()`: optional surrounding whitespace, sign, digits with an optional
/// fraction (`1.`, `.5`), optional exponent.
fn is_php_numeric(s: &str) -> bool {
    let s = s.trim_matches([' ', '\t', '\n', '\r', '\x0B', '\x0C']);
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut digits = i - int_start;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        digits += i - frac_start;
    }
    if digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return false;
        }
    }
    i == b.len()
}

/// 8-4-4-4-12 hex digits, any version (spec 2.7 asks for RFC 4122; newer RFC 9562
/// versions such as v7 are accepted too).
fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// PHP's `filter_var($v, FILTER_VALIDATE_URL)`: printable ASCII only, a scheme, a host
/// unless the scheme is mailto/news/file, an http(s) host that is a valid hostname or a
/// bracketed IPv6 address, a numeric port, and well-formed user info.
fn is_php_url(s: &str) -> bool {
    if s.is_empty() || !s.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return false;
    }
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme
        .as_bytes()
        .first()
        .is_some_and(u8::is_ascii_alphabetic)
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok {
        return false;
    }
    let Some(after) = rest.strip_prefix("//") else {
        return matches!(scheme, "mailto" | "news" | "file");
    };
    let authority = after.split(['/', '?', '#']).next().unwrap_or("");
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    if let Some(u) = userinfo
        && !is_url_userinfo(u)
    {
        return false;
    }
    let (host, port) = if hostport.starts_with('[') {
        match hostport.find(']') {
            Some(close) => {
                let tail = &hostport[close + 1..];
                let port = match tail.strip_prefix(':') {
                    Some(p) => p,
                    None if tail.is_empty() => "",
                    None => return false,
                };
                (&hostport[..=close], port)
            }
            None => return false,
        }
    } else {
        hostport.rsplit_once(':').unwrap_or((hostport, ""))
    };
    let port_ok = port.is_empty() || (is_digits(port) && digits_value(port) <= 65535);
    if !port_ok {
        return false;
    }
    if host.is_empty() {
        return matches!(scheme, "mailto" | "news" | "file");
    }
    if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") {
        if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            return inner.parse::<Ipv6Addr>().is_ok();
        }
        return is_hostname(host);
    }
    true
}

/// PHP's `FILTER_FLAG_HOSTNAME` domain check: labels of letters, digits and inner
/// hyphens, 1 to 63 long, at most 253 in all, one trailing dot allowed.
fn is_hostname(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && b.len() <= 63
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        })
}

/// RFC 3986 user info: unreserved, sub-delims, `:` and `%XX` escapes.
fn is_url_userinfo(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%' {
            let hex_at = |j: usize| b.get(j).is_some_and(u8::is_ascii_hexdigit);
            if !(hex_at(i + 1) && hex_at(i + 2)) {
                return false;
            }
            i += 3;
            continue;
        }
        if !(c.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:".contains(&c)) {
            return false;
        }
        i += 1;
    }
    true
}

// ---------------------------------------------------------------------------------------
// datetime
// ---------------------------------------------------------------------------------------

/// Parses what MISP's `new DateTime($value, GMT)` commonly gets and formats it as MISP
/// stores it, `Y-m-d\TH:i:s.uO` (`2020-01-01T00:00:00.000000+0000`). A given offset is
/// kept, as PHP does; no offset means GMT. Out-of-range days and hour 24 roll over like
/// PHP's (`2021-02-30` is 2 March).
fn parse_datetime(s: &str) -> Option<String> {
    use chrono::DateTime;
    if let Some(ts) = s.strip_prefix('@') {
        let secs: i64 = ts.parse().ok()?;
        return Some(format_datetime(
            DateTime::from_timestamp(secs, 0)?.naive_utc(),
            0,
        ));
    }
    if let Some(out) = parse_iso(s) {
        return Some(out);
    }
    let dt = DateTime::parse_from_rfc2822(s).ok()?;
    Some(format_datetime(
        dt.naive_local(),
        dt.offset().local_minus_utc(),
    ))
}

fn format_datetime(t: chrono::NaiveDateTime, offset_secs: i32) -> String {
    use chrono::{Datelike, Timelike};
    let sign = if offset_secs < 0 { '-' } else { '+' };
    let off = offset_secs.unsigned_abs() / 60;
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}{sign}{:02}{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.nanosecond() / 1000,
        off / 60,
        off % 60
    )
}

/// A small cursor over ASCII input for the ISO 8601 parser.
struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn number(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.i;
        while self.i < self.b.len() && self.i - start < max && self.b[self.i].is_ascii_digit() {
            self.i += 1;
        }
        if self.i - start < min {
            return None;
        }
        Some(
            self.b[start..self.i]
                .iter()
                .fold(0, |n, d| n * 10 + u32::from(d - b'0')),
        )
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.b.get(self.i) == Some(&c);
        self.i += usize::from(hit);
        hit
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn done(&self) -> bool {
        self.i == self.b.len()
    }
}

/// `YYYY-M-D`, optionally followed by `T`/space and `H:MM[:SS[.frac]]`, then an optional
/// `Z`, `UTC`, `GMT`, `±HH`, `±HHMM` or `±HH:MM`.
fn parse_iso(s: &str) -> Option<String> {
    use chrono::{Days, NaiveDate, TimeDelta};
    let mut c = Cursor {
        b: s.as_bytes(),
        i: 0,
    };
    let year = c.number(4, 4)?;
    if !c.eat(b'-') {
        return None;
    }
    let month = c.number(1, 2)?;
    if !c.eat(b'-') {
        return None;
    }
    let day = c.number(1, 2)?;
    let (mut hour, mut minute, mut second, mut micros) = (0, 0, 0, 0);
    let mut offset = 0i32;
    if !c.done() {
        if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
            return None;
        }
        hour = c.number(1, 2)?;
        if !c.eat(b':') {
            return None;
        }
        minute = c.number(2, 2)?;
        if c.eat(b':') {
            second = c.number(2, 2)?;
            if c.eat(b'.') || c.eat(b',') {
                let start = c.i;
                let frac = c.number(1, usize::MAX)?;
                let len = c.i - start;
                micros = if len <= 6 {
                    frac * 10u32.pow(6 - len as u32)
                } else {
                    // Keep the first six digits, as PHP does.
                    s[start..start + 6].parse().ok()?
                };
            }
        }
        while c.eat(b' ') {}
        let rest = &s[c.i..];
        if rest.eq_ignore_ascii_case("z")
            || rest.eq_ignore_ascii_case("utc")
            || rest.eq_ignore_ascii_case("gmt")
        {
            c.i = c.b.len();
        } else if let Some(sign @ (b'+' | b'-')) = c.peek() {
            c.i += 1;
            let hh = c.number(2, 2)?;
            c.eat(b':');
            let mm = if c.done() { 0 } else { c.number(2, 2)? };
            if hh > 23 || mm > 59 {
                return None;
            }
            offset = (hh * 3600 + mm * 60) as i32 * if sign == b'-' { -1 } else { 1 };
        }
        if !c.done() {
            return None;
        }
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    if hour > 24 || minute > 59 || second > 60 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(year as i32, month, 1)?
        .checked_add_days(Days::new(u64::from(day - 1)))?;
    let secs = i64::from(hour * 3600 + minute * 60 + second);
    let t = date.and_hms_opt(0, 0, 0)?.checked_add_signed(
        TimeDelta::seconds(secs) + TimeDelta::microseconds(i64::from(micros)),
    )?;
    Some(format_datetime(t, offset))
}

#[cfg(test)]
mod tests {
    use super::super::registry::types;
    use super::*;

    #[track_caller]
    fn ok(type_name: &str, raw: &str) -> Normalised {
        normalise(type_name, raw).unwrap_or_else(|e| panic!("{type_name} {raw:?} refused: {e}"))
    }

    #[track_caller]
    fn stored(type_name: &str, raw: &str, expected: &str) {
        assert_eq!(ok(type_name, raw).value, expected, "{type_name} {raw:?}");
    }

    #[track_caller]
    fn refused(type_name: &str, raw: &str, message: &str) {
        assert_eq!(
            normalise(type_name, raw),
            Err(message),
            "{type_name} {raw:?}"
        );
    }

    #[track_caller]
    fn split(type_name: &str, raw: &str, v1: &str, v2: &str) {
        let n = ok(type_name, raw);
        assert_eq!(
            (n.value1.as_str(), n.value2.as_str()),
            (v1, v2),
            "{type_name} {raw:?}"
        );
        assert_eq!(n.value, value_from_parts(v1, v2), "{type_name} {raw:?}");
    }

    fn hex(len: usize) -> String {
        "0123456789abcdef".chars().cycle().take(len).collect()
    }

    // ----- model.md 2.9, every row -----

    #[test]
    fn vector_ipv6_compression() {
        stored(
            "ip-dst",
            "2001:0db8:0000:0000:0000:0000:0000:0001",
            "2001:db8::1",
        );
    }

    #[test]
    fn vector_cidr() {
        stored("ip-src", "10.0.0.1/32", "10.0.0.1");
        refused("ip-src", "10.0.0.0/33", CIDR_V4);
    }

    #[test]
    fn vector_ip_port() {
        split("ip-dst|port", "1.2.3.4:80", "1.2.3.4", "80");
        assert_eq!(ok("ip-dst|port", "1.2.3.4:80").value, "1.2.3.4|80");
        split("ip-dst|port", "[2001:db8::1]:443", "2001:db8::1", "443");
        refused("ip-dst|port", "1.2.3.4:0", PORT_INVALID);
    }

    #[test]
    fn vector_hostname_port() {
        split(
            "hostname|port",
            "Host.Example.com:8080",
            "host.example.com",
            "8080",
        );
    }

    #[test]
    fn vector_domain() {
        stored("domain", "WWW.Example.COM.", "www.example.com");
        stored("domain", "bücher.de", "xn--bcher-kva.de");
        refused("domain", "localhost", DOMAIN_INVALID);
    }

    #[test]
    fn vector_url_refang() {
        stored("url", "hxxp://evil[.]com/a", "http://evil.com/a");
    }

    #[test]
    fn vector_email() {
        stored("email-src", "Bad[@]Evil[.]com", "bad@evil.com");
        refused("email-src", "a@b", EMAIL_INVALID);
    }

    #[test]
    fn vector_md5() {
        stored(
            "md5",
            "D41D8CD98F00B204E9800998ECF8427E",
            "d41d8cd98f00b204e9800998ecf8427e",
        );
        refused("md5", &hex(31), checksum_message(32));
    }

    #[test]
    fn vector_filename_md5() {
        split(
            "filename|md5",
            "Evil.EXE|D41D8CD98F00B204E9800998ECF8427E",
            "Evil.EXE",
            "d41d8cd98f00b204e9800998ecf8427e",
        );
    }

    #[test]
    fn vector_x509() {
        let pairs: Vec<String> = (0..20).map(|i| format!("{:02X}", 0xA0 + i)).collect();
        let expected = pairs.concat().to_ascii_lowercase();
        assert_eq!(expected.len(), 40);
        stored("x509-fingerprint-sha1", &pairs.join(":"), &expected);
        stored(
            "x509-fingerprint-sha1",
            "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01",
            "abcdef0123456789abcdef0123456789abcdef01",
        );
    }

    #[test]
    fn vector_mac() {
        stored("mac-address", "00-1A-2B-3C-4D-5E", "00:1a:2b:3c:4d:5e");
    }

    #[test]
    fn vector_as() {
        stored("AS", "AS3320", "3320");
        stored("AS", "AS1.10", "65546");
    }

    #[test]
    fn vector_phone() {
        stored("phone-number", "0041 (0)44 123 45 67", "+41441234567");
    }

    #[test]
    fn vector_vulnerability() {
        stored("vulnerability", "cve–2021–44228", "CVE-2021-44228");
    }

    #[test]
    fn vector_cc_iban() {
        stored("cc-number", "4111 1111-1111 1111", "4111111111111111");
        stored(
            "iban",
            "de89 3704 0044 0532 0130 00",
            "DE89370400440532013000",
        );
    }

    #[test]
    fn vector_boolean_datetime() {
        stored("boolean", "true", "1");
        stored("datetime", "2020-01-01", "2020-01-01T00:00:00.000000+0000");
    }

    #[test]
    fn vector_port() {
        refused("port", "0", PORT_INVALID);
        refused("port", "65536", PORT_INVALID);
        refused("port", "80a", PORT_INVALID);
    }

    #[test]
    fn vector_empty() {
        refused("text", "   ", EMPTY_VALUE);
        refused("text", "", EMPTY_VALUE);
        refused("md5", " \t\r\n ", EMPTY_VALUE);
        refused("text", "\x01\x02\x1f", CONTROL_CHARACTERS);
        refused("filename|md5", "\x01|\x02", CONTROL_CHARACTERS);
    }

    #[test]
    fn vector_composite_pipes() {
        refused("regkey|value", r"HKLM\Run|a|b", NOT_COMPOSITE);
        refused("regkey|value", r"HKLM\\Run|a|b", NOT_COMPOSITE);
        refused("filename|md5", "evil.exe", NOT_COMPOSITE);
    }

    // ----- the golden captures -----

    #[test]
    fn captures_invalid_values() {
        refused("ip-dst", "999.1.1.1", "IP address has an invalid format.");
        refused("ip-src", "not-an-ip", "IP address has an invalid format.");
        refused(
            "md5",
            "xyz",
            "Checksum has an invalid length or format (expected: 32 hexadecimal characters). Please double check the value or select type \"other\".",
        );
    }

    #[test]
    fn captures_valid_values_unchanged() {
        for (t, v) in [
            ("sha1", "3820bb019c542630330326a79d5cfbab3e3481fa"),
            ("ip-src", "45.77.12.9"),
            ("ip-src", "45.77.12.10"),
            ("domain", "login.golden-phish.net"),
            ("user-agent", "Mozilla/5.0 (GoldenBot 1.0)"),
            ("ip-dst", "89.203.249.203"),
        ] {
            let n = ok(t, v);
            assert_eq!(
                (n.value.as_str(), n.value1.as_str(), n.value2.as_str()),
                (v, v, "")
            );
        }
    }

    // ----- category -----

    #[test]
    fn category_defaults_and_checks() {
        assert_eq!(check_category("sha1", None), Ok("Payload delivery"));
        assert_eq!(check_category("sha1", Some("")), Ok("Payload delivery"));
        assert_eq!(check_category("ip-src", None), Ok("Network activity"));
        assert_eq!(
            check_category("md5", Some("Artifacts dropped")),
            Ok("Artifacts dropped")
        );
        assert_eq!(
            check_category("md5", Some("Payload type")),
            Err(CategoryError::NotAllowed)
        );
        assert_eq!(
            check_category("md5", Some("payload delivery")),
            Err(CategoryError::UnknownCategory)
        );
        assert_eq!(
            check_category("nope", None),
            Err(CategoryError::UnknownType)
        );
        assert_eq!(
            check_category("nope", Some("Other")),
            Err(CategoryError::UnknownType)
        );
        assert_eq!(
            CategoryError::UnknownType.errors(),
            &[("type", "Invalid type.")]
        );
        assert_eq!(
            CategoryError::NotAllowed.errors(),
            &[("type", "Options depend on the selected category.")]
        );
        assert_eq!(CategoryError::UnknownCategory.field(), "category");
        assert_eq!(CategoryError::NotAllowed.field(), "type");
        assert_eq!(
            CategoryError::UnknownCategory.to_string(),
            "Options : Payload delivery, Antivirus detection, Payload installation, Files dropped ..."
        );
        assert_eq!(
            CategoryError::UnknownCategory.errors()[0],
            ("type", TYPE_NOT_IN_CATEGORY)
        );
        assert_eq!(
            CategoryError::UnknownCategory.errors()[1],
            (
                "category",
                "Options : Payload delivery, Antivirus detection, Payload installation, Files dropped ..."
            )
        );
        assert_eq!(
            String::from(CategoryError::NotAllowed),
            "Options depend on the selected category."
        );
        for t in types() {
            assert_eq!(
                check_category(t.name, None),
                Ok(t.default_category()),
                "{}",
                t.name
            );
            for c in t.allowed_categories() {
                assert_eq!(check_category(t.name, Some(c)), Ok(c), "{} / {c}", t.name);
            }
        }
    }

    #[test]
    fn unknown_type_is_refused() {
        refused("no-such-type", "x", INVALID_TYPE);
        refused("MD5", "d41d8cd98f00b204e9800998ecf8427e", INVALID_TYPE);
    }

    // ----- refang -----

    #[test]
    fn refang_table() {
        // Only the matched prefix is rewritten; the rest keeps its case.
        stored("url", "HXXPS://a[.]b(dot)c[dot]d/x", "httpS://a.b.c.d/x");
        stored("url", "meow://evil.com", "http://evil.com");
        stored("url", "h[tt]ps://evil.com", "https://evil.com");
        stored("url", "hxtp://evil.com", "http://evil.com");
        stored("url", "htxp://evil.com", "http://evil.com");
        stored("url", "[hxxp://]evil.com", "http://evil.com");
        stored("url", "http[:]//evil.com", "http://evil.com");
        stored("link", "hxxps://evil[.]com", "https://evil.com");
        stored("ip-dst", "10[.]0[.]0[.]1", "10.0.0.1");
        stored("ip-src", "10(dot)0(dot)0(dot)1", "10.0.0.1");
        stored("hostname", "Mail[.]Evil[.]com", "mail.evil.com");
        stored("domain|ip", "evil[.]com|1[.]2[.]3[.]4", "evil.com|1.2.3.4");
        stored("email", "x[at]evil[dot]com", "x@evil.com");
        stored("email-dst", "x[@]evil[.]com", "x@evil.com");
        // Only at the start, and only for the listed types.
        stored("url", "see hxxp://x", "see hxxp://x");
        stored("text", "evil[.]com", "evil[.]com");
        stored("user-agent", "hxxp[.]", "hxxp[.]");
        refused("email-src", "x[at]evil", EMAIL_INVALID);
        // `[DOT]` is case-sensitive in MISP.
        refused("domain", "evil[DOT]com", DOMAIN_INVALID);
        // Trimmed before refanging.
        stored("url", "  hxxp://evil.com  ", "http://evil.com");
        // `[@]` is not refanged for target-email.
        refused("target-email", "a[@]b", EMAIL_INVALID);
    }

    // ----- IPs -----

    #[test]
    fn ip_forms() {
        stored("ip-src", "2001:DB8::0:1", "2001:db8::1");
        stored("ip-src", "2001:db8::/32", "2001:db8::/32");
        stored("ip-src", "2001:0db8:0000::/48", "2001:db8::/48");
        stored("ip-src", "2001:db8::1/128", "2001:db8::1");
        stored("ip-src", "10.1.2.3/8", "10.1.2.3/8");
        stored("ip-src", "::ffff:1.2.3.4", "::ffff:1.2.3.4");
        stored("ip-src", "::1.2.3.4", "::1.2.3.4");
        stored("ip-src", "::1", "::1");
        stored("ip-src", "1:0:0:1:0:0:0:1", "1:0:0:1::1");
        refused("ip-src", "2001:db8::/129", CIDR_V6);
        refused("ip-src", "10.0.0.0/x", CIDR_INVALID);
        refused("ip-src", "10.0.0.0/8/8", CIDR_INVALID);
        refused("ip-src", "10.0.0.0/", CIDR_INVALID);
        refused("ip-src", "10.0.0/8", IP_INVALID);
        refused("ip-src", "01.2.3.4", IP_INVALID);
        refused("ip-src", "1.2.3.4.5", IP_INVALID);
        refused("ip-src", "fe80::1%eth0", IP_INVALID);
    }

    #[test]
    fn ip_port_forms() {
        split("ip-src|port", "1.2.3.4|80", "1.2.3.4", "80");
        split("ip-src|port", "2001:0db8::1|80", "2001:db8::1", "80");
        split("ip-src|port", "2001:db8::1.80", "2001:db8::1", "80");
        split("ip-src|port", "2001:db8::1 port 80", "2001:db8::1", "80");
        split("ip-src|port", "2001:db8::1p80", "2001:db8::1", "80");
        split("ip-src|port", "2001:db8::1#80", "2001:db8::1", "80");
        split("ip-src|port", "2001:db8::1:80", "2001:db8::1", "80");
        split("ip-dst|port", "[2001:0db8::1]:8080", "2001:db8::1", "8080");
        refused("ip-dst|port", "1.2.3.4", NOT_COMPOSITE);
        refused("ip-dst|port", "1.2.3.4:", PORT_INVALID);
        refused("ip-dst|port", "999.2.3.4:80", IP_INVALID);
        refused("ip-dst|port", "10.0.0.0/8:80", IP_INVALID);
        refused("ip-dst|port", "1.2.3.4:65536", PORT_INVALID);
    }

    // ----- domains, hostnames, e-mail -----

    #[test]
    fn domains_and_hostnames() {
        stored("domain", "..Example.com..", "example.com");
        stored("domain", "_dmarc.example.com", "_dmarc.example.com");
        stored("domain", "xn--bcher-kva.de", "xn--bcher-kva.de");
        stored("domain", "BÜCHER.de", "xn--bcher-kva.de");
        refused("domain", "example.c", DOMAIN_INVALID);
        refused("domain", "example.c_m", DOMAIN_INVALID);
        refused("domain", "exa mple.com", DOMAIN_INVALID);
        stored("hostname", "WWW.Example.com", "www.example.com");
        refused("hostname", "www.example.com.", HOSTNAME_INVALID);
        refused("hostname", "bücher.de", HOSTNAME_INVALID);
        split(
            "domain|ip",
            "Example.COM.|2001:DB8::1",
            "example.com",
            "2001:db8::1",
        );
        split(
            "domain|ip",
            "bücher.de|1.2.3.4",
            "xn--bcher-kva.de",
            "1.2.3.4",
        );
        refused("domain|ip", "localhost|1.2.3.4", DOMAIN_IP_INVALID);
        refused("domain|ip", "example.com|1.2.3", IP_INVALID);
        refused("domain|ip", "example.com", NOT_COMPOSITE);
        refused("hostname|port", "localhost:80", HOSTNAME_PORT_INVALID);
        refused("hostname|port", "a.example.com:0", PORT_INVALID);
    }

    #[test]
    fn emails() {
        stored("email", "John.Doe@Example.com", "john.doe@example.com");
        stored("eppn", "John@Example.com", "John@Example.com");
        stored(
            "dns-soa-email",
            "Hostmaster@Example.com",
            "Hostmaster@Example.com",
        );
        stored(
            "jabber-id",
            "me@jabber.example.org",
            "me@jabber.example.org",
        );
        stored("whois-registrant-email", "A@B.C", "a@b.c");
        stored("target-email", "A@B.C", "a@b.c");
        stored("email", "@x@y.z", "@x@y.z");
        refused("email", "a b@c.d", EMAIL_INVALID);
        refused("email", "ab.c", EMAIL_INVALID);
        refused("email", "a@b\n.c", EMAIL_INVALID);
    }

    // ----- hashes -----

    #[test]
    fn hash_lengths_and_messages() {
        for (t, len) in [
            ("md5", 32),
            ("imphash", 32),
            ("sha1", 40),
            ("git-commit-id", 40),
            ("pehash", 40),
            ("sha224", 56),
            ("sha512/224", 56),
            ("sha256", 64),
            ("sha512/256", 64),
            ("authentihash", 64),
            ("sha384", 96),
            ("sha512", 128),
            ("sha3-224", 56),
            ("sha3-256", 64),
            ("sha3-384", 96),
            ("sha3-512", 128),
            ("ja3-fingerprint-md5", 32),
            ("hassh-md5", 32),
            ("hasshserver-md5", 32),
            ("jarm-fingerprint", 62),
            ("x509-fingerprint-md5", 32),
            ("x509-fingerprint-sha1", 40),
            ("x509-fingerprint-sha256", 64),
            ("dom-hash", 32),
        ] {
            stored(t, &hex(len), &hex(len));
            let message = if t == "pehash" {
                PEHASH_INVALID
            } else {
                checksum_message(len as u8)
            };
            assert!(
                message.contains(&format!("expected: {len} hexadecimal")),
                "{t}"
            );
            refused(t, &hex(len - 1), message);
            refused(t, &hex(len + 1), message);
            refused(t, &format!("{}g", hex(len - 1)), message);
            let fname = format!("filename|{t}");
            if rule_of(&fname).is_some() {
                let fmessage = if t == "pehash" {
                    FILENAME_PEHASH_INVALID
                } else {
                    filename_checksum_message(len as u8)
                };
                split(
                    &fname,
                    &format!("A.exe|{}", hex(len).to_uppercase()),
                    "A.exe",
                    &hex(len),
                );
                refused(&fname, &format!("A.exe|{}", hex(len - 1)), fmessage);
                refused(&fname, &format!("|{}", hex(len)), fmessage);
                refused(&fname, &format!("a\nb|{}", hex(len)), fmessage);
            }
        }
        // git-commit-id is not lower-cased by MISP, but upper-case hex is valid.
        stored(
            "git-commit-id",
            &hex(40).to_uppercase(),
            &hex(40).to_uppercase(),
        );
        stored("sha256", &hex(64).to_uppercase(), &hex(64));
    }

    #[test]
    fn fuzzy_hashes() {
        let ssdeep = "96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/wqWXLcMSx:sF1LjEtHHlZDrJzrhuyZvHYm8tKp/RWO";
        stored("ssdeep", ssdeep, ssdeep);
        split(
            "filename|ssdeep",
            &format!("Setup.EXE|{ssdeep}"),
            "Setup.EXE",
            ssdeep,
        );
        refused("ssdeep", "abc:def:ghi", SSDEEP_INVALID);
        refused("ssdeep", "3:abc", SSDEEP_INVALID);
        refused("ssdeep", "3:a-b:c", SSDEEP_INVALID);
        refused("filename|ssdeep", "x|3:abc", FILENAME_SSDEEP_INVALID);
        refused("filename|ssdeep", "a\nb|3:abc:def", FILENAME_NEWLINE);

        let tlsh = format!("T1{}", hex(70).to_uppercase());
        stored("tlsh", &tlsh, &tlsh.to_lowercase());
        stored("tlsh", &hex(36), &hex(36));
        refused("tlsh", &hex(35), TLSH_INVALID);
        refused("tlsh", &format!("t{}", hex(35)), TLSH_INVALID);
        split(
            "filename|tlsh",
            &format!("A.bin|{tlsh}"),
            "A.bin",
            &tlsh.to_lowercase(),
        );
        refused("filename|tlsh", "A.bin|abc", FILENAME_TLSH_INVALID);

        stored("telfhash", &hex(70), &hex(70));
        stored("telfhash", &hex(72), &hex(72));
        refused("telfhash", &hex(71), TELFHASH_INVALID);

        stored("impfuzzy", "48:abc:def", "48:abc:def");
        refused("impfuzzy", "x:abc:def", IMPFUZZY_INVALID);
        refused("impfuzzy", "48:abc", IMPFUZZY_INVALID);
        split(
            "filename|impfuzzy",
            "a.dll|48:abc:def",
            "a.dll",
            "48:abc:def",
        );
        refused("filename|impfuzzy", "a.dll|abc", IMPFUZZY_INVALID);

        stored("cdhash", &hex(40).to_uppercase(), &hex(40));
        stored("cdhash", &hex(64), &hex(64));
        refused("cdhash", &hex(39), CDHASH_INVALID);

        stored("vhash", "015056655D1Bz23z", "015056655d1bz23z");
        refused("vhash", "a\nb", WRONG_FORMAT);
        split(
            "filename|vhash",
            "A.exe|015056655D1B",
            "A.exe",
            "015056655d1b",
        );
        refused("filename|vhash", "A.exe|", FILENAME_VHASH_INVALID);
    }

    // ----- other typed values -----

    #[test]
    fn mac_addresses() {
        stored("mac-address", "001A.2B3C.4D5E", "00:1a:2b:3c:4d:5e");
        stored("mac-address", "00:1a:2b:3c:4d:5e", "00:1a:2b:3c:4d:5e");
        refused("mac-address", "00:1a:2b:3c:4d", WRONG_FORMAT);
        refused("mac-address", "00:1a:2b:3c:4d:5e:6f", WRONG_FORMAT);
        refused("mac-address", "00:1a:2b:3c:4d:5g", WRONG_FORMAT);
        stored(
            "mac-eui-64",
            "00-1A-2B-FF-FE-3C-4D-5E",
            "00:1a:2b:ff:fe:3c:4d:5e",
        );
        refused("mac-eui-64", "00-1A-2B-3C-4D-5E", WRONG_FORMAT);
    }

    #[test]
    fn numbers() {
        stored("AS", "as64512", "64512");
        stored("AS", "0", "0");
        stored("AS", "4294967295", "4294967295");
        refused("AS", "4294967296", AS_INVALID);
        refused("AS", "AS70000.1", AS_INVALID);
        refused("AS", "ASX", AS_INVALID);
        stored("port", "443", "443");
        stored("port", "65535", "65535");
        stored("size-in-bytes", "0", "0");
        stored("counter", "12", "12");
        refused("counter", "-1", UNSIGNED_INVALID);
        refused("size-in-bytes", "1.5", UNSIGNED_INVALID);
        stored("integer", "-42", "-42");
        refused("integer", "4.2", INTEGER_INVALID);
        refused("integer", "-", INTEGER_INVALID);
        for v in ["1", "-1.5", "+3", ".5", "1.", "1e10", "-2.5E-3"] {
            stored("float", v, v);
        }
        for v in ["1e", ".", "0x1A", "1.2.3", "abc", "1 2"] {
            refused("float", v, WRONG_FORMAT);
        }
        stored("bin", "4111 11", "411111");
        refused("cc-number", "abcd", EMPTY_VALUE);
        stored("bank-account-nr", "12345678", "12345678");
        stored("aba-rtn", "011000015", "011000015");
        stored("prtn", "0041 44", "+4144");
        stored(
            "whois-registrant-phone",
            "+1 (555) 010-9999",
            "+15550109999",
        );
        refused("phone-number", "+4+1", WRONG_FORMAT);
        stored("bic", "deut de ff", "DEUTDEFF");
        stored(
            "btc",
            "1BoatSLRHtKNngkdXEeobR76b53LETtpyT",
            "1BoatSLRHtKNngkdXEeobR76b53LETtpyT",
        );
        refused("btc", "1Boat-SLR", WRONG_FORMAT);
        refused("xmr", "4A b", WRONG_FORMAT);
    }

    #[test]
    fn boolean_values() {
        for (v, want) in [
            ("TRUE", "1"),
            ("False", "0"),
            ("1", "1"),
            ("0", "0"),
            ("yes", "1"),
            ("no", "1"),
        ] {
            stored("boolean", v, want);
        }
    }

    #[test]
    fn datetimes() {
        for (v, want) in [
            ("2020-01-01T12:34:56Z", "2020-01-01T12:34:56.000000+0000"),
            ("2020-01-01 12:34", "2020-01-01T12:34:00.000000+0000"),
            (
                "2020-01-01T12:34:56.5+02:00",
                "2020-01-01T12:34:56.500000+0200",
            ),
            (
                "2020-01-01T12:34:56.123456789-0530",
                "2020-01-01T12:34:56.123456-0530",
            ),
            (
                "2020-01-01T00:00:00.000000+0000",
                "2020-01-01T00:00:00.000000+0000",
            ),
            ("2021-02-30", "2021-03-02T00:00:00.000000+0000"),
            ("2020-12-31T24:00:00", "2021-01-01T00:00:00.000000+0000"),
            ("@0", "1970-01-01T00:00:00.000000+0000"),
            (
                "Tue, 1 Jul 2003 10:52:37 +0200",
                "2003-07-01T10:52:37.000000+0200",
            ),
            ("2020-1-2 3:04:05 UTC", "2020-01-02T03:04:05.000000+0000"),
        ] {
            stored("datetime", v, want);
        }
        for v in [
            "yesterday-ish",
            "2020-13-01",
            "2020-01-01T25:00",
            "2020/01/01x",
            "20200101",
        ] {
            refused("datetime", v, DATETIME_INVALID);
        }
    }

    #[test]
    fn text_rules() {
        stored("vulnerability", "cve-2014-0160", "CVE-2014-0160");
        refused("vulnerability", "CVE-14-0160", CVE_INVALID);
        refused("vulnerability", "CVE-2014-016", CVE_INVALID);
        stored("weakness", "cwe–79", "CWE-79");
        refused("weakness", "CWE-", CWE_INVALID);
        stored("windows-service-name", "Spooler", "Spooler");
        refused("windows-service-name", r"C:\svc", SERVICE_INVALID);
        refused(
            "windows-service-displayname",
            &"a".repeat(257),
            SERVICE_INVALID,
        );
        stored("http-method", "get", "GET");
        stored("http-method", "propfind", "PROPFIND");
        refused("http-method", "FETCH", HTTP_METHOD_INVALID);
        stored("hex", "deadBEEF", "DEADBEEF");
        refused("hex", "xyz", WRONG_FORMAT);
        stored(
            "onion-address",
            "PYUZZ4WAQYQBQHCN.onion",
            "pyuzz4waqyqbqhcn.onion",
        );
        stored(
            "onion-address",
            &format!("{}.onion", "a".repeat(56)),
            &format!("{}.onion", "a".repeat(56)),
        );
        refused("onion-address", "abc.onion", ONION_INVALID);
        refused(
            "onion-address",
            &format!("{}.onion", "1".repeat(16)),
            ONION_INVALID,
        );
        refused("filename", "a\nb", NEWLINE);
        refused("url", "http://a\nb", NEWLINE);
        refused("regkey|value", "HKLM\\Run|a\nb", NEWLINE);
        refused("named pipe", "a\nb", NEWLINE);
        stored("text", "line one\nline two", "line one\nline two");
        stored("anonymised", "Some THING", "some thing");
        stored(
            "snort",
            "alert tcp any any -> any any (msg:\"x\";)\nalert udp any any -> any any",
            "alert tcp any any -> any any (msg:\"x\";)\nalert udp any any -> any any",
        );
        split(
            "regkey|value",
            r"HKLM\Run|C:\evil.exe",
            r"HKLM\Run",
            r"C:\evil.exe",
        );
        split(
            "malware-sample",
            "evil.exe|d41d8cd98f00b204e9800998ecf8427e",
            "evil.exe",
            "d41d8cd98f00b204e9800998ecf8427e",
        );
        refused("malware-sample", "evil.exe", NOT_COMPOSITE);
        stored("cortex", r#"{"a": [1, 2]}"#, r#"{"a": [1, 2]}"#);
        refused("cortex", "{a}", WRONG_FORMAT);
        stored(
            "uuid",
            "5f1c3a3e-0b0c-4b8e-9a7d-0f2a1b2c3d4e",
            "5f1c3a3e-0b0c-4b8e-9a7d-0f2a1b2c3d4e",
        );
        refused("uuid", "5f1c3a3e0b0c4b8e9a7d0f2a1b2c3d4e", WRONG_FORMAT);
        refused("text", &"a".repeat(65536), TOO_LONG);
        stored("text", &"a".repeat(65535), &"a".repeat(65535));
    }

    #[test]
    fn ssh_fingerprints() {
        stored(
            "ssh-fingerprint",
            "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8",
            "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8",
        );
        stored(
            "ssh-fingerprint",
            "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8=",
            "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8=",
        );
        stored(
            "ssh-fingerprint",
            "MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48",
            "MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48",
        );
        stored(
            "ssh-fingerprint",
            "16:27:AC:A5:76:28:2D:36:63:1B:56:4D:EB:DF:A6:48",
            "16:27:AC:A5:76:28:2D:36:63:1B:56:4D:EB:DF:A6:48",
        );
        refused("ssh-fingerprint", "SHA256:abc", SSH_FINGERPRINT_INVALID);
        refused("ssh-fingerprint", "16:27:ac", SSH_FINGERPRINT_INVALID);
    }

    #[test]
    fn links() {
        for v in [
            "https://www.misp-project.org/",
            "http://1.2.3.4:8080/a?b=c#d",
            "http://[2001:db8::1]/x",
            "https://user:pa%20ss@example.com/",
            "ftp://files.example.com/a",
            "mailto:someone@example.com",
            "file:///etc/hosts",
            "hxxps://evil[.]com/path",
        ] {
            assert!(normalise("link", v).is_ok(), "{v}");
        }
        for v in [
            "www.example.com",
            "http://",
            "http://exa mple.com",
            "http://under_score.com/",
            "http://-bad.com/",
            "http://example.com:port/",
            "https://bücher.de/",
            "ftp:relative",
            "1http://x.com",
        ] {
            refused("link", v, WRONG_FORMAT);
        }
    }

    #[test]
    fn composite_value_shapes() {
        // value2 may be empty in MISP; the stored value is then value1 alone.
        let n = ok("regkey|value", r"HKLM\Run|");
        assert_eq!(
            (n.value.as_str(), n.value1.as_str(), n.value2.as_str()),
            (r"HKLM\Run", r"HKLM\Run", "")
        );
        assert_eq!(value_from_parts("a.exe", "d41d"), "a.exe|d41d");
        assert_eq!(value_from_parts("a.exe", ""), "a.exe");
        assert!(is_composite("malware-sample"));
        assert!(is_composite("filename|md5"));
        assert!(!is_composite("md5"));
        for t in types() {
            assert_eq!(
                is_composite(t.name),
                matches!(
                    rule_of(t.name),
                    Some(
                        Rule::FilenameChecksum { .. }
                            | Rule::FilenamePehash
                            | Rule::FilenameSsdeep
                            | Rule::FilenameTlsh
                            | Rule::FilenameVhash
                            | Rule::FilenameImpfuzzy
                            | Rule::MalwareSample
                            | Rule::RegkeyValue
                            | Rule::IpPort
                            | Rule::HostnamePort
                            | Rule::DomainIp
                    )
                ),
                "{}",
                t.name
            );
        }
    }

    /// Types MISP accepts any text for (one line or many).
    const FREE_TEXT: &[&str] = &[
        "mutex",
        "process-state",
        "snort",
        "suricata",
        "bro",
        "zeek",
        "community-id",
        "anonymised",
        "pattern-in-file",
        "pattern-in-traffic",
        "pattern-in-memory",
        "filename-pattern",
        "pgp-public-key",
        "pgp-private-key",
        "yara",
        "stix2-pattern",
        "sigma",
        "gene",
        "kusto-query",
        "mime-type",
        "identity-card-number",
        "cookie",
        "attachment",
        "comment",
        "text",
        "other",
        "cpe",
        "email-attachment",
        "email-body",
        "email-header",
        "first-name",
        "middle-name",
        "last-name",
        "full-name",
        "url",
        "target-user",
        "campaign-name",
        "campaign-id",
        "threat-actor",
        "target-machine",
        "target-org",
        "target-location",
        "target-external",
        "email-subject",
        "malware-type",
        "uri",
        "user-agent",
        "regkey",
        "filename",
        "pdb",
        "windows-scheduled-task",
        "whois-registrant-name",
        "whois-registrant-org",
        "whois-registrar",
        "whois-creation-date",
        "date-of-birth",
        "place-of-birth",
        "gender",
        "passport-number",
        "passport-country",
        "passport-expiration",
        "redress-number",
        "nationality",
        "visa-number",
        "issue-date-of-the-visa",
        "primary-residence",
        "country-of-residence",
        "special-service-request",
        "frequent-flyer-number",
        "travel-details",
        "payment-details",
        "place-port-of-original-embarkation",
        "place-port-of-clearance",
        "place-port-of-onward-foreign-destination",
        "passenger-name-record-locator-number",
        "email-dst-display-name",
        "email-src-display-name",
        "email-reply-to",
        "email-x-mailer",
        "email-mime-boundary",
        "email-thread-index",
        "email-message-id",
        "github-username",
        "github-repository",
        "github-organisation",
        "twitter-id",
        "dkim",
        "dkim-signature",
        "favicon-mmh3",
        "chrome-extension-id",
        "edge-extension-id",
        "mobile-application-id",
        "azure-application-id",
        "named pipe",
    ];

    /// A sensible valid value for every type MISP checks.
    fn sample(type_name: &str) -> Option<String> {
        let ssdeep = "3:a+b/c:d";
        Some(match type_name {
            "md5" | "imphash" | "ja3-fingerprint-md5" | "hassh-md5" | "hasshserver-md5"
            | "dom-hash" | "x509-fingerprint-md5" => hex(32),
            "sha1" | "git-commit-id" | "pehash" | "x509-fingerprint-sha1" | "cdhash" => hex(40),
            "sha224" | "sha512/224" | "sha3-224" => hex(56),
            "jarm-fingerprint" => hex(62),
            "sha256" | "sha512/256" | "sha3-256" | "authentihash" | "x509-fingerprint-sha256" => hex(64),
            "sha384" | "sha3-384" => hex(96),
            "sha512" | "sha3-512" => hex(128),
            "tlsh" => format!("t1{}", hex(70)),
            "telfhash" => hex(70),
            "ssdeep" => ssdeep.to_owned(),
            "impfuzzy" => "12:abc:def".to_owned(),
            "vhash" => "015056655d1bz23z".to_owned(),
            "filename|md5" | "filename|imphash" => format!("a.exe|{}", hex(32)),
            "filename|sha1" | "filename|pehash" => format!("a.exe|{}", hex(40)),
            "filename|sha224" | "filename|sha512/224" | "filename|sha3-224" => format!("a.exe|{}", hex(56)),
            "filename|sha256" | "filename|sha512/256" | "filename|sha3-256" | "filename|authentihash" => format!("a.exe|{}", hex(64)),
            "filename|sha384" | "filename|sha3-384" => format!("a.exe|{}", hex(96)),
            "filename|sha512" | "filename|sha3-512" => format!("a.exe|{}", hex(128)),
            "filename|ssdeep" => format!("a.exe|{ssdeep}"),
            "filename|tlsh" => format!("a.exe|t1{}", hex(70)),
            "filename|vhash" => "a.exe|015056655d1b".to_owned(),
            "filename|impfuzzy" => "a.exe|12:abc:def".to_owned(),
            "malware-sample" => format!("a.exe|{}", hex(32)),
            "regkey|value" => r"HKLM\Software\Run|evil".to_owned(),
            "ip-src" | "ip-dst" => "192.0.2.1".to_owned(),
            "ip-src|port" | "ip-dst|port" => "192.0.2.1|443".to_owned(),
            "hostname|port" => "mail.example.com|25".to_owned(),
            "domain|ip" => "example.com|192.0.2.1".to_owned(),
            "domain" => "example.com".to_owned(),
            "hostname" => "www.example.com".to_owned(),
            "port" => "8080".to_owned(),
            "email" | "email-src" | "email-dst" | "target-email" | "whois-registrant-email"
            | "eppn" | "dns-soa-email" | "jabber-id" => "user@example.com".to_owned(),
            "onion-address" => "expyuzz4wqqyqhjn.onion".to_owned(),
            "mac-address" => "00:1a:2b:3c:4d:5e".to_owned(),
            "mac-eui-64" => "00:1a:2b:ff:fe:3c:4d:5e".to_owned(),
            "vulnerability" => "CVE-2021-44228".to_owned(),
            "weakness" => "CWE-79".to_owned(),
            "windows-service-name" | "windows-service-displayname" => "Spooler".to_owned(),
            "link" => "https://www.misp-project.org/".to_owned(),
            "hex" => "DEADBEEF".to_owned(),
            "http-method" => "POST".to_owned(),
            "ssh-fingerprint" => "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8".to_owned(),
            "datetime" => "2020-01-01T00:00:00.000000+0000".to_owned(),
            "size-in-bytes" | "counter" => "1024".to_owned(),
            "integer" => "-7".to_owned(),
            "iban" => "DE89370400440532013000".to_owned(),
            "bic" => "DEUTDEFF".to_owned(),
            "btc" => "1BoatSLRHtKNngkdXEeobR76b53LETtpyT".to_owned(),
            "dash" => "XpESxaUmonkq8RaLLp46Brx2K39ggQe226".to_owned(),
            "xmr" => "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A".to_owned(),
            "bin" | "cc-number" => "4111111111111111".to_owned(),
            "bank-account-nr" | "aba-rtn" => "011000015".to_owned(),
            "prtn" | "phone-number" | "whois-registrant-phone" => "+41441234567".to_owned(),
            "float" => "3.14".to_owned(),
            "cortex" => r#"{"summary": "ok"}"#.to_owned(),
            "boolean" => "1".to_owned(),
            "AS" => "3320".to_owned(),
            "uuid" => "5f1c3a3e-0b0c-4b8e-9a7d-0f2a1b2c3d4e".to_owned(),
            _ => return None,
        })
    }

    #[test]
    fn every_registry_type_is_handled() {
        assert_eq!(types().len(), 194);
        let mut checked = 0;
        for t in types() {
            let rule = rule_of(t.name).unwrap_or_else(|| panic!("{} has no rule", t.name));
            let free = FREE_TEXT.contains(&t.name);
            assert_eq!(
                free,
                matches!(rule, Rule::Text { .. } | Rule::Line | Rule::Url),
                "{}: FREE_TEXT and rule_of disagree",
                t.name
            );
            match sample(t.name) {
                Some(v) => {
                    assert!(!free, "{} is both free text and sampled", t.name);
                    // A sample is already in stored form, so it must come back unchanged.
                    let n = ok(t.name, &v);
                    assert_eq!(n.value, v, "{}", t.name);
                    checked += 1;
                }
                None => {
                    assert!(
                        free,
                        "{} has neither a sample nor a free-text listing",
                        t.name
                    );
                    stored(t.name, "some text", "some text");
                }
            }
            // Normalising a stored value again changes nothing.
            let again = ok(
                t.name,
                &ok(t.name, &sample(t.name).unwrap_or("Some Text".into())).value,
            );
            assert_eq!(again, ok(t.name, &again.value), "{}", t.name);
        }
        assert_eq!(checked + FREE_TEXT.len(), 194);
        for name in FREE_TEXT {
            assert!(lookup(name).is_some(), "{name} is not a registry type");
        }
    }

    #[test]
    fn common_path_does_not_allocate_beyond_output() {
        // Borrowed all the way through for already-normal values (checked via Cow).
        let v = "d41d8cd98f00b204e9800998ecf8427e";
        let r = rewrite(
            Rule::Checksum {
                len: 32,
                lower: true,
            },
            refang(Refang::None, v),
        );
        assert!(matches!(r, Cow::Borrowed(_)));
        let r = rewrite(Rule::Ip, refang(Refang::Dot, "192.0.2.1"));
        assert!(matches!(r, Cow::Borrowed(_)));
        let r = rewrite(Rule::Domain, refang(Refang::Dot, "example.com"));
        assert!(matches!(r, Cow::Borrowed(_)));
        let r = rewrite(Rule::IpPort, Cow::Borrowed("192.0.2.1|80"));
        assert!(matches!(r, Cow::Borrowed(_)));
    }
}
