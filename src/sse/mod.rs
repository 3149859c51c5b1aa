//! A pure, incremental Server-Sent Events decoder.
//!
//! Bytes go in, events come out: no I/O, no async, no allocation per event
//! once the internal buffers have grown to the size of the largest event.
//! The rules are those of the WHATWG HTML standard, sections "Parsing an
//! event stream" and "Interpreting an event stream".

mod decoder;
mod line_ends;

pub use decoder::{DecodeError, Decoder, Event, IgnoredField, Resume, Unfinished};
