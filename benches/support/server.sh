# Shared by the benchmark scripts (sourced): a scratch directory, and one
# `ssecat serve` at a time on a free port, stopped when the script ends.
# Needs $ssecat (the binary) set; sets $work, and $server_pid and $addr
# (HOST:PORT, from the server's first stderr line) per start_server.

work=$(mktemp -d)
server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2> /dev/null || true
    wait "$server_pid" 2> /dev/null || true
    server_pid=
  fi
}
trap 'stop_server; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# start_server ARGS…: starts `ssecat serve -s ARGS…` on a free port.
start_server() {
  # Emptied first, here: the next server truncates it only once it has
  # started, and until then the last server's port would be read.
  : > "$work/server.log"
  "$ssecat" serve --listen 127.0.0.1:0 -s "$@" 2> "$work/server.log" &
  server_pid=$!
  addr=
  for _ in $(seq 100); do
    addr=$(sed -n '1s|^ssecat: listening on http://\(.*\)$|\1|p' "$work/server.log")
    [ -n "$addr" ] && return 0
    kill -0 "$server_pid" 2> /dev/null || break
    sleep 0.05
  done
  echo "$(basename "$0"): the server did not start:" >&2
  cat "$work/server.log" >&2
  exit 1
}

# write_words N FILE: N words of text, for `serve --text @FILE`.
write_words() {
  awk -v n="$1" 'BEGIN {
    split("the stream sends each token when it is due and the client notes when every chunk comes", w, " ")
    for (i = 0; i < n; i++) printf "%s%s", (i ? " " : ""), w[i % length(w) + 1]
  }' > "$2"
}
