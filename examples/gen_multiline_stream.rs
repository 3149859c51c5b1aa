//! Writes at least N MiB of big multi-line events (64 KiB to 1 MiB each,
//! many short `data:` lines) to stdout, for the end-to-end benchmark:
//! `cargo run --release --example gen_multiline_stream -- 100 > big.sse`.

use std::io::Write;

#[path = "../benches/support/multiline_stream.rs"]
mod multiline_stream;

fn main() -> std::io::Result<()> {
    let mib: usize = match std::env::args().nth(1).map(|arg| arg.parse()) {
        Some(Ok(mib)) => mib,
        _ => {
            eprintln!("usage: gen_multiline_stream MIB");
            std::process::exit(2);
        }
    };
    std::io::stdout()
        .lock()
        .write_all(&multiline_stream::generate(mib << 20))
}
