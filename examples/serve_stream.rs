//! A fast static SSE server on 127.0.0.1, for the HTTP benchmark
//! (`benches/http.sh`): `serve_stream PORT [--exit-after SECS]`.
//!
//! Routes (plain HTTP/1.1, chunked bodies, as SSE servers send them):
//! - `/openai?mib=N`: a generated OpenAI-style stream of at least N MiB
//!   (about 290 bytes an event), ending with `data: [DONE]`, in 64 KiB body
//!   frames as fast as the client reads. Generated on first request for a
//!   size, then served from memory.
//! - `/large?mib=N`: N MiB of events whose data is about 64 KiB each, one
//!   event per 64 KiB frame, then `data: [DONE]`.
//! - `/multiline?mib=N`: at least N MiB of big multi-line events (64 KiB to
//!   1 MiB each, many short `data:` lines; `benches/support/multiline_stream.rs`)
//!   in 64 KiB body frames, then `data: [DONE]`.
//! - `/latency?n=N&gap_ms=M[&start_ms=S]`: after S ms (default 0, time for
//!   the client's reader to start), N small events, one every M ms, each
//!   `data: <unix-epoch nanoseconds>` with the clock read the moment hyper
//!   asks for the frame (just before it is written), each flushed on its own,
//!   then `data: [DONE]`.
//!
//! Only ever binds 127.0.0.1; PORT 0 picks a free port. The address is
//! printed to stderr as `serve_stream: listening on 127.0.0.1:PORT`.
//! With `--exit-after SECS` it exits by itself.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::time::{Instant, Sleep};

#[path = "../benches/support/multiline_stream.rs"]
mod multiline_stream;
#[path = "../benches/support/openai_stream.rs"]
mod openai_stream;

/// Body frame size for the bulk routes.
const FRAME: usize = 64 * 1024;
const DONE: &[u8] = b"data: [DONE]\n\n";

/// OpenAI-style streams already generated, by size in MiB.
type Cache = Arc<Mutex<HashMap<usize, Bytes>>>;

/// A response body that is produced as hyper asks for it.
enum StreamBody {
    /// `data` in frames of at most `FRAME` bytes, from `pos` on.
    Slices { data: Bytes, pos: usize },
    /// `block` in frames of at most `FRAME` bytes from `pos` on, then
    /// `left` more times, then `[DONE]`.
    Cycle {
        block: Bytes,
        pos: usize,
        left: usize,
    },
    /// `frame` another `left` times, then `[DONE]`.
    Repeat { frame: Bytes, left: usize },
    /// `left` timestamp events, the next one when `sleep` fires.
    Latency {
        left: usize,
        gap: Duration,
        sleep: Pin<Box<Sleep>>,
    },
    /// Nothing more to send.
    End,
}

impl Body for StreamBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        let chunk = match this {
            StreamBody::Slices { data, pos } => {
                let end = data.len().min(*pos + FRAME);
                let chunk = data.slice(*pos..end);
                *pos = end;
                if end == data.len() {
                    *this = StreamBody::End;
                }
                chunk
            }
            StreamBody::Cycle { block, pos, left } => {
                if *pos == block.len() {
                    if *left == 0 {
                        *this = StreamBody::End;
                        return Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(DONE)))));
                    }
                    *left -= 1;
                    *pos = 0;
                }
                let end = block.len().min(*pos + FRAME);
                let chunk = block.slice(*pos..end);
                *pos = end;
                chunk
            }
            StreamBody::Repeat { left: 0, .. } => {
                *this = StreamBody::End;
                Bytes::from_static(DONE)
            }
            StreamBody::Repeat { frame, left } => {
                *left -= 1;
                frame.clone()
            }
            StreamBody::Latency { left: 0, .. } => {
                *this = StreamBody::End;
                Bytes::from_static(DONE)
            }
            StreamBody::Latency { left, gap, sleep } => {
                if sleep.as_mut().poll(cx).is_pending() {
                    // hyper flushes what it holds when the body is pending,
                    // so every event goes out on its own.
                    return Poll::Pending;
                }
                *left -= 1;
                // The next one a full gap after this one, never in a burst
                // to catch up after a late wake-up.
                sleep.as_mut().reset(Instant::now() + *gap);
                let nanos = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos());
                Bytes::from(format!("data: {nanos}\n\n"))
            }
            StreamBody::End => return Poll::Ready(None),
        };
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, StreamBody::End)
    }
}

/// The value of `key` in a query string like `mib=200&x=1`.
fn param(query: &str, key: &str) -> Option<usize> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| v.parse().ok())
}

fn sse(body: StreamBody) -> Response<StreamBody> {
    Response::builder()
        .header("content-type", "text/event-stream")
        .header("cache-control", "no-cache")
        .body(body)
        .expect("static response parts are valid")
}

fn not_found() -> Response<StreamBody> {
    let message = "routes: /openai?mib=N, /large?mib=N, /multiline?mib=N, /latency?n=N&gap_ms=M\n";
    Response::builder()
        .status(StatusCode::NOT_FOUND)
        .header("content-type", "text/plain")
        .body(StreamBody::Slices {
            data: Bytes::from_static(message.as_bytes()),
            pos: 0,
        })
        .expect("static response parts are valid")
}

/// One event of about `FRAME` bytes: `data: ` + letters + a blank line.
fn large_event() -> Bytes {
    let mut event = Vec::with_capacity(FRAME);
    event.extend_from_slice(b"data: ");
    let payload = FRAME - event.len() - 2;
    event.extend((0..payload).map(|i| b'a' + (i % 26) as u8));
    event.extend_from_slice(b"\n\n");
    Bytes::from(event)
}

fn openai(cache: &Cache, mib: usize) -> Bytes {
    let mut cache = cache.lock().unwrap_or_else(|poison| poison.into_inner());
    cache
        .entry(mib)
        .or_insert_with(|| Bytes::from(openai_stream::generate(mib << 20).0))
        .clone()
}

fn route(request: &Request<Incoming>, cache: &Cache) -> Response<StreamBody> {
    let query = request.uri().query().unwrap_or("");
    match request.uri().path() {
        "/openai" => {
            let data = openai(cache, param(query, "mib").unwrap_or(1));
            sse(StreamBody::Slices { data, pos: 0 })
        }
        "/large" => {
            let mib = param(query, "mib").unwrap_or(1);
            sse(StreamBody::Repeat {
                frame: large_event(),
                left: (mib << 20) / FRAME,
            })
        }
        "/multiline" => {
            let block = Bytes::from(multiline_stream::block());
            let mib = param(query, "mib").unwrap_or(1);
            let rounds = (mib << 20).div_ceil(block.len()).max(1);
            sse(StreamBody::Cycle {
                pos: 0,
                left: rounds - 1,
                block,
            })
        }
        "/latency" => {
            let ms =
                |key, default| Duration::from_millis(param(query, key).unwrap_or(default) as u64);
            let gap = ms("gap_ms", 1);
            sse(StreamBody::Latency {
                left: param(query, "n").unwrap_or(1000),
                gap,
                sleep: Box::pin(tokio::time::sleep(ms("start_ms", 0) + gap)),
            })
        }
        _ => not_found(),
    }
}

fn usage() -> ! {
    eprintln!("usage: serve_stream PORT [--exit-after SECS]");
    std::process::exit(2);
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (port, exit_after) = match args.as_slice() {
        [port] => (port, None),
        [port, flag, secs] if flag == "--exit-after" => (port, Some(secs)),
        _ => usage(),
    };
    let port: u16 = port.parse().unwrap_or_else(|_| usage());
    let exit_after: Option<u64> = exit_after.map(|s| s.parse().unwrap_or_else(|_| usage()));

    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
    eprintln!("serve_stream: listening on {}", listener.local_addr()?);
    if let Some(secs) = exit_after {
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(secs)).await;
            eprintln!("serve_stream: --exit-after {secs} s reached, exiting");
            std::process::exit(0);
        });
    }

    let cache = Cache::default();
    loop {
        let (stream, _) = listener.accept().await?;
        // Small events must not wait for Nagle.
        stream.set_nodelay(true)?;
        let cache = cache.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request: Request<Incoming>| {
                let response = route(&request, &cache);
                async move { Ok::<_, Infallible>(response) }
            });
            // A client that hangs up mid-stream is not an error worth printing.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
