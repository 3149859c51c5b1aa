//! The HTTP side: builds the request from the command line, sends it
//! (following redirects only when asked, and never carrying credentials to
//! another host), turns failures into [`Failure`]s and streams the body into
//! the pipeline. It never prints: what `-v` shows goes through a [`Trace`].

use std::fs;
use std::future::Future;
use std::io::{self, Read, Write};
use std::time::Duration;

use anyhow::Context;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Client, Method, Request, Response, StatusCode, Url};
use tokio::runtime::Runtime;
use tokio::time::Instant;

use crate::cli::Cli;
use crate::ending::Ending;
use crate::escape::escape_controls;
use crate::extract;
use crate::failure::{Failure, Status};
use crate::framing::{Framing, Unlabelled};
use crate::output::EventWriter;
use crate::pipeline::{Pipeline, Source};
use crate::plural::plural;
use crate::secrets;
use crate::signals::Interrupt;
use crate::sse::Resume;

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

/// The request as the command line describes it, re-sendable on redirect
/// and reconnection.
#[derive(Clone)]
struct RequestSpec {
    method: Method,
    url: Url,
    headers: HeaderMap,
    /// Headers whose value came from the environment: secrets too.
    env_headers: Vec<HeaderName>,
    body: Option<Vec<u8>>,
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

/// A request checked and ready to send, with its client and runtime. Built
/// before anything is created or sent, so a bad option costs nothing.
pub struct Exchange {
    /// What the user should know about the request before it is sent.
    pub warnings: Vec<String>,
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
    pub fn new(cli: &Cli, method: Option<Method>, url: Url) -> anyhow::Result<Exchange> {
        let (spec, warnings) = request_spec(cli, method, url)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        let client = client(cli)?;
        let limits = Limits {
            idle: cli.idle_timeout,
            deadline: cli.max_time.map(|total| (Instant::now() + total, total)),
        };
        Ok(Exchange {
            warnings,
            strict: cli.strict.then_some(cli.ndjson),
            spec,
            runtime,
            client,
            limits,
            max_redirects: cli.location.then_some(cli.max_redirs),
            reconnect: cli.reconnect.map(|max| Reconnect {
                max,
                max_wait: cli.max_retry_wait,
            }),
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
            warnings: _,
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

fn client(cli: &Cli) -> anyhow::Result<Client> {
    let mut builder = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .tls_danger_accept_invalid_certs(cli.insecure);
    if let Some(timeout) = cli.connect_timeout {
        builder = builder.connect_timeout(timeout);
    }
    if let Some(proxy) = &cli.proxy {
        let proxy = reqwest::Proxy::all(proxy)
            .map_err(|err| Failure::Usage(format!("invalid --proxy {proxy:?}: {err}")))?;
        builder = builder.proxy(proxy);
    }
    if let Some(cacert) = &cli.cacert {
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

impl RequestSpec {
    fn build(&self, client: &Client) -> anyhow::Result<Request> {
        let mut builder = client
            .request(self.method.clone(), self.url.clone())
            .headers(self.headers.clone());
        if let Some(body) = &self.body {
            builder = builder.body(body.clone());
        }
        builder.build().context("building the request")
    }

    /// Turns this request into the one that follows a redirect to `next`.
    fn redirect(&mut self, status: StatusCode, next: Url) {
        // As browsers and curl do: 303 always, and 301/302 after a POST, become a GET without body.
        let to_get = status == StatusCode::SEE_OTHER && self.method != Method::HEAD
            || matches!(status, StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND)
                && self.method == Method::POST;
        if to_get {
            self.method = Method::GET;
            self.body = None;
            self.headers.remove(header::CONTENT_TYPE);
        }
        if next.origin() != self.url.origin() {
            for name in secrets::REQUEST {
                self.headers.remove(name);
            }
            for name in &self.env_headers {
                self.headers.remove(name);
            }
        }
        self.url = next;
    }
}

/// The request, and warnings about it for the user.
fn request_spec(
    cli: &Cli,
    method: Option<Method>,
    url: Url,
) -> anyhow::Result<(RequestSpec, Vec<String>)> {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::ACCEPT,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::USER_AGENT,
        HeaderValue::from_static(concat!("ssecat/", env!("CARGO_PKG_VERSION"))),
    );

    let body = match (&cli.data, &cli.json) {
        (Some(data), _) => Some(read_body(data, "--data")?),
        (None, Some(json)) => {
            let body = read_body(json, "--json")?;
            if let Err(err) = serde_json::from_slice::<serde::de::IgnoredAny>(&body) {
                return Err(Failure::Usage(format!("--json is not valid JSON: {err}")).into());
            }
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            Some(body)
        }
        (None, None) => None,
    };
    if let Some(token) = &cli.bearer {
        let token = secret_value(token, "--bearer")?;
        headers.insert(
            header::AUTHORIZATION,
            header_value(&format!("Bearer {token}"), "--bearer")?,
        );
    }
    if let Some(user) = &cli.user {
        let (name, password) = user.split_once(':').unwrap_or((user, ""));
        let password = secret_value(password, "--user")?;
        let credentials = BASE64.encode(format!("{name}:{password}"));
        headers.insert(
            header::AUTHORIZATION,
            header_value(&format!("Basic {credentials}"), "--user")?,
        );
    }
    if let Some(id) = &cli.last_event_id {
        headers.insert(LAST_EVENT_ID, header_value(id, "--last-event-id")?);
    }
    let mut env_headers = Vec::new();
    let mut warnings = Vec::new();
    let mut user_names: Vec<HeaderName> = Vec::new();
    for line in &cli.headers {
        let (name, value) = line.split_once(':').ok_or_else(|| {
            Failure::Usage(format!("bad header {line:?}: expected 'Name: value'"))
        })?;
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| Failure::Usage(format!("bad header name in {line:?}")))?;
        let value = value.trim_start();
        if value.is_empty() {
            headers.remove(&name);
            continue;
        }
        if value.starts_with("env:") {
            env_headers.push(name.clone());
        } else if let Some(at) = value.find("env:") {
            warnings.push(literal_env_warning(&name, &value[at..]));
        }
        let value = header_value(&secret_value(value, "--header")?, "--header")?;
        // The first value given for a name replaces a default; more values add to it.
        if user_names.contains(&name) {
            headers.append(name, value);
        } else {
            user_names.push(name.clone());
            headers.insert(name, value);
        }
    }
    let method = method.unwrap_or(if body.is_some() {
        Method::POST
    } else {
        Method::GET
    });
    if let Some(name) = credentials_in_clear(&url, &headers) {
        warnings.push(format!(
            "sending credentials ({name}) over plain http:// to {}: anyone on the way \
             can read them; use https://",
            url.host_str().unwrap_or_default()
        ));
    }
    Ok((
        RequestSpec {
            method,
            url,
            headers,
            env_headers,
            body,
        },
        warnings,
    ))
}

/// `-H 'Authorization: Bearer env:KEY'` sends `env:KEY` as written: only a
/// whole value is read from the environment.
fn literal_env_warning(name: &HeaderName, from_env: &str) -> String {
    let variable = from_env.split_whitespace().next().unwrap_or(from_env);
    let instead = if name == header::AUTHORIZATION {
        format!("; --bearer {variable} sends 'Authorization: Bearer' with its value")
    } else {
        String::new()
    };
    format!(
        "-H {name} sends {variable:?} as written: only a whole value env:VAR is read \
         from the environment{instead}"
    )
}

/// The first credential header that `headers` would send in clear text to
/// a host other than this machine.
fn credentials_in_clear(url: &Url, headers: &HeaderMap) -> Option<&'static str> {
    if url.scheme() != "http" || is_loopback(url) {
        return None;
    }
    // Proxy-Authorization goes to the proxy, not to this host.
    secrets::REQUEST
        .into_iter()
        .filter(|name| !name.eq_ignore_ascii_case("proxy-authorization"))
        .find(|name| headers.contains_key(*name))
}

fn is_loopback(url: &Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let ip = host.trim_start_matches('[').trim_end_matches(']');
    match ip.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => {
            let name = host.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
    }
}

fn header_value(text: &str, flag: &str) -> Result<HeaderValue, Failure> {
    HeaderValue::from_str(text)
        .map_err(|_| Failure::Usage(format!("{flag}: the value is not a valid header value")))
}

/// `env:NAME` is read from the environment, so secrets stay out of shell
/// history and `ps`; anything else is taken as it is.
fn secret_value(text: &str, flag: &str) -> Result<String, Failure> {
    let Some(name) = text.strip_prefix("env:") else {
        return Ok(text.to_owned());
    };
    std::env::var(name).map_err(|_| {
        Failure::Usage(format!(
            "{flag}: the environment variable {name} is not set"
        ))
    })
}

/// `TEXT`, `@FILE`, or `@-` for standard input.
fn read_body(arg: &str, flag: &str) -> anyhow::Result<Vec<u8>> {
    match arg.strip_prefix('@') {
        None => Ok(arg.as_bytes().to_vec()),
        Some("-") => {
            let mut body = Vec::new();
            io::stdin()
                .read_to_end(&mut body)
                .with_context(|| format!("reading {flag} from standard input"))?;
            Ok(body)
        }
        Some(path) => fs::read(path)
            .map_err(|err| Failure::Usage(format!("{flag}: cannot read {path}: {err}")).into()),
    }
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
