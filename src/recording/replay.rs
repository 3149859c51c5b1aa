//! A recording as the input of `ssecat FILE`: its bodies' chunks through
//! the pipeline, each timed as it was received, without waiting.

use std::io::Write;
use std::time::{Duration, Instant};

use super::{RecordedEnd, Recording};
use crate::ending::Ending;
use crate::failure::Failure;
use crate::output::EventWriter;
use crate::pipeline::{Pipeline, Source};

/// Replays a recording's bodies in order, as the live run read them: each
/// response after the first goes on with the stream, as a reconnection
/// does.
pub struct RecordingSource {
    recording: Recording,
    /// When the recorded first request counts as sent: placed in the past,
    /// so that every chunk has arrived by now and the statistics add up
    /// as recorded.
    start: Instant,
}

impl RecordingSource {
    pub fn new(recording: Recording) -> RecordingSource {
        let now = Instant::now();
        let start = now.checked_sub(recording.span()).unwrap_or(now);
        RecordingSource { recording, start }
    }

    /// When the recorded first request counts as sent.
    pub fn start(&self) -> Instant {
        self.start
    }

    fn arrival(&self, offset: Duration) -> Instant {
        self.start.checked_add(offset).unwrap_or(self.start)
    }
}

impl Source for RecordingSource {
    async fn drive<W: Write, E: EventWriter>(
        self,
        pipeline: &mut Pipeline<'_, W, E>,
    ) -> anyhow::Result<Ending> {
        let mut ending = None;
        // A response without a body (a redirect, an error status) was
        // not read by the live run either.
        let bodies = self.recording.responses.iter();
        for response in bodies.filter(|response| !response.chunks.is_empty()) {
            if ending.is_some() {
                pipeline.restart()?;
            }
            for chunk in &response.chunks {
                if pipeline
                    .push(&chunk.bytes, self.arrival(chunk.at))?
                    .is_break()
                {
                    return Ok(Ending::Done);
                }
            }
            ending = Some(match &response.end {
                Some(RecordedEnd::Error(message)) => Err(Failure::CutShort(format!(
                    "the recorded response ended with an error: {message}"
                ))),
                Some(RecordedEnd::Eof) | None => Ok(pipeline.finish()?),
            });
        }
        match ending {
            Some(ending) => Ok(ending?),
            None => pipeline.finish(),
        }
    }
}
