//! Small helpers shared by rules: JSON pointers, URL hosts, and mapping a range inside a
//! YAML string back to bytes of the file.

use std::net::IpAddr;
use std::ops::Range;

use integ_spec::{Loaded, Span};

/// Appends one reference token to a JSON pointer, escaped per RFC 6901.
pub fn pointer_push(pointer: &mut String, segment: &str) {
    pointer.push('/');
    for c in segment.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

/// `base` + `/segment`, escaped.
pub fn pointer(base: &str, segment: &str) -> String {
    let mut p = String::with_capacity(base.len() + segment.len() + 1);
    p.push_str(base);
    pointer_push(&mut p, segment);
    p
}

/// The span of a range of a string value's *content*, when the YAML writes that value
/// verbatim (plain, or quoted without escapes on one line); otherwise the value's span.
pub fn span_in_string(text: &str, value: Span, content: &str, range: Range<usize>) -> Span {
    let raw = text.get(value.start..value.end).unwrap_or("");
    let offset = if raw == content {
        Some(0)
    } else if raw.len() == content.len() + 2
        && (raw.starts_with('"') || raw.starts_with('\''))
        && raw.get(1..raw.len() - 1) == Some(content)
    {
        Some(1)
    } else {
        None
    };
    match offset {
        Some(o) if range.end <= content.len() => {
            Span::new(value.start + o + range.start, value.start + o + range.end)
        }
        _ => value,
    }
}

/// The value span of `pointer`, or of its nearest ancestor.
pub fn value_span<T>(doc: &Loaded<T>, pointer: &str) -> Span {
    doc.span_of(pointer).value
}

/// The key span of `pointer` when it is a mapping entry, else its value span.
pub fn key_span<T>(doc: &Loaded<T>, pointer: &str) -> Span {
    match doc.spans.get(pointer) {
        Some(s) => s.key.unwrap_or(s.value),
        None => doc.span_of(pointer).value,
    }
}

/// A URL as the rules need it: scheme and host (lowercase, IPv6 without brackets) and path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlParts {
    pub scheme: String,
    pub host: String,
    pub path: String,
}

/// Parses an absolute URL; `None` for anything that is not one (templates, `${env:}`,
/// relative paths), which the URL rules then leave alone.
pub fn parse_url(s: &str) -> Option<UrlParts> {
    let s = s.trim();
    if s.contains("{{") || s.contains("${") {
        return None;
    }
    let url = url::Url::parse(s).ok()?;
    let host = match url.host()? {
        url::Host::Domain(d) => d.to_ascii_lowercase(),
        url::Host::Ipv4(ip) => ip.to_string(),
        url::Host::Ipv6(ip) => ip.to_string(),
    };
    Some(UrlParts {
        scheme: url.scheme().to_string(),
        host,
        path: url.path().to_string(),
    })
}

/// Parses each distinct URL once: the profiles of a provider mostly repeat the same
/// few URLs, so a large workspace parses a handful instead of thousands.
#[derive(Debug, Default)]
pub struct UrlCache<'w>(std::collections::HashMap<&'w str, Option<UrlParts>>);

impl<'w> UrlCache<'w> {
    pub fn get(&mut self, s: &'w str) -> Option<&UrlParts> {
        self.0.entry(s).or_insert_with(|| parse_url(s)).as_ref()
    }
}

/// Loopback hosts: `localhost`, 127.0.0.0/8 and `::1`. A profile may point at a local
/// sandbox over plain HTTP, and tokens sent there never leave the machine.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    if host.eq_ignore_ascii_case("localhost") || host.to_ascii_lowercase().ends_with(".localhost") {
        return true;
    }
    host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether `host` is listed in `allowed` (exactly, case-insensitively, or under a
/// `*.example.com` wildcard).
pub fn host_allowed(host: &str, allowed: &[String]) -> bool {
    allowed.iter().any(|a| {
        let a = a.trim().trim_end_matches('.');
        match a.strip_prefix("*.") {
            Some(suffix) => {
                host.len() > suffix.len() + 1
                    && host.ends_with(&suffix.to_ascii_lowercase())
                    && host.as_bytes()[host.len() - suffix.len() - 1] == b'.'
            }
            None => a.eq_ignore_ascii_case(host),
        }
    })
}

/// `a`, `b` and `c` (at most `max` names, then "and N more").
pub fn name_list(names: &[&str], max: usize) -> String {
    let shown: Vec<String> = names.iter().take(max).map(|n| format!("`{n}`")).collect();
    let mut s = shown.join(", ");
    if names.len() > max {
        s.push_str(&format!(" and {} more", names.len() - max));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_escapes_tilde_and_slash() {
        assert_eq!(pointer("/spec/headers", "a/b~c"), "/spec/headers/a~1b~0c");
    }

    #[test]
    fn span_in_string_handles_plain_quoted_and_escaped() {
        let text = r#"a: "x {{ y }}""#;
        let value = Span::new(3, text.len());
        assert_eq!(
            span_in_string(text, value, "x {{ y }}", 2..9),
            Span::new(6, 13)
        );
        let text = "a: x {{ y }}";
        assert_eq!(
            span_in_string(text, Span::new(3, 12), "x {{ y }}", 2..9),
            Span::new(5, 12)
        );
        let text = r#"a: "\x41 {{ y }}""#;
        let v = Span::new(3, text.len());
        assert_eq!(span_in_string(text, v, "A {{ y }}", 2..9), v);
    }

    #[test]
    fn url_hosts_and_loopback() {
        let u = parse_url("https://user@Services.Example.com:8443/oauth/token?x=1").unwrap();
        assert_eq!(
            (u.scheme.as_str(), u.host.as_str(), u.path.as_str()),
            ("https", "services.example.com", "/oauth/token")
        );
        assert_eq!(parse_url("http://[::1]:80/x").unwrap().host, "::1");
        assert!(parse_url("${env:URL}").is_none());
        assert!(parse_url("/relative").is_none());
        assert!(is_loopback("127.0.0.2") && is_loopback("::1") && is_loopback("localhost"));
        assert!(!is_loopback("127.0.0.1.evil.com") && !is_loopback("10.0.0.1"));
    }

    #[test]
    fn allowed_hosts_exact_and_wildcard() {
        let allowed = vec![
            "api.example.com".to_string(),
            "*.cdn.example.com".to_string(),
        ];
        assert!(host_allowed("api.example.com", &allowed));
        assert!(host_allowed("a.cdn.example.com", &allowed));
        assert!(!host_allowed("cdn.example.com", &allowed));
        assert!(!host_allowed("evilcdn.example.com", &allowed));
        assert!(!host_allowed("api.example.com.evil.com", &allowed));
    }
}
