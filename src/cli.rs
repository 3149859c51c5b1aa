//! The command line, as clap parses it.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

use crate::duration::parse_duration;
use crate::exit_code;
use crate::extract::{Dialect, Extraction};
use crate::secrets;

/// The width the exit codes are wrapped to in --help.
pub const HELP_WIDTH: usize = 76;

/// Example commands, one a line, for --help and the man page.
pub const EXAMPLES: &str =
    "  ssecat --text https://api.example.com/v1/chat/completions --bearer env:KEY --json @body.json
  ssecat --text --prompt 'Say OK' --model m :8080/v1/chat/completions
  ssecat --jsonl :8080/events | jq -c .json
  ssecat --text recorded.sse";

/// What curl's and xh's users type, in ssecat's words, for --help.
pub const CURL_HABITS: &str =
    "  -X, -H, -d, --data-binary, --data-raw, -A, -e, --url, -L, -k, -m, -o, -v: as in curl
  -sS, -N, -f, --compressed: accepted; ssecat always does what they ask
  -i: the status line and headers before the body (not with --jsonl, --format final)
  --retry N: use --reconnect N; -O, -F, -b, -w ...: one line says what to use instead
  xh's items after the URL: Name:value, q==v, field=text, field:=json, a[0][b]=x";

/// curl for Server-Sent Events: request or read a stream and print its events as they arrive.
#[derive(Parser, Debug)]
#[command(name = "ssecat", version, about)]
// -h ends with the examples; --help (and the man page) adds the exit codes.
#[command(after_help = format!("Examples:\n{EXAMPLES}"))]
#[command(after_long_help = format!("Coming from curl or xh:\n{CURL_HABITS}\n\nExit status:\n{}\n\nExamples:\n{EXAMPLES}", exit_code::table(HELP_WIDTH)))]
#[command(
    override_usage = "ssecat [OPTIONS] [METHOD] <URL|FILE> [ITEM]...\n       ssecat serve [OPTIONS] [RECORDING]...\n       ssecat bench [OPTIONS] [METHOD] <URL> [ITEM]..."
)]
// `ssecat serve` is the command; a file or host of that name is `./serve`
// or `http://serve`.
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    disable_help_subcommand = true
)]
#[command(group(ArgGroup::new("formats").args(["format", "jsonl", "text", "raw"])))]
// What --model and the other prompt options require.
#[command(group(ArgGroup::new("prompting").args(["prompt"])))]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// [METHOD] URL to request, or a recorded stream FILE (- for standard input)
    ///
    /// http:// is implied and :PORT/path means localhost. METHOD is a word of
    /// letters (GET, post): GET, or POST when a body is given, if none is.
    /// *.ndjson and *.jsonl files are read as newline-delimited JSON, and so
    /// is any FILE or - that starts with { or [ (a whole JSON document when
    /// its first line is not a whole value). A recording of --record is read
    /// as the live run read it, whatever its name.
    #[arg(value_name = "URL|FILE", required_unless_present = "url")]
    pub first: Option<String>,

    /// Request items, as xh's: Name:value, field=text, field:=json, param==value
    ///
    /// After the URL. Name:value is a header ('Name:' removes one); param==value a query
    /// parameter; field=text a string and field:=json any JSON value of a
    /// JSON body, sent with POST (unless a METHOD is given) and Content-Type:
    /// application/json. A field may be a path (messages[0][role]=user,
    /// list[]=x). =@FILE, :=@FILE, ==@FILE and :@FILE read the value from
    /// FILE; a backslash escapes a separator (a\=b=c).
    // The words after the first: the URL when a METHOD comes first, then
    // the items (target.rs tells which is which).
    #[arg(value_name = "ITEM")]
    pub words: Vec<String>,

    /// Print shell completions or the man page, generated from this
    /// definition, and exit (for packagers)
    #[arg(long, value_enum, value_name = "KIND", hide = true, exclusive = true)]
    pub generate: Option<Generate>,

    #[command(flatten)]
    pub request: RequestArgs,

    /// Reconnect when the stream drops or ends, at most N times in all
    ///
    /// When the connection drops, --idle-timeout fires (also waiting for the
    /// response head), the server closes it without a response or ends the
    /// stream, the request is sent again with Last-Event-ID set to the id of
    /// the last event received, as EventSource does; a 204 No Content stops
    /// it. No limit without N. Not with --text or --format final.
    #[arg(long, value_name = "N", num_args = 0..=1, require_equals = true, help_heading = "Reconnect")]
    pub reconnect: Option<Option<u32>>,

    /// Longest wait before a reconnection
    ///
    /// The wait is the stream's retry: time (3 s when it set none), doubled
    /// with jitter after each failed attempt in a row, or the Retry-After of a
    /// 408, 429 or 5xx response; this caps them all.
    #[arg(long, value_name = "SECS", value_parser = parse_seconds, default_value = "30", help_heading = "Reconnect")]
    pub max_retry_wait: Duration,

    /// Output format
    ///
    /// The default is sse, or text with --extract.
    #[arg(long, value_enum, value_name = "FORMAT", help_heading = "Output")]
    pub format: Option<Format>,

    /// Print one JSON object per event (same as --format jsonl)
    #[arg(long, help_heading = "Output")]
    pub jsonl: bool,

    /// Print only the LLM answer text (same as --format text)
    #[arg(long, help_heading = "Output")]
    pub text: bool,

    /// Print the received bytes untouched (same as --format raw)
    #[arg(long, help_heading = "Output")]
    pub raw: bool,

    /// The LLM stream format, instead of detecting it (openai, anthropic, ...)
    // The values are listed in the long help only: inline, they would not
    // fit the one line of -h.
    #[arg(
        long,
        value_enum,
        value_name = "NAME",
        hide_possible_values = true,
        long_help = dialect_long_help(),
        help_heading = "LLM"
    )]
    pub dialect: Option<Dialect>,

    /// Take the text from this JSON Pointer in each event (/choices/0/text)
    ///
    /// For a shape no dialect knows (RFC 6901: ~1 stands for /). Implies
    /// --text unless a format is given. A top-level error member is still an
    /// error (exit 8).
    #[arg(long, value_name = "POINTER", value_parser = Extraction::pointer, conflicts_with = "dialect", help_heading = "LLM")]
    pub extract: Option<Extraction>,

    /// Print reasoning (thinking) deltas to standard error as they arrive
    #[arg(long, help_heading = "LLM")]
    pub reasoning: bool,

    /// Read the stream as newline-delimited JSON, one event a line
    ///
    /// The default for *.ndjson and *.jsonl files and for application/x-ndjson
    /// and application/jsonl responses; with a URL, it overrides a wrong
    /// content type.
    #[arg(long, help_heading = "Output")]
    pub ndjson: bool,

    /// Keep only events of this type (repeatable)
    ///
    /// Untyped events are of type message. Not with --raw, --text or
    /// --format final.
    #[arg(
        long = "event",
        value_name = "TYPE",
        conflicts_with = "raw",
        help_heading = "Output"
    )]
    pub events: Vec<String>,

    /// Do not stop at data: [DONE]; read to the end of the stream
    ///
    /// With --text and --format final, do not stop at a provider's end event
    /// either.
    #[arg(long, help_heading = "Output")]
    pub no_done: bool,

    /// Largest line or event accepted
    ///
    /// In bytes, or with a K, M or G suffix (also KiB, MiB, GiB): powers of
    /// 1024. A larger one is an error (exit 1).
    #[arg(long, value_name = "SIZE", default_value = "128MiB", value_parser = parse_size, help_heading = "Output")]
    pub max_event_size: usize,

    /// On a terminal, print the stream's control characters as they are
    ///
    /// By default a terminal shows them escaped (ESC as \x1b), so a stream
    /// cannot move the cursor, clear the screen or retitle the window. Into a
    /// pipe or a file they always pass through unchanged.
    #[arg(long, help_heading = "Output")]
    pub no_sanitize: bool,

    /// Print the response's status line and headers first, as curl -i
    ///
    /// As curl prints them: HTTP/1.1 200 OK, each header (names in lowercase)
    /// and a blank line, the lines ending in CRLF; with -L, those of the last
    /// response only (-v shows each on standard error). For the formats sse,
    /// data, text and raw: --jsonl and --format final are JSON from the first
    /// byte. Not with --reconnect.
    #[arg(short = 'i', long, help_heading = "Output")]
    pub include: bool,

    /// Accepted for curl's sake: ssecat never buffers its output
    ///
    /// Each chunk's output is written as soon as the chunk arrives.
    #[arg(short = 'N', long, help_heading = "Output")]
    pub no_buffer: bool,

    /// Write the output to FILE instead of standard output
    #[arg(short = 'o', long, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,

    /// Also write the response body to FILE, byte for byte as received
    ///
    /// `ssecat FILE` replays it later with the same output. With --reconnect,
    /// every response's body is appended.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub save: Option<PathBuf>,

    /// Write a timed recording of the exchange to FILE (JSON Lines)
    ///
    /// The request (credential headers, headers from env: and keys in the
    /// query as "<redacted>"), each response's status and headers, every body
    /// chunk as received with its arrival in milliseconds since the request
    /// was sent, and how each response ended. Each line is flushed as it is
    /// written. `ssecat FILE` reads it as input (with the recorded timing
    /// for --stats) and `ssecat serve FILE` replays it. A URL only; the
    /// format is in the guide, "Recordings".
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub record: Option<PathBuf>,

    /// When to colour the output: auto, always or never
    ///
    /// Colour applies to sse, jsonl and final output. auto colours on a terminal, unless NO_COLOR is set and not empty;
    /// always colours into a pipe or -o too, whatever NO_COLOR says. --colour
    /// works too.
    // A hidden alias, or -h would give --color a second line; the long help
    // says it in words and generate.rs makes the completions offer it.
    #[arg(long, alias = "colour", value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto, hide_possible_values = true, help_heading = "Output")]
    pub color: ColorChoice,

    /// Show the request and response heads on standard error
    #[arg(short = 'v', long, long_help = verbose_long_help(), help_heading = "Diagnostics")]
    pub verbose: bool,

    /// Hide the progress spinner
    ///
    /// The spinner is drawn only when standard error is a terminal. Errors and
    /// warnings are printed with or without -s, so curl's -sS is -s.
    #[arg(short = 's', long, help_heading = "Diagnostics")]
    pub silent: bool,

    /// Accepted for curl's -sS: ssecat always shows errors, with or without -s
    #[arg(short = 'S', long, help_heading = "Diagnostics")]
    pub show_error: bool,

    /// Fail on what is otherwise only a warning, for scripted checks
    ///
    /// A status other than 200 (exit 12), a content type other than
    /// text/event-stream or an NDJSON type (exit 11), a line with an unknown
    /// field (exit 12; the run stops there), --text or --format final ending
    /// with no answer text (exit 12). A stream that ends inside an event
    /// exits 9 either way. As a browser's EventSource does, a 2xx other than
    /// 200 and a wrong content type fail before the body is read, on every
    /// response of a reconnection too.
    #[arg(long, help_heading = "Diagnostics")]
    pub strict: bool,

    /// Print a summary of the run on standard error at the end
    ///
    /// Timings (first byte, or first read of a FILE; first event; first
    /// token), events, bytes, tokens, tokens per second, the gaps between
    /// events, the finish reason and the exit code.
    #[arg(long, help_heading = "Diagnostics")]
    pub stats: bool,

    /// Write the statistics as one JSON object to FILE (- for standard error)
    ///
    /// Written however the run ends; FILE is created before the request, as
    /// with -o.
    #[arg(long, value_name = "FILE", help_heading = "Diagnostics")]
    pub stats_json: Option<PathBuf>,
}

/// The options of a request, and its time limits: those of `ssecat URL`,
/// which `ssecat bench` sends too.
#[derive(Args, Debug)]
#[group(skip)]
#[command(group(ArgGroup::new("body").args(["data", "json", "data_raw"])))]
pub struct RequestArgs {
    /// The URL, as curl's --url: the words left are [METHOD] and items
    #[arg(long, value_name = "URL", help_heading = "Request")]
    pub url: Option<String>,

    /// The method, as curl's -X; the same as a METHOD before the URL
    ///
    /// Sent as typed. A METHOD before the URL that differs is a usage error.
    #[arg(
        short = 'X',
        long = "request",
        value_name = "METHOD",
        help_heading = "Request"
    )]
    pub method: Option<String>,

    /// A request header, 'Name: value' (repeatable)
    ///
    /// 'Name:' with nothing after it removes a default header. A value env:VAR
    /// is read from the environment variable VAR, so secrets stay out of shell
    /// history and ps; env: inside a value is sent as written, with a warning.
    #[arg(
        short = 'H',
        long = "header",
        value_name = "NAME: VALUE",
        help_heading = "Request"
    )]
    pub headers: Vec<String>,

    /// Request body: TEXT, @FILE, or @- for standard input
    ///
    /// The method is POST when a body is given and no METHOD is. A FILE is
    /// sent byte for byte, as curl's --data-binary, which works too.
    #[arg(
        short = 'd',
        long,
        alias = "data-binary",
        value_name = "TEXT|@FILE",
        help_heading = "Request"
    )]
    pub data: Option<String>,

    /// Request body TEXT as it is: a leading @ names no file, as curl's
    #[arg(long, value_name = "TEXT", help_heading = "Request")]
    pub data_raw: Option<String>,

    /// JSON request body, checked before anything is sent
    ///
    /// Sets Content-Type: application/json. Invalid JSON is a usage error
    /// (exit 2) that gives its line and column.
    #[arg(long, value_name = "TEXT|@FILE", help_heading = "Request")]
    pub json: Option<String>,

    /// Send 'Authorization: Bearer TOKEN' (env:VAR reads it from VAR)
    ///
    /// An unset VAR is a usage error (exit 2).
    #[arg(long, value_name = "TOKEN|env:VAR", help_heading = "Request")]
    pub bearer: Option<String>,

    /// Basic authentication; PASS may be env:VAR
    #[arg(short = 'u', long, value_name = "USER:PASS", help_heading = "Request")]
    pub user: Option<String>,

    /// Send this User-Agent instead of ssecat/VERSION ('' sends none)
    #[arg(short = 'A', long, value_name = "TEXT", help_heading = "Request")]
    pub user_agent: Option<String>,

    /// Send this Referer
    #[arg(short = 'e', long, value_name = "URL", help_heading = "Request")]
    pub referer: Option<String>,

    /// Accepted for curl's sake: an HTTP error always fails (exit 3, 4, 5)
    ///
    /// Its status line is reported on standard error and nothing of its body
    /// is printed (-v shows its head).
    #[arg(short = 'f', long, help_heading = "Request")]
    pub fail: bool,

    /// Accepted for curl's sake: gzip, br and deflate are always decoded
    #[arg(long, help_heading = "Request")]
    pub compressed: bool,

    /// Send this Last-Event-ID, to resume a stream
    #[arg(long, value_name = "ID", help_heading = "Request")]
    pub last_event_id: Option<String>,

    /// Use this proxy
    ///
    /// Without it, the HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY
    /// variables are honoured.
    #[arg(short = 'x', long, value_name = "URL", help_heading = "Request")]
    pub proxy: Option<String>,

    /// Do not verify the server's TLS certificate
    #[arg(short = 'k', long, help_heading = "Request")]
    pub insecure: bool,

    /// Trust the CA certificates in this PEM file too
    #[arg(long, value_name = "FILE", help_heading = "Request")]
    pub cacert: Option<PathBuf>,

    /// Follow redirects
    #[arg(short = 'L', long, long_help = location_long_help(), help_heading = "Request")]
    pub location: bool,

    /// Most redirects followed with -L
    #[arg(long, value_name = "N", default_value_t = 10, help_heading = "Request")]
    pub max_redirs: u32,

    /// Give up connecting after SECS seconds
    ///
    /// SECS may have a fraction (0.5). When it fires, ssecat exits 7.
    #[arg(long, value_name = "SECS", value_parser = parse_seconds, help_heading = "Timing")]
    pub connect_timeout: Option<Duration>,

    /// Give up when no byte arrives for SECS seconds
    ///
    /// SECS may have a fraction (0.5). When it fires, ssecat exits 7.
    #[arg(long, value_name = "SECS", value_parser = parse_seconds, help_heading = "Timing")]
    pub idle_timeout: Option<Duration>,

    /// Give up when the whole transfer takes more than SECS seconds
    ///
    /// SECS may have a fraction (0.5). When it fires, ssecat exits 7.
    #[arg(short = 'm', long, value_name = "SECS", value_parser = parse_seconds, help_heading = "Timing")]
    pub max_time: Option<Duration>,

    /// Send this prompt in the streaming request of the URL's API
    ///
    /// TEXT, @FILE, or @- for standard input (the line breaks that end it
    /// are left out). The body is the streaming request for the prompt in the
    /// API that the URL's path names (/v1/chat/completions, /v1/responses,
    /// /v1/messages, …:streamGenerateContent, /v2/chat, /api/chat,
    /// /api/generate, /generate_stream, /completion), or --dialect for another
    /// path, with the headers the API requires. The method is POST unless one
    /// is given.
    #[arg(long, value_name = "TEXT|@FILE", conflicts_with_all = ["data", "json"], help_heading = "Prompt")]
    pub prompt: Option<String>,

    /// The model that answers the prompt (not for Gemini or TGI)
    #[arg(
        long,
        value_name = "NAME",
        requires = "prompting",
        help_heading = "Prompt"
    )]
    pub model: Option<String>,

    /// The system prompt (instructions) sent before the prompt
    #[arg(
        long,
        value_name = "TEXT",
        requires = "prompting",
        help_heading = "Prompt"
    )]
    pub system: Option<String>,

    /// The most tokens the answer may have
    ///
    /// Under the API's own name (max_completion_tokens, max_output_tokens,
    /// num_predict, …). Anthropic requires one: 1024 without it.
    #[arg(
        long,
        value_name = "N",
        requires = "prompting",
        help_heading = "Prompt"
    )]
    pub max_tokens: Option<u64>,

    /// The sampling temperature
    #[arg(long, value_name = "X", value_parser = parse_temperature, requires = "prompting", help_heading = "Prompt")]
    pub temperature: Option<f64>,
}

/// The commands besides reading one stream.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Load-test an LLM or SSE endpoint: TTFT, ITL, TPOT and throughput percentiles
    ///
    /// Each request is a whole ssecat stream: decoded exactly, its dialect
    /// detected, its end marker, errors and usage read. Latencies count from
    /// when each request was due, so time spent waiting to be sent is never
    /// hidden.
    #[command(after_help = format!("Examples:\n{BENCH_EXAMPLES}"))]
    #[command(after_long_help = format!("Exit status:\n{}\n\nExamples:\n{BENCH_EXAMPLES}", exit_code::bench_table(HELP_WIDTH)))]
    #[command(
        override_usage = "ssecat bench [OPTIONS] [METHOD] <URL> [ITEM]...\n       ssecat bench --merge <REPORT>..."
    )]
    Bench(Box<BenchArgs>),

    /// Serve streams: mock every LLM streaming API, or replay recordings with their timing
    ///
    /// Each request is answered as it arrives, its chunks sent at their times
    /// (measured from the request, so waits never add up). The first line on
    /// standard error is "ssecat: listening on http://HOST:PORT"; then one line
    /// a request, when its response is over.
    #[command(after_help = format!("Examples:\n{SERVE_EXAMPLES}"))]
    #[command(after_long_help = format!("Exit status:\n{}\n\nExamples:\n{SERVE_EXAMPLES}", exit_code::serve_table(HELP_WIDTH)))]
    Serve(Box<ServeArgs>),
}

/// Example commands of `ssecat bench`.
pub const BENCH_EXAMPLES: &str = "  ssecat bench -c 1,8,64 -n 200 :8080/v1/chat/completions --json @body.json
  ssecat bench --rate 5 --duration 60s --slo ttft=500ms,tpot=50ms --report r.json URL --json @body.json
  ssecat bench --merge a.json b.json";

/// The options of `ssecat bench`.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("load").args(["concurrency", "rate"])))]
#[command(group(ArgGroup::new("prompting").args(["prompt", "prompts"])))]
#[command(group(ArgGroup::new("lines").args(["bodies", "prompts"])))]
pub struct BenchArgs {
    /// [METHOD] URL to load
    #[arg(value_name = "URL", required_unless_present_any = ["merge", "url"])]
    pub first: Option<String>,

    /// Request items, as xh's: Name:value, field=text, field:=json, param==value
    #[arg(value_name = "ITEM")]
    pub words: Vec<String>,

    #[command(flatten)]
    pub request: RequestArgs,

    /// Streams in flight (closed loop); a list is a sweep: -c 1,8,64
    #[arg(short = 'c', long, value_name = "N,…", value_delimiter = ',', value_parser = clap::value_parser!(u64).range(1..), help_heading = "Load")]
    pub concurrency: Vec<u64>,

    /// Requests a second (open loop), each sent when due; a list is a sweep
    #[arg(long, value_name = "R,…", value_delimiter = ',', value_parser = parse_rate, help_heading = "Load")]
    pub rate: Vec<f64>,

    /// When --rate's requests are due: poisson (at random) or constant
    #[arg(long, value_enum, value_name = "HOW", default_value_t = ArrivalChoice::Poisson, requires = "rate", help_heading = "Load")]
    pub arrival: ArrivalChoice,

    /// The seed of the Poisson arrivals and --shuffle, for runs that repeat
    #[arg(long, value_name = "N", help_heading = "Load")]
    pub seed: Option<u64>,

    /// Requests measured at each level [default: 100 without --duration]
    #[arg(short = 'n', long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..), help_heading = "Load")]
    pub requests: Option<u64>,

    /// Send requests for this long at each level (those in flight finish)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Load")]
    pub duration: Option<Duration>,

    /// Requests sent first at each level and left out of the figures
    #[arg(long, value_name = "N", default_value_t = 0, help_heading = "Load")]
    pub warmup: u64,

    /// Request bodies, one JSON a line, sent in turn (POST, JSON)
    #[arg(long, value_name = "FILE", conflicts_with_all = ["data", "json"], help_heading = "Load")]
    pub bodies: Option<PathBuf>,

    /// Prompts, one a line, each sent as --prompt sends one, in turn
    ///
    /// Blank lines are skipped; --model, --system, --max-tokens and
    /// --temperature apply to every prompt.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["prompt", "data", "json"], help_heading = "Load")]
    pub prompts: Option<PathBuf>,

    /// Send the --bodies or --prompts in a random order
    #[arg(long, requires = "lines", help_heading = "Load")]
    pub shuffle: bool,

    /// The LLM stream format, instead of detecting it
    #[arg(
        long,
        value_enum,
        value_name = "NAME",
        hide_possible_values = true,
        help_heading = "Measure"
    )]
    pub dialect: Option<Dialect>,

    /// Service-level objectives, for goodput: ttft=500ms,tpot=50ms,itl=…,e2el=…
    #[arg(long, value_name = "METRIC=DURATION,…", help_heading = "Measure")]
    pub slo: Option<String>,

    /// Write the report as JSON to FILE (- for standard output)
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub report: Option<PathBuf>,

    /// Write one JSON line per request to FILE
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub records: Option<PathBuf>,

    /// Merge the --report files of runs made apart (several machines) into
    /// one, exactly, and print it
    #[arg(long, value_name = "REPORT", num_args = 1.., conflicts_with_all = ["first", "concurrency", "rate"], help_heading = "Output")]
    pub merge: Vec<PathBuf>,

    /// No progress bar
    #[arg(short = 's', long, help_heading = "Output")]
    pub silent: bool,

    /// Threads that run the streams [default: one per CPU]
    ///
    /// Fewer threads cost less CPU (they wake one another less often: on 2
    /// CPUs, 64 streams of 1 ms chunks took 0.33 s of CPU per 1,000
    /// requests with one thread, 0.58 with two) but answer a burst of first
    /// tokens later (256 streams at once: TTFT p99 +29 ms against +9).
    /// Try --threads 1 beside a server on the same small machine.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..), help_heading = "Load")]
    pub threads: Option<u16>,
}

/// `--arrival`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ArrivalChoice {
    /// At random, exponential gaps (independent users)
    Poisson,
    /// Evenly spaced
    Constant,
}

/// Example commands of `ssecat serve`.
pub const SERVE_EXAMPLES: &str =
    "  ssecat serve --text 'Hello there, world!' --ttft 200ms --itl 20ms
  ssecat serve --listen 127.0.0.1:0 recorded.jsonl
  ssecat serve --text @answer.txt --fault cut-after=5,every=2";

/// The options of `ssecat serve`.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("pace").args(["itl", "tps"])))]
pub struct ServeArgs {
    /// Recordings (from --record) to replay, or .sse and .ndjson files to
    /// serve
    ///
    /// Several recordings are told apart by their method and path; one
    /// answers every path.
    #[arg(value_name = "RECORDING", conflicts_with = "text")]
    pub files: Vec<PathBuf>,

    /// Where to listen, ADDR:PORT (port 0 picks a free one)
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    pub listen: String,

    /// Answer every LLM streaming API with this text: TEXT, or @FILE
    ///
    /// OpenAI Chat and Responses, Anthropic, Gemini, Cohere, Ollama, TGI and
    /// llama.cpp, each at its usual path and in its own wire format.
    #[arg(
        long,
        value_name = "TEXT|@FILE",
        required_unless_present = "files",
        help_heading = "Synthesis"
    )]
    pub text: Option<String>,

    /// Time to the first token
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "0ms", help_heading = "Synthesis")]
    pub ttft: Duration,

    /// Time between chunks (inter-token latency); for .sse and .ndjson
    /// files, between events
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Synthesis")]
    pub itl: Option<Duration>,

    /// Tokens per second, instead of --itl
    #[arg(long, value_name = "N", value_parser = parse_rate, help_heading = "Synthesis")]
    pub tps: Option<f64>,

    /// Tokens in each chunk
    #[arg(long, value_name = "K", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..), help_heading = "Synthesis")]
    pub tokens_per_chunk: u64,

    /// Vary each gap at random by up to this much, either way
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Synthesis")]
    pub jitter: Option<Duration>,

    /// The seed of --jitter's random numbers, for runs that repeat
    #[arg(long, value_name = "N", help_heading = "Synthesis")]
    pub seed: Option<u64>,

    /// Replay this many times faster (2 halves every wait)
    #[arg(long, value_name = "X", value_parser = parse_rate, default_value = "1", help_heading = "Replay")]
    pub speed: f64,

    /// Replay without waiting: every chunk at once
    #[arg(long, help_heading = "Replay")]
    pub no_delay: bool,

    /// Fail on purpose, to test clients: cut-after=N, stall-after=N,
    /// error-after=N, status=CODE[,retry-after=SECS], reset; add ,every=N to
    /// fail the first request and every Nth after it only (repeatable)
    ///
    /// cut-after=N drops the connection after N chunks, with no end marker;
    /// stall-after=N keeps it open and sends nothing more; error-after=N
    /// sends the API's own in-stream error event; status=CODE answers with
    /// that status and the API's error body (with Retry-After); reset
    /// resets the connection (TCP RST) before answering.
    #[arg(long = "fault", value_name = "FAULT", help_heading = "Faults")]
    pub faults: Vec<String>,

    /// Log nothing but errors (no line per request)
    #[arg(short = 's', long)]
    pub silent: bool,
}

/// What `--generate` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Generate {
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
    /// The man page, roff
    Man,
    /// The man page of ssecat serve, roff
    ManServe,
    /// The man page of ssecat bench, roff
    ManBench,
}

/// When to colour the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless the NO_COLOR environment variable is set
    Auto,
    Always,
    Never,
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
    /// The LLM answer text, printed as its deltas arrive
    Text,
    /// One JSON object at the end: the assembled LLM response (text, tool calls, usage, …)
    Final,
    /// The received bytes, untouched
    Raw,
}

impl Cli {
    /// Parses `args` (the program's name first). `--reconnect N` is read as
    /// `--reconnect=N`: the `=` is needed only so that `--reconnect URL`
    /// stays unlimited, and no URL, FILE or item is a bare number.
    pub fn from_args(args: impl IntoIterator<Item = OsString>) -> Result<Cli, clap::Error> {
        let mut joined: Vec<OsString> = Vec::new();
        let mut args = args.into_iter().peekable();
        while let Some(arg) = args.next() {
            if arg == "--" {
                joined.push(arg);
                joined.extend(args);
                break;
            }
            let count = args
                .peek()
                .and_then(|next| next.to_str())
                .filter(|next| !next.is_empty() && next.bytes().all(|b| b.is_ascii_digit()))
                .map(str::to_owned);
            match count {
                Some(count) if arg == "--reconnect" => {
                    joined.push(format!("--reconnect={count}").into());
                    args.next();
                }
                _ => joined.push(arg),
            }
        }
        Cli::try_parse_from(joined)
    }

    /// The output format, with the shorthand flags applied.
    pub fn format(&self) -> Format {
        if self.jsonl {
            Format::Jsonl
        } else if self.text {
            Format::Text
        } else if self.raw {
            Format::Raw
        } else if let Some(format) = self.format {
            format
        } else if self.extract.is_some() {
            Format::Text
        } else {
            Format::Sse
        }
    }

    /// The first option given that only --text and --format final use.
    pub fn llm_option(&self) -> Option<&'static str> {
        [
            (self.dialect.is_some(), "--dialect"),
            (self.extract.is_some(), "--extract"),
            (self.reasoning, "--reasoning"),
        ]
        .into_iter()
        .find_map(|(given, flag)| given.then_some(flag))
    }

    /// The first request or timing option given: only a URL can use them.
    pub fn request_option(&self) -> Option<&'static str> {
        [
            (self.request.method.is_some(), "--request"),
            (!self.request.headers.is_empty(), "--header"),
            (self.request.data.is_some(), "--data"),
            (self.request.json.is_some(), "--json"),
            (self.request.prompt.is_some(), "--prompt"),
            (self.request.data_raw.is_some(), "--data-raw"),
            (self.request.user_agent.is_some(), "--user-agent"),
            (self.request.referer.is_some(), "--referer"),
            (self.request.bearer.is_some(), "--bearer"),
            (self.request.user.is_some(), "--user"),
            (self.request.last_event_id.is_some(), "--last-event-id"),
            (self.request.proxy.is_some(), "--proxy"),
            (self.request.insecure, "--insecure"),
            (self.request.cacert.is_some(), "--cacert"),
            (self.request.location, "--location"),
            (self.request.connect_timeout.is_some(), "--connect-timeout"),
            (self.request.idle_timeout.is_some(), "--idle-timeout"),
            (self.request.max_time.is_some(), "--max-time"),
            (self.reconnect.is_some(), "--reconnect"),
            (self.record.is_some(), "--record"),
            (self.include, "--include"),
        ]
        .into_iter()
        .find_map(|(given, flag)| given.then_some(flag))
    }
}

/// The long help of -L, naming the headers of credentials it drops.
fn location_long_help() -> String {
    format!(
        "Follow redirects\n\n\
         Credential headers ({}) and every header whose value came from env: are not sent \
         on to another origin. 303, and 301 or 302 after a POST, continue as a GET without \
         body.",
        secrets::request_in_words()
    )
}

/// The long help of -v, naming the headers it masks.
fn verbose_long_help() -> String {
    format!(
        "Show the request and response heads on standard error\n\n\
         curl style, in > and < lines. Masked: the values of {}, {} and every header from \
         env:, and query parameters such as key= and token=.",
        secrets::REQUEST.join(", "),
        secrets::RESPONSE
    )
}

/// `--dialect`'s values: the dialects, by name, each with what speaks it
/// (the dialects themselves know nothing of the command line).
impl ValueEnum for Dialect {
    fn value_variants<'a>() -> &'a [Self] {
        &Dialect::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()).help(self.about()))
    }
}

/// The long help of --dialect: its summary, then each dialect with its own
/// description, as clap lists the possible values of other options.
fn dialect_long_help() -> String {
    // One paragraph, not a list: the man page would run a list's lines together.
    let values: Vec<String> = Dialect::ALL
        .iter()
        .map(|dialect| format!("{}: {}", dialect.name(), dialect.about()))
        .collect();
    format!(
        "The LLM stream format, instead of detecting it\n\n\
         For --text, --format final and the text key of --jsonl. By default the \
         dialect is detected from the stream.\n\n\
         Possible values: {}.",
        values.join("; ")
    )
}

/// Parses a positive, finite number of seconds, fractions allowed.
fn parse_seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    // From a millisecond to about 30 years: shorter rounds to nothing, longer
    // overflows a deadline.
    if seconds.is_nan() || !(0.001..=1e9).contains(&seconds) {
        return Err("must be between 0.001 and 1000000000 seconds".to_owned());
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Parses a temperature: a finite number, 0 or more.
fn parse_temperature(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(temperature) if temperature.is_finite() && temperature >= 0.0 => Ok(temperature),
        _ => Err(format!(
            "{text:?} is not a temperature (a number, 0 or more)"
        )),
    }
}

/// Parses a rate or factor: a positive, finite number.
fn parse_rate(text: &str) -> Result<f64, String> {
    // Bounded so that the times made from it (1/rate, a wait divided by a
    // speed) stay within what a clock can count.
    match text.parse::<f64>() {
        Ok(rate) if (1e-3..=1e6).contains(&rate) => Ok(rate),
        _ => Err(format!("{text:?} is not a number from 0.001 to 1000000")),
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
    fn serve_and_its_namesakes() {
        let parse = |args: &[&str]| Cli::try_parse_from([&["ssecat"], args].concat());
        let serve = parse(&["serve", "--text", "hi"]).unwrap();
        assert!(
            matches!(serve.command, Some(Command::Serve(ref args)) if args.text.as_deref() == Some("hi"))
        );
        for namesake in [["./serve"], ["http://serve"], ["./bench"]] {
            let cli = parse(&namesake).unwrap();
            assert!(cli.command.is_none());
            assert_eq!(cli.first.as_deref(), Some(namesake[0]));
        }
        let method_first = parse(&["GET", "http://serve"]).unwrap();
        assert_eq!(method_first.words, ["http://serve"]);
        assert!(
            parse(&["serve"]).is_err(),
            "serve needs --text or a recording"
        );
        assert!(parse(&["--text", "serve", "--text", "hi"]).is_err());
    }

    #[test]
    fn reconnect_takes_a_count_after_a_space_or_an_equals_sign() {
        let reconnect = |args: &[&str]| {
            let args = ["ssecat"].iter().chain(args).map(OsString::from);
            Cli::from_args(args).unwrap().reconnect
        };
        assert_eq!(reconnect(&["--reconnect", "3", ":8080/e"]), Some(Some(3)));
        assert_eq!(reconnect(&["--reconnect=3", ":8080/e"]), Some(Some(3)));
        assert_eq!(reconnect(&["--reconnect", ":8080/e"]), Some(None));
        assert_eq!(reconnect(&[":8080/e", "--reconnect"]), Some(None));
        assert_eq!(reconnect(&[":8080/e"]), None);
        // After --, a number is a word like any other.
        let cli = Cli::from_args(["ssecat", "--reconnect", "--", "u", "3"].map(OsString::from));
        assert_eq!(cli.unwrap().words, ["3"]);
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
    fn seconds_take_fractions_and_must_be_positive() {
        assert_eq!(parse_seconds("0.25"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_seconds("3"), Ok(Duration::from_secs(3)));
        for bad in [
            "0", "-1", "abc", "", "nan", "inf", "1e300", "1e19", "1e-300", "0.0001",
        ] {
            assert!(parse_seconds(bad).is_err(), "{bad:?} was accepted");
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
