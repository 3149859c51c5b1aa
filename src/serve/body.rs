//! A response body sent on a schedule: each piece at its own time after the
//! request came, measured from then (not from the previous piece), so that
//! late wake-ups never add up. One timer per stream, no task of its own:
//! a thousand streams cost a thousand small state machines.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Body, Bytes, Frame, SizeHint};
use std::time::Instant;

use super::clock::Clock;
use super::log::Entry;

/// What a body does next.
#[derive(Debug)]
pub enum Step {
    /// Send these bytes at this time after the request came.
    Send { at: Duration, bytes: Bytes },
    /// Send nothing more, and keep the connection open.
    Stall,
    /// Drop the connection: the body is cut short.
    Cut,
    /// The body is complete.
    End,
}

/// Gives a body's steps one at a time, so that a long answer is never held
/// whole in memory.
pub trait Script: Send {
    fn next(&mut self) -> Step;
}

/// A whole body sent at one time.
pub struct Once(pub Option<(Duration, Bytes)>);

impl Script for Once {
    fn next(&mut self) -> Step {
        match self.0.take() {
            Some((at, bytes)) => Step::Send { at, bytes },
            None => Step::End,
        }
    }
}

/// The body of a response, sent as its script says; it logs the request
/// when it is dropped, however it ended.
pub struct Paced {
    script: Box<dyn Script>,
    start: Instant,
    due: Option<Step>,
    clock: Clock,
    /// The time the clock is to wake this body at, once asked.
    alarm: Option<Instant>,
    entry: Entry,
    /// A cut waited a turn for what came before it to be written.
    flushed: bool,
}

/// Why a body stopped before its end.
#[derive(Debug)]
pub struct CutShort;

impl std::fmt::Display for CutShort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("cut short on purpose (--fault)")
    }
}

impl std::error::Error for CutShort {}

impl Paced {
    pub fn new(script: Box<dyn Script>, start: Instant, clock: Clock, entry: Entry) -> Self {
        Paced {
            script,
            start,
            due: None,
            clock,
            alarm: None,
            entry,
            flushed: false,
        }
    }
}

impl Body for Paced {
    type Data = Bytes;
    type Error = CutShort;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, CutShort>>> {
        let this = self.get_mut();
        let step = match this.due.take() {
            Some(step) => step,
            None => this.script.next(),
        };
        match step {
            Step::Send { at, bytes } => {
                let when = this.start + at;
                if Instant::now() < when {
                    if this.alarm != Some(when) {
                        this.alarm = Some(when);
                        this.clock.wake_at(when, cx.waker().clone());
                    }
                    this.due = Some(Step::Send { at, bytes });
                    return Poll::Pending;
                }
                this.entry.sent(bytes.len());
                Poll::Ready(Some(Ok(Frame::data(bytes))))
            }
            Step::Stall => {
                this.entry.ended("stalled");
                this.due = Some(Step::Stall);
                Poll::Pending
            }
            // hyper drops what it has not written yet when a body fails:
            // first a turn of waiting, in which it flushes what was sent.
            Step::Cut if !this.flushed => {
                this.flushed = true;
                this.due = Some(Step::Cut);
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Step::Cut => {
                this.entry.ended("cut");
                Poll::Ready(Some(Err(CutShort)))
            }
            Step::End => {
                this.entry.ended("done");
                this.due = Some(Step::End);
                Poll::Ready(None)
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self.due, Some(Step::End))
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}
