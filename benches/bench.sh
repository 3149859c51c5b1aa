#!/usr/bin/env bash
# Accuracy of `ssecat bench` against a server whose timing is known, on
# 127.0.0.1: `bash benches/bench.sh [LEVELS…]` (default 1 64 512 2048
# concurrent streams).
#
# Builds the release binary, then runs two checks, each against its own
# `ssecat serve -s --text @WORDS --ttft 200ms --itl 20ms` (64 words), on
# OpenAI Chat's POST /v1/chat/completions:
# - chunk: one token a chunk, `stream_options.include_usage` (usage at the
#   end only, so ITL is inter-chunk latency). Truth: TTFT 200 ms, ITL 20 ms,
#   TPOT 20 ms.
# - token: `--tokens-per-chunk 4`, `continuous_usage_stats` (usage in every
#   chunk, so ITL is per token: each 20 ms gap shared by its 4 tokens).
#   Truth: TTFT 200 ms, ITL 5 ms, TPOT = 15 gaps × 20 ms / 63 = 4.762 ms
#   (the first chunk's 4 tokens come together at TTFT).
# At each level: `ssecat bench -c LEVEL -n N --warmup LEVEL` (N = max(32,
# 4 × LEVEL), $REQUESTS overrides; the warm-up round, whose TTFT includes
# opening the connection, is left out; $WARMUP overrides) and a table of
# the report's p50 and p99 of TTFT, TPOT and ITL against the truth, error =
# the larger of |p50 − truth| and |p99 − truth|, pass when within 2% + 1 ms.
# Percentiles are HdrHistogram's (within 0.1%, the bucket's highest value).
# The server and the client share this machine's CPUs: the load average
# before each check tells how busy it was. SSECAT=PATH measures another
# build. Reports are kept in $BENCH_OUT (default target/bench-accuracy).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

levels=("$@")
[ ${#levels[@]} -gt 0 ] || levels=(1 64 512 2048)
ttft_ms=200
itl_ms=20
words=64

# Each stream holds a socket on both sides, all in this shell's children.
max=0
for n in "${levels[@]}"; do [ "$n" -gt "$max" ] && max=$n; done
need=$(( 2 * max + 256 ))
if [ "$(ulimit -n)" -lt "$need" ]; then
  ulimit -n "$need" || { echo "bench.sh: needs ulimit -n $need for $max streams" >&2; exit 1; }
fi

if [ -z "${SSECAT:-}" ]; then
  cargo build --release --quiet --bin ssecat
fi
ssecat=${SSECAT:-./target/release/ssecat}
out=${BENCH_OUT:-target/bench-accuracy}
mkdir -p "$out"

# shellcheck source=support/server.sh
. benches/support/server.sh

write_words "$words" "$work/words.txt"

# check NAME TOKENS_PER_CHUNK STREAM_OPTIONS: one table for all levels.
check() {
  local name=$1 per=$2 options=$3 n requests warmup report
  local chunks=$(( words / per ))
  start_server --text "@$work/words.txt" --ttft "${ttft_ms}ms" --itl "${itl_ms}ms" \
    --tokens-per-chunk "$per"
  local body='{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":'"$options"'}'
  echo "$name: $words tokens, $per a chunk, --ttft ${ttft_ms}ms --itl ${itl_ms}ms, stream_options $options;" \
    "$(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
  local reports=()
  for n in "${levels[@]}"; do
    requests=${REQUESTS:-$(( 4 * n > 32 ? 4 * n : 32 ))}
    warmup=${WARMUP:-$n}
    report="$out/$name-c$n.json"
    # Exit 12 (a request failed) still writes the report: the table shows it.
    "$ssecat" bench -s -c "$n" -n "$requests" --warmup "$warmup" --report "$report" \
      "http://$addr/v1/chat/completions" --json "$body" > /dev/null || true
    reports+=("$report")
  done
  stop_server
  python3 - "$ttft_ms" "$itl_ms" "$per" "$words" "$chunks" "${reports[@]}" << 'EOF'
import json, sys
ttft, itl, per, words, chunks = map(float, sys.argv[1:6])
truth = {
    "ttft_ms": ttft,
    "tpot_ms": itl * (chunks - 1) / (words - 1),
    "itl_ms": itl / per,
}
print(f"{'level':>6} {'n':>5} {'failed':>6} {'metric':<6} {'truth':>8} {'p50':>9} {'p99':>9} {'error':>7} {'bound':>6}  result")
for path in sys.argv[6:]:
    level = json.load(open(path))["levels"][0]
    for key, want in truth.items():
        stats = level[key] or {"p50": float("nan"), "p99": float("nan")}
        error = max(abs(stats["p50"] - want), abs(stats["p99"] - want))
        bound = 0.02 * want + 1
        ok = error <= bound and level["failed"] == 0
        print(f"{level['concurrency']:>6} {level['completed']:>5} {level['failed']:>6} "
              f"{key[:-3].upper():<6} {want:>8.3f} {stats['p50']:>9.3f} {stats['p99']:>9.3f} "
              f"{error:>7.3f} {bound:>6.2f}  {'pass' if ok else 'FAIL'}")
    print(f"{'':>6} gap_basis {level['gap_basis']}, token_basis {level['token_basis']}, "
          f"{level['duration_s']:.1f} s, queue p99 {level['queue_ms']['p99']:.3f} ms"
          + (f", failures {level['failures']}" if level["failed"] else ""))
EOF
}

check chunk 1 '{"include_usage":true}'
echo
check token 4 '{"include_usage":true,"continuous_usage_stats":true}'
