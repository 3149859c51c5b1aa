//! One stream, as a unit: a source's bytes through a pipeline (framing,
//! decoder, the writer and its dialect reader, the taps) until the stream
//! ends, fails, or the caller stops it; then the writer's last words. It
//! runs on the caller's runtime and holds no process-wide state, so a
//! caller may run many at once.

use std::future::Future;
use std::io::Write;

use crate::ending::Ending;
use crate::output::EventWriter;
use crate::pipeline::{Options, Pipeline, Source, Taps};

/// Reads `source` into `writer`, writing to `out`, until it ends or `stop`
/// gives the error that ends it early (a signal, a deadline). What has
/// arrived before `stop` is still written; then the writer ends the output
/// (the `--format final` object, the notes of an LLM answer) however the
/// stream ended.
pub async fn run<S: Source, W: Write, E: EventWriter>(
    source: S,
    out: W,
    writer: E,
    options: &Options,
    taps: Taps<'_>,
    stop: impl Future<Output = anyhow::Error>,
) -> anyhow::Result<Ending> {
    let mut pipeline = Pipeline::new(out, writer, options, taps);
    let read = tokio::select! {
        biased;
        read = source.drive(&mut pipeline) => read,
        err = stop => Err(err),
    };
    pipeline.end(read)
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::extract::{Extraction, Reader};
    use crate::framing::Framing;
    use crate::notes::Notes;
    use crate::output::{DataWriter, FinalWriter};
    use crate::pipeline::Origin;

    /// A source that sends one chunk, then, unless it ended the stream,
    /// nothing, ever.
    struct ThenSilence(&'static [u8]);

    impl Source for ThenSilence {
        async fn drive<W: Write, E: EventWriter>(
            self,
            pipeline: &mut Pipeline<'_, W, E>,
        ) -> anyhow::Result<Ending> {
            if pipeline.push(self.0, Instant::now())?.is_break() {
                return Ok(Ending::Done);
            }
            std::future::pending().await
        }
    }

    fn options() -> Options {
        Options {
            framing: Framing::Sse,
            origin: Origin::Input,
            last_event_id: String::new(),
            strict: false,
            notes: Notes::silent(),
            structured: false,
            event_types: Vec::new(),
            stop_at_done: true,
            max_event_size: 1 << 20,
        }
    }

    fn block_on<T>(future: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn a_stream_runs_to_its_end_marker() {
        let (options, mut out) = (options(), Vec::new());
        let source = ThenSilence(b"data: a\n\ndata: [DONE]\n\n");
        let never = std::future::pending();
        let ending = block_on(run(
            source,
            &mut out,
            DataWriter,
            &options,
            Taps::default(),
            never,
        ));
        assert_eq!(ending.unwrap(), Ending::Done);
        assert_eq!(out, b"a\n");
    }

    #[test]
    fn a_stopped_stream_keeps_what_came_and_its_writer_ends_the_output() {
        let (options, mut out) = (options(), Vec::new());
        let chunk = b"data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n";
        let writer = FinalWriter::new(Reader::new(Extraction::Auto), false, Notes::silent());
        let stop = async { anyhow::anyhow!("stopped by the caller") };
        let ending = block_on(run(
            ThenSilence(chunk),
            &mut out,
            writer,
            &options,
            Taps::default(),
            stop,
        ));
        assert_eq!(ending.unwrap_err().to_string(), "stopped by the caller");
        let last: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(last["text"], "Hi");
        assert_eq!(last["complete"], false);
        assert_eq!(last["error"], "stopped by the caller");
    }
}
