//! The request log of `ssecat serve`: one line a request, written when its
//! response is over (complete, cut, or left by the client), so that the
//! line can tell how it went.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use super::fault::Kind;

/// Where log lines go; `None` logs nothing (`-s`).
pub type Sink = Option<Arc<dyn Fn(String) + Send + Sync>>;

/// One request's line, filled in as its response goes.
pub struct Entry {
    sink: Sink,
    start: Instant,
    /// `127.0.0.1:5000 POST /v1/chat/completions`
    request: String,
    status: u16,
    /// What answered: an API's name, a recording's file name, a fault.
    answered_by: String,
    chunks: u64,
    bytes: u64,
    ending: &'static str,
    fault: Option<Kind>,
}

impl Entry {
    pub fn new(sink: Sink, peer: SocketAddr, method: &str, path: &str) -> Self {
        Entry {
            sink,
            start: Instant::now(),
            request: format!("{peer} {method} {path}"),
            status: 0,
            answered_by: String::new(),
            chunks: 0,
            bytes: 0,
            // Until the body says otherwise, the client went away first.
            ending: "client left",
            fault: None,
        }
    }

    pub fn status(&mut self, status: u16) {
        self.status = status;
    }

    pub fn answered_by(&mut self, by: impl Into<String>) {
        self.answered_by = by.into();
    }

    pub fn faulted(&mut self, fault: Kind) {
        self.fault = Some(fault);
    }

    pub fn sent(&mut self, bytes: usize) {
        self.chunks += 1;
        self.bytes += bytes as u64;
    }

    pub fn ended(&mut self, how: &'static str) {
        self.ending = how;
    }
}

impl Drop for Entry {
    fn drop(&mut self) {
        let Some(sink) = &self.sink else {
            return;
        };
        let chunks = crate::plural::plural(self.chunks, "chunk");
        let fault = self
            .fault
            .map(|fault| format!(" (--fault {fault})"))
            .unwrap_or_default();
        sink(format!(
            "ssecat: {} {} {}{fault}: {chunks}, {} bytes in {:.3} s, {}",
            self.request,
            self.status,
            self.answered_by,
            self.bytes,
            self.start.elapsed().as_secs_f64(),
            self.ending
        ));
    }
}
