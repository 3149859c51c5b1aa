//! Shell completions and the man page, generated from the clap definition
//! in `cli.rs` by the hidden `ssecat --generate KIND`. The copies checked
//! into `completions/` and `man/` are compared with this output by
//! `tests/cases/generated.rs`.

use std::io::{self, Write};

use clap::{Command, CommandFactory};
use clap_complete::Shell;
use clap_mangen::Man;
use roff::{bold, roman, Roff};

use crate::cli::{Cli, Generate, EXAMPLES};
use crate::exit_code::Code;
use crate::failure::OutputError;

/// The DESCRIPTION section, after the one-line summary.
const DESCRIPTION: &str = "\
ssecat requests a URL, or reads a recorded stream FILE (- for standard input), \
decodes its Server-Sent Events as they arrive and prints each one as soon as \
it is decoded: as canonical SSE, data only, JSON lines, the answer text of an \
LLM token stream, one JSON object with the whole LLM response, or the bytes \
as received.";

/// The ENVIRONMENT section: each variable and what it does.
const ENVIRONMENT: [(&str, &str); 6] = [
    (
        "NO_COLOR",
        "When set and not empty, output is not coloured (unless --color always).",
    ),
    (
        "HTTP_PROXY",
        "The proxy for http:// URLs, unless --proxy is given.",
    ),
    (
        "HTTPS_PROXY",
        "The proxy for https:// URLs, unless --proxy is given.",
    ),
    (
        "ALL_PROXY",
        "The proxy for both, unless one of the above is set.",
    ),
    (
        "NO_PROXY",
        "Hosts reached without a proxy, separated by commas.",
    ),
    (
        "env:VAR",
        "Not a variable but a value: a --bearer token, a -H header value or the PASS of \
         -u written env:VAR is read from the environment variable VAR, so secrets stay out \
         of shell history and ps. An unset VAR is a usage error (exit 2).",
    ),
];

/// Prints `kind` on standard output.
pub fn print(kind: Generate) -> anyhow::Result<()> {
    // Generated into memory: clap_complete panics on a failed write.
    let mut text = Vec::new();
    write(kind, &mut text)?;
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(&text)
        .and_then(|()| stdout.flush())
        .map_err(|err| OutputError(err).into())
}

/// Writes `kind` to `out`.
pub fn write(kind: Generate, out: &mut Vec<u8>) -> io::Result<()> {
    let cmd = Cli::command();
    let shell = match kind {
        Generate::Bash => Shell::Bash,
        Generate::Zsh => Shell::Zsh,
        Generate::Fish => Shell::Fish,
        Generate::Powershell => Shell::PowerShell,
        Generate::Elvish => Shell::Elvish,
        Generate::Man => return man_page(cmd, out),
    };
    let mut cmd = for_completions(cmd);
    clap_complete::generate(shell, &mut cmd, "ssecat", out);
    Ok(())
}

/// The definition the completions are generated from: the clap one, with
/// its hidden aliases (`--colour`) made visible, as clap_complete offers
/// only visible ones; a test checks that none is left out. They are hidden
/// so that -h keeps one line an option; the long help tells of them.
fn for_completions(cmd: Command) -> Command {
    // In place: mut_arg would move the option to the end of the lists.
    cmd.mut_args(|arg| match arg.get_id().as_str() {
        "color" => arg.alias(None).visible_alias("colour"),
        _ => arg,
    })
}

/// The man page: clap_mangen's sections, then the exit codes, examples and
/// environment. No date, so the same source gives the same page.
fn man_page(cmd: clap::Command, out: &mut Vec<u8>) -> io::Result<()> {
    let man = Man::new(cmd);
    // Written here: clap_mangen's title drops the empty date argument, and
    // with it the place of the others.
    let version = env!("CARGO_PKG_VERSION");
    let mut page =
        format!(".TH SSECAT 1 \"\" \"ssecat {version}\" \"User Commands\"\n").into_bytes();
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;

    let mut sections = Roff::new();
    sections
        .control("SH", ["DESCRIPTION"])
        .text([roman(DESCRIPTION)]);
    sections.to_writer(&mut page)?;
    man.render_options_section(&mut page)?;

    let mut sections = Roff::new();
    sections.control("SH", ["EXIT STATUS"]);
    for code in Code::ALL {
        sections
            .control("TP", [])
            .text([bold(code.number().to_string())])
            .text([roman(code.meaning())]);
    }
    sections.control("SH", ["EXAMPLES"]).control("nf", []);
    for example in EXAMPLES.lines() {
        sections.text([roman(example.trim())]);
    }
    sections.control("fi", []).control("SH", ["ENVIRONMENT"]);
    for (name, meaning) in ENVIRONMENT {
        sections
            .control("TP", [])
            .text([bold(name)])
            .text([roman(meaning)]);
    }
    sections.to_writer(&mut page)?;
    man.render_version_section(&mut page)?;

    // Each piece rendered apart starts with the same definition of the
    // apostrophe string: once is enough.
    let page = String::from_utf8(page).expect("roff output is UTF-8");
    out.extend_from_slice(APOSTROPHE_DEFINITION.as_bytes());
    out.extend_from_slice(page.replace(APOSTROPHE_DEFINITION, "").as_bytes());
    Ok(())
}

/// What the `roff` crate puts at the start of every document it renders.
const APOSTROPHE_DEFINITION: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_completions_offer_every_alias() {
        let definition = Cli::command();
        let completed = for_completions(Cli::command());
        for arg in definition.get_arguments() {
            let every = arg.get_all_aliases().unwrap_or_default();
            let offered = completed
                .get_arguments()
                .find(|offered| offered.get_id() == arg.get_id())
                .and_then(|offered| offered.get_all_aliases())
                .unwrap_or_default();
            let visible = completed
                .get_arguments()
                .find(|offered| offered.get_id() == arg.get_id())
                .and_then(|offered| offered.get_visible_aliases())
                .unwrap_or_default();
            // The same aliases, each once, all visible.
            assert_eq!(offered, every, "the aliases of --{}", arg.get_id());
            assert_eq!(visible, every, "the aliases of --{}", arg.get_id());
        }
        let color = completed.get_arguments().find(|a| a.get_id() == "color");
        assert_eq!(color.unwrap().get_visible_aliases(), Some(vec!["colour"]));
    }

    #[test]
    fn the_man_page_has_every_section_and_no_date() {
        let mut page = Vec::new();
        write(Generate::Man, &mut page).unwrap();
        let page = String::from_utf8(page).unwrap();
        let title = page.lines().find(|line| line.starts_with(".TH"));
        assert_eq!(
            title.unwrap(),
            concat!(
                ".TH SSECAT 1 \"\" \"ssecat ",
                env!("CARGO_PKG_VERSION"),
                "\" \"User Commands\""
            )
        );
        let sections: Vec<&str> = page.lines().filter(|l| l.starts_with(".SH")).collect();
        for wanted in [
            ".SH NAME",
            ".SH SYNOPSIS",
            ".SH DESCRIPTION",
            ".SH REQUEST",
            ".SH TIMING",
            ".SH RECONNECT",
            ".SH OUTPUT",
            ".SH LLM",
            ".SH DIAGNOSTICS",
            ".SH \"EXIT STATUS\"",
            ".SH EXAMPLES",
            ".SH ENVIRONMENT",
        ] {
            assert!(sections.contains(&wanted), "no {wanted} in {sections:?}");
        }
        assert!(!page.contains("\\-\\-generate"), "--generate is hidden");
    }
}
