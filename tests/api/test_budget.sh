#!/usr/bin/env bash
# tests/api/test_budget.sh -- every conversion has a cost budget, checked
# before the work: what a request would cost in memory and CPU is estimated
# from its options and its decoded headers, and refused with a 422 that names
# the option to lower; the server-wide budget (--max-memory) answers 503 with
# Retry-After.  Each case here was an amplification within every limit before:
#   - a 1 MB FLAC (8 channels, 192 kHz, 599 s of silence) held 3.7-4.1 GB;
#   - duration=300&sample_rate=192000&stereo=1 needed 0.9 GB per request;
#   - an 893-byte PNG whose map asks for 300 s of 192 kHz stereo Griffin-Lim
#     cost 200 s of a core and 3.25 GB.
. "$(dirname "$0")/../lib.sh"
require_binary

PNGSUITE="$SYN_TESTDATA/pngsuite/png"
t() { if [ -n "$2" ]; then ok "$1"; else not_ok "$1" "$3"; fi; }
metric() {
    curl -sS --max-time 5 "$BASE/metrics" 2>/dev/null | awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }'
}
# Server's and its workers' CPU seconds (utime + stime), from /proc.
cpu_of_tree() {
    local p s=0
    for p in "$SERVER_PID" $(pgrep -P "$SERVER_PID"); do
        s=$(awk -v s="$s" '{ print s + ($14 + $15) / 100 }' "/proc/$p/stat" 2>/dev/null || echo "$s")
    done
    echo "$s"
}
body() { head -c 400 "$BODY" | tr -d '\0'; }

# The surround FLAC: 599 s of 8-channel 192 kHz silence, about 1 MB.
sox -q -D -n -r 192000 -c 8 -b 16 "$TMPD/surround.flac" trim 0 599 2>"$TMPD/sox.err" ||
    not_ok "sox makes the surround FLAC" "$(head -c 200 "$TMPD/sox.err")"
note "surround FLAC: $(stat -c %s "$TMPD/surround.flac") bytes"

# The hostile PNG: 8x8 pixels whose synesthd map asks for 300 s of 192 kHz
# stereo Griffin-Lim (the map is honoured when the picture goes back to sound).
"$PY" - "$TMPD/map.png" <<'PYEOF'
import struct, sys, zlib
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
line = (b"synesthd/1 sr=192000 dur=300 fmin=100 fmax=8000 scale=log range=50 ref=0 nfft=4096 "
        b"hop=1024 synth=griffinlim stereo=1 seed=0 src=audio rows=8 cols=8")
rows = b"".join(b"\0" + bytes([(x * 32 + y * 8) % 256 for x in range(8)] * 3) for y in range(8))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)) \
    + chunk(b"tEXt", b"synesthd\0" + line) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
PYEOF
note "hostile PNG: $(stat -c %s "$TMPD/map.png") bytes"

if start_server; then
    # --- per-request memory --------------------------------------------------
    c0=$(cpu_of_tree)
    req POST "$BASE/v1/generate/audio?duration=300&sample_rate=192000&stereo=1" \
        --data-binary @"$PNGSUITE/basn2c08.png" -H 'Content-Type: image/png'
    t "duration=300&sample_rate=192000&stereo=1 -> 422 limit_exceeded" \
        "$([ "$STATUS" = 422 ] && grep -q '"code":"limit_exceeded"' "$BODY" && echo 1)" "$STATUS $(body)"
    t "... the hint names the options to lower and the budget flag" \
        "$(grep -q 'lower duration or sample_rate' "$BODY" && grep -q 'max-request-memory' "$BODY" && echo 1)" "$(body)"
    t "... the message says what it would need" "$(grep -q 'needs about [0-9]* MB' "$BODY" && echo 1)" "$(body)"
    why="$(json_error 422)" || not_ok "... as the JSON error" "$why"

    # --- the map of a hostile picture is held to the same budget ---------------
    req POST "$BASE/v1/generate/audio" --data-binary @"$TMPD/map.png" -H 'Content-Type: image/png'
    t "a 1 KB PNG whose map asks for 300 s of 192 kHz stereo Griffin-Lim -> 422" \
        "$([ "$STATUS" = 422 ] && grep -q '"code":"limit_exceeded"' "$BODY" && echo 1)" "$STATUS $(body)"
    c1=$(cpu_of_tree)
    spent=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')
    t "... refused before the work: both refusals cost < 2 CPU seconds" \
        "$(awk -v s="$spent" 'BEGIN { if (s < 2) print 1 }')" "spent ${spent}s of CPU"
    note "two refused amplifications cost ${spent} CPU seconds (the work would be ~200)"

    # --- per-request CPU --------------------------------------------------------
    req POST "$BASE/v1/generate/audio?duration=300&sample_rate=96000&synthesis=griffinlim" \
        --data-binary @"$PNGSUITE/basn0g08.png" -H 'Content-Type: image/png'
    t "300 s of 96 kHz Griffin-Lim -> 422 (over the memory or CPU budget)" \
        "$([ "$STATUS" = 422 ] && grep -q 'max-request-' "$BODY" && echo 1)" "$STATUS $(body)"

    # --- the surround FLAC: its real cost is counted as it decodes ---------------
    req POST "$BASE/v1/embed" --data-binary @"$TMPD/surround.flac" -H 'Content-Type: audio/flac'
    t "an 8-channel 192 kHz 599 s FLAC's features -> 422 over the memory budget" \
        "$([ "$STATUS" = 422 ] && grep -q 'max-request-memory' "$BODY" && echo 1)" "$STATUS $(body)"
    healthy "the refusals"
    res="$(metric synesthd_memory_reserved_bytes)"
    t "every reservation is given back (reserved bytes 0 when idle)" "$([ "$res" = 0 ] && echo 1)" "reserved=$res"
    stop_server "budget server"
fi

# --- a smaller per-request budget refuses the FLAC's samples while decoding -------
if start_server --max-request-memory 128M; then
    req POST "$BASE/v1/generate/image" --data-binary @"$TMPD/surround.flac" -H 'Content-Type: audio/flac'
    t "--max-request-memory 128M: the surround FLAC -> 422 naming a shorter sound" \
        "$([ "$STATUS" = 422 ] && grep -q 'shorter sound' "$BODY" && grep -q 'decoding the sound' "$BODY" && echo 1)" "$STATUS $(body)"
    req POST "$BASE/v1/generate/image" --data-binary @/usr/share/sounds/alsa/Front_Center.wav -H 'Content-Type: audio/wav'
    t "... while an ordinary sound still converts -> 200 PNG" \
        "$([ "$STATUS" = 200 ] && [ "$(head -c 4 "$BODY" | tail -c 3)" = PNG ] && echo 1)" "$STATUS"
    stop_server "128M server"
fi
if start_server --max-request-cpu 0.5; then
    req POST "$BASE/v1/generate/audio?duration=60&synthesis=griffinlim" \
        --data-binary @"$PNGSUITE/basn0g08.png" -H 'Content-Type: image/png'
    t "--max-request-cpu 0.5: 60 s of Griffin-Lim -> 422 naming the CPU budget" \
        "$([ "$STATUS" = 422 ] && grep -q 'core-seconds' "$BODY" && grep -q 'max-request-cpu' "$BODY" && echo 1)" "$STATUS $(body)"
    req POST "$BASE/v1/generate/audio?duration=2" --data-binary @"$PNGSUITE/basn0g08.png" -H 'Content-Type: image/png'
    t "... 2 s of partials fit -> 200" "$([ "$STATUS" = 200 ] && echo 1)" "$STATUS $(body)"
    stop_server "cpu server"
fi

# --- the server-wide budget: 503 + Retry-After, and the memory comes back --------
if start_server --max-memory 120M --max-request-memory 120M --max-jobs 4; then
    make_png "$TMPD/big.png" 512 512
    # A: 60 s of Griffin-Lim holds ~75 MB of estimated memory for ~2 s.
    curl -sS --max-time 60 -o "$TMPD/a.body" -w '%{http_code}' --data-binary @"$TMPD/big.png" \
        -H 'Content-Type: image/png' "$BASE/v1/generate/audio?duration=60&synthesis=griffinlim" >"$TMPD/a.code" 2>/dev/null &
    pa=$!
    got=""
    for _ in $(seq 1 40); do # wait (4 s at most) until A holds its reservation
        r="$(metric synesthd_memory_reserved_bytes)"
        [ "${r:-0}" -gt $((60 << 20)) ] && { got=1; break; }
        sleep 0.1
    done
    if [ -n "$got" ]; then
        req POST "$BASE/v1/generate/audio?duration=60&synthesis=griffinlim" \
            --data-binary @"$TMPD/big.png" -H 'Content-Type: image/png'
        t "a second 75 MB conversion beside it under --max-memory 120M -> 503 busy" \
            "$([ "$STATUS" = 503 ] && grep -q '"code":"busy"' "$BODY" && echo 1)" "$STATUS $(body)"
        ra="$(hdr Retry-After)"
        t "... with Retry-After" "$([[ "$ra" =~ ^[0-9]+$ ]] && echo 1)" "Retry-After: '$ra'"
    else
        not_ok "the first conversion holds a reservation" "reserved=$(metric synesthd_memory_reserved_bytes)"
    fi
    wait "$pa"
    t "the first conversion completes -> 200" "$([ "$(cat "$TMPD/a.code")" = 200 ] && echo 1)" "$(cat "$TMPD/a.code")"
    res="$(metric synesthd_memory_reserved_bytes)"
    peak="$(metric synesthd_memory_reserved_peak_bytes)"
    t "reservations return to 0 afterwards" "$([ "$res" = 0 ] && echo 1)" "reserved=$res"
    t "the peak reservation stayed within --max-memory" "$([ "${peak:-0}" -le $((120 << 20)) ] && [ "${peak:-0}" -gt 0 ] && echo 1)" "peak=$peak"
    stop_server "max-memory server"
fi

done_testing
