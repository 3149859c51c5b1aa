//! A load client that measures the timing of `ssecat serve`, for
//! `benches/serve.sh`: `serve_timing ADDR PATH --streams N --ttft MS --itl MS`.
//!
//! It opens N connections, waits until all are open, then writes the same
//! HTTP/1.1 request on each at about the same time (the hard case: every
//! stream's chunks fall due together). Each connection's clock starts when
//! its request has been written. Responses are read raw: the chunked
//! transfer-encoding framing is parsed and each chunk is timed by the read
//! that completed it (`Instant::now()` right after the read returns), so no
//! HTTP library sits between the socket and the clock.
//!
//! A chunk carries text when it contains `--carries` (every chunk if empty).
//! Over all streams it reports the quantiles of |error| in ms for:
//! - TTFT: first text chunk − request written − `--ttft`;
//! - gap: time between two text chunks − `--itl`;
//! - offset: text chunk k − request written − (`--ttft` + k·`--itl`), the
//!   error against the schedule (for replays: against the recording).
//!
//! One line per run: a table row (`--row`) or a short report.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use hdrhistogram::Histogram;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Barrier;
use tokio::time::Instant;

#[derive(Parser)]
struct Args {
    /// The server, ADDR:PORT.
    addr: SocketAddr,
    /// The request's path, e.g. /completion or /v1/chat/completions.
    path: String,
    #[arg(long, default_value = "POST")]
    method: String,
    /// The request body (JSON), sent with POST.
    #[arg(long, default_value = "")]
    body: String,
    /// Concurrent streams.
    #[arg(long, default_value_t = 1)]
    streams: usize,
    /// The server's --ttft, in ms.
    #[arg(long)]
    ttft: f64,
    /// The server's --itl, in ms.
    #[arg(long)]
    itl: f64,
    /// What a chunk that carries text contains, e.g. `"stop":false`.
    #[arg(long, default_value = "")]
    carries: String,
    /// Text chunks a complete stream has (0: any number).
    #[arg(long, default_value_t = 0)]
    chunks: usize,
    /// Wait this long (ms) after every stream is connected before the
    /// requests go, so that the server has accepted them all: then only the
    /// requests come in a burst, not the connections too.
    #[arg(long, default_value_t = 0)]
    settle: u64,
    /// Worker threads of the client's runtime (0: one thread, no workers).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Print one table row: streams, completed, then p50 p90 p99 max of
    /// TTFT, gap and offset errors.
    #[arg(long)]
    row: bool,
}

/// What one stream saw: when each text chunk came, from the request.
struct Trace {
    text_at: Vec<Duration>,
    /// The response ended as HTTP says (the last chunk), not cut.
    ended: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match args.threads {
        0 => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        threads => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build(),
    }
    .expect("a tokio runtime");
    let traces = runtime.block_on(run(&args));
    report(&args, &traces)
}

async fn run(args: &Args) -> Vec<Result<Trace, String>> {
    let body = if args.method == "GET" { "" } else { &args.body };
    let request = format!(
        "{} {} HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        args.method,
        args.path,
        args.addr,
        body.len()
    );
    let request: Arc<[u8]> = Arc::from(request.into_bytes());
    let barrier = Arc::new(Barrier::new(args.streams));
    let carries: Arc<[u8]> = Arc::from(args.carries.as_bytes());
    let tasks: Vec<_> = (0..args.streams)
        .map(|_| {
            let (request, barrier, carries) = (request.clone(), barrier.clone(), carries.clone());
            let (addr, chunks, settle) = (args.addr, args.chunks, args.settle);
            tokio::spawn(async move {
                // Connect first, and only write once every stream is open.
                let stream = TcpStream::connect(addr).await;
                barrier.wait().await;
                tokio::time::sleep(Duration::from_millis(settle)).await;
                let stream = stream.map_err(|err| format!("connecting: {err}"))?;
                stream.set_nodelay(true).map_err(|err| err.to_string())?;
                one(stream, &request, &carries, chunks).await
            })
        })
        .collect();
    let mut traces = Vec::with_capacity(tasks.len());
    for task in tasks {
        traces.push(task.await.unwrap_or_else(|err| Err(err.to_string())));
    }
    traces
}

/// Sends the request on `stream` and times the chunks of the answer.
async fn one(
    mut stream: TcpStream,
    request: &[u8],
    carries: &[u8],
    chunks: usize,
) -> Result<Trace, String> {
    stream
        .write_all(request)
        .await
        .map_err(|err| format!("writing: {err}"))?;
    let start = Instant::now();
    let mut text_at = Vec::with_capacity(chunks);
    let mut framing = Chunked::default();
    let mut buf = vec![0; 8 << 10];
    loop {
        let n = stream
            .read(&mut buf)
            .await
            .map_err(|err| format!("reading: {err}"))?;
        let now = Instant::now();
        if n == 0 {
            return Ok(Trace {
                text_at,
                ended: false,
            });
        }
        let mut text_chunks = 0;
        framing.feed(&buf[..n], |chunk| {
            if carries.is_empty() || memchr::memmem::find(chunk, carries).is_some() {
                text_chunks += 1;
            }
        })?;
        // Every chunk this read completed came at this read's time.
        text_at.extend(std::iter::repeat_n(now - start, text_chunks));
        if framing.state == State::Done {
            return Ok(Trace {
                text_at,
                ended: true,
            });
        }
    }
}

/// Where the reader is in an HTTP/1.1 response with a chunked body.
#[derive(Debug, Default, PartialEq)]
enum State {
    /// In the status line and headers.
    #[default]
    Head,
    /// In a chunk-size line.
    Size,
    /// In a chunk's data, with this many bytes to go.
    Data(usize),
    /// In the line end after a chunk's data.
    DataEnd,
    /// After the last (zero) chunk, in the trailer.
    Trailer,
    Done,
}

/// The chunked framing, fed as bytes come.
#[derive(Default)]
struct Chunked {
    state: State,
    /// The line being read (head, size or trailer).
    line: Vec<u8>,
    /// The data of the chunk being read.
    chunk: Vec<u8>,
    status_read: bool,
}

impl Chunked {
    /// Reads `bytes`, calling `done` with the data of each chunk completed.
    fn feed(&mut self, mut bytes: &[u8], mut done: impl FnMut(&[u8])) -> Result<(), String> {
        while !bytes.is_empty() {
            match self.state {
                State::Head | State::Size | State::Trailer => {
                    let Some(end) = memchr::memchr(b'\n', bytes) else {
                        self.line.extend_from_slice(bytes);
                        return Ok(());
                    };
                    self.line.extend_from_slice(&bytes[..=end]);
                    bytes = &bytes[end + 1..];
                    self.line_done()?;
                }
                State::Data(left) => {
                    let take = left.min(bytes.len());
                    self.chunk.extend_from_slice(&bytes[..take]);
                    bytes = &bytes[take..];
                    if take == left {
                        done(&self.chunk);
                        self.chunk.clear();
                        self.state = State::DataEnd;
                    } else {
                        self.state = State::Data(left - take);
                    }
                }
                State::DataEnd => {
                    // The CRLF after the data, one byte at a time.
                    if bytes[0] == b'\n' {
                        self.state = State::Size;
                    }
                    bytes = &bytes[1..];
                }
                State::Done => return Ok(()),
            }
        }
        Ok(())
    }

    /// Acts on the complete line in `self.line`.
    fn line_done(&mut self) -> Result<(), String> {
        let line = std::mem::take(&mut self.line);
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end();
        match self.state {
            State::Head if !self.status_read => {
                if !text.starts_with("HTTP/1.1 200") {
                    return Err(format!("the server answered {text}"));
                }
                self.status_read = true;
            }
            State::Head if text.is_empty() => self.state = State::Size,
            State::Head => {
                let lower = text.to_ascii_lowercase();
                if lower.starts_with("content-length:") {
                    return Err("the body is not chunked".to_owned());
                }
            }
            State::Size => {
                let hex = text.split(';').next().unwrap_or("").trim();
                let size = usize::from_str_radix(hex, 16)
                    .map_err(|_| format!("a bad chunk size line: {text:?}"))?;
                self.state = if size == 0 {
                    State::Trailer
                } else {
                    State::Data(size)
                };
            }
            State::Trailer if text.is_empty() => self.state = State::Done,
            _ => {}
        }
        Ok(())
    }
}

/// Errors in µs, as |error|.
fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("histogram bounds")
}

fn record(histogram: &mut Histogram<u64>, error: f64) {
    histogram.saturating_record((error.abs() * 1e6) as u64);
}

fn report(args: &Args, traces: &[Result<Trace, String>]) -> ExitCode {
    let ttft = Duration::from_secs_f64(args.ttft / 1e3).as_secs_f64();
    let itl = Duration::from_secs_f64(args.itl / 1e3).as_secs_f64();
    let (mut ttft_errors, mut gap_errors, mut offset_errors) =
        (histogram(), histogram(), histogram());
    let mut completed = 0;
    let mut failures = Vec::new();
    for trace in traces {
        let trace = match trace {
            Ok(trace) => trace,
            Err(err) => {
                failures.push(err.clone());
                continue;
            }
        };
        let whole = args.chunks == 0 || trace.text_at.len() == args.chunks;
        if trace.ended && whole {
            completed += 1;
        }
        let times: Vec<f64> = trace.text_at.iter().map(Duration::as_secs_f64).collect();
        if let Some(first) = times.first() {
            record(&mut ttft_errors, first - ttft);
        }
        for pair in times.windows(2) {
            record(&mut gap_errors, pair[1] - pair[0] - itl);
        }
        for (k, at) in times.iter().enumerate() {
            record(&mut offset_errors, at - (ttft + k as f64 * itl));
        }
    }
    let ms = |histogram: &Histogram<u64>, q: f64| histogram.value_at_quantile(q) as f64 / 1e3;
    let four = |h: &Histogram<u64>| {
        format!(
            "{:6.2} {:6.2} {:6.2} {:7.2}",
            ms(h, 0.5),
            ms(h, 0.9),
            ms(h, 0.99),
            h.max() as f64 / 1e3
        )
    };
    if args.row {
        println!(
            "{:7} {:9} | {} | {} | {}",
            args.streams,
            completed,
            four(&ttft_errors),
            four(&gap_errors),
            four(&offset_errors)
        );
    } else {
        println!(
            "{} streams, {completed} complete; |error| in ms, p50 p90 p99 max",
            args.streams
        );
        println!(
            "  TTFT   {} ({} samples)",
            four(&ttft_errors),
            ttft_errors.len()
        );
        println!(
            "  gap    {} ({} samples)",
            four(&gap_errors),
            gap_errors.len()
        );
        println!(
            "  offset {} ({} samples)",
            four(&offset_errors),
            offset_errors.len()
        );
    }
    if let Some(first) = failures.first() {
        eprintln!(
            "serve_timing: {} streams failed; the first: {first}",
            failures.len()
        );
    }
    if completed == args.streams {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
