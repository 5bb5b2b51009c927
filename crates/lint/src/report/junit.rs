//! `--format junit`: one `<testcase>` per linted file, one `<failure>` per finding in it
//! (warnings too, with `type="warning"`), for CI systems that show JUnit reports.

use integ_spec::Severity;

use super::{Locator, Report, display_path};

/// Escapes text for XML content and attribute values; drops characters XML 1.0 forbids.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

pub fn render(report: Report<'_>) -> String {
    let loc = Locator::new(report.files);
    let mut per_file: Vec<Vec<&integ_spec::Diagnostic>> = vec![Vec::new(); report.files.len()];
    for d in report.diagnostics {
        if let Some(v) = per_file.get_mut(d.file.0 as usize) {
            v.push(d);
        }
    }
    let failures: usize = per_file.iter().filter(|v| !v.is_empty()).count();
    let mut order: Vec<usize> = (0..report.files.len()).collect();
    order.sort_by(|&a, &b| report.files[a].path.cmp(&report.files[b].path));
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"integ lint\" tests=\"{}\" failures=\"{failures}\">\n  <testsuite name=\"integ lint\" tests=\"{}\" failures=\"{failures}\" errors=\"0\">\n",
        report.files.len(),
        report.files.len()
    ));
    for i in order {
        let file = &report.files[i];
        let name = escape(&display_path(file));
        let found = &per_file[i];
        if found.is_empty() {
            out.push_str(&format!(
                "    <testcase classname=\"integ.lint\" name=\"{name}\" file=\"{name}\"/>\n"
            ));
            continue;
        }
        out.push_str(&format!(
            "    <testcase classname=\"integ.lint\" name=\"{name}\" file=\"{name}\">\n"
        ));
        for d in found {
            let r = loc.region(d.file, d.span);
            let kind = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let mut body = format!(
                "{}:{}:{}: {kind}[{}] {}",
                display_path(file),
                r.line,
                r.column,
                d.code,
                d.message
            );
            if let Some(h) = &d.help {
                body.push_str("\nhelp: ");
                body.push_str(h);
            }
            out.push_str(&format!(
                "      <failure type=\"{kind}\" message=\"{}\">{}</failure>\n",
                escape(&format!("{}: {}", d.code, d.message)),
                escape(&body)
            ));
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
