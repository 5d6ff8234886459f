#!/usr/bin/env bash
# tests/api/test_hostile_http.sh -- hostile clients against the HTTP front end.
#
# Framing that libmicrohttpd lets through, multipart bombs and splits, body
# admission against --max-memory, slowloris, half-closed requests, clients
# that leave during a conversion, and SIGTERM with answers in flight.  Every
# case checks behaviour: the status, the JSON error record, that the server
# is still up and that slots come back; bounds in seconds are generous
# functional bounds, never speed targets.  All traffic goes to 127.0.0.x,
# bounded in count and time; files only under $TMPD.

cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
require_binary

PORT_OF() { echo "${BASE##*:}"; }

# metric NAME: one value from /metrics (a full series name, labels included).
metric() {
    curl -sS --max-time 5 "$BASE/metrics" 2>/dev/null | awk -v n="$1" '$1 == n { print $2; exit }'
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null; }

# raw_many FILE: send FILE's bytes on one socket, print every status line the
# server sends back before it closes (5 s bound), space-separated.
raw_statuses() {
    "$PY" - "$(PORT_OF)" "$1" <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(open(sys.argv[2], "rb").read())
buf, t0 = b"", time.monotonic()
try:
    while time.monotonic() - t0 < 5:
        c = s.recv(65536)
        if not c: break
        buf += c
except Exception:
    pass
print(" ".join(l.split(b" ")[1].decode() for l in buf.split(b"\r\n") if l.startswith(b"HTTP/1.")) or "none")
EOF
}

start_server --max-jobs 4 || exit 1
GEN_TEXT=/v1/generate/text

# --- finding 1: a part without a name ---------------------------------------
printf -- '--XyZ\r\nContent-Disposition: form-data\r\n\r\ncalm\r\n--XyZ--\r\n' >"$TMPD/noname.body"
req POST "$BASE$GEN_TEXT" -H 'Content-Type: multipart/form-data; boundary=XyZ' --data-binary @"$TMPD/noname.body"
expect_error "multipart part without name= -> 400 JSON" 400
printf -- '--XyZ\r\nContent-Disposition: form-data; name="te\0xt"\r\n\r\ncalm\r\n--XyZ--\r\n' >"$TMPD/nulname.body"
req POST "$BASE$GEN_TEXT" -H 'Content-Type: multipart/form-data; boundary=XyZ' --data-binary @"$TMPD/nulname.body"
expect_error "multipart part name with a NUL byte -> 400 JSON" 400
printf -- '--XyZ\r\nContent-Disposition: form-data; name=""\r\n\r\ncalm\r\n--XyZ--\r\n' >"$TMPD/emptyname.body"
req POST "$BASE$GEN_TEXT" -H 'Content-Type: multipart/form-data; boundary=XyZ' --data-binary @"$TMPD/emptyname.body"
expect_error "multipart part with an empty name -> 400 JSON" 400
healthy "nameless multipart parts"

# --- finding 11: a part is a part however the network splits it -------------
printf -- '--XyZ\r\nContent-Disposition: form-data; name="text"\r\n\r\ncalm\r\n--XyZ\r\nContent-Disposition: form-data; name="duration"\r\n\r\n2\r\n--XyZ--\r\n' >"$TMPD/split.body"
"$PY" - "$(PORT_OF)" "$TMPD/split.body" >"$TMPD/split.out" <<'EOF'
import socket, sys, time
port, body = int(sys.argv[1]), open(sys.argv[2], "rb").read()
req = (b"POST /v1/generate/text HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; "
       b"boundary=XyZ\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body)) + body
def one(cut):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(req[:cut]); time.sleep(0.01); s.sendall(req[cut:])
    buf = b""
    while True:
        c = s.recv(65536)
        if not c: break
        buf += c
    s.close()
    head, _, b = buf.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0], b
ref = one(len(req))
answers = {}
for cut in range(1, len(req)):
    answers.setdefault(one(cut), []).append(cut)
ok = ref[0].endswith(b"200 OK") and b'"text"' in ref[1]
if ok and len(answers) == 1 and ref in answers:
    print("ok - multipart text+duration split at each of %d offsets: every answer identical 200" % (len(req) - 1))
else:
    bad = [(k[0], k[1][:100], v[:8]) for k, v in answers.items() if k != ref]
    print("not ok - multipart split at every offset gives one answer: ref %r; others %r" % (ref[0], bad[:3]))
EOF
tap_from "$TMPD/split.out"

# --- part, field and query bounds -------------------------------------------
"$PY" - "$TMPD/many.body" 200000 <<'EOF'
import sys
n = int(sys.argv[2])
open(sys.argv[1], "wb").write(b"".join(b'--XyZ\r\nContent-Disposition: form-data; name="text"\r\n\r\nx\r\n' for _ in range(n)) + b"--XyZ--\r\n")
EOF
rss0=$(rss_kb "$SERVER_PID")
req POST "$BASE$GEN_TEXT" -H 'Content-Type: multipart/form-data; boundary=XyZ' --data-binary @"$TMPD/many.body"
rss1=$(rss_kb "$SERVER_PID")
if expect_error "200,000 one-byte parts ($(body_size "$TMPD/many.body") bytes) -> 413 JSON" 413; then
    if grep -q -- '--max-parts' "$BODY"; then ok "the 413 hint names --max-parts"; else not_ok "the 413 hint names --max-parts" "$(head -c 200 "$BODY")"; fi
fi
if [ -n "$rss0" ] && [ -n "$rss1" ] && [ $((rss1 - rss0)) -lt 65536 ]; then
    ok "many parts: server RSS grew by less than 64 MB (${rss0} -> ${rss1} kB)"
else
    not_ok "many parts: server RSS grew by less than 64 MB" "${rss0} -> ${rss1} kB"
fi
long="$(head -c 5000 /dev/zero | tr '\0' 7)"
req POST "$BASE$GEN_TEXT" -F text=calm -F "seed=$long"
expect_error "a 5000-byte option form field -> 400 JSON" 400
req POST "$BASE$GEN_TEXT?seed=$long" -F text=calm
expect_error "a 5000-byte query value -> 400 JSON" 400
q="$(seq 1 1000 | sed 's/^/a/; s/$/=1/' | paste -sd'&')"
printf 'GET /healthz?%s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$q" >"$TMPD/args.req"
raw_req "$TMPD/args.req" 10
expect_error "1,000 query arguments -> 400 JSON (was: no answer for 30 s)" 400
healthy "part, field and query bounds"

# --- finding 13: framing that libmicrohttpd 0.9.75 lets through -------------
H='Host: 127.0.0.1\r\nContent-Type: application/json\r\n'
printf "POST $GEN_TEXT HTTP/1.1\r\n${H}Content-Length: 16\r\nContent-Length: 60\r\n\r\n"'{"text":"calm"} GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n' >"$TMPD/dupcl.req"
st="$(raw_statuses "$TMPD/dupcl.req")"
if [ "$st" = 400 ]; then ok "two different Content-Length headers -> one 400, the rest is not run as a request"; else not_ok "two different Content-Length headers -> one 400 and close" "statuses: $st"; fi
raw_req "$TMPD/dupcl.req" 5
expect_error "two different Content-Length headers -> JSON error" 400
printf "POST $GEN_TEXT HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n10\r\n"'{"text":"calm"} \r\n0\r\n\r\n' >"$TMPD/te.req"
raw_req "$TMPD/te.req" 5
expect_error "Transfer-Encoding: gzip, chunked -> 501 JSON (was: hang)" 501
printf "POST $GEN_TEXT HTTP/1.1\r\n${H}Content-Length: 16\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n"'{"text":"calm"} \r\n0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n' >"$TMPD/clte.req"
st="$(raw_statuses "$TMPD/clte.req")"
if [ "$st" = 400 ]; then ok "Content-Length with Transfer-Encoding -> one 400 and close"; else not_ok "Content-Length with Transfer-Encoding -> one 400 and close" "statuses: $st"; fi
printf 'GET /v1%%00x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >"$TMPD/nul.req"
raw_req "$TMPD/nul.req" 5
expect_error "GET /v1%00x does not serve /v1 -> 404 JSON" 404
req POST "$BASE/v1/generate/audio?duration=3%00abc" --data-binary calm -H 'Content-Type: text/plain'
expect_error "duration=3%00abc is not read as 3 -> 400 JSON" 400
req POST "$BASE/v1/generate/audio?duration=0.5%30" --data-binary calm -H 'Content-Type: text/plain'
if [ "$STATUS" = 200 ]; then ok "other escapes still decode (duration=0.5%30 -> 200)"; else not_ok "other escapes still decode (duration=0.5%30 -> 200)" "got $STATUS $(head -c 200 "$BODY")"; fi
# What MHD still answers itself (HTML): the server must stay up after each.
for c in "Content-Length: 16abc" "Content-Length: -1" "Content-Length: 99999999999999999999999"; do
    printf "POST $GEN_TEXT HTTP/1.1\r\n${H}${c}\r\n\r\n"'{"text":"calm"} ' >"$TMPD/mhd.req"
    raw_req "$TMPD/mhd.req" 5
    case "$STATUS" in 400 | 413) ok "$c -> $STATUS (libmicrohttpd's own answer)" ;; *) not_ok "$c -> 400/413" "got $STATUS" ;; esac
done
{ printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: '; head -c 70000 /dev/zero | tr '\0' a; printf '\r\n\r\n'; } >"$TMPD/bighdr.req"
raw_req "$TMPD/bighdr.req" 5
if [ "$STATUS" = 431 ]; then ok "a 70 kB header -> 431 (libmicrohttpd's own answer)"; else not_ok "a 70 kB header -> 431" "got $STATUS"; fi
printf 'GARBAGE\r\n\r\n' >"$TMPD/garbage.req"; raw_req "$TMPD/garbage.req" 3
printf 'GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n' >"$TMPD/v2.req"; raw_req "$TMPD/v2.req" 3
printf 'POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n' "$GEN_TEXT" >"$TMPD/badchunk.req"; raw_req "$TMPD/badchunk.req" 3
healthy "framing cases"

# --- finding 10: half-closed requests ---------------------------------------
"$PY" - "$(PORT_OF)" 300 <<'EOF'
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
for i in range(n):
    try:
        s = socket.socket(); s.bind(("127.0.0.%d" % (2 + i % 6), 0)); s.settimeout(2)
        s.connect(("127.0.0.1", port))
        s.sendall(b"POST /v1/generate/text HTTP/1.")
        s.shutdown(socket.SHUT_WR)
        s.close()
    except OSError:
        pass
EOF
cw=999
for _ in $(seq 1 30); do
    cw=$(ss -Htn state close-wait "( sport = :$(PORT_OF) )" 2>/dev/null | wc -l)
    [ "$cw" -eq 0 ] && break
    sleep 0.1
done
if [ "$cw" -eq 0 ]; then ok "300 half-closed requests: no socket left in CLOSE-WAIT within 3 s"; else not_ok "300 half-closed requests: no socket left in CLOSE-WAIT within 3 s" "$cw left"; fi
s="$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$BASE/healthz")"
if [ "$s" = 200 ]; then ok "fresh /healthz answers after the half-closed flood"; else not_ok "fresh /healthz answers after the half-closed flood" "got $s"; fi
stop_server "main server"

# --- finding 7: slowloris ----------------------------------------------------
if start_server --max-connections 64 --per-ip-connections 16 --header-timeout 2; then
    # one trickler, no pressure: closed by the 2 s header deadline
    "$PY" - "$(PORT_OF)" >"$TMPD/one.out" <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"GET /healthz HTTP/1.1\r\n")
t0 = time.monotonic()
try:
    while time.monotonic() - t0 < 10:
        time.sleep(0.5)
        s.send(b"X-a: b\r\n")
        s.setblocking(False)
        try:
            if s.recv(4096) == b"": break
        except BlockingIOError: pass
        s.setblocking(True)
except OSError:
    pass
print("%.1f" % (time.monotonic() - t0))
EOF
    t=$(cat "$TMPD/one.out")
    if awk -v t="$t" 'BEGIN { exit !(t >= 1.5 && t < 6) }'; then ok "one header trickled every 0.5 s is closed at --header-timeout 2 (after ${t}s)"; else not_ok "one trickled header is closed at --header-timeout 2" "after ${t}s"; fi
    r1=$(metric 'synesthd_connections_reaped_total{reason="header_timeout"}')
    if [ "${r1:-0}" -ge 1 ]; then ok "/metrics counts it as header_timeout"; else not_ok "/metrics counts it as header_timeout" "'$r1'"; fi
    "$PY" - "$(PORT_OF)" 8 >"$TMPD/loris.out" 2>&1 <<'EOF' &
import socket, sys, time, select
port, secs = int(sys.argv[1]), float(sys.argv[2])
t0, socks, opened, closed = time.monotonic(), {}, 0, 0
def fill():
    global opened
    for a in range(2, 6):              # 4 addresses x 16 = the 64 connections
        addr = "127.0.0.%d" % a
        while sum(1 for v in socks.values() if v[0] == addr) < 16:
            s = socket.socket(); s.bind((addr, 0)); s.setblocking(False)
            try: s.connect(("127.0.0.1", port))
            except BlockingIOError: pass
            socks[s] = [addr, time.monotonic(), 0]
            opened += 1
while time.monotonic() - t0 < secs:
    fill()
    for s, v in list(socks.items()):
        try:
            s.send(b"GET /healthz HTTP/1.1\r\n" if v[2] == 0 else b"X-a: b\r\n")
            v[2] += 1
        except OSError:
            pass
    r, _, _ = select.select(list(socks), [], [], 1.0)
    for s in r:
        try: d = s.recv(4096)
        except OSError: d = b""
        if not d:
            closed += 1; s.close(); del socks[s]
print("opened %d closed-by-server %d" % (opened, closed))
EOF
    lp=$!
    sleep 2.5
    s=000
    for _ in 1 2 3 4 5; do   # a fresh client, while the attack runs
        s="$(curl -sS --max-time 3 -o /dev/null -w '%{http_code}' "$BASE/healthz" 2>/dev/null)"
        [ "$s" = 200 ] && break
    done
    if [ "$s" = 200 ]; then ok "slowloris filling --max-connections 64: a fresh /healthz answers during the attack"; else not_ok "slowloris: a fresh /healthz answers during the attack" "got $s"; fi
    wait "$lp"
    note "slowloris: $(cat "$TMPD/loris.out")"
    closed=$(awk '{ print $4 }' "$TMPD/loris.out")
    if [ "${closed:-0}" -ge 64 ]; then ok "the trickling connections are closed by the server (header timeout / pressure)"; else not_ok "the trickling connections are closed by the server" "$(cat "$TMPD/loris.out")"; fi
    r1=$(metric 'synesthd_connections_reaped_total{reason="header_timeout"}')
    r2=$(metric 'synesthd_connections_reaped_total{reason="pressure"}')
    if [ $((${r1:-0} + ${r2:-0})) -ge 64 ]; then ok "/metrics counts the reaped connections ($r1 header_timeout, $r2 pressure)"; else not_ok "/metrics counts the reaped connections" "header_timeout=$r1 pressure=$r2"; fi
    # a slow body: 10 bytes/s against --min-body-rate 1k, cut after the 2 s grace
    "$PY" - "$(PORT_OF)" >"$TMPD/slowbody.out" <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"POST /v1/generate/text HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n")
t0 = time.monotonic()
try:
    while time.monotonic() - t0 < 10:
        s.send(b"aaaaaaaaaa"); time.sleep(1)
        s.setblocking(False)
        try:
            if s.recv(4096) == b"": break
        except BlockingIOError: pass
        s.setblocking(True)
except OSError:
    pass
print("%.1f" % (time.monotonic() - t0))
EOF
    t=$(cat "$TMPD/slowbody.out")
    if awk -v t="$t" 'BEGIN { exit !(t < 8) }'; then ok "a body trickling 10 bytes/s is closed (after ${t}s)"; else not_ok "a body trickling 10 bytes/s is closed" "still open after ${t}s"; fi
    healthy "slowloris"
    stop_server "slowloris server"
fi

# --- finding 12: bodies are admitted before they are read -------------------
if start_server --max-memory 64M --max-body 32M; then
    head -c $((30 * 1024 * 1024)) /dev/urandom >"$TMPD/30m.bin"
    base_rss=$(rss_kb "$SERVER_PID")
    ups=()
    for i in 1 2 3 4 5 6 7 8; do
        curl -sS --max-time 60 -o "$TMPD/up$i.body" -D "$TMPD/up$i.hdr" -w '%{http_code} %{time_total}' \
            --data-binary @"$TMPD/30m.bin" -H 'Content-Type: image/png' --limit-rate 20M \
            "$BASE/v1/generate/audio" >"$TMPD/up$i.code" 2>/dev/null &
        ups+=($!)
    done
    peak=0
    for _ in $(seq 1 40); do
        r=$(rss_kb "$SERVER_PID"); [ -n "$r" ] && [ "$r" -gt "$peak" ] && peak=$r
        sleep 0.1
    done
    wait "${ups[@]}"
    n503=0 nquick=0 ra_ok=1 json_ok=1
    for i in 1 2 3 4 5 6 7 8; do
        read -r code secs <"$TMPD/up$i.code"
        if [ "$code" = 503 ]; then
            n503=$((n503 + 1))
            awk -v t="$secs" 'BEGIN { exit !(t < 1) }' && nquick=$((nquick + 1))
            hdr Retry-After "$TMPD/up$i.hdr" >/dev/null || ra_ok=0
            json_error 503 "$TMPD/up$i.body" >/dev/null || json_ok=0
        fi
    done
    if [ "$n503" -ge 6 ]; then ok "8 concurrent 30 MB uploads, --max-memory 64M: $n503 refused with 503"; else not_ok "8 concurrent 30 MB uploads: at least 6 refused with 503" "$n503 refused; codes: $(cat "$TMPD"/up*.code | tr '\n' ' ')"; fi
    if [ "$nquick" = "$n503" ] && [ "$ra_ok" = 1 ] && [ "$json_ok" = 1 ]; then ok "each 503 is JSON with Retry-After, before the body is sent"; else not_ok "each 503 is JSON with Retry-After, before the body is sent" "quick $nquick of $n503, Retry-After ok=$ra_ok, JSON ok=$json_ok"; fi
    pk=$(metric synesthd_memory_reserved_peak_bytes)
    if [ -n "$pk" ] && [ "$pk" -le $((64 * 1024 * 1024)) ]; then ok "reserved peak $pk bytes stays within --max-memory"; else not_ok "reserved peak stays within --max-memory" "peak '$pk'"; fi
    if [ "$peak" -lt $((base_rss + 104 * 1024)) ]; then ok "peak RSS $((peak / 1024)) MB stays below the idle $((base_rss / 1024)) MB + 64M + 40 MB"; else not_ok "peak RSS stays below idle + max-memory + 40 MB" "idle ${base_rss} kB, peak ${peak} kB"; fi
    sleep 1
    r=$(rss_kb "$SERVER_PID")
    if [ "${SAN:-0}" = 1 ]; then
        note "RSS fall-back not checked under ASan: its quarantine keeps freed memory resident"
    elif [ "$r" -lt $((base_rss + 40 * 1024)) ]; then ok "RSS falls back after the uploads ($((r / 1024)) MB)"; else not_ok "RSS falls back after the uploads" "idle ${base_rss} kB, now ${r} kB"; fi
    inflight=$(metric synesthd_memory_reserved_bytes)
    if [ "$inflight" = 0 ]; then ok "every reservation is released"; else not_ok "every reservation is released" "synesthd_memory_reserved_bytes $inflight"; fi
    healthy "admission"
    stop_server "admission server"
fi

# --- finding 6: a client that leaves stops its conversion ---------------------
make_png "$TMPD/img.png" 256 256
LONG_Q="duration=300&sample_rate=192000&stereo=1"
if start_server --max-jobs 1 --max-request-cpu 80000 --max-request-memory 4G --max-memory 8G --max-job-sec 600; then
    curl -sS --max-time 1 -o /dev/null --data-binary @"$TMPD/img.png" -H 'Content-Type: image/png' \
        "$BASE/v1/generate/audio?$LONG_Q" 2>/dev/null
    sleep 1.5
    c1=$(cpu_ticks "$SERVER_PID"); sleep 1.5; c2=$(cpu_ticks "$SERVER_PID")
    # 150 ticks = 1.5 s of one core; a stopped job leaves the process idle
    if [ $((c2 - c1)) -lt 30 ]; then ok "client gone: the server's CPU time stops growing within ~2 s"; else not_ok "client gone: the server's CPU time stops growing" "$((c2 - c1)) ticks in 1.5 s"; fi
    n=$(metric synesthd_jobs_cancelled_total)
    if [ "${n:-0}" -ge 1 ]; then ok "/metrics counts the cancelled conversion"; else not_ok "/metrics counts the cancelled conversion" "synesthd_jobs_cancelled_total '$n'"; fi
    req POST "$BASE/v1/generate/audio?duration=0.5" --data-binary @"$TMPD/img.png" -H 'Content-Type: image/png'
    if [ "$STATUS" = 200 ]; then ok "the only job slot is free again (--max-jobs 1 -> 200)"; else not_ok "the only job slot is free again" "got $STATUS $(head -c 200 "$BODY")"; fi
    healthy "a cancelled conversion"
    stop_server "cancel server"
fi

# --- finding 9: SIGTERM with answers in flight --------------------------------
if start_server --shutdown-grace 5 --max-request-cpu 80000 --max-request-memory 4G --max-memory 8G --max-job-sec 600; then
    # a slow reader of a ~5.8 MB WAV, told to stop after the headers arrive
    "$PY" - "$(PORT_OF)" "$SERVER_PID" "$TMPD/img.png" >"$TMPD/slowread.out" <<'EOF'
import os, signal, socket, sys, time
port, pid, png = int(sys.argv[1]), int(sys.argv[2]), open(sys.argv[3], "rb").read()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)
s.settimeout(10)
s.connect(("127.0.0.1", port))
s.sendall(b"POST /v1/generate/audio?duration=30&sample_rate=48000&stereo=1 HTTP/1.1\r\nHost: x\r\n"
          b"Content-Type: image/png\r\nContent-Length: %d\r\n\r\n" % len(png) + png)
buf = b""
while b"\r\n\r\n" not in buf:
    buf += s.recv(65536)
head, _, body = buf.partition(b"\r\n\r\n")
need = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0])
os.kill(pid, signal.SIGTERM)
t0 = time.monotonic()
try:
    while len(body) < need:
        c = s.recv(65536)            # a 32 KiB window, a pause per read: 5.8 MB in about 2.5 s, inside the 5 s grace
        if not c: break
        body += c
        time.sleep(0.005)
except OSError:
    pass
print("%s %d %d %.1f" % (head.split(b"\r\n")[0].split(b" ")[1].decode(), len(body), need, time.monotonic() - t0))
EOF
    read -r code got need secs <"$TMPD/slowread.out"
    if [ "$code" = 200 ] && [ "$got" = "$need" ]; then ok "SIGTERM during a slow download: all $need bytes arrive within the grace (${secs}s)"; else not_ok "SIGTERM during a slow download: all bytes arrive" "$(cat "$TMPD/slowread.out")"; fi
    wait_server_exit "server stopped during a download"
fi
if start_server --shutdown-grace 1 --max-request-cpu 80000 --max-request-memory 4G --max-memory 8G --max-job-sec 600; then
    curl -sS --max-time 20 -o "$TMPD/late.body" -D "$TMPD/late.hdr" -w '%{http_code}' --data-binary @"$TMPD/img.png" \
        -H 'Content-Type: image/png' "$BASE/v1/generate/audio?$LONG_Q" >"$TMPD/late.code" 2>/dev/null &
    cp_=$!
    sleep 1
    kill -TERM "$SERVER_PID"
    wait "$cp_"
    cp "$TMPD/late.body" "$BODY"; cp "$TMPD/late.hdr" "$HDRS"; STATUS=$(cat "$TMPD/late.code")
    if expect_error "a conversion still running at the end of the grace -> 503 JSON" 503; then
        if grep -q '"cancelled"' "$BODY" && hdr Retry-After >/dev/null; then ok "the 503 says cancelled, with Retry-After"; else not_ok "the 503 says cancelled, with Retry-After" "$(head -c 200 "$BODY")"; fi
    fi
    wait_server_exit "server stopped with a conversion running"
fi

done_testing
