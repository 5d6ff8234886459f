# shellcheck shell=bash
# tests/lib.sh -- shared helpers for the shell suites in tests/*/test_*.sh.
#
# Source it from a suite:   . "$(dirname "$0")/../lib.sh"
#
# What it gives:
#   start_server [flags]   runs "$SYNESTHD_BIN --port 0 [flags]" on 127.0.0.1,
#                          waits (10 s at most) for its stderr banner
#                          "synesthd <version>: listening on http://ADDR:PORT",
#                          exports BASE=http://127.0.0.1:PORT, SERVER_PID, SERVER_LOG.
#                          Servers nest: a second start_server pushes the first.
#   stop_server            SIGTERM to the newest server, waits, and records one case:
#                          it must exit 0 with no sanitizer report in its log.
#                          The previous server (if any) becomes current again.
#   ok / not_ok / check    print "ok - name" or "not ok - name: details" (TAP-like;
#                          tests/run counts these lines).
#   skip NAME REASON       print "ok - NAME # SKIP REASON", the one form of a skip
#                          (tests/run counts it apart; with CI set it fails).
#                          Only for what this machine cannot do, never for a
#                          missing package: that is a not_ok naming make deps-test.
#   req METHOD URL [curl args]   one bounded curl call: STATUS, body in $BODY,
#                          headers in $HDRS; hdr NAME reads one response header.
#   json_error WANT        checks $BODY is {"error":{"status":WANT,"code","message","hint"}}.
#   done_testing           ends the suite; the exit status is 1 if any case failed.
#
# Everything talks to 127.0.0.1 and every wait is bounded.  An EXIT trap kills
# every server this suite started, so none outlives it.  Owner of the temp dir
# $TMPD: this file (removed on exit).

set -u

: "${SYNESTHD_BIN:=$(pwd)/build/synesthd}"
SYN_TESTDATA="${SYN_TESTDATA:-../shared/testdata}"
PY=/usr/bin/python3            # Debian's python with numpy; `python3` may be pyenv's
CURL_MAX_TIME="${CURL_MAX_TIME:-30}"   # no single request may hang a suite

TMPD="$(mktemp -d "${TMPDIR:-/tmp}/synesthd-test.XXXXXX")"
BODY="$TMPD/body"
HDRS="$TMPD/headers"
N_OK=0
N_FAIL=0
STATUS=""
BASE=""
SERVER_PID=""
SERVER_LOG=""
_SRV_PIDS=()   # stack of running servers (newest last)
_SRV_LOGS=()
_SRV_BASES=()

_LIB_MAIN=$BASHPID
_lib_cleanup() {
    local rc=$? p
    [ "$BASHPID" = "$_LIB_MAIN" ] || exit "$rc" # a subshell: leave the suite's state alone
    for p in "${_SRV_PIDS[@]}"; do
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    if [ -n "${KEEP_TMP:-}" ]; then
        echo "# kept $TMPD" >&2
    else
        rm -rf "$TMPD"
    fi
    if [ "$N_FAIL" -gt 0 ] && [ "$rc" -eq 0 ]; then rc=1; fi
    exit "$rc"
}
trap _lib_cleanup EXIT
trap 'exit 130' INT TERM

# --- reporting -------------------------------------------------------------
ok() { N_OK=$((N_OK + 1)); echo "ok - $1"; }
not_ok() {
    N_FAIL=$((N_FAIL + 1))
    if [ $# -ge 2 ]; then echo "not ok - $1: $2"; else echo "not ok - $1"; fi
}
# check NAME DETAILS cmd...  -> ok if cmd succeeds, else not_ok with DETAILS.
check() {
    local name=$1 details=$2
    shift 2
    if "$@" >/dev/null 2>&1; then ok "$name"; else not_ok "$name" "$details"; fi
}
# tap_from FILE: records the "ok - " / "not ok - " lines another program
# wrote (e.g. a python check) as this suite's own cases.
tap_from() {
    local line
    while IFS= read -r line; do
        case "$line" in
            "ok - "*) ok "${line#ok - }" ;;
            "not ok - "*) N_FAIL=$((N_FAIL + 1)); echo "$line" ;;
            *) echo "# $line" ;;
        esac
    done <"$1"
}
N_SKIP=0
skip() {
    N_SKIP=$((N_SKIP + 1))
    echo "ok - $1 # SKIP $2"
}
# note: a comment line, ignored by the counter.
note() { echo "# $*"; }

done_testing() {
    echo "# $N_OK passed, $N_FAIL failed, $N_SKIP skipped"
    [ "$N_FAIL" -eq 0 ]
    exit $?
}

require_binary() {
    if [ ! -x "$SYNESTHD_BIN" ]; then
        not_ok "server binary exists" "$SYNESTHD_BIN is missing or not executable"
        exit 1
    fi
}

# --- servers ---------------------------------------------------------------
# start_server [flags...]: returns 0 with BASE set, or 1 after a not_ok.
start_server() {
    local log port line i pid
    log="$(mktemp "$TMPD/server.XXXXXX")"
    "$SYNESTHD_BIN" --port 0 "$@" >"$log.out" 2>"$log" </dev/null &
    pid=$!
    _SRV_PIDS+=("$pid")
    _SRV_LOGS+=("$log")
    _SRV_BASES+=("")
    port=""
    for _ in $(seq 1 100); do   # 100 x 0.1 s = the 10 s start-up bound
        line="$(grep -m1 -E '^synesthd [^ ]+: listening on http://[^ ]+:[0-9]+' "$log" 2>/dev/null)"
        if [ -n "$line" ]; then
            port="${line##*:}"
            port="${port%%[!0-9]*}"
            break
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$port" ]; then
        not_ok "server starts (flags: $*)" "no 'listening on' banner within 10 s; log: $(head -c 600 "$log" | tr '\n' '|')"
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        _srv_pop
        return 1
    fi
    BASE="http://127.0.0.1:$port"
    _SRV_BASES[-1]="$BASE"
    SERVER_PID=$pid
    SERVER_LOG=$log
    export BASE
    return 0
}

_srv_pop() {
    unset '_SRV_PIDS[-1]' '_SRV_LOGS[-1]' '_SRV_BASES[-1]'
    if [ "${#_SRV_PIDS[@]}" -gt 0 ]; then
        SERVER_PID=${_SRV_PIDS[-1]}
        SERVER_LOG=${_SRV_LOGS[-1]}
        BASE=${_SRV_BASES[-1]}
    else
        SERVER_PID="" SERVER_LOG="" BASE=""
    fi
}

# Wait (at most $2 seconds) for child $1; WAIT_RC = its exit status (137 if
# killed).  Polls /proc rather than arming a watchdog subshell: a signal to a
# freshly forked subshell could run this file's traps there.  Runs in this
# shell, since `wait` cannot reach a child from a subshell.
_wait_bounded() {
    local pid=$1 n=0 st
    while [ "$n" -lt $(($2 * 10)) ]; do
        st="$(sed 's/^.*) //; s/ .*//' "/proc/$pid/stat" 2>/dev/null)"
        if [ -z "$st" ] || [ "$st" = Z ]; then break; fi
        sleep 0.1
        n=$((n + 1))
    done
    [ "$n" -lt $(($2 * 10)) ] || kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    WAIT_RC=$?
}

# Sanitizer or crash reports in a server log.
sanitizer_report() {
    grep -m3 -E 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|SUMMARY: (Address|Undefined|Leak)Sanitizer' "$1"
}

# stop_server [name]: SIGTERM, then wait_server_exit.
stop_server() {
    [ -n "$SERVER_PID" ] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null
    wait_server_exit "$@"
}

# wait_server_exit [name]: waits (20 s at most) for the current server, which
# was already told to stop; one case for a clean exit; pops the server.
wait_server_exit() {
    local name="${1:-server}" pid=$SERVER_PID log=$SERVER_LOG rc rep
    [ -n "$pid" ] || return 0
    _wait_bounded "$pid" 20
    rc=$WAIT_RC
    rep="$(sanitizer_report "$log")"
    if [ "$rc" = 0 ] && [ -z "$rep" ]; then
        ok "$name exits 0 on SIGTERM, no sanitizer report"
    else
        not_ok "$name exits 0 on SIGTERM, no sanitizer report" "exit $rc; $(printf '%s' "$rep" | tr '\n' '|'); log tail: $(tail -n 5 "$log" | tr '\n' '|')"
    fi
    _srv_pop
}

# Current server still answers /healthz with 200 (one case).
healthy() {
    local s
    s="$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' "$BASE/healthz" 2>/dev/null)"
    if [ "$s" = 200 ]; then ok "healthy after $1"; else not_ok "healthy after $1" "GET /healthz -> ${s:-no answer}"; fi
}

# --- HTTP ------------------------------------------------------------------
# req METHOD URL [curl args...]: STATUS=code ("000" if no answer), $BODY, $HDRS.
req() {
    local m=$1 u=$2
    shift 2
    : >"$BODY"
    : >"$HDRS"
    STATUS="$(curl -sS --max-time "$CURL_MAX_TIME" -X "$m" -o "$BODY" -D "$HDRS" \
        -w '%{http_code}' "$@" "$u" 2>"$TMPD/curl.err")"
    [ -n "$STATUS" ] || STATUS=000
}

# hdr NAME [file]: the value of a header in the last response block of the file.
hdr() {
    awk -v want="$(printf '%s' "$1" | tr 'A-Z' 'a-z')" '
        /^HTTP\// { v = ""; found = 0; next }
        {
            sub(/\r$/, "")
            i = index($0, ":")
            if (i > 0 && tolower(substr($0, 1, i - 1)) == want && !found) {
                v = substr($0, i + 1); sub(/^[ \t]+/, "", v); found = 1
            }
        }
        END { if (found) print v; else exit 1 }' "${2:-$HDRS}"
}

# Media type of the last response, lower case, parameters dropped.
ctype() { hdr Content-Type "${1:-$HDRS}" | sed 's/;.*//; s/[[:space:]]//g' | tr 'A-Z' 'a-z'; }

body_size() { stat -c %s "${1:-$BODY}"; }

# json_error WANT [file]: prints nothing and returns 0 when the body is the
# error record with that status; prints the reason otherwise.
json_error() {
    "$PY" - "$1" "${2:-$BODY}" <<'EOF'
import json, sys
want, path = int(sys.argv[1]), sys.argv[2]
try:
    d = json.load(open(path, "rb"))
except Exception as ex:
    print("body is not JSON (%s): %r" % (ex, open(path, "rb").read(120))); sys.exit(1)
e = d.get("error") if isinstance(d, dict) else None
if not isinstance(e, dict):
    print("no error object: %r" % (d,)); sys.exit(1)
if e.get("status") != want:
    print("error.status %r != %d" % (e.get("status"), want)); sys.exit(1)
for k in ("code", "message", "hint"):
    if not isinstance(e.get(k), str):
        print("error.%s missing or not a string" % k); sys.exit(1)
if not e["code"] or not e["message"]:
    print("empty code or message"); sys.exit(1)
EOF
}

# expect_error NAME WANT: one case for "status WANT with the JSON error body".
expect_error() {
    local name=$1 want=$2 why
    if [ "$STATUS" != "$want" ]; then
        not_ok "$name" "want $want, got $STATUS: $(head -c 200 "$BODY" | tr '\n' ' ')"
        return 1
    fi
    if [ "$(ctype)" != application/json ]; then
        not_ok "$name" "status $want but Content-Type '$(ctype)', not application/json"
        return 1
    fi
    if ! why="$(json_error "$want")"; then
        not_ok "$name" "status $want but $why"
        return 1
    fi
    ok "$name"
}

# body_kind [file]: "wav", "png", "flac", "ogg" or "other", from magic bytes.
body_kind() {
    "$PY" - "${1:-$BODY}" <<'EOF'
import sys
b = open(sys.argv[1], "rb").read(16)
if len(b) >= 12 and b[:4] == b"RIFF" and b[8:12] == b"WAVE": print("wav")
elif b[:8] == b"\x89PNG\r\n\x1a\n": print("png")
elif b[:4] == b"fLaC": print("flac")
elif b[:4] == b"OggS": print("ogg")
else: print("other")
EOF
}

# whole_200 KIND: prints "" if the last 200 reply is whole (Content-Length
# matches the body, magic bytes of KIND), else the reason.
whole_200() {
    local cl size kind
    cl="$(hdr Content-Length)" || { echo "no Content-Length header"; return 1; }
    size="$(body_size)"
    if [ "$cl" != "$size" ]; then echo "Content-Length $cl but body $size bytes"; return 1; fi
    kind="$(body_kind)"
    if [ "$kind" != "$1" ]; then echo "body is $kind, not $1 ($(head -c 16 "$BODY" | od -An -c | tr -s ' ' | head -c 80))"; return 1; fi
    return 0
}

# png_size [file]: "W H" from the IHDR chunk.
png_size() {
    "$PY" - "${1:-$BODY}" <<'EOF'
import struct, sys
b = open(sys.argv[1], "rb").read(24)
if b[:8] != b"\x89PNG\r\n\x1a\n" or b[12:16] != b"IHDR": print("0 0"); sys.exit(1)
print("%d %d" % struct.unpack(">II", b[16:24]))
EOF
}

# audio_info FILE: "rate channels seconds encoding" as sox reads it.
audio_info() {
    local f=$1
    printf '%s %s %s %s\n' "$(sox --i -r "$f" 2>/dev/null)" "$(sox --i -c "$f" 2>/dev/null)" \
        "$(sox --i -D "$f" 2>/dev/null)" "$(sox --i -e "$f" 2>/dev/null | tr ' ' '_')"
}

# near A B TOL: |A-B| <= TOL (floats).
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= t) }'; }

# raw_req FILE [SECS]: sends FILE's bytes as-is on one socket to the current
# server, reads one response (SECS bound, default 5) into $HDRS and $BODY,
# sets STATUS and RAW_SECS (time to the full response).  For framing cases
# curl cannot make: a huge Content-Length with no body, no Content-Length.
raw_req() {
    local out
    out="$("$PY" - "${BASE##*:}" "$1" "${2:-5}" "$HDRS" "$BODY" <<'PYEOF'
import socket, sys, time
port, path, secs, hpath, bpath = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5]
t0 = time.monotonic()
s = socket.create_connection(("127.0.0.1", port), timeout=secs)
s.sendall(open(path, "rb").read())
buf = b""
head = None
need = None
try:
    while time.monotonic() - t0 < secs:
        s.settimeout(max(0.05, secs - (time.monotonic() - t0)))
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
        if head is None and b"\r\n\r\n" in buf:
            head, buf = buf.split(b"\r\n\r\n", 1)
            for line in head.split(b"\r\n")[1:]:
                k, _, v = line.partition(b":")
                if k.strip().lower() == b"content-length":
                    need = int(v.strip())
        if head is not None and need is not None and len(buf) >= need:
            break
except (socket.timeout, ConnectionResetError):
    pass
el = time.monotonic() - t0
if head is None:
    open(hpath, "wb").write(b"")
    open(bpath, "wb").write(buf)
    print("000 %.3f" % el)
else:
    open(hpath, "wb").write(head + b"\r\n\r\n")
    open(bpath, "wb").write(buf if need is None else buf[:need])
    parts = head.split(b"\r\n", 1)[0].split()
    print("%s %.3f" % (parts[1].decode() if len(parts) > 1 else "000", el))
PYEOF
)"
    STATUS="${out%% *}"
    RAW_SECS="${out##* }"
    [ -n "$STATUS" ] || STATUS=000
}

# make_png OUT W H [DECLARED_W DECLARED_H]: a random 8-bit grey PNG (seeded,
# so the same every run).  With DECLARED_* the IHDR claims that size while
# the IDAT holds only W x H pixels (a decompression-bomb header).
make_png() {
    "$PY" - "$@" <<'PYEOF'
import random, struct, sys, zlib
out, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
dw, dh = (int(sys.argv[4]), int(sys.argv[5])) if len(sys.argv) > 5 else (w, h)
rnd = random.Random(1234)
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
rows = b"".join(b"\0" + rnd.randbytes(w) for _ in range(h))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", dw, dh, 8, 0, 0, 0, 0)) \
    + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b"")
open(out, "wb").write(png)
PYEOF
}

# heavy_setup: finds a conversion that keeps a job busy for a while on the
# current server (for the 503 and SIGTERM cases).  Sets HEAVY_PNG, HEAVY_Q
# (query string) and HEAVY_SECS (measured time), or returns 1.
heavy_setup() {
    local q t0 t1
    HEAVY_PNG="$TMPD/heavy.png"
    [ -f "$HEAVY_PNG" ] || make_png "$HEAVY_PNG" 1024 1024
    # griffinlim (iterative phase rebuild) is the slowest synthesis: ~2 s for 60 s
    # of sound on the 2-core dev box; the others are fallbacks.
    for q in "duration=60&synthesis=griffinlim" "duration=60&synthesis=noise" "duration=10"; do
        t0=$(date +%s.%N)
        req POST "$BASE/v1/generate/audio?$q" --data-binary @"$HEAVY_PNG" -H 'Content-Type: image/png'
        t1=$(date +%s.%N)
        if [ "$STATUS" = 200 ]; then
            HEAVY_Q=$q
            HEAVY_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
            note "heavy conversion: 1024x1024 PNG ?$q takes ${HEAVY_SECS}s"
            return 0
        fi
    done
    return 1
}
