//! Big multi-line SSE events, for benchmarks: events of 64 KiB to 1 MiB
//! each, every one many short `data:` lines (as a server sends a document,
//! a log or a code block line by line).

/// Event sizes in one block, in bytes: 64 KiB to 1 MiB.
const SIZES: [usize; 5] = [64 << 10, 128 << 10, 256 << 10, 512 << 10, 1 << 20];

/// One block of five events, one of each size in `SIZES` (about 1.9 MiB):
/// `data: ` lines of 20 to 99 bytes of printable ASCII, then a blank line.
pub fn block() -> Vec<u8> {
    let mut out = Vec::with_capacity(SIZES.iter().sum::<usize>() + 4096);
    let mut seed: u32 = 0x9e37_79b9;
    for (n, &size) in SIZES.iter().enumerate() {
        let start = out.len();
        out.extend_from_slice(format!("event: doc\nid: {n}\n").as_bytes());
        while out.len() - start < size {
            // xorshift: line lengths 20..100.
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let len = 20 + (seed % 80) as usize;
            out.extend_from_slice(b"data: ");
            out.extend((0..len).map(|i| b' ' + ((i as u32 + seed) % 95) as u8));
            out.push(b'\n');
        }
        out.push(b'\n');
    }
    out
}

/// At least `bytes` bytes of whole blocks, then `data: [DONE]`.
#[allow(dead_code)]
pub fn generate(bytes: usize) -> Vec<u8> {
    let block = block();
    let mut out = Vec::with_capacity(bytes + block.len() + 16);
    while out.len() < bytes {
        out.extend_from_slice(&block);
    }
    out.extend_from_slice(b"data: [DONE]\n\n");
    out
}
