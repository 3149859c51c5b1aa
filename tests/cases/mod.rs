//! One module per area of the command line; `support` holds the helpers.

mod data;
mod done;
mod encoding;
mod endings;
mod faults;
mod filter;
mod generated;
mod hostile;
mod http_output;
mod http_proxy;
mod http_request;
mod http_server;
mod http_status;
mod http_stream;
mod http_support;
mod http_tls;
mod input;
mod jsonl;
mod raw;
mod readme;
mod reconnect;
mod sse;
mod streaming;
mod support;
mod text;
mod usage;
