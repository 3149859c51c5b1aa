//! The exit codes: one list, from which `--help`, the man page and the
//! guide's table are all made.

/// Every exit code ssecat gives, with its meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Success = 0,
    Failure = 1,
    Usage = 2,
    Redirect = 3,
    ClientError = 4,
    ServerError = 5,
    Connect = 6,
    Timeout = 7,
    InStream = 8,
    CutShort = 9,
    EmptyReply = 10,
    Unreadable = 11,
    Strict = 12,
    Interrupted = 130,
    Terminated = 143,
}

impl Code {
    pub const ALL: [Code; 15] = [
        Code::Success,
        Code::Failure,
        Code::Usage,
        Code::Redirect,
        Code::ClientError,
        Code::ServerError,
        Code::Connect,
        Code::Timeout,
        Code::InStream,
        Code::CutShort,
        Code::EmptyReply,
        Code::Unreadable,
        Code::Strict,
        Code::Interrupted,
        Code::Terminated,
    ];

    pub fn number(self) -> u8 {
        self as u8
    }

    /// What the code means, in one sentence for `--help` and the man page.
    pub fn meaning(self) -> &'static str {
        match self {
            Code::Success => {
                "the stream ended normally ([DONE], a provider's end event, or the end after \
                 a complete event)"
            }
            Code::Failure => {
                "any other error (unreadable input, an event over --max-event-size, ...)"
            }
            Code::Usage => "usage error (bad flag or value, invalid --json, bad header)",
            Code::Redirect => "HTTP 3xx not followed (see -L), or too many redirects",
            Code::ClientError => "HTTP 4xx",
            Code::ServerError => "HTTP 5xx",
            Code::Connect => "could not connect (DNS, refused, TLS); serve: could not listen",
            Code::Timeout => "timeout (--connect-timeout, --idle-timeout or --max-time)",
            Code::InStream => "the stream reported an error (an LLM provider's error event)",
            Code::CutShort => {
                "the stream was cut short: connection lost, ended inside an event, (--text, \
                 --format final) ended before the dialect's end marker, or --reconnect=N gave \
                 up"
            }
            Code::EmptyReply => {
                "the server closed the connection without sending a response (empty reply)"
            }
            Code::Unreadable => {
                "the response is not a stream the output format can read: --jsonl, --text \
                 and --format final take an event stream, JSON lines or a JSON document a \
                 dialect reads (with --strict: the content type of a stream)"
            }
            Code::Strict => {
                "--strict: a status other than 200, a line with an unknown field, or no \
                 answer text"
            }
            Code::Interrupted => "interrupted (Ctrl-C)",
            Code::Terminated => "terminated (SIGTERM)",
        }
    }
}

/// The codes `ssecat serve` exits with, and what each means for it.
pub const SERVE: [(Code, &str); 5] = [
    (Code::Success, "stopped by Ctrl-C (SIGINT) or SIGTERM"),
    (
        Code::Failure,
        "a file (--text @FILE, a recording) could not be read",
    ),
    (
        Code::Usage,
        "usage error (bad flag or value, an unknown --fault)",
    ),
    (
        Code::Connect,
        "could not listen on the address (in use, not allowed)",
    ),
    (
        Code::Unreadable,
        "a recording that cannot be read as one (its line and what is wrong)",
    ),
];

/// The codes `ssecat bench` exits with, and what each means for it.
pub const BENCH: [(Code, &str); 6] = [
    (
        Code::Success,
        "every request succeeded and every --slo held",
    ),
    (
        Code::Failure,
        "a file (--bodies, a report to merge) could not be read or written",
    ),
    (
        Code::Usage,
        "usage error (bad flag or value, a bad --slo or --bodies line)",
    ),
    (Code::Connect, "no request could connect at all"),
    (
        Code::Strict,
        "a request failed, or an --slo did not hold (the report says which)",
    ),
    (
        Code::Interrupted,
        "interrupted (Ctrl-C): the report holds what finished",
    ),
];

/// The codes as `--help` lists them: each with its meaning, wrapped to
/// `width` columns, further lines indented under it.
pub fn table(width: usize) -> String {
    wrapped(Code::ALL.map(|code| (code, code.meaning())), width)
}

/// `ssecat bench`'s codes, as its `--help` lists them.
pub fn bench_table(width: usize) -> String {
    wrapped(BENCH, width)
}

/// `ssecat serve`'s codes, as its `--help` lists them.
pub fn serve_table(width: usize) -> String {
    wrapped(SERVE, width)
}

fn wrapped<const N: usize>(codes: [(Code, &str); N], width: usize) -> String {
    let mut table = String::new();
    for (code, meaning) in codes {
        let mut line = format!("  {}  ", code.number());
        let mut words_on_line = 0;
        for word in meaning.split(' ') {
            if line.len() + word.len() > width && words_on_line > 0 {
                table.push_str(line.trim_end());
                table.push('\n');
                line = "     ".to_owned();
                words_on_line = 0;
            }
            line.push_str(word);
            line.push(' ');
            words_on_line += 1;
        }
        table.push_str(line.trim_end());
        table.push('\n');
    }
    table.pop();
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_codes_are_in_order_and_their_numbers_are_their_own() {
        let numbers: Vec<u8> = Code::ALL.iter().map(|code| code.number()).collect();
        assert_eq!(
            numbers,
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 130, 143]
        );
    }

    #[test]
    fn the_table_wraps_each_meaning_under_its_code() {
        let table = table(76);
        assert!(
            table.starts_with("  0  the stream ended normally"),
            "{table}"
        );
        assert!(table.lines().all(|line| line.len() <= 76), "{table}");
        assert!(table.ends_with("  143  terminated (SIGTERM)"), "{table}");
        let continued: Vec<&str> = table.lines().filter(|l| l.starts_with("     ")).collect();
        assert!(continued.len() >= 5, "{table}");
    }
}
