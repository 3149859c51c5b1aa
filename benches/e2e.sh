#!/usr/bin/env bash
# End-to-end throughput and peak memory of the release binary on generated
# files: `bash benches/e2e.sh [MIB]` (default 200; RUNS runs each, default 5).
# Two inputs: an OpenAI-style stream (~290-byte chunks), for `--text`,
# `--format data`, `--jsonl`, `--format sse` and `--raw`; and big multi-line
# events (64 KiB to 1 MiB each, many short `data:` lines), for `--format
# data` and `--jsonl`. Prints, per format, the median and best in MB/s, the
# peak RSS, and the ratio (by medians) to the no-parse floor, `cat FILE` into
# /dev/null. SSECAT=/path/to/other/ssecat measures another build.
set -euo pipefail
cd "$(dirname "$0")/.."

mib=${1:-200}
runs=${RUNS:-5}
if [ ! -x /usr/bin/time ]; then
  echo "needs GNU time: apt-get install -y time" >&2
  exit 1
fi

cargo build --release --quiet --bin ssecat --example gen_openai_stream --example gen_multiline_stream
ssecat=${SSECAT:-./target/release/ssecat}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# bench LABEL CMD...: $runs runs with stdout to /dev/null; sets median,
# prints one line (with the ratio to $floor, the floor's median, when set).
bench() {
  local label=$1 rss=0 times=() secs kib best t0 t1
  shift
  for _ in $(seq "$runs"); do
    # Wall clock from the shell (GNU time's %e has 10 ms steps); %M: peak
    # RSS in KiB.
    t0=$EPOCHREALTIME
    /usr/bin/time -o "$work/rss" -f %M "$@" > /dev/null
    t1=$EPOCHREALTIME
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
    kib=$(tail -n 1 "$work/rss")
    times+=("$secs")
    [ "$kib" -gt "$rss" ] && rss=$kib
  done
  read -r best median < <(printf '%s\n' "${times[@]}" | sort -g |
    awk '{ t[NR] = $1 } END { m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2; print t[1], m }')
  awk -v l="$label" -v s="$median" -v best="$best" -v b="$bytes" -v r="$rss" -v f="${floor:-}" \
    'BEGIN { printf "  %-20s %7.3f s  %7.0f MB/s (best %7.0f)  peak RSS %5.1f MiB", l, s,
               (s > 0 ? b / s / 1e6 : 0), (best > 0 ? b / best / 1e6 : 0), r / 1024
             if (f != "" && s > 0) printf "  %.2fx the floor", f / s
             printf "\n" }'
}

# input NAME FILE: the floor, then $floor for the lines after.
input() {
  bytes=$(stat -c %s "$2")
  echo "$1: $bytes bytes ($mib MiB), $(grep -c '^$' "$2") events; median of $runs runs"
  floor=
  bench "cat (floor)" cat "$2"
  floor=$median
}

stream="$work/openai.sse"
./target/release/examples/gen_openai_stream "$mib" > "$stream"
input "OpenAI chunks" "$stream"
for args in "--text" "--format data" "--jsonl" "--format sse" "--raw"; do
  # shellcheck disable=SC2086 # $args is two words at most
  bench "ssecat $args" "$ssecat" $args "$stream"
done
rm -f "$stream"

stream="$work/multiline.sse"
./target/release/examples/gen_multiline_stream "$mib" > "$stream"
input "64 KiB-1 MiB multi-line events" "$stream"
for args in "--format data" "--jsonl"; do
  # shellcheck disable=SC2086
  bench "ssecat $args" "$ssecat" $args "$stream"
done
