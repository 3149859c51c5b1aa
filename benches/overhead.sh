#!/usr/bin/env bash
# The client's own cost: `ssecat bench` beside a simple Python asyncio +
# aiohttp client of the kind vLLM's benchmark uses
# (benches/support/aiohttp_client.py), on 127.0.0.1:
# `bash benches/overhead.sh`.
#
# Builds the release binary and installs aiohttp into a venv under
# target/bench-venv (once; python3 -m venv and pip), then two parts, each
# against its own `ssecat serve -s --text @WORDS` (64 words, one a chunk,
# OpenAI Chat, `stream_options.include_usage`):
# - cpu: a fast server (`--ttft 20ms --itl 1ms`), so that the client's cost
#   dominates. At each of $CPU_LEVELS (default 64 512) each client runs
#   max(2000, 4 × LEVEL) requests after a warm-up round of LEVEL; its user +
#   system CPU time (GNU time) per 1,000 requests, warm-up and process
#   start included.
# - sustain: the accuracy server (`--ttft 200ms --itl 20ms`). At each of
#   $SUSTAIN_LEVELS (default 64 256 512 1024 2048) each client runs 3 rounds
#   after a warm-up round; its TTFT p50 and p99 and ITL p99 against the
#   truth (200 ms, 20 ms). The highest level whose TTFT p99 is within
#   2% + 1 ms is the highest it sustains without distorting timing.
# The clients take turns, ssecat first; both share this machine's 2 CPUs
# with the server: the load average before each part tells how busy it was.
# SSECAT=PATH measures another build (and skips the build).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

read -r -a cpu_levels <<< "${CPU_LEVELS:-64 512}"
read -r -a sustain_levels <<< "${SUSTAIN_LEVELS:-64 256 512 1024 2048}"
words=64

max=0
for n in "${cpu_levels[@]}" "${sustain_levels[@]}"; do [ "$n" -gt "$max" ] && max=$n; done
need=$(( 2 * max + 256 ))
if [ "$(ulimit -n)" -lt "$need" ]; then
  ulimit -n "$need" || { echo "overhead.sh: needs ulimit -n $need for $max streams" >&2; exit 1; }
fi

if [ -z "${SSECAT:-}" ]; then
  cargo build --release --quiet --bin ssecat
fi
ssecat=${SSECAT:-./target/release/ssecat}
venv=target/bench-venv
if ! "$venv/bin/python" -c 'import aiohttp' 2> /dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet aiohttp
fi
python=$venv/bin/python
client=benches/support/aiohttp_client.py
command -v /usr/bin/time > /dev/null || { echo "overhead.sh: needs GNU time (apt-get install time)" >&2; exit 1; }

# shellcheck source=support/server.sh
. benches/support/server.sh

write_words "$words" "$work/words.txt"
body='{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}'

# run CLIENT LEVEL REQUESTS: one run of a client; prints
# "cpu_s ttft_p50 ttft_p99 itl_p50 itl_p99 completed failed".
run() {
  local who=$1 c=$2 n=$3 url="http://$addr/v1/chat/completions"
  if [ "$who" = ssecat ]; then
    /usr/bin/time -f '%U %S' -o "$work/time" "$ssecat" bench -s -c "$c" -n "$n" --warmup "$c" \
      --report "$work/report.json" "$url" --json "$body" > /dev/null || true
    jq -r '.levels[0] | "\(.ttft_ms.p50) \(.ttft_ms.p99) \(.itl_ms.p50) \(.itl_ms.p99) \(.completed) \(.failed)"' \
      "$work/report.json" > "$work/figures"
  else
    /usr/bin/time -f '%U %S' -o "$work/time" "$python" "$client" "$url" "$body" -c "$c" -n "$n" \
      --warmup "$c" > "$work/report.json" || echo '{}' > "$work/report.json"
    jq -r '"\(.ttft_ms.p50) \(.ttft_ms.p99) \(.itl_ms.p50) \(.itl_ms.p99) \(.completed) \(.failed)"' \
      "$work/report.json" > "$work/figures"
  fi
  echo "$(awk '{ print $1 + $2 }' "$work/time") $(cat "$work/figures")"
}

start_server --text "@$work/words.txt" --ttft 20ms --itl 1ms
echo "cpu: client CPU per 1,000 requests of $words tokens, --ttft 20ms --itl 1ms;" \
  "$(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%6s %6s | %-30s | %-30s | %s\n' level n "ssecat: CPU s, per 1,000" "aiohttp: CPU s, per 1,000" ratio
for c in "${cpu_levels[@]}"; do
  n=$(( 4 * c > 2000 ? 4 * c : 2000 ))
  read -r cs _ _ _ _ sok sfail <<< "$(run ssecat "$c" "$n")"
  read -r cp _ _ _ _ pok pfail <<< "$(run python "$c" "$n")"
  awk -v c="$c" -v n="$n" -v cs="$cs" -v cp="$cp" -v all=$(( n + c )) -v s="$sok/$sfail" -v p="$pok/$pfail" 'BEGIN {
    printf "%6d %6d | %6.2f s, %6.3f s (ok/failed %s) | %6.2f s, %6.3f s (ok/failed %s) | %5.1fx\n",
      c, n, cs, cs * 1000 / all, s, cp, cp * 1000 / all, p, (cs > 0 ? cp / cs : 0)
  }'
done
stop_server

echo
start_server --text "@$work/words.txt" --ttft 200ms --itl 20ms
echo "sustain: TTFT and ITL against the truth (200 ms, 20 ms), 3 rounds after a warm-up round;" \
  "load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%6s %-8s %8s %9s %9s %9s %9s %8s  %s\n' level client "CPU s" "TTFT p50" "TTFT p99" \
  "ITL p50" "ITL p99" "ok/fail" "TTFT p99 within 5 ms"
for c in "${sustain_levels[@]}"; do
  for who in ssecat python; do
    read -r cpu t50 t99 i50 i99 ok fail <<< "$(run "$who" "$c" $(( 3 * c )))"
    awk -v c="$c" -v who="$who" -v cpu="$cpu" -v t50="$t50" -v t99="$t99" -v i50="$i50" \
      -v i99="$i99" -v of="$ok/$fail" 'BEGIN {
      printf "%6d %-8s %8.2f %9.3f %9.3f %9.3f %9.3f %8s  %s\n", c, (who == "python" ? "aiohttp" : who),
        cpu, t50, t99, i50, i99, of, (t99 - 200 <= 5 && 200 - t99 <= 5 ? "yes" : "no")
    }'
  done
done
stop_server
