#!/usr/bin/env python3
"""Reads timestamp events from a pipe and reports how late each one arrived.

Used by benches/http.sh: the server (examples/serve_stream.rs, /latency)
sends events whose data is the unix-epoch time in nanoseconds (CLOCK_REALTIME)
read just before the event is written to the socket. This reader takes the
same clock right after each line is returned by readline() on its stdin pipe,
so a sample is: server write -> loopback -> client (curl or ssecat) reads,
parses, writes and flushes into the pipe -> this process wakes up and reads
the line. Lines may be bare numbers (`ssecat --format data`) or `data: N`
(`curl -sN`, raw SSE); anything else (blank lines, `[DONE]`) is skipped.

Prints one line: `n=N p50=X p90=Y p99=Z max=W` in microseconds.
"""
import sys
import time


def main() -> None:
    now = time.time_ns
    readline = sys.stdin.buffer.readline
    samples = []
    while True:
        line = readline()
        received = now()
        if not line:
            break
        if line.startswith(b"data: "):
            line = line[6:]
        line = line.strip()
        if line.isdigit():
            samples.append(received - int(line))
    if not samples:
        print("n=0 p50=nan p90=nan p99=nan max=nan")
        sys.exit(1)
    samples.sort()

    def pct(p: float) -> float:
        # Nearest-rank percentile.
        rank = max(1, -(-len(samples) * p // 100))
        return samples[int(rank) - 1] / 1000

    print(
        f"n={len(samples)} p50={pct(50):.1f} p90={pct(90):.1f} p99={pct(99):.1f} "
        f"max={samples[-1] / 1000:.1f}"
    )


if __name__ == "__main__":
    main()
