//! ssecat: curl for Server-Sent Events.
//!
//! The binary is a thin shell over this library: [`sse`] is the pure decoder,
//! [`output`] the writers, [`extract`] the LLM text extractors and
//! [`pipeline`] the loop that joins a byte source to them.

pub mod bench;
pub mod cli;
pub mod command;
pub mod curl_flags;
pub mod duration;
pub mod ending;
pub mod escape;
pub mod exit;
pub mod exit_code;
pub mod extract;
pub mod failure;
pub mod framing;
pub mod http;
pub mod notes;
pub mod output;
pub mod pipeline;
pub mod plural;
pub mod progress;
pub mod recording;
pub mod secrets;
pub mod serve;
pub mod signals;
pub mod sse;
pub mod stats;
pub mod stderr;
pub mod stream;
pub mod target;
pub mod verbose;
