//! `rpz` (spec/sharing.md 4.9): a DNS Response Policy Zone for BIND and friends. The zone
//! groups records by kind (addresses, domains, hostnames), so the distinct values of each kind
//! are held until the footer; only ip, domain and hostname values are kept, never whole rows.

use std::collections::HashSet;
use std::net::Ipv6Addr;
use std::sync::Arc;

use chrono::DateTime;

use super::{Exporter, Item, Options};

/// A policy: its name, what its records answer, and the zone comment explaining it.
struct Policy {
    name: &'static str,
    action: &'static str,
    explanation: &'static str,
}

const POLICIES: [Policy; 6] = [
    Policy {
        name: "NXDOMAIN",
        action: ".",
        explanation: "return NXDOMAIN (name does not exist) irrespective of actual result received.",
    },
    Policy {
        name: "NODATA",
        action: "*.",
        explanation: "returns NODATA (name exists but no answers returned) irrespective of actual \
                      result received.",
    },
    Policy {
        name: "DROP",
        action: "rpz-drop.",
        explanation: "timeout.",
    },
    Policy {
        name: "Local-Data",
        action: "",
        explanation: "returns the defined alternate location.",
    },
    Policy {
        name: "PASSTHRU",
        action: "rpz-passthru.",
        explanation: "lets queries through, but allows for logging the hits (useful for testing).",
    },
    Policy {
        name: "TCP-only",
        action: "rpz-tcp-only.",
        explanation: "force the client to use TCP.",
    },
];

/// Distinct values in first-seen order; the set and the list share each string.
#[derive(Default)]
struct OrderedSet {
    seen: HashSet<Arc<str>>,
    order: Vec<Arc<str>>,
}

impl OrderedSet {
    fn add(&mut self, value: &str) {
        if !self.seen.contains(value) {
            let shared: Arc<str> = Arc::from(value);
            self.seen.insert(shared.clone());
            self.order.push(shared);
        }
    }
}

/// The RPZ writer.
pub struct Rpz {
    header: String,
    policy: &'static Policy,
    /// The CNAME target of every record (the walled garden for `Local-Data`).
    action: String,
    ips: OrderedSet,
    domains: OrderedSet,
    hostnames: OrderedSet,
}

impl Rpz {
    /// Zone settings come from the request, else MISP's `Plugin.RPZ_*` defaults; an unknown
    /// policy name falls back to the default policy, as in MISP.
    pub fn new(opts: &Options) -> Result<Self, String> {
        let setting = |key: &str, default: &str| opts.string(key).unwrap_or(default.to_string());
        let policy = opts
            .string("policy")
            .and_then(|p| POLICIES.iter().find(|x| x.name == p))
            .unwrap_or(&POLICIES[0]);
        let action = match policy.name {
            "Local-Data" => setting("walled_garden", "127.0.0.1"),
            _ => policy.action.to_string(),
        };
        let date = DateTime::from_timestamp(opts.now, 0)
            .map(|d| d.format("%Y%m%d").to_string())
            .unwrap_or_default();
        let serial = setting("serial", "$date00")
            .replace("$date", &date)
            .replace("$time", &opts.now.to_string());
        let ns = setting("ns", "localhost.");
        let mut header = format!(
            "$TTL {};\n@               SOA {} {} ({} {} {} {} {})\n                NS {}\n",
            setting("ttl", "1w"),
            ns,
            setting("email", "root.localhost"),
            serial,
            setting("refresh", "2h"),
            setting("retry", "30m"),
            setting("expiry", "30d"),
            setting("minimum_ttl", "1h"),
            ns,
        );
        if let Some(alt) = opts.string("ns_alt") {
            header.push_str(&format!("                NS {alt}\n"));
        }
        header.push('\n');
        Ok(Rpz {
            header,
            policy,
            action,
            ips: OrderedSet::default(),
            domains: OrderedSet::default(),
            hostnames: OrderedSet::default(),
        })
    }

    fn section(&self, intro: &str, set: &OrderedSet, record: fn(&str, &str) -> String) -> String {
        if set.order.is_empty() {
            return String::new();
        }
        let mut s = format!("; The following {intro} will {}\n", self.policy.explanation);
        for value in &set.order {
            s.push_str(&record(value, &self.action));
        }
        s.push('\n');
        s
    }
}

fn ip_record(value: &str, action: &str) -> String {
    let (address, cidr) = match value.split_once('/') {
        Some((a, c)) if !a.is_empty() => (a, Some(c)),
        _ => (value, None),
    };
    let (prefix, reversed) = if address.parse::<Ipv6Addr>().is_ok() {
        let spaced = address.replace("::", ":zz:");
        let groups: Vec<&str> = spaced.split(':').filter(|g| !g.is_empty()).rev().collect();
        ("128", groups.join("."))
    } else {
        ("32", address.split('.').rev().collect::<Vec<_>>().join("."))
    };
    let prefix = cidr.unwrap_or(prefix);
    format!("{prefix}.{reversed}.rpz-ip CNAME {action}\n")
}

fn domain_record(value: &str, action: &str) -> String {
    format!("{value} CNAME {action}\n*.{value} CNAME {action}\n")
}

fn hostname_record(value: &str, action: &str) -> String {
    format!("{value} CNAME {action}\n")
}

impl Exporter for Rpz {
    fn attribute(&mut self, item: Item<'_>, _out: &mut Vec<u8>) {
        let a = item.attribute;
        match a.r#type.as_str() {
            "ip-src" | "ip-dst" => self.ips.add(&a.value1),
            "domain" => self.domains.add(&a.value1),
            "hostname" => self.hostnames.add(&a.value1),
            "domain|ip" => {
                self.domains.add(&a.value1);
                self.ips.add(&a.value2);
            }
            _ => {}
        }
    }

    fn header(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.header.as_bytes());
    }

    fn footer(&mut self, out: &mut Vec<u8>) {
        let sections = [
            self.section("list of IP addresses", &self.ips, ip_record),
            self.section(
                "domain names and all of their sub-domains",
                &self.domains,
                domain_record,
            ),
            self.section("hostnames", &self.hostnames, hostname_record),
        ];
        for s in sections {
            out.extend_from_slice(s.as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::exports::fixtures::*;

    #[test]
    fn events_scope_reproduces_misp_capture_090() {
        let events = [
            golden_event("070").filtered(|a| a.to_ids),
            golden_event("072").filtered(|a| a.to_ids),
        ];
        let mut rpz = Rpz::new(&options(json!({"returnFormat": "rpz"}))).unwrap();
        assert_eq!(run_events(&mut rpz, &events), golden_body("090"));
    }

    #[test]
    fn settings_policy_ipv6_cidr_and_domain_ip() {
        let opts = options(json!({
            "policy": "Local-Data", "walled_garden": "garden.example.", "ns": "ns1.example.",
            "ns_alt": "ns2.example.", "email": "hostmaster.example", "serial": "$time",
            "refresh": 3600, "ttl": "5m",
        }));
        let mut data = EventData::new(event(1, "x"));
        for (id, kind, value) in [
            (1, "domain|ip", "bad.example|2001:db8::1"),
            (2, "ip-src", "10.1.0.0/16"),
            (3, "ip-dst", "::1"),
            (4, "ip-dst", "2001:db8::/32"),
            (5, "domain", "bad.example"),
            (6, "url", "http://bad.example/"),
        ] {
            data.attributes
                .push((attribute(id, 1, kind, value), vec![]));
        }
        let mut rpz = Rpz::new(&opts).unwrap();
        let body = run_events(&mut rpz, &[data]);
        let garden = "CNAME garden.example.";
        let expected = format!(
            "$TTL 5m;\n\
             @               SOA ns1.example. hostmaster.example (1795780800 3600 30m 30d 1h)\n\
             \x20               NS ns1.example.\n\
             \x20               NS ns2.example.\n\n\
             ; The following list of IP addresses will returns the defined alternate location.\n\
             128.1.zz.db8.2001.rpz-ip {garden}\n16.0.0.1.10.rpz-ip {garden}\n\
             128.1.zz.rpz-ip {garden}\n32.zz.db8.2001.rpz-ip {garden}\n\n\
             ; The following domain names and all of their sub-domains will returns the defined \
             alternate location.\nbad.example {garden}\n*.bad.example {garden}\n\n"
        );
        assert_eq!(body, expected);
    }

    #[test]
    fn unknown_policy_falls_back_and_empty_zone_is_header_only() {
        let mut rpz = Rpz::new(&options(json!({"policy": "nope"}))).unwrap();
        let mut data = EventData::new(event(1, "x"));
        data.attributes
            .push((attribute(1, 1, "hostname", "h.example"), vec![]));
        let body = run_events(&mut rpz, &[data]);
        assert!(body.ends_with(
            "; The following hostnames will return NXDOMAIN (name does not exist) irrespective \
             of actual result received.\nh.example CNAME .\n\n"
        ));
        let mut rpz = Rpz::new(&options(json!({"policy": "DROP"}))).unwrap();
        assert_eq!(
            run_events(&mut rpz, &[]),
            "$TTL 1w;\n@               SOA localhost. root.localhost (2026112700 2h 30m 30d 1h)\n\
             \x20               NS localhost.\n\n"
        );
    }
}
