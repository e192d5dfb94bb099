//! What the command line says about itself: shell completions and the man page, both
//! generated from the clap definition, so they cannot drift from the real flags.

use std::io::Write as _;

use clap::CommandFactory;

use crate::cli::Cli;

/// Writes the completion script for `shell` to stdout.
pub fn completions(shell: clap_complete::Shell) -> anyhow::Result<()> {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "outlayerd", &mut script);
    std::io::stdout().write_all(&script)?;
    Ok(())
}

/// Writes the man page outlayerd(1) to stdout: every subcommand's options in one page.
pub fn man() -> anyhow::Result<()> {
    let cmd = Cli::command();
    let mut page = Vec::new();
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        render_subcommand(&mut page, sub, "outlayerd")?;
    }
    man.render_version_section(&mut page)?;
    std::io::stdout().write_all(without_repeated_preamble(&page).as_bytes())?;
    Ok(())
}

/// One subcommand (and, recursively, its own): its synopsis, what it does and its options,
/// as a section of the one page.
fn render_subcommand(out: &mut Vec<u8>, sub: &clap::Command, parent: &str) -> anyhow::Result<()> {
    let name = format!("{parent} {}", sub.get_name());
    writeln!(out, ".SH \"{}\"", name.to_uppercase())?;
    let cmd = sub.clone().bin_name(name.clone());
    let man = clap_mangen::Man::new(cmd);
    let mut section = Vec::new();
    man.render_synopsis_section(&mut section)?;
    man.render_description_section(&mut section)?;
    man.render_options_section(&mut section)?;
    // Demote the page-level headings clap_mangen writes into sub-headings of this section.
    let text = String::from_utf8_lossy(&section).replace(".SH ", ".SS ");
    out.extend_from_slice(text.as_bytes());
    for nested in sub.get_subcommands().filter(|s| !s.is_hide_set()) {
        render_subcommand(out, nested, &name)?;
    }
    Ok(())
}

/// Every render call of clap_mangen starts with the same two-line roff preamble (it defines
/// the quote string); the page needs it once.
fn without_repeated_preamble(page: &[u8]) -> String {
    let text = String::from_utf8_lossy(page);
    let mut seen = std::collections::HashSet::new();
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let preamble = line.starts_with(".ie \\n(.g .ds Aq") || line.starts_with(".el .ds Aq");
        if !preamble || seen.insert(line.to_owned()) {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preamble_stays_once_and_nothing_else_goes() {
        let page = b".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n.TH x 1\n.ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n.SH NAME\n.SH NAME\n";
        assert_eq!(
            without_repeated_preamble(page),
            ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n.TH x 1\n.SH NAME\n.SH NAME\n"
        );
    }
}
