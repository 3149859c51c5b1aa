//! Shell completions and the man page, generated from the clap definition
//! in `cli.rs` by the hidden `ssecat --generate KIND`. The copies checked
//! into `completions/` and `man/` are compared with this output by
//! `tests/cases/generated.rs`.

use std::io::{self, Write};

use clap::{Command, CommandFactory};
use clap_complete::Shell;
use clap_mangen::Man;
use roff::{bold, roman, Roff};

use crate::cli::{Cli, Generate, BENCH_EXAMPLES, EXAMPLES, SERVE_EXAMPLES};
use crate::exit_code::{self, Code};
use crate::failure::OutputError;

/// The DESCRIPTION section, after the one-line summary.
const DESCRIPTION: &str = "\
ssecat requests a URL, or reads a recorded stream FILE (- for standard input), \
decodes its Server-Sent Events as they arrive and prints each one as soon as \
it is decoded: as canonical SSE, data only, JSON lines, the answer text of an \
LLM token stream, one JSON object with the whole LLM response, or the bytes \
as received.";

/// The DESCRIPTION section of `ssecat serve`'s page.
const SERVE_DESCRIPTION: &str = "\
ssecat serve is an HTTP server for testing clients of streaming APIs. With \
--text it answers every LLM streaming API that ssecat reads, each at its \
usual path and in its exact wire format (OpenAI Chat Completions and \
Responses, Anthropic Messages, Gemini, Cohere v2, Ollama, Hugging Face TGI, \
llama.cpp), at the pace asked for. Given recordings made with ssecat \
--record, it replays them: the same status, headers and bytes, each chunk at \
its recorded time. A .sse or .ndjson file is served at once, or an event \
every --itl. --fault makes it fail on purpose. Its first line on standard \
error says where it listens; then one line a request.";

/// The DESCRIPTION section of `ssecat bench`'s page.
const BENCH_DESCRIPTION: &str = "\
ssecat bench load-tests an LLM or SSE endpoint and reports time to first \
token (TTFT), inter-token latency (ITL), time per output token (TPOT), \
end-to-end latency and throughput, with their percentiles, as vLLM's and \
AIPerf's users know them. Each request is a whole ssecat stream: decoded \
exactly, its dialect detected, its end marker, errors and usage read. \
Output tokens come from the stream's usage when it reports it, else from \
its text deltas; ITL is divided among the tokens of each event when the \
stream tells them, else it is inter-chunk latency, and the report says \
which. -c runs a closed loop, --rate an open one, whose latencies count \
from when each request was due (no coordinated omission). A list of \
levels is a sweep. --report writes JSON with HDR histograms that --merge \
adds up exactly across machines.";

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
        Generate::ManServe => {
            let page = Page {
                title: "SSECAT-SERVE",
                description: SERVE_DESCRIPTION,
                codes: &exit_code::SERVE,
                examples: SERVE_EXAMPLES,
                environment: &[],
                see_also: "ssecat(1), ssecat-bench(1)",
            };
            return command_man_page(cmd, ["serve", "ssecat-serve", "ssecat serve"], page, out);
        }
        Generate::ManBench => {
            let page = Page {
                title: "SSECAT-BENCH",
                description: BENCH_DESCRIPTION,
                codes: &exit_code::BENCH,
                examples: BENCH_EXAMPLES,
                environment: &[],
                see_also: "ssecat(1), ssecat-serve(1)",
            };
            return command_man_page(cmd, ["bench", "ssecat-bench", "ssecat bench"], page, out);
        }
    };
    let mut cmd = for_completions(cmd);
    clap_complete::generate(shell, &mut cmd, "ssecat", out);
    Ok(())
}

/// The definition the completions are generated from: the clap one, with
/// its hidden aliases (`--colour`, `--data-binary`) made visible, as clap_complete offers
/// only visible ones; a test checks that none is left out. They are hidden
/// so that -h keeps one line an option; the long help tells of them.
fn for_completions(cmd: Command) -> Command {
    // In place: mut_arg would move the option to the end of the lists.
    let visible = |arg: clap::Arg| match arg.get_id().as_str() {
        "color" => arg.alias(None).visible_alias("colour"),
        "data" => arg.alias(None).visible_alias("data-binary"),
        _ => arg,
    };
    cmd.mut_args(visible)
        .mut_subcommand("bench", |bench| bench.mut_args(visible))
}

/// The man page: clap_mangen's sections, then the exit codes, examples and
/// environment. No date, so the same source gives the same page.
fn man_page(cmd: Command, out: &mut Vec<u8>) -> io::Result<()> {
    let codes = Code::ALL.map(|code| (code, code.meaning()));
    let page = Page {
        title: "SSECAT",
        description: DESCRIPTION,
        codes: &codes,
        examples: EXAMPLES,
        environment: &ENVIRONMENT,
        see_also: "ssecat-serve(1), ssecat-bench(1)",
    };
    page.write(cmd, out)
}

/// The man page of a command: `man ssecat-serve`, `man ssecat-bench`.
/// `names`: the command's, the page's and as typed (`serve`,
/// `ssecat-serve`, `ssecat serve`).
fn command_man_page(
    cmd: Command,
    names: [&'static str; 3],
    page: Page<'_>,
    out: &mut Vec<u8>,
) -> io::Result<()> {
    let [name, page_name, typed] = names;
    let command = cmd
        .find_subcommand(name)
        .expect("a command of ssecat")
        .clone()
        .name(page_name)
        .bin_name(typed)
        .version(env!("CARGO_PKG_VERSION"));
    page.write(command, out)
}

/// What a man page says besides the options clap_mangen renders.
struct Page<'a> {
    title: &'a str,
    description: &'a str,
    codes: &'a [(Code, &'a str)],
    examples: &'a str,
    environment: &'a [(&'a str, &'a str)],
    see_also: &'a str,
}

impl Page<'_> {
    fn write(&self, cmd: Command, out: &mut Vec<u8>) -> io::Result<()> {
        let man = Man::new(cmd);
        // Written here: clap_mangen's title drops the empty date argument,
        // and with it the place of the others.
        let (title, version) = (self.title, env!("CARGO_PKG_VERSION"));
        let mut page =
            format!(".TH {title} 1 \"\" \"ssecat {version}\" \"User Commands\"\n").into_bytes();
        man.render_name_section(&mut page)?;
        man.render_synopsis_section(&mut page)?;

        let mut sections = Roff::new();
        sections
            .control("SH", ["DESCRIPTION"])
            .text([roman(self.description)]);
        sections.to_writer(&mut page)?;
        man.render_options_section(&mut page)?;

        let mut sections = Roff::new();
        sections.control("SH", ["EXIT STATUS"]);
        for (code, meaning) in self.codes {
            sections
                .control("TP", [])
                .text([bold(code.number().to_string())])
                .text([roman(*meaning)]);
        }
        sections.control("SH", ["EXAMPLES"]).control("nf", []);
        for example in self.examples.lines() {
            sections.text([roman(example.trim())]);
        }
        sections.control("fi", []);
        if !self.environment.is_empty() {
            sections.control("SH", ["ENVIRONMENT"]);
        }
        for (name, meaning) in self.environment {
            sections
                .control("TP", [])
                .text([bold(*name)])
                .text([roman(*meaning)]);
        }
        sections
            .control("SH", ["SEE ALSO"])
            .text([roman(self.see_also)]);
        sections.to_writer(&mut page)?;
        man.render_version_section(&mut page)?;

        // Each piece rendered apart starts with the same definition of the
        // apostrophe string: once is enough.
        let page = String::from_utf8(page).expect("roff output is UTF-8");
        out.extend_from_slice(APOSTROPHE_DEFINITION.as_bytes());
        out.extend_from_slice(page.replace(APOSTROPHE_DEFINITION, "").as_bytes());
        Ok(())
    }
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
        assert!(sections.contains(&".SH \"SEE ALSO\""), "{sections:?}");
    }

    #[test]
    fn serve_has_a_page_of_its_own() {
        let mut page = Vec::new();
        write(Generate::ManServe, &mut page).unwrap();
        let page = String::from_utf8(page).unwrap();
        assert!(page.contains("\n.TH SSECAT-SERVE 1 "), "{page}");
        assert!(
            page.contains("\n\\fBssecat serve\\fR [\\fB\\-\\-listen\\fR]"),
            "{page}"
        );
        let sections: Vec<&str> = page.lines().filter(|l| l.starts_with(".SH")).collect();
        for wanted in [
            ".SH SYNTHESIS",
            ".SH REPLAY",
            ".SH FAULTS",
            ".SH \"EXIT STATUS\"",
        ] {
            assert!(sections.contains(&wanted), "no {wanted} in {sections:?}");
        }
        assert!(!sections.contains(&".SH ENVIRONMENT"), "{sections:?}");
        assert!(page.contains("could not listen on the address"), "{page}");
    }
}
