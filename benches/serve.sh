#!/usr/bin/env bash
# Timing and memory of `ssecat serve` under load, on 127.0.0.1:
# `bash benches/serve.sh [LEVELS…]` (default 1 100 1000 concurrent streams).
#
# Builds the release binary and examples/serve_timing.rs (the load client),
# then runs two checks, each against its own server:
# - synth: `ssecat serve --text @WORDS --ttft 200ms --itl 20ms` (200 words,
#   one a chunk), asked on $SERVE_PATH (default /completion, llama.cpp) with
#   $SERVE_BODY; $SERVE_CARRIES is what a chunk with text contains.
# - replay: a 200-event .sse file served with `--ttft 200ms --itl 20ms`.
# At each level the client opens N connections, waits $SETTLE_MS (default
# 300) so that the server has accepted them all, writes N requests at about
# the same time and prints |error| p50 p90 p99 max in ms of TTFT (first text
# chunk − request written − ttft), of each gap (− itl) and of each chunk's
# offset from the request against the schedule (ttft + k·itl). Then the
# server's RSS: mid-run (all N streams open) and its peak so far (VmHWM).
# The client runs on the same 2 CPUs as the server: see benches/README.md.
# SSECAT=PATH measures another build of ssecat (before/after a change);
# the load average before each check tells how busy the machine was.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

levels=("$@")
[ ${#levels[@]} -gt 0 ] || levels=(1 100 1000)
ttft_ms=200
itl_ms=20
words=200
path=${SERVE_PATH:-/completion}
body=${SERVE_BODY:-'{"prompt":"hi","stream":true}'}
carries=${SERVE_CARRIES:-'"stop":false'}

# Each stream holds a socket on both sides, all in this shell's children.
max=0
for n in "${levels[@]}"; do [ "$n" -gt "$max" ] && max=$n; done
need=$(( 2 * max + 256 ))
if [ "$(ulimit -n)" -lt "$need" ]; then
  ulimit -n "$need" || { echo "serve.sh: needs ulimit -n $need for $max streams" >&2; exit 1; }
fi

cargo build --release --quiet --bin ssecat --example serve_timing
ssecat=${SSECAT:-./target/release/ssecat}
client=./target/release/examples/serve_timing

# shellcheck source=support/server.sh
. benches/support/server.sh

cpu_ticks() { # the server's user + system CPU time so far, in clock ticks
  awk '{ print $14 + $15 }' "/proc/$server_pid/stat"
}

kib() { # kib FIELD: the server's /proc status field, in KiB
  awk -v f="$1:" '$1 == f { print $2 }' "/proc/$server_pid/status"
}

# levels CLIENT-ARGS…: one row per level: the client's figures, then the
# server's RSS with every stream open (sampled halfway through the streams),
# its peak so far, and the CPU time it spent on the level.
run_levels() {
  printf '%7s %9s | %-27s | %-27s | %-27s | %s\n' streams completed \
    "TTFT |err| p50 p90 p99 max" "gap |err| p50 p90 p99 max" \
    "offset |err| p50 p90 p99 max" "server RSS MiB: open, peak; CPU s"
  local n mid_ms rss cpu0
  mid_ms=$(( ttft_ms + words * itl_ms / 2 ))
  for n in "${levels[@]}"; do
    cpu0=$(cpu_ticks)
    "$client" "$addr" "$@" --streams "$n" --ttft "$ttft_ms" --itl "$itl_ms" \
      --chunks "$words" --settle "${SETTLE_MS:-300}" --row > "$work/row" &
    local client_pid=$!
    sleep "$(awk -v ms="$mid_ms" 'BEGIN { print ms / 1000 }')"
    rss=$(kib VmRSS)
    wait "$client_pid" || echo "serve.sh: not every stream completed at $n" >&2
    awk -v row="$(cat "$work/row")" -v r="$rss" -v p="$(kib VmHWM)" \
      -v c="$(( $(cpu_ticks) - cpu0 ))" -v hz="$(getconf CLK_TCK)" \
      'BEGIN { printf "%s | %5.1f, %5.1f; %4.1f\n", row, r / 1024, (p > r ? p : r) / 1024, c / hz }'
  done
}

check_synth() {
  # A text of $words words: one word a chunk.
  write_words "$words" "$work/words.txt"
  start_server --text "@$work/words.txt" --ttft "${ttft_ms}ms" --itl "${itl_ms}ms"
  echo "synth: POST $path, $words chunks, --ttft ${ttft_ms}ms --itl ${itl_ms}ms; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
  run_levels "$path" --body "$body" --carries "$carries"
  stop_server
}

check_replay() {
  local i
  for i in $(seq "$words"); do printf 'data: {"n":%d}\n\n' "$i"; done > "$work/replay.sse"
  start_server "$work/replay.sse" --ttft "${ttft_ms}ms" --itl "${itl_ms}ms"
  echo "replay: GET /replay.sse, $words events, --ttft ${ttft_ms}ms --itl ${itl_ms}ms; load $(cut -d' ' -f1-3 /proc/loadavg)"
  run_levels /replay.sse --method GET --carries "data:"
  stop_server
}

check_synth
echo
check_replay
