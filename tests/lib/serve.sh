# Common scaffolding of the `xdperf serve` / admin API test cases (source it first thing, before
# any cd). On sourcing: REPO T XDPERF XDPERF_ASAN get their usual defaults, fail=0, pids=() and an
# EXIT trap that stops every pid in pids (SIGTERM, SIGKILL after 5 s).
#   bad MSG...                 prints "FAILED: MSG" and sets fail=1
#   need_tools CMD...          exit 77 with "CMD is not installed" when one is missing; a CMD of
#                              "dig (bind9-dnsutils)" checks dig and prints the whole string
#   need_built FILE...         exit 1 with "FAILED: FILE missing (make all asan)" when one of the
#                              build outputs is missing
#   serve_start NAME BIN ARGS...  runs "BIN serve ARGS..." in the background, stdout in
#                              $T/NAME.out, stderr in $T/NAME.err; the pid goes to pids and to
#                              SERVE_PID[NAME]
#   serve_wait NAME SPEC...    waits (at most 10 s, less if the server dies) until the stderr of
#                              NAME shows every SPEC: "admin" (sets ADMIN=ADDR:PORT, HTTP or HTTPS), or
#                              PROTO[:ID[@HOST-REGEX]] (a listener, see serve_port); otherwise
#                              shows that stderr, "FAILED: server NAME did not start" and exits 1
#   serve_port NAME PROTO [ID [HOST-REGEX]]  prints the port of the first matching
#                              "[serve] INFO: listening on PROTO://HOST:PORT for protocol ID ..."
#                              line (any ID when empty; host 127.0.0.1 unless given)
#   serve_stop NAME [SECONDS]  SIGTERM, waits (default 10 s); SERVE_RC = exit status, or "" when
#                              it is still running
#   serve_healthy NAME         bad() unless NAME is still running and logged no sanitizer report
#   serve_sanitizer_check NAME  "ok no sanitizer report in the server's stderr" or bad() with it
REPO="${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
T="${TMPDIR:-/tmp}"
XDPERF="${XDPERF:-$REPO/build/xdperf}"
XDPERF_ASAN="${XDPERF_ASAN:-$REPO/build/asan/xdperf}"
fail=0
pids=()
declare -A SERVE_PID=()
SERVE_RC=""
ADMIN=""

bad() { echo "FAILED: $*"; fail=1; }

need_tools() {
  local c
  for c in "$@"; do
    command -v "${c%% *}" >/dev/null || { echo "$c is not installed"; exit 77; }
  done
}

need_built() {
  local f
  for f in "$@"; do
    [ -e "$f" ] || { echo "FAILED: $f missing (make all asan)"; exit 1; }
  done
}

serve_cleanup() {
  local p i
  [ ${#pids[@]} -gt 0 ] || return 0
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for ((i = 0; i < 50; i++)); do
    local alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive -eq 1 ] || break
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  wait 2>/dev/null
}
trap serve_cleanup EXIT

serve_start() {
  local name="$1" bin="$2"; shift 2
  "$bin" serve "$@" >"$T/$name.out" 2>"$T/$name.err" &
  SERVE_PID[$name]=$!
  pids+=($!)
}

serve_port() {
  local host="${4:-127\.0\.0\.1}" id="${3:-[^ ]*}"
  sed -n "s|^\[serve\] INFO: listening on $2://$host:\([0-9]*\) for protocol $id .*|\1|p" "$T/$1.err" | head -n 1
}

serve_wait() {
  local name="$1"; shift
  local spec missing i p id host
  for ((i = 0; i < 100; i++)); do
    missing=""
    for spec in "$@"; do
      if [ "$spec" = admin ]; then
        ADMIN=$(sed -n 's|^\[admin\] INFO: admin API on https\{0,1\}://\([0-9.]*:[0-9]*\).*|\1|p' "$T/$name.err" | head -n 1)
        [ -n "$ADMIN" ] || missing+=" $spec"
      else
        p="${spec%%:*}" id="" host=""
        if [ "$spec" != "$p" ]; then id="${spec#*:}"; fi
        if [ "$id" != "${id%%@*}" ]; then host="${id#*@}"; id="${id%%@*}"; fi
        [ -n "$(serve_port "$name" "$p" "$id" "$host")" ] || missing+=" $spec"
      fi
    done
    [ -z "$missing" ] && return 0
    kill -0 "${SERVE_PID[$name]}" 2>/dev/null || break
    sleep 0.1
  done
  cat "$T/$name.err"
  echo "FAILED: server $name did not start (no$missing)"
  exit 1
}

serve_stop() {
  local name="$1" secs="${2:-10}" i pid="${SERVE_PID[$1]}"
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < secs * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  SERVE_RC=""
  if ! kill -0 "$pid" 2>/dev/null; then wait "$pid"; SERVE_RC=$?; fi
}

serve_healthy() {
  kill -0 "${SERVE_PID[$1]}" 2>/dev/null || bad "server $1 died: $(tail -n 3 "$T/$1.err")"
  if grep -Eq 'runtime error|AddressSanitizer|LeakSanitizer' "$T/$1.err"; then
    bad "sanitizer report from server $1:"; grep -E -A2 'runtime error|Sanitizer' "$T/$1.err" | head -n 8
  fi
}

serve_sanitizer_check() {
  if grep -Eq 'AddressSanitizer|runtime error|LeakSanitizer' "$T/$1.err"; then
    bad "sanitizer report in the server's stderr:"
    grep -E -A20 'AddressSanitizer|runtime error|LeakSanitizer' "$T/$1.err" | head -n 40
  else
    echo "ok no sanitizer report in the server's stderr"
  fi
}
