#!/usr/bin/env bash
# HTTP benchmark on loopback (127.0.0.1 only): `bash benches/http.sh [MIB]`
# (default 200). Builds the release binary and examples/serve_stream.rs,
# starts the server on a free port, and reports:
#
# 1. Throughput of the whole client process (start, connect, request, read
#    the chunked body, write to /dev/null, exit), wall clock, RUNS runs
#    (default 5) each, the median and the best:
#    - /large: MIB MiB of ~64 KiB one-line events.
#    - /openai: MIB MiB of ~290-byte OpenAI chunks: `--text`, `--format
#      data`, `--jsonl` and `--format sse` (the default format).
#    - /multiline: MIB MiB of big multi-line events (64 KiB to 1 MiB each,
#      many short `data:` lines): `--format data` and `--jsonl`.
#    Each route starts with `curl -sN` into /dev/null, which decodes nothing:
#    the no-parse floor of an HTTP client. Every ssecat line ends with its
#    ratio to that floor, by medians (x; 1.00x = as fast as curl).
#    MB/s is body bytes (as curl counts them) / 1e6 / seconds. The server
#    runs on the same machine, so client and server share the CPUs.
# 2. Peak RSS of each client (GNU time %M, the largest of the runs).
# 3. Latency per event with stdout a pipe (LAT_ROUNDS=0 skips it): the
#    server sends N small events
#    1 ms apart, each carrying the wall-clock time it was written at;
#    `CLIENT URL | python3 benches/latency.py` notes the time each line
#    comes out of the pipe. A sample is server write -> loopback -> client
#    -> pipe -> reader wake-up, so it includes costs that are not ssecat's
#    (scheduler wake-ups, python); the baseline is the same with `curl -sN`
#    (raw lines, no decoding) in ssecat's place. Added latency = ssecat's p99
#    minus curl's p99, each tool's best (lowest-p99) round of LAT_ROUNDS
#    (default 3, alternating curl and ssecat); the same for p50.
# SSECAT=/path/to/other/ssecat measures another build against the same server.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

mib=${1:-200}
runs=${RUNS:-5}
lat_events=2000
lat_rounds=${LAT_ROUNDS:-3}

need() {
  local missing=()
  command -v curl > /dev/null || missing+=(curl)
  [ -x /usr/bin/time ] || missing+=(time)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get > /dev/null; then
    echo "installing ${missing[*]} with apt-get" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" > /dev/null 2>&1 ||
      { apt-get update -qq > /dev/null 2>&1 &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" > /dev/null 2>&1; } ||
      { echo "http.sh: could not install ${missing[*]}; install them (apt-get install curl time)" >&2; exit 1; }
  else
    echo "http.sh: needs ${missing[*]} (apt-get install curl time)" >&2
    exit 1
  fi
}
need
command -v python3 > /dev/null || { echo "http.sh: needs python3 for the latency reader" >&2; exit 1; }

cargo build --release --quiet --bin ssecat --example serve_stream
ssecat=${SSECAT:-./target/release/ssecat}

work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2> /dev/null || true
    wait "$server_pid" 2> /dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Port 0: the server binds a free port on 127.0.0.1 and prints it. It also
# exits by itself after 10 minutes should this script be killed hard.
./target/release/examples/serve_stream 0 --exit-after 600 2> "$work/server.log" &
server_pid=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's/^serve_stream: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/server.log")
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2> /dev/null || break
  sleep 0.05
done
if [ -z "$port" ]; then
  echo "http.sh: the server did not start:" >&2
  cat "$work/server.log" >&2
  exit 1
fi
base="http://127.0.0.1:$port"
echo "server: examples/serve_stream on 127.0.0.1:$port (HTTP/1.1, chunked, 64 KiB frames); $(nproc) CPUs"

# timed CMD...: runs CMD with stdout to /dev/null; sets secs (wall clock)
# and kib (peak RSS).
timed() {
  local t0=$EPOCHREALTIME
  /usr/bin/time -o "$work/rss" -f %M "$@" > /dev/null
  local t1=$EPOCHREALTIME
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
  kib=$(tail -n 1 "$work/rss")
}

# bench LABEL CMD...: $runs runs; sets best and median (seconds), prints one
# line (with the ratio to $floor, the floor's median, when set). $bytes is
# the body size.
bench() {
  local label=$1 rss=0 times=()
  shift
  for _ in $(seq "$runs"); do
    timed "$@"
    times+=("$secs")
    [ "$kib" -gt "$rss" ] && rss=$kib
  done
  read -r best median < <(printf '%s\n' "${times[@]}" | sort -g |
    awk '{ t[NR] = $1 } END { m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2; print t[1], m }')
  awk -v l="$label" -v s="$median" -v b="$bytes" -v r="$rss" -v f="${floor:-}" -v best="$best" \
    'BEGIN { printf "  %-22s %7.3f s  %6.0f MB/s (best %6.0f)  peak RSS %5.1f MiB", l, s, b / s / 1e6, b / best / 1e6, r / 1024
             if (f != "") printf "  %.2fx the floor", f / s
             printf "\n" }'
}

# route NAME PATH: the untimed first request (body size, warm caches; the
# server generates and caches /openai's stream here), then curl, the floor.
route() {
  url="$base$2?mib=$mib"
  bytes=$(curl -sN -o /dev/null -w '%{size_download}' "$url")
  echo "$2: $bytes bytes ($mib MiB), $1; median of $runs runs (ratios by medians)"
  floor=
  bench "curl -sN (floor)" curl -sN "$url"
  floor=$median
}

verdict() { # verdict CONDITION-AWK-EXPR
  if awk "BEGIN { exit !($1) }"; then echo ok; else echo MISSED; fi
}

route "~64 KiB one-line events" /large
bench "ssecat --format data" "$ssecat" --format data "$url"

route "~290-byte OpenAI chunks" /openai
bench "ssecat --text" "$ssecat" --text "$url"
text_mbs=$(awk -v s="$median" -v b="$bytes" 'BEGIN { printf "%.0f", b / s / 1e6 }')
bench "ssecat --format data" "$ssecat" --format data "$url"
bench "ssecat --jsonl" "$ssecat" --jsonl "$url"
bench "ssecat --format sse" "$ssecat" --format sse "$url"
echo "  ssecat --text: $text_mbs MB/s (target >= 600 MB/s: $(verdict "$text_mbs >= 600"))"

route "64 KiB-1 MiB multi-line events" /multiline
bench "ssecat --format data" "$ssecat" --format data "$url"
bench "ssecat --jsonl" "$ssecat" --jsonl "$url"
echo "  peak RSS target < 16 MiB (see the ssecat lines above)"

[ "$lat_rounds" -gt 0 ] || exit 0
# Latency. start_ms gives the pipe's reader time to start before the first event.
url="$base/latency?n=$lat_events&gap_ms=1&start_ms=300"
echo "latency: $lat_events events 1 ms apart, CLIENT | benches/latency.py, in µs; $lat_rounds rounds"
field() { sed -n "s/.* $1=\([0-9.na]*\).*/\1/p"; }
# lowest VAR VALUE: VAR = min(VAR, VALUE).
lowest() {
  if [ -z "${!1}" ] || awk -v a="$2" -v b="${!1}" 'BEGIN { exit !(a < b) }'; then printf -v "$1" %s "$2"; fi
}
curl_p50= curl_p99= ssecat_p50= ssecat_p99=
for round in $(seq "$lat_rounds"); do
  line=$(curl -sN "$url" | python3 benches/latency.py)
  echo "  round $round curl -sN              $line"
  lowest curl_p50 "$(echo "$line" | field p50)"
  lowest curl_p99 "$(echo "$line" | field p99)"
  line=$("$ssecat" --format data "$url" | python3 benches/latency.py)
  echo "  round $round ssecat --format data  $line"
  lowest ssecat_p50 "$(echo "$line" | field p50)"
  lowest ssecat_p99 "$(echo "$line" | field p99)"
done
added=$(awk -v s="$ssecat_p99" -v c="$curl_p99" 'BEGIN { printf "%.1f", s - c }')
added50=$(awk -v s="$ssecat_p50" -v c="$curl_p50" 'BEGIN { printf "%.1f", s - c }')
echo "  added latency p99 (best p99 ssecat $ssecat_p99 - best p99 curl $curl_p99): $added µs (target < 100 µs: $(verdict "$added < 100"))"
echo "  added latency p50 (best p50 ssecat $ssecat_p50 - best p50 curl $curl_p50): $added50 µs"
echo "  (p99 of 2000 samples is the 20th worst: on a loaded 2-CPU machine it measures the scheduler more than either client)"
