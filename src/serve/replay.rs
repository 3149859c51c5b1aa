//! `serve FILE…`: recordings replayed, each chunk at its recorded time
//! (after the request, as it was after the recorded one); a plain `.sse` or
//! `.ndjson` file goes at once, or an event every `--itl`.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use std::path::Path;

use hyper::body::Bytes;
use hyper::header::{HeaderName, HeaderValue};
use hyper::http::request::Parts;

use super::body::{Script, Step};
use super::fault::Kind;
use super::reply::{stream_headers, Reply};
use crate::recording::Recording;
use crate::sse::Decoder;

/// How recorded times are kept.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    /// Recorded waits are divided by this.
    pub speed: f64,
    /// Every chunk at once.
    pub no_delay: bool,
    /// For files with no times of their own: before the first event.
    pub ttft: Duration,
    /// For files with no times of their own: between events (all at once
    /// without it).
    pub itl: Option<Duration>,
}

/// The files served, and how they are routed.
pub struct Replays {
    files: Vec<Served>,
}

/// One file, ready to be sent.
struct Served {
    /// The file's name, for the log.
    name: String,
    /// The requests it answers among several files: a recording's method
    /// and path, or any method at `/NAME` for a stream file.
    route: (Option<String>, String),
    status: u16,
    headers: Vec<(HeaderName, HeaderValue)>,
    /// When the head goes, after the request came.
    head_at: Duration,
    /// Each chunk with its time after the request came.
    chunks: Arc<[(Duration, Bytes)]>,
    /// An event stream, which a `Last-Event-ID` can resume.
    events: bool,
}

impl Replays {
    /// Reads each file: a recording of `--record`, or a stream file.
    pub fn read(files: &[(String, Vec<u8>)], timing: Timing) -> Result<Replays, String> {
        let files = files
            .iter()
            .map(|(path, bytes)| {
                let name = Path::new(path)
                    .file_name()
                    .map_or(path.clone(), |name| name.to_string_lossy().into_owned());
                if Recording::looks_like(bytes) {
                    let recording = Recording::parse(bytes)
                        .map_err(|err| format!("{path} is not a readable recording: {err}"))?;
                    recorded(name, &recording, timing)
                        .ok_or_else(|| format!("{path} is a recording with no response"))
                } else {
                    Ok(stream_file(name, bytes, timing))
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(Replays { files })
    }

    /// The answer to a request, and what answered it (for the log).
    pub fn reply(&self, parts: &Parts, fault: Option<Kind>) -> (Reply, String) {
        let served = match self.files.as_slice() {
            [only] => Some(only),
            files => files.iter().find(|file| {
                let (method, path) = &file.route;
                path == parts.uri.path()
                    && method
                        .as_ref()
                        .is_none_or(|method| method == parts.method.as_str())
            }),
        };
        let Some(served) = served else {
            let routes: Vec<String> = self
                .files
                .iter()
                .map(|file| match &file.route {
                    (Some(method), path) => format!("{method} {path}"),
                    (None, path) => path.clone(),
                })
                .collect();
            let message = format!(
                "ssecat serve: nothing at {} {}; the files answer {}",
                parts.method,
                parts.uri.path(),
                routes.join(", ")
            );
            return (Reply::error(404, &message), "no file".to_owned());
        };
        let reply = match fault {
            Some(Kind::Status { code, retry_after }) => {
                let message = format!("ssecat serve: status {code}, as --fault asked");
                Reply::error(code, &message).retry_after(retry_after)
            }
            _ => {
                let resume_at = parts
                    .headers
                    .get("last-event-id")
                    .and_then(|id| id.to_str().ok())
                    .filter(|_| served.events)
                    .and_then(|id| resume_at(&served.chunks, id))
                    .unwrap_or(0);
                let chunks = Chunks::from_byte(Arc::clone(&served.chunks), resume_at, fault);
                Reply {
                    status: served.status,
                    headers: served.headers.clone(),
                    head_at: served.head_at,
                    script: Box::new(chunks),
                }
            }
        };
        (reply, served.name.clone())
    }
}

/// A recording's response (its first success, else its first), with its
/// times after its request was sent.
fn recorded(name: String, recording: &Recording, timing: Timing) -> Option<Served> {
    let response = recording.streamed().or(recording.responses.first())?;
    let since_sent = |at: Duration| timing.scaled(at.saturating_sub(response.sent));
    let chunks: Vec<(Duration, Bytes)> = response
        .chunks
        .iter()
        .map(|chunk| (since_sent(chunk.at), Bytes::from(chunk.bytes.clone())))
        .collect();
    let path = recording
        .request
        .url
        .parse::<hyper::Uri>()
        .map_or_else(|_| "/".to_owned(), |uri| uri.path().to_owned());
    let headers = response
        .headers
        .iter()
        .filter(|(name, _)| !NOT_REPLAYED.contains(&name.to_ascii_lowercase().as_str()))
        .filter_map(|(name, value)| {
            Some((
                HeaderName::from_bytes(name.as_bytes()).ok()?,
                HeaderValue::from_str(value).ok()?,
            ))
        })
        .collect();
    let events = response
        .content_type()
        .is_some_and(|kind| kind.starts_with("text/event-stream"));
    Some(Served {
        name,
        route: (Some(recording.request.method.clone()), path),
        status: response.status,
        headers,
        head_at: since_sent(response.at),
        chunks: chunks.into(),
        events,
    })
}

/// Headers of a recorded response that describe its framing on the wire
/// then, not now: the body is sent again as it was read (decoded), framed
/// by this server.
const NOT_REPLAYED: [&str; 5] = [
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "content-encoding",
];

impl Timing {
    /// A recorded offset, at the speed asked for.
    fn scaled(&self, at: Duration) -> Duration {
        match self.no_delay {
            true => Duration::ZERO,
            false => at.div_f64(self.speed),
        }
    }
}

/// A `.sse` or `.ndjson` file: its events (blocks up to a blank line, or
/// lines), paced as `timing` says.
fn stream_file(name: String, bytes: &[u8], timing: Timing) -> Served {
    let (content_type, events) = if name.ends_with(".ndjson") || name.ends_with(".jsonl") {
        ("application/x-ndjson", split_after_lines(bytes, 1))
    } else {
        ("text/event-stream", split_after_lines(bytes, 2))
    };
    let mut at = timing.ttft;
    let chunks = match timing.itl {
        Some(itl) if !timing.no_delay => events
            .into_iter()
            .enumerate()
            .map(|(index, event)| {
                if index > 0 {
                    at += timing.scaled(itl);
                }
                (at, Bytes::copy_from_slice(event))
            })
            .collect(),
        _ => vec![(Duration::ZERO, Bytes::copy_from_slice(bytes))],
    };
    Served {
        route: (None, format!("/{name}")),
        name,
        status: 200,
        headers: stream_headers(content_type),
        head_at: Duration::ZERO,
        chunks: chunks.into(),
        events: content_type == "text/event-stream",
    }
}

/// Splits `bytes` after each run of `ends` line ends in a row (2: after each
/// blank line, as SSE events end; 1: after each line). A line ends at
/// CRLF, LF or CR, as in SSE; what follows the last end is a piece too.
fn split_after_lines(bytes: &[u8], ends: usize) -> Vec<&[u8]> {
    let mut pieces = Vec::new();
    let (mut start, mut at, mut in_a_row) = (0, 0, 0);
    while at < bytes.len() {
        let end = match bytes[at] {
            b'\r' if bytes.get(at + 1) == Some(&b'\n') => 2,
            b'\r' | b'\n' => 1,
            _ => 0,
        };
        if end == 0 {
            in_a_row = 0;
            at += 1;
            continue;
        }
        at += end;
        in_a_row += 1;
        if in_a_row >= ends && bytes.get(at).is_none_or(|&b| b != b'\r' && b != b'\n') {
            pieces.push(&bytes[start..at]);
            start = at;
            in_a_row = 0;
        }
    }
    if start < bytes.len() {
        pieces.push(&bytes[start..]);
    }
    pieces
}

/// Where an event stream resumes for a client that last saw the event
/// with id `last_event_id`: the byte after the event that set it. `None`
/// when no event has it (the client then gets the whole stream).
fn resume_at(chunks: &[(Duration, Bytes)], last_event_id: &str) -> Option<usize> {
    let body: Vec<u8> = chunks
        .iter()
        .flat_map(|(_, bytes)| bytes.iter().copied())
        .collect();
    let mut decoder = Decoder::new(usize::MAX);
    let mut at = 0;
    // The decoder dispatches an event, and so commits its id, at the blank
    // line that ends each of these pieces.
    for piece in split_after_lines(&body, 2) {
        decoder.feed(piece, |_| ControlFlow::Continue(())).ok()?;
        at += piece.len();
        if decoder.resume().last_event_id == last_event_id {
            return Some(at);
        }
    }
    None
}

/// Chunks sent at their times, with the fault that hits the request.
struct Chunks {
    chunks: Arc<[(Duration, Bytes)]>,
    next: usize,
    /// Bytes of chunk `next` already sent (a resumed stream starts inside one).
    skip: usize,
    /// Taken off every time: a resumed stream goes on at once.
    shift: Duration,
    sent: u64,
    fault: Option<Kind>,
}

impl Chunks {
    /// The chunks from byte `from` of their concatenation on.
    fn from_byte(chunks: Arc<[(Duration, Bytes)]>, from: usize, fault: Option<Kind>) -> Chunks {
        let (mut next, mut skip) = (0, from);
        while let Some((_, bytes)) = chunks.get(next).filter(|(_, bytes)| skip >= bytes.len()) {
            skip -= bytes.len();
            next += 1;
        }
        let shift = match (from, chunks.get(next)) {
            (1.., Some((at, _))) => *at,
            _ => Duration::ZERO,
        };
        Chunks {
            chunks,
            next,
            skip,
            shift,
            sent: 0,
            fault,
        }
    }
}

impl Script for Chunks {
    fn next(&mut self) -> Step {
        match self.fault {
            Some(Kind::CutAfter(n)) if n == self.sent => return Step::Cut,
            Some(Kind::StallAfter(n)) if n == self.sent => return Step::Stall,
            _ => {}
        }
        let Some((at, bytes)) = self.chunks.get(self.next) else {
            return Step::End;
        };
        let bytes = bytes.slice(self.skip..);
        self.next += 1;
        self.skip = 0;
        self.sent += 1;
        Step::Send {
            at: at.saturating_sub(self.shift),
            bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_files_split_after_each_blank_line() {
        let sse = b"data: a\n\ndata: b\r\n\r\n: c\rdata: d\r\rtail";
        assert_eq!(
            split_after_lines(sse, 2),
            [
                &b"data: a\n\n"[..],
                b"data: b\r\n\r\n",
                b": c\rdata: d\r\r",
                b"tail"
            ]
        );
        // Extra blank lines stay with the event before them.
        assert_eq!(
            split_after_lines(b"data: a\n\n\n\ndata: b\n\n", 2),
            [&b"data: a\n\n\n\n"[..], b"data: b\n\n"]
        );
        assert_eq!(
            split_after_lines(b"{\"a\":1}\n{\"b\":2}\r\n", 1),
            [&b"{\"a\":1}\n"[..], b"{\"b\":2}\r\n"]
        );
        assert!(split_after_lines(b"", 2).is_empty());
    }

    #[test]
    fn a_stream_resumes_after_the_last_event_id() {
        let ms = Duration::from_millis;
        let chunks: Arc<[(Duration, Bytes)]> = vec![
            (ms(10), Bytes::from_static(b"id: 1\ndata: a\n\nid: 2\nda")),
            (ms(20), Bytes::from_static(b"ta: b\n\nid: 3\ndata: c\n\n")),
        ]
        .into();
        assert_eq!(resume_at(&chunks, "1"), Some(15));
        assert_eq!(resume_at(&chunks, "2"), Some(30));
        assert_eq!(resume_at(&chunks, "9"), None);
        let mut after_one = Chunks::from_byte(Arc::clone(&chunks), 15, None);
        let mut sent = Vec::new();
        while let Step::Send { at, bytes } = after_one.next() {
            sent.push((at, bytes));
        }
        assert_eq!(
            sent,
            [
                (ms(0), Bytes::from_static(b"id: 2\nda")),
                (ms(10), Bytes::from_static(b"ta: b\n\nid: 3\ndata: c\n\n")),
            ]
        );
        let mut after_two = Chunks::from_byte(chunks, 30, Some(Kind::CutAfter(1)));
        assert!(
            matches!(after_two.next(), Step::Send { at, ref bytes } if at.is_zero() && bytes.starts_with(b"id: 3"))
        );
        assert!(matches!(after_two.next(), Step::Cut));
    }

    #[test]
    fn a_recording_keeps_its_times_after_the_request_and_its_head() {
        let ms = Duration::from_millis;
        let text = concat!(
            r#"{"ssecat":"recording","version":1,"request":{"method":"POST","url":"http://h:1/v1/chat/completions?x=1","headers":[]}}"#,
            "\n",
            r#"{"response":{"status":201,"version":"HTTP/1.1","headers":[["Content-Type","text/event-stream"],["Transfer-Encoding","chunked"],["X-Kept","yes"]]},"sent_ms":100.0,"at_ms":150.0}"#,
            "\n",
            r#"{"at_ms":160.0,"text":"data: a\n\n"}"#,
            "\n",
            r#"{"at_ms":300.0,"text":"data: b\n\n"}"#,
            "\n",
        );
        let recording = Recording::parse(text.as_bytes()).unwrap();
        let timing = Timing {
            speed: 2.0,
            no_delay: false,
            ttft: Duration::ZERO,
            itl: None,
        };
        let served = recorded("r.jsonl".into(), &recording, timing).unwrap();
        assert_eq!(
            served.route,
            (Some("POST".to_owned()), "/v1/chat/completions".to_owned())
        );
        assert_eq!(
            (served.status, served.head_at, served.events),
            (201, ms(25), true)
        );
        let times: Vec<Duration> = served.chunks.iter().map(|(at, _)| *at).collect();
        assert_eq!(times, [ms(30), ms(100)]);
        let names: Vec<&str> = served
            .headers
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        assert_eq!(names, ["content-type", "x-kept"]);
        let at_once = recorded(
            "r.jsonl".into(),
            &recording,
            Timing {
                no_delay: true,
                ..timing
            },
        );
        assert!(at_once.unwrap().chunks.iter().all(|(at, _)| at.is_zero()));
    }

    #[test]
    fn a_file_is_paced_an_event_every_itl() {
        let timing = Timing {
            speed: 2.0,
            no_delay: false,
            ttft: Duration::from_millis(100),
            itl: Some(Duration::from_millis(40)),
        };
        let served = stream_file("x.sse".into(), b"data: 1\n\ndata: 2\n\ndata: 3\n\n", timing);
        let times: Vec<u128> = served.chunks.iter().map(|(at, _)| at.as_millis()).collect();
        assert_eq!(times, [100, 120, 140]);
        let at_once = stream_file(
            "x.sse".into(),
            b"data: 1\n\ndata: 2\n\n",
            Timing {
                itl: None,
                ..timing
            },
        );
        assert_eq!(at_once.chunks.len(), 1);
    }
}
