//! One generated YARA rule: what each attribute type contributes (module conditions or
//! strings), how values are escaped, and the rendering in MISP's layout; plus the scanner that
//! decides whether a `yara` attribute holds whole rules.

/// What one attribute adds to a rule.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Part {
    imports: Vec<&'static str>,
    strings: Vec<String>,
    conditions: Vec<String>,
}

/// A rule under construction; attribute UUIDs are kept only to name single-attribute rules.
#[derive(Debug, Default)]
pub(super) struct Rule {
    imports: Vec<&'static str>,
    strings: Vec<String>,
    conditions: Vec<String>,
    count: usize,
    first_uuid: String,
}

const STRING_TYPES: [&str; 40] = [
    "ip-src",
    "ip-dst",
    "ip-src|port",
    "ip-dst|port",
    "hostname",
    "hostname|port",
    "domain",
    "email-src",
    "email-dst",
    "email-subject",
    "email-body",
    "url",
    "uri",
    "regkey",
    "pattern-in-file",
    "pattern-in-traffic",
    "pattern-in-memory",
    "cookie",
    "vulnerability",
    "text",
    "named pipe",
    "mutex",
    "btc",
    "xmr",
    "windows-scheduled-task",
    "windows-service-name",
    "windows-service-displayname",
    "email-dst-display-name",
    "email-src-display-name",
    "email-header",
    "email-reply-to",
    "email-x-mailer",
    "email-mime-boundary",
    "email-thread-index",
    "email-message-id",
    "github-username",
    "github-repository",
    "github-organisation",
    "mobile-application-id",
    "user-agent",
];

/// The contribution of a non-`yara` attribute, `None` for types YARA cannot express.
pub(super) fn contribution(a: &crate::attributes::Attribute) -> Option<Part> {
    let t = a.r#type.as_str();
    let mut part = Part::default();
    let hash = |module: &'static str, call: &str, h: &str| Part {
        imports: vec![module],
        conditions: vec![format!("{call} == \"{}\"", escape(&h.to_ascii_lowercase()))],
        strings: Vec::new(),
    };
    match t {
        "md5" | "sha1" | "sha256" => {
            part = hash("hash", &format!("hash.{t}(0, filesize)"), &a.value1)
        }
        "filename|md5" | "filename|sha1" | "filename|sha256" => {
            part = hash("hash", &format!("hash.{}(0, filesize)", &t[9..]), &a.value2)
        }
        "imphash" => part = hash("pe", "pe.imphash()", &a.value1),
        "filename|imphash" => part = hash("pe", "pe.imphash()", &a.value2),
        "domain|ip" | "regkey|value" => {
            part.strings.extend(text_string(&a.value1));
            part.strings.extend(text_string(&a.value2));
        }
        "hex" => part.strings.extend(hex_string(&a.value1)),
        _ if STRING_TYPES.contains(&t) => part.strings.extend(text_string(&a.value1)),
        _ => return None,
    }
    (!part.strings.is_empty() || !part.conditions.is_empty()).then_some(part)
}

/// `$ = "<value>" ascii wide`; YARA rejects empty strings, so an empty value adds nothing.
fn text_string(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| format!("$ = \"{}\" ascii wide", escape(value)))
}

/// `$ = { 4D 5A … }` from hex digits (spaces, braces and `0x` ignored; `??` wildcards kept).
fn hex_string(value: &str) -> Option<String> {
    let digits: String = value
        .trim()
        .trim_start_matches("0x")
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '{' && *c != '}')
        .collect();
    let ok = !digits.is_empty()
        && digits.len().is_multiple_of(2)
        && digits.chars().all(|c| c.is_ascii_hexdigit() || c == '?');
    if !ok {
        return None;
    }
    let pairs: Vec<&str> = (0..digits.len())
        .step_by(2)
        .map(|i| &digits[i..i + 2])
        .collect();
    Some(format!("$ = {{ {} }}", pairs.join(" ")))
}

/// Escapes a value for a YARA text string or meta value.
pub(super) fn escape(value: &str) -> String {
    let mut s = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            '\t' => s.push_str("\\t"),
            '\r' => s.push_str("\\r"),
            c if c.is_control() && c.is_ascii() => s.push_str(&format!("\\x{:02x}", c as u32)),
            c => s.push(c),
        }
    }
    s
}

/// Rule and tag names allow only `[A-Za-z0-9_]` and must not start with a digit.
fn identifier(name: &str) -> String {
    let mut id: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if id.starts_with(|c: char| c.is_ascii_digit()) {
        id.insert(0, '_');
    }
    id
}

impl Rule {
    pub fn add(&mut self, uuid: &str, part: Part) {
        if self.count == 0 {
            self.first_uuid = uuid.to_string();
        }
        self.count += 1;
        for m in part.imports {
            if !self.imports.contains(&m) {
                self.imports.push(m);
            }
        }
        self.strings.extend(part.strings);
        self.conditions.extend(part.conditions);
    }

    pub fn count(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The UUID of the only attribute, when there is exactly one (MISP then names the rule
    /// after the attribute rather than the event).
    pub fn single_uuid(&self) -> Option<&str> {
        (self.count == 1).then_some(self.first_uuid.as_str())
    }

    /// The rule text: imports, declaration with tag `generated`, meta (sorted by key, with
    /// `MISP_ORIGIN`), strings, and the conditions joined by `or` plus `any of them`.
    pub fn render(&self, name: &str, meta: &[(&str, String)]) -> String {
        let mut s = String::new();
        for m in &self.imports {
            s.push_str(&format!("import \"{m}\"\n"));
        }
        s.push_str(&format!(
            "rule {} : generated\n{{\n\tmeta:",
            identifier(name)
        ));
        let origin = (
            "MISP_ORIGIN",
            "Automatically generated from non-Yara attribute(s)".into(),
        );
        let mut meta: Vec<&(&str, String)> = meta.iter().chain([&origin]).collect();
        meta.sort();
        for (k, v) in meta {
            s.push_str(&format!("\n\t\t{k} = \"{}\"", escape(v)));
        }
        if !self.strings.is_empty() {
            s.push_str("\n\tstrings:");
            for line in &self.strings {
                s.push_str("\n\t\t");
                s.push_str(line);
            }
        }
        s.push_str("\n\tcondition:");
        let any = (!self.strings.is_empty()).then_some("any of them");
        let conditions = self.conditions.iter().map(String::as_str).chain(any);
        for (i, c) in conditions.enumerate() {
            s.push_str(if i == 0 { "\n\t\t" } else { "\n\t\tor " });
            s.push_str(c);
        }
        s.push_str("\n}");
        s
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Lex {
    Code,
    LineComment,
    BlockComment,
    Str,
    Escape,
}

/// Whether `src` consists of whole rules: every top-level `{` preceded by a `rule <name>`
/// declaration, braces balanced outside strings and comments, a `condition:` in each body and
/// nothing but imports/includes outside rules. Not a parser: a regex holding an unbalanced
/// brace is reported as broken, which only costs that rule being commented out.
pub(super) fn check_rule(src: &str) -> Result<(), String> {
    let (mut lex, mut depth, mut rules) = (Lex::Code, 0usize, 0usize);
    let (mut outside, mut body) = (String::new(), String::new());
    let chars: Vec<char> = src.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        lex = match (lex, c) {
            (Lex::LineComment, '\n') => Lex::Code,
            (Lex::BlockComment, '/') if i > 0 && chars[i - 1] == '*' => Lex::Code,
            (Lex::Str, '\\') => Lex::Escape,
            (Lex::Escape, _) => Lex::Str,
            (Lex::Str, '"') => Lex::Code,
            (Lex::Code, '/') if next == Some('/') => Lex::LineComment,
            (Lex::Code, '/') if next == Some('*') => Lex::BlockComment,
            (Lex::Code, '"') => Lex::Str,
            (Lex::Code, '{') if depth == 0 => {
                declaration(&outside)?;
                outside.clear();
                body.clear();
                depth = 1;
                Lex::Code
            }
            (Lex::Code, '{') => {
                depth += 1;
                Lex::Code
            }
            (Lex::Code, '}') if depth == 0 => {
                return Err("Unbalanced braces: '}' without '{'".into());
            }
            (Lex::Code, '}') => {
                depth -= 1;
                if depth == 0 {
                    has_condition(&body)?;
                    rules += 1;
                }
                Lex::Code
            }
            (Lex::Code, c) => {
                if depth == 0 {
                    outside.push(c)
                } else {
                    body.push(c)
                }
                Lex::Code
            }
            (l, _) => l,
        };
    }
    if matches!(lex, Lex::Str | Lex::Escape | Lex::BlockComment) {
        return Err("Unterminated string or comment".into());
    }
    if depth > 0 {
        return Err("Unbalanced braces: missing '}'".into());
    }
    let leftover = outside.split_whitespace().next();
    match (rules, leftover) {
        (0, _) => Err("No rule found (expected: rule <name> { ... condition: ... })".into()),
        (_, Some(word)) => Err(format!("Unexpected text after the last rule: {word}")),
        _ => Ok(()),
    }
}

fn has_condition(body: &str) -> Result<(), String> {
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.contains("condition:") {
        Ok(())
    } else {
        Err("Rule without a condition section".into())
    }
}

/// The text between two rules must end with `[private|global] rule <name> [: tags]`, after
/// any `import`/`include` statements (whose quoted names the scanner has already skipped).
fn declaration(outside: &str) -> Result<(), String> {
    let words: Vec<&str> = outside.split_whitespace().collect();
    let Some(at) = words.iter().rposition(|w| *w == "rule") else {
        return Err("Missing rule declaration before '{'".into());
    };
    let name = words
        .get(at + 1)
        .map_or("", |w| w.split(':').next().unwrap_or(""));
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(format!("Invalid rule name: {name:?}"));
    }
    let before_ok = words[..at]
        .iter()
        .all(|w| matches!(*w, "import" | "include" | "private" | "global"));
    if !before_ok {
        return Err("Unexpected text before the rule declaration".into());
    }
    Ok(())
}
