//! Output formats. A reporter only renders; it never decides what is a finding.

mod compact;
mod json;

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
        Format::Human => compact::render(findings, out),
        Format::Compact => compact::render(findings, out),
        Format::Json => json::render(findings, summary, out),
    }
}
