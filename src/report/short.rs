//! `--format short`: `path:line:col: severity[id] message`, one line each, for editors and grep.

use std::io::{self, Write};

use super::{Checked, Format, ReportContext};

pub struct Short;

impl Format for Short {
    fn file(&mut self, file: &Checked, _cx: &ReportContext, out: &mut dyn Write) -> io::Result<()> {
        for d in &file.diagnostics {
            let range = file.range(&d.loc);
            writeln!(
                out,
                "{}:{}:{}: {}[{}] {}",
                file.path_of(&d.loc),
                range.line,
                range.column,
                d.severity.as_str(),
                d.rule,
                d.message.replace('\n', " ")
            )?;
        }
        Ok(())
    }

    fn finish(&mut self, _cx: &ReportContext, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}
