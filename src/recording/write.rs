//! Writes a recording as the HTTP exchange goes: fed the exchange's
//! [`Trace`], each line flushed as it is written, so a run that is cut off
//! or killed leaves all it received.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use reqwest::header::{HeaderMap, HeaderName};
use reqwest::{Request, Response};

use super::{
    encode, to_millis, FirstLine, Head, Line, RequestLine, EOF, ERROR, MAGIC, REDACTED, VERSION,
};
use crate::http::Trace;
use crate::secrets;

/// `--record FILE`: the recording being written.
pub struct RecordingWriter {
    path: PathBuf,
    file: BufWriter<File>,
    /// When the first request was sent: the offsets count from it.
    start: Option<Instant>,
    /// When the request now waiting for its response was sent.
    sent: Option<Instant>,
    /// A response head is written and its end not yet.
    open: bool,
    /// The first write that failed: nothing more is written after it.
    failed: Option<io::Error>,
}

impl RecordingWriter {
    /// Creates (or truncates) the file before anything is sent.
    pub fn create(path: PathBuf) -> anyhow::Result<RecordingWriter> {
        let file = File::create(&path)
            .with_context(|| format!("cannot create --record file {}", path.display()))?;
        Ok(RecordingWriter {
            path,
            file: BufWriter::new(file),
            start: None,
            sent: None,
            open: false,
            failed: None,
        })
    }

    /// Records one step of the exchange.
    pub fn trace(&mut self, step: &Trace<'_>) {
        match step {
            Trace::Request(request, from_env) => self.request(request, from_env),
            Trace::Response(response) => self.response(response),
            Trace::Received(bytes, at) => self.chunk(bytes, *at),
            Trace::BodyEnd(error) => self.end(error.map(|err| format!("{err:#}"))),
            Trace::Reconnect { .. } | Trace::NoContent { .. } => {}
        }
    }

    /// The run is over: the response still open ends as the run did.
    /// Gives the first write that failed.
    pub fn finish(mut self, run: &anyhow::Result<crate::ending::Ending>) -> anyhow::Result<()> {
        if self.open {
            self.end(run.as_ref().err().map(|err| format!("{err:#}")));
        }
        match self.failed {
            Some(err) => {
                Err(err).with_context(|| format!("writing --record file {}", self.path.display()))
            }
            None => Ok(()),
        }
    }

    fn request(&mut self, request: &Request, from_env: &[HeaderName]) {
        let now = Instant::now();
        self.sent = Some(now);
        if self.open {
            // A redirect that is followed: its body is not read.
            self.end(None);
        }
        if self.start.is_some() {
            return;
        }
        self.start = Some(now);
        let body = request.body().and_then(|body| body.as_bytes());
        let (body, body_base64) = body.map(encode).unwrap_or_default();
        let url = request.url();
        // The query's keys (Gemini's key=) are credentials too.
        let url = match (url.as_str().split_once('?'), url.query()) {
            (Some((base, _)), Some(query)) => {
                format!("{base}?{}", secrets::mask_query(query, REDACTED))
            }
            _ => url.to_string(),
        };
        self.write(&FirstLine {
            ssecat: Cow::Borrowed(MAGIC),
            version: VERSION,
            request: RequestLine {
                method: Cow::Borrowed(request.method().as_str()),
                url: Cow::Owned(url),
                headers: redacted(request.headers(), from_env),
                body,
                body_base64,
            },
        });
    }

    fn response(&mut self, response: &Response) {
        let now = Instant::now();
        let Some(start) = self.start else { return };
        let sent = self.sent.unwrap_or(start);
        self.open = true;
        self.write(&Line {
            response: Some(Head {
                status: response.status().as_u16(),
                version: format!("{:?}", response.version()),
                headers: redacted(response.headers(), &[]),
            }),
            sent_ms: Some(to_millis(sent.saturating_duration_since(start))),
            at_ms: Some(to_millis(now.saturating_duration_since(start))),
            ..Line::default()
        });
    }

    fn chunk(&mut self, bytes: &[u8], at: Instant) {
        let Some(start) = self.start else { return };
        let (text, base64) = encode(bytes);
        self.write(&Line {
            at_ms: Some(to_millis(at.saturating_duration_since(start))),
            text,
            base64,
            ..Line::default()
        });
    }

    /// The open response ended: cleanly, or with `error`.
    fn end(&mut self, error: Option<String>) {
        let Some(start) = self.start.filter(|_| self.open) else {
            return;
        };
        self.open = false;
        let end = if error.is_some() { ERROR } else { EOF };
        self.write(&Line {
            at_ms: Some(to_millis(start.elapsed())),
            end: Some(Cow::Borrowed(end)),
            error: error.map(Cow::Owned),
            ..Line::default()
        });
    }

    /// Writes one line and flushes it.
    fn write(&mut self, line: &impl serde::Serialize) {
        if self.failed.is_some() {
            return;
        }
        let file = &mut self.file;
        let written = serde_json::to_writer(&mut *file, line)
            .map_err(io::Error::from)
            .and_then(|()| file.write_all(b"\n"))
            .and_then(|()| file.flush());
        self.failed = written.err();
    }
}

/// Headers as written: credentials and values from the environment as
/// [`REDACTED`].
fn redacted(headers: &HeaderMap, from_env: &[HeaderName]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let value = if secrets::is_secret(name.as_str()) || from_env.contains(name) {
                REDACTED.to_owned()
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name.as_str().to_owned(), value)
        })
        .collect()
}
