//! The HTTP side: builds the request from the command line, sends it
//! (following redirects only when asked, and never carrying credentials to
//! another host), turns failures into [`Failure`]s and streams the body into
//! the pipeline. It never prints: what `-v` shows goes through a [`Trace`].

use std::fs;
use std::future::Future;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use reqwest::header::{self, HeaderName, HeaderValue};
use reqwest::{Client, Request, Response, StatusCode, Url};
use tokio::runtime::Runtime;
use tokio::time::Instant;

use crate::ending::Ending;
use crate::escape::escape_controls;
use crate::extract;
use crate::failure::{Failure, Status};
use crate::framing::{Framing, Unlabelled};
use crate::output::EventWriter;
use crate::pipeline::{Pipeline, Source};

mod request;

use crate::plural::plural;
use crate::signals::Interrupt;
use crate::sse::Resume;
pub use request::{RequestInput, RequestSpec};

const LAST_EVENT_ID: HeaderName = HeaderName::from_static("last-event-id");

/// EventSource's signal to stop reconnecting.
const NO_CONTENT: StatusCode = StatusCode::NO_CONTENT;

/// How much of an error response's body is shown.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// One step of the exchange: requests and responses for `-v`, and the
/// reconnections, which are always told.
pub enum Trace<'a> {
    /// The request, and the headers whose values came from the environment.
    Request(&'a Request, &'a [HeaderName]),
    Response(&'a Response),
    Reconnect {
        attempt: u32,
        max: Option<u32>,
        wait: Duration,
        reason: &'a str,
    },
    /// A 204 No Content: the server has no stream to send; with
    /// `--reconnect`, no reconnection is made.
    NoContent {
        reconnecting: bool,
    },
}

/// What `--reconnect` asks for.
#[derive(Debug, Clone, Copy)]
pub struct Reconnect {
    /// Reconnections allowed in all; unlimited when `None`.
    pub max: Option<u32>,
    /// No wait is longer, whatever `retry:`, the backoff or `Retry-After` say.
    pub max_wait: Duration,
}

/// EventSource's reconnection time when the stream sets none.
const DEFAULT_RETRY: Duration = Duration::from_secs(3);

impl Reconnect {
    /// The wait before a reconnection: the server's `Retry-After` when it
    /// gave one, else the stream's `retry:` time, doubled for each failed
    /// attempt in a row with random jitter (so clients that lost the same
    /// server do not all come back at once); never over `max_wait`.
    fn wait(&self, retry: Option<u64>, failures: u32, retry_after: Option<Duration>) -> Duration {
        let wait = retry_after.unwrap_or_else(|| {
            let base = retry.map_or(DEFAULT_RETRY, Duration::from_millis);
            if failures == 0 {
                base
            } else {
                let backoff = base.saturating_mul(1 << failures.min(20));
                // Between half and all of the backoff.
                backoff.mul_f64(0.5 + 0.5 * jitter())
            }
        });
        wait.min(self.max_wait)
    }
}

/// A number in [0, 1), different on every call: randomness enough for a
/// backoff, from the standard library's randomly keyed hasher.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let bits = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// Limits on waiting: for the next byte, and for the whole transfer.
#[derive(Clone, Copy)]
struct Limits {
    idle: Option<Duration>,
    deadline: Option<(Instant, Duration)>,
}

impl Limits {
    /// Whether `--max-time` has run out: nothing more is tried then.
    fn out_of_time(&self) -> bool {
        self.deadline.is_some_and(|(at, _)| Instant::now() >= at)
    }

    /// Waits `wait`, or fails when `--max-time` runs out first.
    async fn sleep(&self, wait: Duration) -> Result<(), Failure> {
        let only_deadline = Limits {
            idle: None,
            ..*self
        };
        only_deadline.within(tokio::time::sleep(wait)).await
    }

    /// Runs `future` unless a limit fires first.
    async fn within<T>(&self, future: impl Future<Output = T>) -> Result<T, Failure> {
        let idle = self
            .idle
            .map(|idle| (Instant::now() + idle, Limit::Idle(idle)));
        let whole = self.deadline.map(|(at, total)| (at, Limit::Whole(total)));
        let first = match (idle, whole) {
            (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
            (a, b) => a.or(b),
        };
        match first {
            None => Ok(future.await),
            Some((at, limit)) => tokio::time::timeout_at(at, future)
                .await
                .map_err(|_| limit.failure()),
        }
    }

    /// The failure of a `--max-time` that ran out.
    fn out_of_time_failure(&self) -> Option<Failure> {
        let (_, total) = self.deadline?;
        self.out_of_time().then(|| Limit::Whole(total).failure())
    }
}

/// A limit on waiting that fired.
enum Limit {
    /// `--idle-timeout`: no byte for this long.
    Idle(Duration),
    /// `--max-time`: the whole transfer.
    Whole(Duration),
}

impl Limit {
    fn failure(self) -> Failure {
        let seconds = |limit: Duration| limit.as_secs_f64();
        match self {
            Limit::Idle(limit) => Failure::IdleTimeout(format!(
                "timed out: no data arrived for {} s (--idle-timeout)",
                seconds(limit)
            )),
            Limit::Whole(limit) => Failure::Timeout(format!(
                "timed out: the transfer took longer than {} s (--max-time)",
                seconds(limit)
            )),
        }
    }
}

/// Whether `err` is `--idle-timeout` firing or an empty reply.
fn is_lost_before_head(err: &anyhow::Error) -> bool {
    matches!(
        err.downcast_ref::<Failure>(),
        Some(Failure::IdleTimeout(_) | Failure::EmptyReply(_))
    )
}

/// A response that is streaming: the body is read chunk by chunk as it
/// arrives, and with `--reconnect` the request is sent again when it ends.
pub struct HttpSource<'t> {
    runtime: Runtime,
    response: Response,
    limits: Limits,
    framing: Framing,
    resend: Resend<'t>,
    reconnect: Option<Reconnect>,
    /// Reconnections made so far, waiting for the first response among them.
    attempts: u32,
}

/// What sending the request again takes.
struct Resend<'t> {
    client: Client,
    /// `--strict`, and whether with `--ndjson`: checked on every response.
    strict: Option<bool>,
    spec: RequestSpec,
    max_redirects: Option<u32>,
    trace: &'t mut dyn FnMut(Trace<'_>),
}

impl HttpSource<'_> {
    /// How the body is framed, from its content type.
    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// The response's content type, for messages; `None` when it has none.
    pub fn content_type(&self) -> Option<String> {
        content_type(&self.response)
    }
}

impl Source for HttpSource<'_> {
    fn drive<W: Write, E: EventWriter>(
        self,
        pipeline: &mut Pipeline<'_, W, E>,
        mut interrupt: Interrupt,
    ) -> anyhow::Result<Ending> {
        let HttpSource {
            runtime,
            mut response,
            limits,
            mut resend,
            reconnect,
            mut attempts,
            ..
        } = self;
        let stream = async {
            loop {
                if response.status() == NO_CONTENT {
                    // EventSource's signal to stop reconnecting: the stream is over.
                    (resend.trace)(Trace::NoContent {
                        reconnecting: reconnect.is_some(),
                    });
                    return Ok(Ending::EndOfInput);
                }
                let read = stream_body(&mut response, pipeline, limits).await;
                let Some(policy) = reconnect else {
                    return read;
                };
                let Some(reason) = reconnect_reason(&read, limits) else {
                    // A stream the server ended as --max-time ran out is
                    // not followed any further: that is the timeout.
                    if let (Ok(Ending::EndOfInput | Ending::Unfinished { .. }), Some(failure)) =
                        (&read, limits.out_of_time_failure())
                    {
                        return Err(failure.into());
                    }
                    return read;
                };
                pipeline.restart()?;
                let resume = pipeline.resume().clone();
                response = resend
                    .reconnect(&policy, &mut attempts, reason, &resume, limits)
                    .await?;
                // A 204 ends the stream, --strict or not.
                if let (Some(ndjson), false) = (resend.strict, response.status() == NO_CONTENT) {
                    strict_check(&response, ndjson)?;
                }
            }
        };
        runtime.block_on(async {
            tokio::select! {
                ending = stream => ending,
                signal = interrupt.wait() => Err(Failure::Interrupted(signal).into()),
            }
        })
    }
}

/// Pushes a response's body through the pipeline until it ends.
async fn stream_body<W: Write, E: EventWriter>(
    response: &mut Response,
    pipeline: &mut Pipeline<'_, W, E>,
    limits: Limits,
) -> anyhow::Result<Ending> {
    loop {
        let chunk = limits.within(response.chunk()).await?;
        match chunk {
            Ok(Some(bytes)) => {
                if pipeline.push(&bytes, std::time::Instant::now())?.is_break() {
                    return Ok(Ending::Done);
                }
            }
            Ok(None) => return pipeline.finish(),
            Err(err) if is_connection_error(&err) => {
                let message = format!("connection lost mid-stream: {}", cause_chain(err));
                return Err(Failure::CutShort(message).into());
            }
            Err(err) => {
                let message = format!(
                    "the response body could not be decompressed: {}",
                    cause_chain(err)
                );
                return Err(anyhow::anyhow!(message));
            }
        }
    }
}

/// Why a stream that ended this way is worth reconnecting to, if it is: not
/// after its end marker, an error of ssecat's own, or `--max-time`.
fn reconnect_reason(read: &anyhow::Result<Ending>, limits: Limits) -> Option<String> {
    if limits.out_of_time() {
        return None;
    }
    match read {
        Ok(Ending::Done) => None,
        Ok(Ending::EndOfInput) => Some("the server ended the stream".to_owned()),
        Ok(Ending::Unfinished { bytes }) => Some(format!(
            "the server ended the stream inside an event ({bytes} bytes dropped)"
        )),
        Err(err) => match err.downcast_ref::<Failure>()? {
            failure @ (Failure::CutShort(_) | Failure::Timeout(_) | Failure::IdleTimeout(_)) => {
                Some(failure.to_string())
            }
            _ => None,
        },
    }
}

/// Whether a failed reconnection is tried again, why, and after what the
/// server asked: connection failures, timeouts and 5xx are; of the 4xx,
/// only 408 and 429.
fn retry_on(err: &anyhow::Error, limits: Limits) -> Option<(String, Option<Duration>)> {
    if limits.out_of_time() {
        return None;
    }
    match err.downcast_ref::<Failure>()? {
        failure @ Failure::Status(status) if matches!(status.code, 408 | 429 | 500..=599) => {
            Some((failure.to_string(), status.retry_delay))
        }
        failure @ (Failure::Connect(_)
        | Failure::EmptyReply(_)
        | Failure::Timeout(_)
        | Failure::IdleTimeout(_)) => Some((failure.to_string(), None)),
        _ => None,
    }
}

impl Resend<'_> {
    /// Sends the request again, resuming after `last_event_id`.
    async fn send(&mut self, last_event_id: &str, limits: Limits) -> anyhow::Result<Response> {
        let mut spec = self.spec.clone();
        // Only a last event ID that is not empty is sent, as EventSource
        // does: an event that reset it (or dispatched none) removes even
        // the --last-event-id the first request sent.
        spec.headers.remove(LAST_EVENT_ID);
        if let Ok(id) = HeaderValue::from_str(last_event_id) {
            if !last_event_id.is_empty() {
                spec.headers.insert(LAST_EVENT_ID, id);
            }
        }
        send(&self.client, spec, limits, self.max_redirects, self.trace).await
    }

    /// Reconnects after `reason`: waits as `policy` and the stream's
    /// `retry` say, then sends the request again, until a response comes,
    /// `policy.max` reconnections (counted in `attempts`) have been made, or
    /// a failure is not worth another try.
    async fn reconnect(
        &mut self,
        policy: &Reconnect,
        attempts: &mut u32,
        mut reason: String,
        resume: &Resume,
        limits: Limits,
    ) -> anyhow::Result<Response> {
        let mut failures = 0;
        let mut retry_after = None;
        loop {
            if policy.max.is_some_and(|max| *attempts >= max) {
                let made = plural(*attempts, "reconnection");
                let message = format!("gave up after {made}: {reason}");
                return Err(Failure::CutShort(message).into());
            }
            *attempts += 1;
            let wait = policy.wait(resume.retry, failures, retry_after);
            (self.trace)(Trace::Reconnect {
                attempt: *attempts,
                max: policy.max,
                wait,
                reason: &reason,
            });
            limits.sleep(wait).await?;
            match self.send(&resume.last_event_id, limits).await {
                Ok(response) => return Ok(response),
                Err(err) => match retry_on(&err, limits) {
                    Some((why, after)) => {
                        failures += 1;
                        retry_after = after;
                        reason = why;
                    }
                    None => return Err(err),
                },
            }
        }
    }
}

/// reqwest reports every body error as a decode error: one that hyper (the
/// connection) raised is a lost connection, any other a body that does not
/// decompress.
fn is_connection_error(err: &reqwest::Error) -> bool {
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        if cause.is::<hyper::Error>() {
            return true;
        }
        source = cause.source();
    }
    false
}

/// How to connect: TLS, proxy, the connect timeout.
#[derive(Debug, Clone, Default)]
pub struct Connect {
    /// Do not verify the server's certificate (`-k`).
    pub insecure: bool,
    /// Trust the CA certificates of this PEM file too.
    pub cacert: Option<PathBuf>,
    /// This proxy, instead of the environment's.
    pub proxy: Option<String>,
    pub connect_timeout: Option<Duration>,
}

/// How long to wait, what to follow and when to send again.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Give up when no byte arrives for this long.
    pub idle_timeout: Option<Duration>,
    /// Give up when the whole transfer takes longer.
    pub max_time: Option<Duration>,
    /// Follow redirects, at most this many; none are followed when `None`.
    pub max_redirects: Option<u32>,
    pub reconnect: Option<Reconnect>,
    /// `--strict`, and whether the stream must be JSON lines (`--ndjson`).
    pub strict: Option<bool>,
}

/// A request checked and ready to send, with its client and runtime. Built
/// before anything is created or sent, so a bad option costs nothing.
pub struct Exchange {
    /// `--strict`, and whether with `--ndjson`.
    strict: Option<bool>,
    spec: RequestSpec,
    runtime: Runtime,
    client: Client,
    limits: Limits,
    max_redirects: Option<u32>,
    reconnect: Option<Reconnect>,
}

impl Exchange {
    pub fn new(spec: RequestSpec, connect: &Connect, policy: Policy) -> anyhow::Result<Exchange> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        let client = client(connect)?;
        let limits = Limits {
            idle: policy.idle_timeout,
            deadline: policy.max_time.map(|total| (Instant::now() + total, total)),
        };
        Ok(Exchange {
            strict: policy.strict,
            spec,
            runtime,
            client,
            limits,
            max_redirects: policy.max_redirects,
            reconnect: policy.reconnect,
        })
    }

    /// Sends the request and waits for a successful response. `trace` sees
    /// every request, response and reconnection.
    pub fn send<'t>(
        self,
        trace: &'t mut dyn FnMut(Trace<'_>),
        interrupt: &mut Interrupt,
    ) -> anyhow::Result<HttpSource<'t>> {
        let Exchange {
            spec,
            strict,
            runtime,
            client,
            limits,
            max_redirects,
            reconnect,
        } = self;
        let mut resend = Resend {
            client,
            strict,
            spec,
            max_redirects,
            trace,
        };
        let mut attempts = 0;
        let first = async {
            let first = send(
                &resend.client,
                resend.spec.clone(),
                limits,
                max_redirects,
                resend.trace,
            );
            match (first.await, &reconnect) {
                // Waiting for the head is waiting for data like any other,
                // and a connection closed before it is a connection lost;
                // a refused connection or a bad certificate is no passing trouble.
                (Err(err), Some(policy)) if is_lost_before_head(&err) => {
                    let reason = format!("{:#}", err);
                    let resume = Resume::default();
                    resend
                        .reconnect(policy, &mut attempts, reason, &resume, limits)
                        .await
                }
                (response, _) => response,
            }
        };
        let response = runtime.block_on(async {
            tokio::select! {
                response = first => response,
                signal = interrupt.wait() => Err(Failure::Interrupted(signal).into()),
            }
        })?;
        if let Some(ndjson) = strict {
            strict_check(&response, ndjson)?;
        }
        let framing = framing_of_response(&response);
        Ok(HttpSource {
            runtime,
            response,
            limits,
            framing,
            resend,
            reconnect,
            attempts,
        })
    }
}

/// A response's content type, as sent; `None` when it has none.
pub fn content_type(response: &Response) -> Option<String> {
    let value = response.headers().get(header::CONTENT_TYPE)?;
    Some(String::from_utf8_lossy(value.as_bytes()).into_owned())
}

/// How a response's body is framed, by its content type.
fn framing_of_response(response: &Response) -> Framing {
    match response.headers().get(header::CONTENT_TYPE) {
        // No content type: most likely a bare-bones event server, or one
        // that sends JSON lines.
        None => Framing::Sniff(Unlabelled::Lenient),
        Some(value) => value.to_str().map_or(Framing::Opaque, framing_of),
    }
}

/// `--strict`: as EventSource, only a 200 whose content type is a stream's
/// is read (JSON lines' with `--ndjson`); checked on every response.
fn strict_check(response: &Response, ndjson: bool) -> Result<(), Failure> {
    let status = response.status();
    if status != StatusCode::OK {
        let status = format!("{} {}", status.as_u16(), reason(status));
        let message = format!(
            "--strict: HTTP {}: only 200 OK is a stream",
            status.trim_end()
        );
        return Err(Failure::Strict(message));
    }
    let framing = framing_of_response(response);
    let wanted = if ndjson {
        Framing::JsonLines
    } else {
        Framing::Sse
    };
    if framing == wanted || (!ndjson && framing == Framing::JsonLines) {
        return Ok(());
    }
    let content_type = content_type(response).unwrap_or_else(|| "no content type".to_owned());
    let wanted = if ndjson {
        "an NDJSON type"
    } else {
        "text/event-stream"
    };
    Err(Failure::Unreadable {
        message: format!(
            "--strict: the response has {}, not {wanted}",
            escape_controls(&content_type)
        ),
        head: String::new(),
    })
}

fn framing_of(content_type: &str) -> Framing {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "text/event-stream" => Framing::Sse,
        "application/x-ndjson" | "application/jsonl" | "application/json-lines" => {
            Framing::JsonLines
        }
        "application/json" => Framing::Json,
        _ if essence.ends_with("+json") => Framing::Json,
        _ => Framing::Opaque,
    }
}

fn client(connect: &Connect) -> anyhow::Result<Client> {
    let mut builder = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .tls_danger_accept_invalid_certs(connect.insecure);
    if let Some(timeout) = connect.connect_timeout {
        builder = builder.connect_timeout(timeout);
    }
    if let Some(proxy) = &connect.proxy {
        let proxy = reqwest::Proxy::all(proxy)
            .map_err(|err| Failure::Usage(format!("invalid --proxy {proxy:?}: {err}")))?;
        builder = builder.proxy(proxy);
    }
    if let Some(cacert) = &connect.cacert {
        let path = cacert.display();
        let pem = fs::read(cacert)
            .map_err(|err| Failure::Usage(format!("cannot read --cacert {path}: {err}")))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|err| {
            Failure::Usage(format!(
                "--cacert {path} is not a PEM file: {}",
                cause_chain(err)
            ))
        })?;
        if certs.is_empty() {
            return Err(Failure::Usage(format!("--cacert {path} holds no PEM certificate")).into());
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder.build().context("setting up the HTTP client")
}

/// Sends `spec`, following up to `max_redirects` redirects when given.
async fn send(
    client: &Client,
    mut spec: RequestSpec,
    limits: Limits,
    max_redirects: Option<u32>,
    trace: &mut dyn FnMut(Trace<'_>),
) -> anyhow::Result<Response> {
    let mut redirects = 0;
    loop {
        let request = spec.build(client)?;
        trace(Trace::Request(&request, &spec.env_headers));
        let response = limits
            .within(client.execute(request))
            .await?
            .map_err(|err| request_error(err, &spec.url))?;
        trace(Trace::Response(&response));
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|location| spec.url.join(location).ok());
        match (status.is_redirection(), location, max_redirects) {
            (true, Some(next), Some(max)) => {
                if redirects == max {
                    return Err(Failure::Redirects(format!(
                        "too many redirects (--max-redirs {max})"
                    ))
                    .into());
                }
                redirects += 1;
                spec.redirect(status, next);
            }
            (true, Some(next), None) => {
                return Err(Failure::Status(Box::new(Status {
                    code: status.as_u16(),
                    reason: reason(status),
                    unfollowed: Some(next.to_string()),
                    ..Status::default()
                }))
                .into());
            }
            _ => return Err(status_failure(response, limits).await.into()),
        }
    }
}

/// The standard's name for a status ("Not Found"), or nothing.
fn reason(status: StatusCode) -> String {
    status.canonical_reason().unwrap_or_default().to_owned()
}

/// A failed request, by cause: timeout, could not connect, no response, or
/// anything else.
fn request_error(err: reqwest::Error, url: &Url) -> anyhow::Error {
    let host = url.host_str().unwrap_or("the server");
    let port = url
        .port_or_known_default()
        .map(|p| format!(":{p}"))
        .unwrap_or_default();
    let (timeout, connect) = (err.is_timeout(), err.is_connect());
    if closed_before_response(&err) {
        return Failure::EmptyReply(format!(
            "empty reply: {host}{port} closed the connection without sending a response"
        ))
        .into();
    }
    let unresolved = causes(&err).any(|cause| cause.to_string().starts_with("dns error"));
    let cause = cause_chain(err);
    if unresolved {
        let reason = cause.rsplit(": ").next().unwrap_or_default();
        return Failure::Connect(format!("could not resolve the host {host}: {reason}")).into();
    }
    if timeout {
        Failure::Timeout(format!(
            "timed out connecting to {host}{port} (--connect-timeout): {cause}"
        ))
        .into()
    } else if connect {
        let hint = if cause.contains("certificate") {
            " (--cacert FILE trusts another CA, -k skips the check)"
        } else if cause.contains("InvalidContentType") || cause.contains("corrupt message") {
            // What rustls says when the answer to its hello is plain HTTP.
            return Failure::Connect(format!(
                "could not connect to {host}{port}: it does not speak TLS (https://); \
                 is it a plain http:// server?"
            ))
            .into();
        } else {
            ""
        };
        Failure::Connect(format!("could not connect to {host}{port}: {cause}{hint}")).into()
    } else {
        anyhow::anyhow!("request to {host}{port} failed: {cause}")
    }
}

/// Whether the connection closed before a response head came (hyper's
/// incomplete message; curl's "Empty reply from server").
fn closed_before_response(err: &reqwest::Error) -> bool {
    causes(err).any(|cause| {
        cause
            .downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_incomplete_message)
    })
}

/// `err` and its causes, outermost first.
fn causes<'e>(
    err: &'e (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'e (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(err), |cause| cause.source())
}

/// The reason in plain words: the causes under reqwest's own top line
/// ("error sending request for url (…)", which repeats the URL and any key
/// in its query), without the HTTP library's layers ("client error
/// (Connect)", "tcp connect error") or the OS error number.
fn cause_chain(err: reqwest::Error) -> String {
    let err = err.without_url();
    let mut reasons: Vec<String> = causes(&err)
        .skip(1)
        .map(|cause| cause.to_string())
        .filter(|text| !is_layer(text))
        .map(|text| match text.find(" (os error ") {
            // The operating system's words, in a sentence of ours.
            Some(at) if text.ends_with(')') => lowercase_first(&text[..at]),
            _ => text,
        })
        .collect();
    // A layer may repeat its cause's text ("dns error: …: …").
    reasons.dedup_by(|inner, outer| outer.ends_with(inner.as_str()));
    match reasons.as_slice() {
        [] => err.to_string(),
        [.., last] if reasons.len() > 1 && reasons[0].ends_with(last.as_str()) => {
            reasons[0].clone()
        }
        _ => reasons.join(": "),
    }
}

/// "Connection refused" → "connection refused"; an acronym stays as it is.
fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if second.is_lowercase() => first
            .to_lowercase()
            .chain(text[first.len_utf8()..].chars())
            .collect(),
        _ => text.to_owned(),
    }
}

/// Whether a cause's text only names a layer of the HTTP library.
fn is_layer(text: &str) -> bool {
    text.starts_with("client error (")
        || text == "tcp connect error"
        || text == "error trying to connect"
}

/// Reads (part of) an error response's body into the report the user sees.
async fn status_failure(mut response: Response, limits: Limits) -> Failure {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let mut body = Vec::new();
    let mut truncated = false;
    // A body that fails or stalls is shown as far as it came.
    while let Ok(Ok(Some(chunk))) = limits.within(response.chunk()).await {
        body.extend_from_slice(&chunk);
        if body.len() > ERROR_BODY_LIMIT {
            body.truncate(ERROR_BODY_LIMIT);
            truncated = true;
            break;
        }
    }
    Failure::Status(Box::new(Status {
        code: status.as_u16(),
        reason: reason(status),
        message: extract::error_body_message(&String::from_utf8_lossy(&body)),
        retry_delay: retry_after.as_deref().and_then(delay_seconds),
        retry_after,
        body,
        truncated,
        unfollowed: None,
    }))
}

/// A `Retry-After` of delay-seconds (an HTTP date is not read: the
/// reconnection backoff applies then).
fn delay_seconds(value: &str) -> Option<Duration> {
    let value = value.trim();
    let all_digits = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
    all_digits.then(|| Duration::from_secs(value.parse().unwrap_or(u64::MAX)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconnection_waits_back_off_with_jitter_and_are_capped() {
        let policy = Reconnect {
            max: None,
            max_wait: Duration::from_secs(30),
        };
        let ms = Duration::from_millis;
        assert_eq!(policy.wait(None, 0, None), DEFAULT_RETRY);
        assert_eq!(policy.wait(Some(200), 0, None), ms(200));
        for _ in 0..100 {
            // Doubled for each failure in a row, then between half and all of it.
            let once = policy.wait(Some(200), 1, None);
            assert!((ms(200)..=ms(400)).contains(&once), "{once:?}");
            let twice = policy.wait(Some(200), 2, None);
            assert!((ms(400)..=ms(800)).contains(&twice), "{twice:?}");
        }
        // Retry-After wins; the cap holds whatever the source.
        assert_eq!(policy.wait(Some(200), 3, Some(ms(50))), ms(50));
        assert_eq!(policy.wait(Some(200), 40, None), Duration::from_secs(30));
        assert_eq!(
            policy.wait(None, 0, Some(Duration::from_secs(3600))),
            Duration::from_secs(30)
        );
        assert_eq!(delay_seconds(" 12 "), Some(Duration::from_secs(12)));
        assert_eq!(delay_seconds("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(delay_seconds("-1"), None);
    }

    #[test]
    fn content_types_choose_the_framing() {
        assert_eq!(framing_of("text/event-stream; charset=utf-8"), Framing::Sse);
        assert_eq!(framing_of("Text/Event-Stream"), Framing::Sse);
        assert_eq!(framing_of("application/x-ndjson"), Framing::JsonLines);
        assert_eq!(framing_of("application/jsonl"), Framing::JsonLines);
        assert_eq!(framing_of("text/html"), Framing::Opaque);
        assert_eq!(framing_of("application/json"), Framing::Json);
        assert_eq!(framing_of("application/problem+json"), Framing::Json);
        assert_eq!(framing_of("text/plain"), Framing::Opaque);
    }
}
