//! Decoder and `--text` throughput on a generated ~100 MB OpenAI-style stream
//! (`SSECAT_BENCH_MB` changes the size), with eventsource-stream on the same
//! chunks for comparison. Run: `cargo bench --bench decode`.

use std::convert::Infallible;
use std::hint::black_box;
use std::io;
use std::ops::ControlFlow;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use ssecat::extract::{Extraction, Reader};
use ssecat::notes::Notes;
use ssecat::output::{EventWriter, TextOptions, TextWriter};
use ssecat::sse::Decoder;

#[path = "support/openai_stream.rs"]
mod openai_stream;

/// The size of one socket read in the comparison.
const CHUNK: usize = 64 * 1024;

fn stream() -> Vec<u8> {
    let mb: usize = std::env::var("SSECAT_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    openai_stream::generate(mb << 20).0
}

fn ssecat_events(input: &[u8]) -> usize {
    let mut decoder = Decoder::new(64 << 20);
    let mut events = 0;
    for chunk in input.chunks(CHUNK) {
        decoder
            .feed(chunk, |event| {
                black_box(event);
                events += 1;
                ControlFlow::Continue(())
            })
            .unwrap();
    }
    events
}

fn ssecat_text(input: &[u8]) -> usize {
    let mut decoder = Decoder::new(64 << 20);
    let mut writer = TextWriter::new(
        Reader::new(Extraction::Auto),
        TextOptions::default(),
        Notes::silent(),
    );
    let mut out = io::sink();
    let mut events = 0;
    for chunk in input.chunks(CHUNK) {
        decoder
            .feed(chunk, |event| {
                writer.write_event(&mut out, event).unwrap();
                events += 1;
                ControlFlow::Continue(())
            })
            .unwrap();
    }
    events
}

/// eventsource-stream yields owned events; the text then needs a JSON parse,
/// done here the way its users do, through `serde_json::Value`.
fn eventsource_stream(input: &[u8], extract_text: bool) -> usize {
    let chunks = futures_util::stream::iter(input.chunks(CHUNK).map(Ok::<_, Infallible>));
    let mut events = chunks.eventsource();
    futures_executor::block_on(async {
        let mut count = 0;
        while let Some(event) = events.next().await {
            let event = event.unwrap();
            if extract_text {
                if let Ok(value) = serde_json::from_str::<serde_json::Value>(&event.data) {
                    black_box(value["choices"][0]["delta"]["content"].as_str());
                }
            }
            black_box(&event);
            count += 1;
        }
        count
    })
}

fn bench(c: &mut Criterion) {
    let input = stream();
    let expected = ssecat_events(&input);
    assert_eq!(
        eventsource_stream(&input, false),
        expected,
        "the decoders disagree"
    );

    let mut group = c.benchmark_group("decode");
    group
        .throughput(Throughput::Bytes(input.len() as u64))
        .sample_size(10);
    group.bench_function("ssecat", |b| {
        b.iter(|| assert_eq!(ssecat_events(&input), expected))
    });
    group.bench_function("eventsource-stream", |b| {
        b.iter(|| eventsource_stream(&input, false))
    });
    group.finish();

    // One 16 MiB line in 4 KiB reads: linear cost means the same rate as above.
    let long_line = [b"data: ".as_slice(), &vec![b'x'; 16 << 20], b"\n\n"].concat();
    let mut group = c.benchmark_group("long-line-4KiB-reads");
    group
        .throughput(Throughput::Bytes(long_line.len() as u64))
        .sample_size(10);
    group.bench_function("ssecat", |b| {
        b.iter(|| {
            let mut decoder = Decoder::new(64 << 20);
            let mut len = 0;
            for chunk in long_line.chunks(4096) {
                decoder
                    .feed(chunk, |event| {
                        len = event.data.len();
                        ControlFlow::Continue(())
                    })
                    .unwrap();
            }
            assert_eq!(len, 16 << 20);
        })
    });
    group.finish();

    let mut group = c.benchmark_group("text");
    group
        .throughput(Throughput::Bytes(input.len() as u64))
        .sample_size(10);
    group.bench_function("ssecat", |b| b.iter(|| ssecat_text(&input)));
    group.bench_function("eventsource-stream+serde_json", |b| {
        b.iter(|| eventsource_stream(&input, true))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
