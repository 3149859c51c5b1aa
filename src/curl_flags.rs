//! curl's flags that ssecat does not take, each with what to use instead:
//! a curl user's fingers type them, and clap alone would only say the
//! flag is unexpected (with a tip about `--` that does not apply).

/// `(short, long, what to use instead)`; "" where curl has no short form.
const INSTEAD: [(&str, &str, &str); 16] = [
    (
        "-O",
        "--remote-name",
        "ssecat prints to standard output: use -o FILE",
    ),
    (
        "-J",
        "--remote-header-name",
        "ssecat prints to standard output: use -o FILE",
    ),
    (
        "-T",
        "--upload-file",
        "send a file as the body with -d @FILE (and -X PUT)",
    ),
    (
        "-F",
        "--form",
        "ssecat sends no multipart forms: send JSON with --json or field=value items",
    ),
    (
        "",
        "--data-urlencode",
        "add query parameters as name==value items after the URL",
    ),
    (
        "-G",
        "--get",
        "add query parameters as name==value items after the URL",
    ),
    (
        "-I",
        "--head",
        "ssecat reads a stream's body: -v shows the response head on standard error",
    ),
    (
        "-D",
        "--dump-header",
        "-v shows the heads on standard error; --record writes them to a file",
    ),
    (
        "-b",
        "--cookie",
        "send cookies with -H 'Cookie: name=value'",
    ),
    (
        "-c",
        "--cookie-jar",
        "ssecat keeps no cookies: send them with -H 'Cookie: name=value'",
    ),
    (
        "-w",
        "--write-out",
        "--stats and --stats-json FILE report the timings",
    ),
    (
        "",
        "--retry",
        "--reconnect N sends the request again when the stream drops",
    ),
    (
        "-C",
        "--continue-at",
        "--last-event-id ID resumes an event stream",
    ),
    (
        "",
        "--http3",
        "ssecat speaks HTTP/1.1, and HTTP/2 when an https server offers it",
    ),
    (
        "",
        "--http2",
        "ssecat uses HTTP/2 when an https server offers it",
    ),
    (
        "",
        "--trace",
        "-v shows the heads on standard error; --record writes the whole exchange",
    ),
];

/// What to say about `flag` (as typed, `--name=value` too) when it is one
/// of curl's that ssecat does not take.
pub fn instead(flag: &str) -> Option<String> {
    let name = flag.split_once('=').map_or(flag, |(name, _)| name);
    INSTEAD
        .iter()
        .find(|(short, long, _)| name == *long || !short.is_empty() && name == *short)
        .map(|(short, long, instead)| {
            let named = match *short {
                "" => (*long).to_owned(),
                short => format!("{short}/{long}"),
            };
            format!("curl's {named} is not one of ssecat's options: {instead}")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curls_flags_are_named_with_what_to_use() {
        let said = instead("-O").unwrap();
        assert_eq!(
            said,
            "curl's -O/--remote-name is not one of ssecat's options: ssecat prints to \
             standard output: use -o FILE"
        );
        assert_eq!(instead("--retry=3"), instead("--retry"));
        assert!(instead("--cookie-jar").unwrap().contains("Cookie"));
        assert_eq!(instead("--nonsense"), None);
        assert_eq!(instead("-Q"), None);
    }
}
