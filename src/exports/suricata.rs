//! The `suricata` restSearch format: MISP's rules for Suricata, which use its application
//! layer protocols (`dns`, `http`, `tls`) and sticky buffers instead of raw byte matches.

use std::net::IpAddr;

use crate::exports::nids::{
    Emit, Flavour, FlavourRules, SESSION_TAG, escape, nids_exporter, preg_quote,
};

nids_exporter!(
    /// Suricata rules for the attributes and `network-connection`/`ddos` objects exported.
    Suricata,
    Flavour::Suricata
);

pub(crate) const RULES: FlavourRules = FlavourRules {
    name: "suricata",
    domain,
    hostname,
    url,
    user_agent,
    ja3: Some(ja3),
};

const DNS: [&str; 5] = ["dns", "any", "any", "any", "any"];
const OUT_HTTP: [&str; 5] = ["http", "$HOME_NET", "any", "$EXTERNAL_NET", "any"];

fn domain(e: &mut Emit<'_>, value: &str) {
    let v = escape(value);
    let q = preg_quote(&v);
    let dns = format!("dns.query; content:\"{v}\"; nocase; pcre: \"/(^|[^A-Za-z0-9-]){q}$/i\";");
    e.rule(DNS, &format!("Domain {v}"), &dns, "");
    e.sid += 1;
    let http = format!(
        "flow:to_server,established; http.header; content: \"Host|3a|\"; nocase; \
         http.header; content:\"{v}\"; fast_pattern; nocase; \
         pcre: \"/(^|[^A-Za-z0-9-]){q}[^A-Za-z0-9-\\.]/Hi\";"
    );
    e.rule(
        OUT_HTTP,
        &format!("Outgoing HTTP Domain {v}"),
        &http,
        SESSION_TAG,
    );
}

fn hostname(e: &mut Emit<'_>, value: &str) {
    let v = escape(value);
    let q = preg_quote(&v);
    let dns = format!("dns.query; content:\"{v}\"; nocase; pcre: \"/(^|[^A-Za-z0-9-\\.]){q}$/i\";");
    e.rule(DNS, &format!("Hostname {v}"), &dns, "");
    e.sid += 1;
    let http = format!(
        "flow:to_server,established; http.header; content: \"Host|3a| {v}\"; fast_pattern; \
         nocase; pcre: \"/(^|[^A-Za-z0-9-\\.]){q}[^A-Za-z0-9-\\.]/Hi\";"
    );
    e.rule(
        OUT_HTTP,
        &format!("Outgoing HTTP Hostname {v}"),
        &http,
        SESSION_TAG,
    );
}

fn user_agent(e: &mut Emit<'_>, value: &str) {
    let v = escape(value);
    let content =
        format!("flow:to_server,established; content:\"{v}\"; fast_pattern; http_user_agent;");
    e.rule(
        OUT_HTTP,
        &format!("Outgoing User-Agent {v}"),
        &content,
        SESSION_TAG,
    );
}

/// JA3 (client) or JA3S (server) TLS fingerprints; `keyword` is `ja3` or `ja3s`.
fn ja3(e: &mut Emit<'_>, keyword: &str, label: &str, value: &str) {
    let v = escape(value);
    let content = format!("{keyword}.hash; content:\"{v}\"; fast_pattern;");
    let head = ["tls", "any", "any", "any", "any"];
    e.rule(head, &format!("{label} Hash: {v}"), &content, SESSION_TAG);
}

/// A URL rule chosen by scheme: HTTP host and path, the TLS SNI for HTTPS, the server for
/// SSH and FTP when it is an IP address (no rule otherwise), a URI match for the rest.
fn url(e: &mut Emit<'_>, value: &str) {
    let text = format!("Outgoing URL {}", escape(value));
    let Some(u) = UrlParts::parse(value) else {
        return any_url(e, &text, value);
    };
    let port = |default: &str| u.port.map_or(default.to_string(), |p| p.to_string());
    match u.scheme {
        // MISP writes an empty `content:""` here, which no engine loads.
        "http" | "https" if u.host.is_empty() => any_url(e, &text, value),
        "http" => {
            let host = escape(u.host);
            let host = host.trim_matches(['[', ']']);
            let dst = if host.parse::<IpAddr>().is_ok() {
                host
            } else {
                "$EXTERNAL_NET"
            };
            let content = match u.path {
                Some(path) => format!(
                    "flow:to_server,established; http.header; content:\"{host}\"; fast_pattern; \
                     nocase; http.uri; content:\"{}\"; nocase;",
                    escape_syntax(path)
                ),
                None => {
                    format!("flow:to_server,established; http.header; content:\"{host}\"; nocase;")
                }
            };
            let head = ["http", "$HOME_NET", "any", dst, &port("$HTTP_PORTS")];
            e.rule(head, &text, &content, SESSION_TAG);
        }
        "https" => {
            let content = format!("tls.sni; content:\"{}\";", escape(u.host));
            let head = ["tls", "$HOME_NET", "any", "$EXTERNAL_NET", &port("443")];
            e.rule(head, &text, &content, SESSION_TAG);
        }
        "ssh" | "ftp" if u.host.parse::<IpAddr>().is_ok() => {
            let (dport, content) = if u.scheme == "ssh" {
                (
                    "$SSH_PORTS".to_string(),
                    "flow:to_server; app-layer-protocol:ssh;",
                )
            } else {
                (port("[20,21]"), "flow:to_server; app-layer-protocol:ftp;")
            };
            e.rule(
                ["tcp", "$HOME_NET", "any", u.host, &dport],
                &text,
                content,
                "",
            );
        }
        _ => {}
    }
}

/// A URL without a scheme MISP handles specially: matched whole against the request URI.
fn any_url(e: &mut Emit<'_>, text: &str, value: &str) {
    let content = format!(
        "flow:to_server,established; http.uri; content:\"{}\"; fast_pattern; nocase;",
        escape(value)
    );
    e.rule(OUT_HTTP, text, &content, SESSION_TAG);
}

/// MISP puts the URL path into the rule unescaped; only the characters that would end or
/// corrupt the `content` string are escaped here, so valid output stays identical.
fn escape_syntax(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '|' => out.push_str("|7c|"),
            '"' => out.push_str("|22|"),
            ';' => out.push_str("|3b|"),
            '\\' => out.push_str("|5c|"),
            _ => out.push(c),
        }
    }
    out
}

/// The parts of PHP's `parse_url` the rules use, for the schemes that get their own rule.
struct UrlParts<'a> {
    scheme: &'a str,
    host: &'a str,
    port: Option<u16>,
    path: Option<&'a str>,
}

impl<'a> UrlParts<'a> {
    /// `None` (another scheme, or a URL `parse_url` rejects) sends the URL to the
    /// scheme-less rule, as in MISP. Without `//` there is no host.
    fn parse(value: &'a str) -> Option<Self> {
        let (scheme, rest) = value.split_once(':')?;
        if !matches!(scheme, "http" | "https" | "ssh" | "ftp") {
            return None;
        }
        let Some(rest) = rest.strip_prefix("//") else {
            return Some(UrlParts {
                scheme,
                host: "",
                port: None,
                path: None,
            });
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (host, port) = match hostport.rfind(':') {
            Some(i) if !hostport[i..].contains(']') => (&hostport[..i], &hostport[i + 1..]),
            _ => (hostport, ""),
        };
        let port = match port {
            "" => None,
            p if p.bytes().all(|b| b.is_ascii_digit()) => Some(p.parse::<u16>().ok()?),
            _ => return None,
        };
        if host.is_empty() {
            return None;
        }
        let path = &tail[..tail.find(['?', '#']).unwrap_or(tail.len())];
        Some(UrlParts {
            scheme,
            host,
            port,
            path: (!path.is_empty()).then_some(path),
        })
    }
}
