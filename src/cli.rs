//! The command line, as clap parses it.

use std::path::PathBuf;

use clap::{ArgGroup, Parser, ValueEnum};

const AFTER_HELP: &str = "\
Exit status:
  0  the stream ended normally ([DONE] or end of input after a complete event)
  1  any other error (unreadable input, an event over --max-event-size, ...)
  2  usage error (bad flag or value)
  9  the stream was cut short: it ended inside an event

Examples:
  ssecat --text recorded.sse
  curl -sN https://host/events | ssecat --jsonl - | jq -c .json
  ssecat --format data --event update --no-done saved.sse";

/// curl for Server-Sent Events: decode a stream and print its events as they arrive.
#[derive(Parser, Debug)]
#[command(name = "ssecat", version, about, after_help = AFTER_HELP)]
#[command(group(ArgGroup::new("output").args(["format", "jsonl", "text", "raw"])))]
pub struct Cli {
    /// A recorded stream to read, or - for standard input
    #[arg(value_name = "FILE")]
    pub input: PathBuf,

    /// How to print each event
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = Format::Sse)]
    pub format: Format,

    /// Print one JSON object per event (same as --format jsonl)
    #[arg(long)]
    pub jsonl: bool,

    /// Print only the LLM answer text (same as --format text)
    #[arg(long)]
    pub text: bool,

    /// Print the received bytes untouched (same as --format raw)
    #[arg(long)]
    pub raw: bool,

    /// Keep only events of this type (repeatable; "message" is the default type)
    #[arg(long = "event", value_name = "TYPE", conflicts_with = "raw")]
    pub events: Vec<String>,

    /// Do not stop at a `data: [DONE]` event; read to the end of the stream
    #[arg(long)]
    pub no_done: bool,

    /// Largest line or event accepted, in bytes or with a K, M or G suffix (powers of 1024)
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_size)]
    pub max_event_size: usize,
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Each event re-serialised as canonical SSE
    Sse,
    /// Each event's data followed by a newline
    Data,
    /// One JSON object per event: event, data, id, retry, and json when data is JSON
    Jsonl,
    /// The LLM answer text, joined from the stream's deltas
    Text,
    /// The received bytes, untouched
    Raw,
}

impl Cli {
    /// The output format, with the shorthand flags applied.
    pub fn format(&self) -> Format {
        if self.jsonl {
            Format::Jsonl
        } else if self.text {
            Format::Text
        } else if self.raw {
            Format::Raw
        } else {
            self.format
        }
    }
}

/// Parses `4096`, `512K`, `64MiB`, `1g`: bytes, or binary multiples.
fn parse_size(text: &str) -> Result<usize, String> {
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(digits_end);
    let shift = match suffix.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kib" => 10,
        "m" | "mib" => 20,
        "g" | "gib" => 30,
        _ => {
            return Err(format!(
                "unknown size suffix {suffix:?}: use K, M or G (powers of 1024)"
            ))
        }
    };
    let number: usize = number.parse().map_err(|_| {
        "expected a whole number of bytes, optionally followed by K, M or G".to_owned()
    })?;
    if number == 0 {
        return Err("must be at least 1 byte".to_owned());
    }
    number
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("{text} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn sizes_parse_with_binary_suffixes() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("512K"), Ok(512 << 10));
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        for bad in [
            "",
            "0",
            "-1",
            "1.5M",
            "10 M",
            "5T",
            "M",
            "99999999999999999999",
        ] {
            assert!(parse_size(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn shorthands_pick_the_format() {
        let parse = |args: &[&str]| {
            Cli::try_parse_from([&["ssecat"], args, &["f.sse"]].concat()).map(|c| c.format())
        };
        assert_eq!(parse(&[]).unwrap(), Format::Sse);
        assert_eq!(parse(&["--jsonl"]).unwrap(), Format::Jsonl);
        assert_eq!(parse(&["--text"]).unwrap(), Format::Text);
        assert_eq!(parse(&["--raw"]).unwrap(), Format::Raw);
        assert_eq!(parse(&["--format", "data"]).unwrap(), Format::Data);
        assert!(parse(&["--jsonl", "--text"]).is_err());
        assert!(parse(&["--format", "data", "--raw"]).is_err());
        assert!(parse(&["--raw", "--event", "x"]).is_err());
    }
}
