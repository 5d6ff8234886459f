#!/usr/bin/env bash
# tests/api/test_sandbox.sh -- untrusted bytes are decoded in sandboxed worker
# processes: a decoder that crashes, hangs, calls what it must not, runs out
# of memory or leaks costs one 422 decoder_failed, never the server.
#
# The faults are real: the worker is started with SYNESTHD_TEST_DECODER_FAULTS=1
# (test-only, sandbox.c), and an input holding "SYNESTHD-TEST-FAULT:<what>"
# makes it abort, segfault, spin, open a file, allocate without end or leak,
# inside the library's process, in the release build.
. "$(dirname "$0")/../lib.sh"
require_binary

PNGSUITE="$SYN_TESTDATA/pngsuite/png"
GEN_AUDIO="/v1/generate/audio?duration=0.5"

# fault_png OUT WHAT: a valid PNG (8x8 grey) with a tEXt chunk naming the fault.
fault_png() {
    "$PY" - "$1" "$2" <<'PYEOF'
import struct, sys, zlib
out, what = sys.argv[1], sys.argv[2]
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
rows = b"".join(b"\0" + bytes(range(i * 8, i * 8 + 8)) for i in range(8))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0)) \
    + chunk(b"tEXt", b"Comment\0SYNESTHD-TEST-FAULT:" + what.encode()) \
    + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
open(out, "wb").write(png)
PYEOF
}

# fault_wav OUT WHAT: a valid 0.2 s 8 kHz WAV with the fault in a LIST chunk.
fault_wav() {
    "$PY" - "$1" "$2" <<'PYEOF'
import struct, sys
out, what = sys.argv[1], sys.argv[2]
data = b"".join(struct.pack("<h", (i * 37) % 2000 - 1000) for i in range(1600))
note = b"SYNESTHD-TEST-FAULT:" + what.encode()
if len(note) % 2: note += b"\0"
fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"LIST" + struct.pack("<I", len(note)) \
    + note + b"data" + struct.pack("<I", len(data)) + data
open(out, "wb").write(b"RIFF" + struct.pack("<I", len(body)) + body)
PYEOF
}

# t NAME COND DETAILS: ok when COND is not empty.
t() { if [ -n "$2" ]; then ok "$1"; else not_ok "$1" "$3"; fi; }

metric() { # metric NAME[{labels}] -> value (0 if absent)
    curl -sS --max-time 5 "$BASE/metrics" 2>/dev/null | awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }'
}

worker_pids() { pgrep -P "$SERVER_PID" -f decode-worker | tr '\n' ' '; }

for f in abort segv hang syscall oom bigfile leak; do fault_png "$TMPD/$f.png" "$f"; done
fault_wav "$TMPD/abort.wav" abort
cp "$PNGSUITE/basn0g08.png" "$TMPD/good.png"

export SYNESTHD_TEST_DECODER_FAULTS=1
if start_server --decoders 2 --max-jobs 2 --decode-timeout 2 --decoder-memory 200M \
    --decoder-max-decodes 1000 --decoder-max-rss 512M; then
    # --- the workers are real, confined processes --------------------------
    pids="$(worker_pids)"
    n=$(echo "$pids" | wc -w)
    t "2 decoder processes run beside the server (--decoders 2)" "$([ "$n" = 2 ] && echo 1)" "workers: '$pids'"
    p1="${pids%% *}"
    sc="$(awk '/^Seccomp:/ { print $2 }' "/proc/$p1/status" 2>/dev/null)"
    nnp="$(awk '/^NoNewPrivs:/ { print $2 }' "/proc/$p1/status" 2>/dev/null)"
    t "a worker runs under a seccomp filter (Seccomp: 2)" "$([ "$sc" = 2 ] && echo 1)" "Seccomp: '$sc'"
    t "a worker cannot gain privileges (NoNewPrivs: 1)" "$([ "$nnp" = 1 ] && echo 1)" "NoNewPrivs: '$nnp'"
    lim="$(awk '/^Max address space/ { print $4 }' "/proc/$p1/limits" 2>/dev/null)"
    if [ "${SAN:-0}" = 1 ]; then
        note "RLIMIT_AS is not set under ASan (its shadow memory needs terabytes)"
    else
        t "a worker's address space is bounded (--decoder-memory 200M)" "$([ "$lim" = $((200 << 20)) ] && echo 1)" "Max address space: '$lim'"
    fi
    fds="$(ls "/proc/$p1/fd" 2>/dev/null | sort -n | tr '\n' ' ')"
    t "a worker holds only stdio and its socket (fds 0-3)" "$([ "$fds" = "0 1 2 3 " ] && echo 1)" "fds: '$fds'"

    # --- every way a decoder can fail is one 422 -----------------------------
    for f in abort segv syscall; do
        req POST "$BASE$GEN_AUDIO" --data-binary @"$TMPD/$f.png" -H 'Content-Type: image/png'
        why="$(json_error 422)" || not_ok "'$f' answers the JSON error" "$why"
        t "a decoder that does '$f' -> 422 decoder_failed" "$([ "$STATUS" = 422 ] && grep -q '"code":"decoder_failed"' "$BODY" && echo 1)" "$STATUS $(head -c 300 "$BODY" | tr -d "\0")"
        healthy "a decoder that did '$f'"
    done
    req POST "$BASE$GEN_AUDIO" --data-binary @"$TMPD/abort.png" -H 'Content-Type: image/png'
    t "the error names the decoder and the signal" "$(grep -q 'image decoder crashed on this input (ABRT)' "$BODY" && echo 1)" "$(head -c 300 "$BODY" | tr -d "\0")"
    req POST "$BASE$GEN_AUDIO" --data-binary @"$TMPD/syscall.png" -H 'Content-Type: image/png'
    t "a forbidden system call is named as the sandbox's stop" "$(grep -q 'forbidden system call' "$BODY" && echo 1)" "$(head -c 300 "$BODY" | tr -d "\0")"

    t0=$(date +%s.%N)
    req POST "$BASE$GEN_AUDIO" --data-binary @"$TMPD/hang.png" -H 'Content-Type: image/png'
    t1=$(date +%s.%N)
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
    t "a decoder that hangs -> 422 decoder_failed after --decode-timeout" "$([ "$STATUS" = 422 ] && grep -q 'took longer than 2 s' "$BODY" && echo 1)" "$STATUS in ${secs}s: $(head -c 300 "$BODY" | tr -d "\0")"
    note "the hanging decode was stopped after ${secs}s (--decode-timeout 2)"

    if [ "${SAN:-0}" = 1 ]; then
        note "the out-of-memory case needs RLIMIT_AS, which ASan builds do not set"
    else
        req POST "$BASE$GEN_AUDIO" --data-binary @"$TMPD/oom.png" -H 'Content-Type: image/png'
        t "a decoder that runs out of memory -> 422 decoder_failed naming --decoder-memory" "$([ "$STATUS" = 422 ] && grep -q 'decoder-memory' "$BODY" && echo 1)" "$STATUS $(head -c 300 "$BODY" | tr -d "\0")"
    fi

    req POST "$BASE$GEN_AUDIO" --data-binary @"$TMPD/bigfile.png" -H 'Content-Type: image/png'
    t "a decoder that fills shared memory past --decoder-memory -> 422 decoder_failed" "$([ "$STATUS" = 422 ] && grep -q 'grew past --decoder-memory' "$BODY" && echo 1)" "$STATUS $(head -c 300 "$BODY" | tr -d "\0")"

    req POST "$BASE/v1/generate/image" --data-binary @"$TMPD/abort.wav" -H 'Content-Type: audio/wav'
    t "the audio decoder crashing -> 422 decoder_failed" "$([ "$STATUS" = 422 ] && grep -q 'audio decoder crashed' "$BODY" && echo 1)" "$STATUS $(head -c 300 "$BODY" | tr -d "\0")"

    # --- every real format decodes inside the filter -------------------------
    # Ogg Vorbis: libvorbis sorts its codebooks with glibc's qsort, which
    # asks sysinfo for the memory size (a filter without it killed every
    # Ogg file); the freedesktop theme's sounds are real Vorbis files.
    for oga in bell complete dialog-information; do
        req POST "$BASE/v1/embed" --data-binary @"/usr/share/sounds/freedesktop/stereo/$oga.oga" -H 'Content-Type: audio/ogg'
        t "a real Ogg Vorbis recording ($oga.oga) decodes in the sandbox -> 200" "$([ "$STATUS" = 200 ] && grep -q '"semantics"' "$BODY" && echo 1)" "$STATUS $(head -c 300 "$BODY" | tr -d "\0")"
    done

    # --- and the server goes on as before ------------------------------------
    req POST "$BASE$GEN_AUDIO" --data-binary @"$TMPD/good.png" -H 'Content-Type: image/png'
    t "a good picture after every failure -> 200 WAV" "$([ "$STATUS" = 200 ] && [ "$(head -c 4 "$BODY" | tr -d "\0")" = RIFF ] && echo 1)" "$STATUS"
    n=$(echo "$(worker_pids)" | wc -w)
    t "the lost workers were replaced" "$([ "$n" = 2 ] && echo 1)" "workers: $(worker_pids)"
    crash="$(metric 'synesthd_decoder_failures_total{reason="crash"}')"
    tmo="$(metric 'synesthd_decoder_failures_total{reason="timeout"}')"
    spawned="$(metric synesthd_decoder_workers_spawned_total)"
    t "/metrics counts the crashes (>= 6)" "$([ "${crash:-0}" -ge 6 ] && echo 1)" "crash=$crash"
    t "/metrics counts the timeout" "$([ "${tmo:-0}" -ge 1 ] && echo 1)" "timeout=$tmo"
    t "/metrics counts the replacements" "$([ "${spawned:-0}" -ge 8 ] && echo 1)" "spawned=$spawned"
    stop_server "fault server"
fi

# --- recycling: a library's leak cannot accumulate ---------------------------
if start_server --decoders 1 --max-jobs 1 --decoder-max-rss 24M --decoder-max-decodes 1000; then
    p0="$(worker_pids)"
    for i in 1 2 3 4; do
        req POST "$BASE$GEN_AUDIO" --data-binary @"$TMPD/leak.png" -H 'Content-Type: image/png'
        [ "$STATUS" = 200 ] || not_ok "a leaking decode still answers 200 ($i)" "$STATUS $(head -c 200 "$BODY" | tr -d "\0")"
    done
    rec="$(metric synesthd_decoder_workers_recycled_total)"
    t "a worker whose RSS grew past --decoder-max-rss is replaced" "$([ "${rec:-0}" -ge 1 ] && echo 1)" "recycled=$rec"
    rss="$(awk '/^VmRSS:/ { print $2 }' "/proc/$(worker_pids | tr -d ' ')/status" 2>/dev/null)"
    t "the worker alive now is small again (< 24 MB)" "$([ -n "$rss" ] && [ "$rss" -lt $((24 * 1024)) ] && echo 1)" "VmRSS ${rss} kB (first worker $p0, now $(worker_pids))"
    stop_server "leak server"
fi
if start_server --decoders 1 --max-jobs 1 --decoder-max-decodes 3; then
    for i in 1 2 3 4 5 6 7; do
        req POST "$BASE$GEN_AUDIO" --data-binary @"$TMPD/good.png" -H 'Content-Type: image/png'
    done
    rec="$(metric synesthd_decoder_workers_recycled_total)"
    dec="$(metric synesthd_decodes_total)"
    t "7 decodes with --decoder-max-decodes 3 -> 2 workers recycled" "$([ "$rec" = 2 ] && [ "$dec" = 7 ] && echo 1)" "recycled=$rec decodes=$dec"
    stop_server "recycling server"
fi
unset SYNESTHD_TEST_DECODER_FAULTS

# --- the faults are test-only ---------------------------------------------------
if start_server; then
    req POST "$BASE$GEN_AUDIO" --data-binary @"$TMPD/abort.png" -H 'Content-Type: image/png'
    t "without SYNESTHD_TEST_DECODER_FAULTS the fault tag is just text -> 200" "$([ "$STATUS" = 200 ] && echo 1)" "$STATUS $(head -c 200 "$BODY" | tr -d "\0")"
    # Workers die with the server, even on SIGKILL (PR_SET_PDEATHSIG).
    pids="$(worker_pids)"
    kill -KILL "$SERVER_PID"
    _wait_bounded "$SERVER_PID" 5
    left=""
    for _ in $(seq 1 50); do
        left=""
        for p in $pids; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
        [ -z "$left" ] && break
        sleep 0.1
    done
    t "workers do not outlive a killed server" "$([ -z "$left" ] && echo 1)" "still alive:$left"
    _srv_pop
fi

done_testing
