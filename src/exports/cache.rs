//! `cache` (spec/sharing.md 4.6): one hash of each attribute value per line, optionally with its
//! event uuid. Peers page through it to learn which values we hold (server caching, 1.11)
//! without receiving the values themselves.

use md5::Md5;
use sha2::{Sha224, Sha256, Sha384, Sha512, Sha512_224, Sha512_256};

use super::{Exporter, Item, Options};

/// The algorithms of PHP's `hash_algos()` that peers ask for, under PHP's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Algo {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    Sha512_224,
    Sha512_256,
}

impl Algo {
    fn parse(name: &str) -> Option<Algo> {
        Some(match name {
            "md5" => Algo::Md5,
            "sha1" => Algo::Sha1,
            "sha224" => Algo::Sha224,
            "sha256" => Algo::Sha256,
            "sha384" => Algo::Sha384,
            "sha512" => Algo::Sha512,
            "sha512/224" => Algo::Sha512_224,
            "sha512/256" => Algo::Sha512_256,
            _ => return None,
        })
    }

    fn hex(self, data: &[u8]) -> String {
        use sha2::Digest as _;
        match self {
            Algo::Md5 => hex::encode(Md5::digest(data)),
            Algo::Sha1 => {
                use sha1::Digest as _;
                hex::encode(sha1::Sha1::digest(data))
            }
            Algo::Sha224 => hex::encode(Sha224::digest(data)),
            Algo::Sha256 => hex::encode(Sha256::digest(data)),
            Algo::Sha384 => hex::encode(Sha384::digest(data)),
            Algo::Sha512 => hex::encode(Sha512::digest(data)),
            Algo::Sha512_224 => hex::encode(Sha512_224::digest(data)),
            Algo::Sha512_256 => hex::encode(Sha512_256::digest(data)),
        }
    }
}

/// The cache writer.
pub struct Cache {
    algo: Algo,
    with_event_uuid: bool,
    written: bool,
}

impl Cache {
    /// An unknown `hash_type` is refused with MISP's message (MISP answers it with a 405).
    pub fn new(opts: &Options) -> Result<Self, String> {
        let name = opts
            .string("hash_type")
            .unwrap_or_else(|| "md5".to_string());
        let algo = Algo::parse(&name).ok_or_else(|| "Invalid hashing algo".to_string())?;
        Ok(Cache {
            algo,
            with_event_uuid: opts.flag("includeEventUuid"),
            written: false,
        })
    }
}

impl Exporter for Cache {
    fn attribute(&mut self, item: Item<'_>, out: &mut Vec<u8>) {
        let value = item.attribute.value();
        out.extend_from_slice(self.algo.hex(value.as_bytes()).as_bytes());
        if self.with_event_uuid {
            out.push(b',');
            out.extend_from_slice(item.event.event.uuid.as_bytes());
        }
        out.push(b'\n');
        self.written = true;
    }

    /// MISP joins the lines with newlines and appends one, so an empty page is a newline
    /// (which the paging peer trims to nothing and stops).
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

    fn two_events() -> Vec<EventData> {
        let mut a = EventData::new(event(5, "a"));
        a.attributes
            .push((attribute(1, 5, "ip-dst", "89.203.249.203"), vec![]));
        let mut b = EventData::new(event(7, "b"));
        let sample = "invoice.exe|52d6e3de4fa0dcc29946695f93940c3e7f26f30e1e39f4b1a49ad98839112786";
        b.attributes
            .push((attribute(2, 7, "filename|sha256", sample), vec![]));
        vec![a, b]
    }

    // Capture 093 shows MISP 2.5.1 hashing an empty string for every line (a PHP warning on
    // an undefined key); these expectations are the hashes of the real values instead.
    #[test]
    fn md5_by_default() {
        let mut cache = Cache::new(&options(json!({"returnFormat": "cache"}))).unwrap();
        let body = run_events(&mut cache, &two_events());
        assert_eq!(
            body,
            "a13f7c08d6ce88fb3709b0df716b2358\n8979a47551ca5f33e013fc1db2bb00ae\n"
        );
    }

    #[test]
    fn sha1_with_event_uuid() {
        let opts = options(json!({"hash_type": "sha1", "includeEventUuid": 1}));
        let mut cache = Cache::new(&opts).unwrap();
        let events = two_events();
        let rows: Vec<Item> = events.iter().flat_map(|e| e.items()).collect();
        assert_eq!(
            run_attributes(&mut cache, &rows),
            "dd2de3e04448989c6f2c8ca06edf3809ed7fbe9d,10000000-0000-4000-8000-000000000005\n\
             4e688596ddad114da810b4621e18e623c4cd9b27,10000000-0000-4000-8000-000000000007\n"
        );
    }

    #[test]
    fn sha256() {
        let mut cache = Cache::new(&options(json!({"hash_type": "sha256"}))).unwrap();
        let body = run_events(&mut cache, &two_events()[..1]);
        assert_eq!(
            body,
            "319f4e690b0566758c6fde085dd0817e76b307cd7d68c9b8295369572b369da8\n"
        );
    }

    #[test]
    fn unknown_algorithm_is_refused() {
        let err = Cache::new(&options(json!({"hash_type": "crc99"}))).err();
        assert_eq!(err.as_deref(), Some("Invalid hashing algo"));
    }

    #[test]
    fn empty_page_is_one_newline() {
        let mut cache = Cache::new(&options(json!({"page": 9}))).unwrap();
        assert_eq!(run_events(&mut cache, &[]), "\n");
    }
}
