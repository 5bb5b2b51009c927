//! `--format github`: one GitHub Actions workflow command per finding, which GitHub
//! shows as an annotation on the pull request:
//! `::error file=PATH,line=L,col=C,endLine=..,endColumn=..,title=RULE_ID::MESSAGE`.

use integ_spec::Severity;

use super::{Locator, Report, display_path, file_of};

/// Escapes a command's message (`%`, CR, LF), as GitHub's runner expects.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: the message escapes plus `:` and `,`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(report: Report<'_>) -> String {
    let loc = Locator::new(report.files);
    let mut out = String::new();
    for d in report.diagnostics {
        let Some(file) = file_of(&report, d.file) else {
            continue;
        };
        let r = loc.region(d.file, d.span);
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(&display_path(file)),
            r.line,
            r.column,
            r.end_line,
            r.end_column,
            escape_property(&d.code),
            escape_data(&message),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_workflow_command_rules() {
        assert_eq!(escape_data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
