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
    use crate::stats::Recorder;

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

    /// A source whose chunks came at the given times after `base`, then ended.
    struct Timed {
        base: Instant,
        chunks: Vec<(u64, &'static str)>,
    }

    impl Source for Timed {
        async fn drive<W: Write, E: EventWriter>(
            self,
            pipeline: &mut Pipeline<'_, W, E>,
        ) -> anyhow::Result<Ending> {
            for (ms, chunk) in self.chunks {
                let at = self.base + std::time::Duration::from_millis(ms);
                let _more = pipeline.push(chunk.as_bytes(), at)?;
            }
            pipeline.finish()
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
    fn the_timeline_has_each_event_with_its_time_and_tokens() {
        let options = options();
        let gemini = |text: &str, tokens: u64| {
            let usage = format!(
                r#""usageMetadata":{{"promptTokenCount":2,"candidatesTokenCount":{tokens}}}"#
            );
            let parts =
                format!(r#"{{"content":{{"parts":[{{"text":"{text}"}}],"role":"model"}}}}"#);
            format!("data: {{\"candidates\":[{parts}],{usage}}}\n\n").leak() as &str
        };
        let base = Instant::now();
        let source = Timed {
            base,
            chunks: vec![
                (5, gemini("Hel", 2)),
                (25, gemini("lo there", 5)),
                (40, ": ping\n\n"),
            ],
        };
        let mut recorder =
            Recorder::starting_now(Some(Reader::new(Extraction::Auto))).keeping_timeline();
        let taps = Taps {
            stats: Some(&mut recorder),
            save: None,
        };
        let ending = block_on(run(
            source,
            Vec::new(),
            DataWriter,
            &options,
            taps,
            std::future::pending(),
        ));
        assert_eq!(ending.unwrap(), Ending::EndOfInput);
        let timeline = recorder.timeline().unwrap();
        let marks = &timeline.marks;
        assert_eq!(marks.len(), 2, "{marks:?}");
        assert_eq!(
            marks[1].at - marks[0].at,
            std::time::Duration::from_millis(20)
        );
        assert_eq!((marks[0].deltas, marks[0].output_tokens), (1, Some(2)));
        assert_eq!((marks[1].deltas, marks[1].output_tokens), (1, Some(5)));
        assert_eq!(timeline.tokens_per_event(), Some(vec![2, 3]));
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
