//! The HTTP side: sends a [`RequestSpec`] (following redirects only when
//! asked, and never carrying credentials to another host), turns failures
//! into [`Failure`]s and streams the body into the pipeline, sending the
//! request again with `--reconnect`. It never prints: what `-v` shows goes
//! through a [`Trace`].

use std::fs;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use reqwest::header::{self, HeaderName, HeaderValue};
use reqwest::{Client, Request, Response, StatusCode};
use tokio::time::Instant;

use crate::ending::Ending;
use crate::failure::{Failure, Status};
use crate::framing::Framing;
use crate::output::EventWriter;
use crate::pipeline::{Pipeline, Source};

mod content;
mod errors;
mod head;
mod items;
mod limits;
mod prompt;
mod reconnect;
mod request;

use crate::plural::plural;
use crate::sse::Resume;
pub use content::{content_type, framing_of_content_type};
use content::{framing_of_response, strict_check};
use errors::{cause_chain, is_connection_error, reason, request_error, status_failure};
use limits::Limits;
pub use prompt::PromptInput;
pub use reconnect::Reconnect;
use reconnect::{is_lost_before_head, reconnect_reason, retry_on};
pub use request::read_body;
pub use request::{RequestInput, RequestSpec};

const LAST_EVENT_ID: HeaderName = HeaderName::from_static("last-event-id");

/// EventSource's signal to stop reconnecting.
const NO_CONTENT: StatusCode = StatusCode::NO_CONTENT;

/// One step of the exchange: requests and responses for `-v`, the
/// reconnections, which are always told, and the body as received for
/// `--record`.
pub enum Trace<'a> {
    /// The request, and the headers whose values came from the environment.
    Request(&'a Request, &'a [HeaderName]),
    Response(&'a Response),
    /// Body bytes, as one read received them, and when.
    Received(&'a [u8], std::time::Instant),
    /// The response's body is over: it ended, or reading it failed with
    /// this error (ssecat's own errors among them, such as a closed output).
    BodyEnd(Option<&'a anyhow::Error>),
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

/// A response that is streaming: the body is read chunk by chunk as it
/// arrives, and with `--reconnect` the request is sent again when it ends.
pub struct HttpSource<'t> {
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
    trace: &'t mut (dyn FnMut(Trace<'_>) + Send),
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

    /// The response's head as `curl -i` prints it; `shown` is how a header
    /// value is shown.
    pub fn head(&self, shown: impl Fn(&str) -> String) -> String {
        head::curl_style(&self.response, shown)
    }
}

impl Source for HttpSource<'_> {
    async fn drive<W: Write, E: EventWriter>(
        self,
        pipeline: &mut Pipeline<'_, W, E>,
    ) -> anyhow::Result<Ending> {
        let HttpSource {
            mut response,
            limits,
            mut resend,
            reconnect,
            mut attempts,
            ..
        } = self;
        loop {
            if response.status() == NO_CONTENT {
                // EventSource's signal to stop reconnecting: the stream is over.
                (resend.trace)(Trace::NoContent {
                    reconnecting: reconnect.is_some(),
                });
                return Ok(Ending::EndOfInput);
            }
            let read = stream_body(&mut response, pipeline, limits, resend.trace).await;
            (resend.trace)(Trace::BodyEnd(read.as_ref().err()));
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
    }
}

/// Pushes a response's body through the pipeline until it ends.
async fn stream_body<W: Write, E: EventWriter>(
    response: &mut Response,
    pipeline: &mut Pipeline<'_, W, E>,
    limits: Limits,
    trace: &mut (dyn FnMut(Trace<'_>) + Send),
) -> anyhow::Result<Ending> {
    loop {
        let chunk = limits.within(response.chunk()).await?;
        match chunk {
            Ok(Some(bytes)) => {
                let at = std::time::Instant::now();
                trace(Trace::Received(&bytes, at));
                if pipeline.push(&bytes, at)?.is_break() {
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

/// A request checked and ready to send, with its client. Built before
/// anything is created or sent, so a bad option costs nothing; sent on the
/// caller's runtime.
pub struct Exchange {
    /// `--strict`, and whether with `--ndjson`.
    strict: Option<bool>,
    spec: RequestSpec,
    client: Client,
    limits: Limits,
    max_redirects: Option<u32>,
    reconnect: Option<Reconnect>,
}

impl Exchange {
    pub fn new(spec: RequestSpec, connect: &Connect, policy: Policy) -> anyhow::Result<Exchange> {
        Ok(Exchange::with_client(spec, client(connect)?, policy))
    }

    /// An exchange on a client made once for many (a load test's), whose
    /// connections it shares; its time limits start now.
    pub fn with_client(spec: RequestSpec, client: Client, policy: Policy) -> Exchange {
        let limits = Limits {
            idle: policy.idle_timeout,
            deadline: policy.max_time.map(|total| (Instant::now() + total, total)),
        };
        Exchange {
            strict: policy.strict,
            spec,
            client,
            limits,
            max_redirects: policy.max_redirects,
            reconnect: policy.reconnect,
        }
    }

    /// Sends the request and waits for a successful response. `trace` sees
    /// every request, response and reconnection.
    pub async fn send(
        self,
        trace: &mut (dyn FnMut(Trace<'_>) + Send),
    ) -> anyhow::Result<HttpSource<'_>> {
        let Exchange {
            spec,
            strict,
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
        let first = send(
            &resend.client,
            resend.spec.clone(),
            limits,
            max_redirects,
            resend.trace,
        )
        .await;
        let response = match (first, &reconnect) {
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
        }?;
        if let Some(ndjson) = strict {
            strict_check(&response, ndjson)?;
        }
        let framing = framing_of_response(&response);
        Ok(HttpSource {
            response,
            limits,
            framing,
            resend,
            reconnect,
            attempts,
        })
    }
}

/// The HTTP client `connect` describes; a bad `--proxy` or `--cacert` is a
/// usage error.
pub fn client(connect: &Connect) -> anyhow::Result<Client> {
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
    trace: &mut (dyn FnMut(Trace<'_>) + Send),
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
