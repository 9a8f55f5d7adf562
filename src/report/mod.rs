//! Output formats. A reporter only renders; it never decides what is a finding.

pub mod compact;
pub mod human;
pub mod json;
pub mod source_code;

use std::io::{self, Write};

use crate::cli::Format;
use crate::finding::{Finding, Summary};

pub fn render(
    format: Format,
    findings: &[Finding],
    summary: &Summary,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(findings, summary, human::Styling::for_stdout(), out),
        Format::Compact => compact::render(findings, out),
        Format::Json => json::render(findings, summary, out),
    }
}
