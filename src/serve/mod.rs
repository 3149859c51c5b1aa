//! `ssecat serve`: an HTTP/1.1 server that answers as LLM streaming APIs
//! do (`synth.rs`) or replays recorded streams with their timing
//! (`replay.rs`), and fails on purpose when asked (`fault.rs`). It runs on
//! the caller's runtime, logs through the sink it is given, and stops when
//! the caller's future says so: no process-wide state.

mod body;
mod clock;
pub mod fault;
mod log;
mod replay;
mod reply;
mod reset;
mod synth;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::time::Instant;
use tokio::net::TcpListener;

use crate::extract::wire::{self, Api};
use body::Paced;
use clock::Clock;
use fault::{Fault, Kind};
use log::Entry;
use reply::Reply;
use reset::Resettable;

pub use log::Sink;
pub use replay::{Replays, Timing as ReplayTiming};
pub use synth::{Pace, Synthesis};

/// The largest request body read; a bigger one is answered 413.
const MAX_REQUEST_BODY: usize = 64 << 20;

/// What the server answers with.
pub enum Answers {
    /// `--text`: every API, made up from one text.
    Synthesized(Synthesis),
    /// Recordings and stream files.
    Replayed(Replays),
}

/// Everything a server needs.
pub struct Server {
    pub answers: Answers,
    pub faults: Vec<Fault>,
    pub log: Sink,
}

/// Serves `listener` until `stop` completes. Connections still open are
/// left to the caller, whose runtime ends them. Fails only when the
/// clock's thread cannot be started.
pub async fn run(
    listener: TcpListener,
    server: Server,
    stop: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let shared = Arc::new(Shared {
        server,
        requests: AtomicU64::new(0),
        clock: Clock::start()?,
    });
    tokio::pin!(stop);
    loop {
        let accepted = tokio::select! {
            biased;
            () = &mut stop => return Ok(()),
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(err) => {
                // Out of file descriptors, most likely: let some close.
                shared.say(format!("ssecat: warning: accepting a connection: {err}"));
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // Small chunks go at once, not when the last one is acknowledged.
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let reset = Arc::new(AtomicBool::new(false));
            let io = TokioIo::new(Resettable::new(stream, Arc::clone(&reset)));
            let service = service_fn(move |request| {
                let shared = Arc::clone(&shared);
                let reset = Arc::clone(&reset);
                async move { shared.respond(request, peer, &reset).await }
            });
            // A client that goes away mid-answer is no error of the server's.
            let _ = http1::Builder::new().serve_connection(io, service).await;
        });
    }
}

/// What every connection's requests share.
struct Shared {
    server: Server,
    /// Sends each chunk at its time.
    clock: Clock,
    /// Requests so far, for `--fault …,every=N`.
    requests: AtomicU64,
}

/// The error that makes hyper drop a connection, which a zero linger
/// turns into a reset.
#[derive(Debug)]
struct ResetOnPurpose;

impl std::fmt::Display for ResetOnPurpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("reset on purpose (--fault reset)")
    }
}

impl std::error::Error for ResetOnPurpose {}

impl Shared {
    fn say(&self, line: String) {
        if let Some(sink) = &self.server.log {
            sink(line);
        }
    }

    async fn respond(
        &self,
        request: Request<Incoming>,
        peer: SocketAddr,
        reset: &AtomicBool,
    ) -> Result<Response<Paced>, ResetOnPurpose> {
        let start = Instant::now();
        let number = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        let (parts, body) = request.into_parts();
        let path_and_query = parts
            .uri
            .path_and_query()
            .map_or("/", |path| path.as_str())
            .to_owned();
        let mut entry = Entry::new(
            self.server.log.clone(),
            peer,
            parts.method.as_str(),
            &path_and_query,
        );
        let fault = fault::for_request(&self.server.faults, number);
        if fault == Some(Kind::Reset) {
            entry.faulted(Kind::Reset);
            entry.ended("reset");
            reset.store(true, Ordering::Relaxed);
            return Err(ResetOnPurpose);
        }
        let body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
            Ok(body) => body.to_bytes(),
            Err(_) => {
                let reply = Reply::error(413, "the request body is over 64 MiB, or broke off");
                return Ok(respond_with(reply, start, self.clock.clone(), entry));
            }
        };
        let reply = match &self.server.answers {
            Answers::Synthesized(synthesis) => match wire_api(&parts.method, parts.uri.path()) {
                Ok(api) => {
                    entry.answered_by(api.dialect().name());
                    synthesis.reply(api, &path_and_query, &body, fault, number)
                }
                Err(reply) => reply,
            },
            Answers::Replayed(replays) => {
                let (reply, name) = replays.reply(&parts, fault);
                entry.answered_by(name);
                reply
            }
        };
        if let Some(fault) = fault {
            entry.faulted(fault);
        }
        // The clock, not tokio's timer: that one would hold even a head due
        // now until its next millisecond.
        self.clock.until(start + reply.head_at).await;
        Ok(respond_with(reply, start, self.clock.clone(), entry))
    }
}

/// The API a synthesized request names, or the reply that says it names none.
fn wire_api(method: &hyper::Method, path: &str) -> Result<Api, Reply> {
    let Some(api) = Api::for_path(path) else {
        return Err(Reply::error(
            404,
            &format!("ssecat serve: no API at {path}; try POST {}", wire::PATHS),
        ));
    };
    if method != hyper::Method::POST {
        return Err(Reply::error(
            405,
            &format!("ssecat serve: {path} takes POST, not {method}"),
        ));
    }
    Ok(api)
}

/// The response: the reply's status and headers, and its body as its
/// script says.
fn respond_with(reply: Reply, start: Instant, clock: Clock, mut entry: Entry) -> Response<Paced> {
    let Reply {
        status,
        headers,
        head_at: _,
        script,
    } = reply;
    entry.status(status);
    let mut response = Response::new(Paced::new(script, start, clock, entry));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().extend(headers);
    response
}
