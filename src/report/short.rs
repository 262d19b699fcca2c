//! `--format short`: `path:line:col: severity[id] message`, one line each, for editors and grep.

use std::io::{self, Write};

use super::{Checked, Format, ReportContext};

pub struct Short;

impl Format for Short {
    fn shows_details(&self) -> bool {
        false
    }

    fn file(&mut self, file: &Checked, _cx: &ReportContext, out: &mut dyn Write) -> io::Result<()> {
        for d in &file.diagnostics {
            let range = file.range(&d.loc);
            write!(
                out,
                "{}:{}:{}: {}[{}] ",
                file.path_of(&d.loc),
                range.line,
                range.column,
                d.severity.as_str(),
                d.rule,
            )?;
            // One line each: a message's own line breaks become spaces.
            let mut lines = d.message.split('\n');
            out.write_all(lines.next().unwrap_or_default().as_bytes())?;
            for line in lines {
                write!(out, " {line}")?;
            }
            writeln!(out)?;
        }
        Ok(())
    }

    fn finish(&mut self, _cx: &ReportContext, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}
