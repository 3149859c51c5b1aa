//! Writes a synthetic OpenAI-style stream of at least N MiB to stdout, for
//! the end-to-end benchmark: `cargo run --release --example gen_openai_stream -- 100 > big.sse`.

use std::io::Write;

#[path = "../benches/support/openai_stream.rs"]
mod openai_stream;

fn main() -> std::io::Result<()> {
    let mib: usize = match std::env::args().nth(1).map(|arg| arg.parse()) {
        Some(Ok(mib)) => mib,
        _ => {
            eprintln!("usage: gen_openai_stream MIB");
            std::process::exit(2);
        }
    };
    let (stream, _text) = openai_stream::generate(mib << 20);
    std::io::stdout().lock().write_all(&stream)
}
