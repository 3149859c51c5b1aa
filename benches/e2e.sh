#!/usr/bin/env bash
# End-to-end throughput and peak memory of the release binary on a generated
# OpenAI-style stream: `bash benches/e2e.sh [MIB]` (default 200).
# Prints, per output format, the best of 5 runs in MB/s and the peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."

mib=${1:-200}
runs=5
if [ ! -x /usr/bin/time ]; then
  echo "needs GNU time: apt-get install -y time" >&2
  exit 1
fi

cargo build --release --quiet --bin ssecat --example gen_openai_stream
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stream="$work/openai.sse"
./target/release/examples/gen_openai_stream "$mib" > "$stream"
bytes=$(stat -c %s "$stream")
echo "input: $bytes bytes ($mib MiB), $(grep -c '^data:' "$stream") events; best of $runs runs"

for args in "--text" "--format data" "--jsonl" "--format sse" "--raw"; do
  best=
  rss=0
  for _ in $(seq "$runs"); do
    # %e: elapsed seconds, %M: peak RSS in KiB.
    read -r secs kib < <(/usr/bin/time -f "%e %M" ./target/release/ssecat $args "$stream" 2>&1 >/dev/null | tail -n 1)
    if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$secs; fi
    [ "$kib" -gt "$rss" ] && rss=$kib
  done
  awk -v args="$args" -v s="$best" -v b="$bytes" -v r="$rss" \
    'BEGIN { printf "ssecat %-14s %7.3f s  %7.0f MB/s  peak RSS %5.1f MiB\n", args, s, (s > 0 ? b / s / 1e6 : 0), r / 1024 }'
done
