//! One module per area of the command line; `support` holds the helpers.

mod data;
mod done;
mod encoding;
mod endings;
mod filter;
mod input;
mod jsonl;
mod raw;
mod sse;
mod streaming;
mod support;
mod text;
mod usage;
