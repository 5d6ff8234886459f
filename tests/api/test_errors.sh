#!/usr/bin/env bash
# tests/api/test_errors.sh -- bad input against a real server.
#
# Every malformed, corrupt, oversized or unsupported request must get its
# real status (400, 404, 405, 411, 413, 415, 422, 503) with the JSON error
# record, never a crash, a hang or a truncated 200; /healthz must still
# answer 200 after each group.  Runs from the repository root (tests/run).

cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
require_binary

PNGSUITE="$SYN_TESTDATA/pngsuite/png"
GEN_AUDIO="/v1/generate/audio"
GEN_IMAGE="/v1/generate/image"

start_server || exit 1

# --- 1. PngSuite: x* files are corrupt (422), every other file decodes -----
if [ ! -d "$PNGSUITE" ]; then
    not_ok "PngSuite present" "no directory $PNGSUITE"
else
    for f in "$PNGSUITE"/*.png; do
        b="$(basename "$f")"
        req POST "$BASE$GEN_AUDIO?duration=0.5" --data-binary @"$f" -H 'Content-Type: image/png'
        case "$b" in
            x*)
                expect_error "pngsuite $b (corrupt) -> 422 JSON" 422
                ;;
            *)
                if [ "$STATUS" != 200 ]; then
                    not_ok "pngsuite $b -> 200 audio/wav" "got $STATUS: $(head -c 200 "$BODY" | tr '\n' ' ')"
                elif [ "$(ctype)" != audio/wav ]; then
                    not_ok "pngsuite $b -> 200 audio/wav" "Content-Type '$(ctype)'"
                elif ! why="$(whole_200 wav)"; then
                    not_ok "pngsuite $b -> 200 audio/wav" "$why"
                else
                    ok "pngsuite $b -> 200 audio/wav"
                fi
                ;;
        esac
    done
fi
healthy "PngSuite"

# --- 2. broken audio and wrong types ---------------------------------------
sox -n -r 22050 -c 1 -b 16 "$TMPD/good.wav" synth 1 sine 440 2>/dev/null
size=$(stat -c %s "$TMPD/good.wav")
# keep the 44-byte header (its data size still says 1 s) and half the samples
head -c $((44 + (size - 44) / 2)) "$TMPD/good.wav" >"$TMPD/trunc.wav"
req POST "$BASE$GEN_IMAGE" --data-binary @"$TMPD/trunc.wav" -H 'Content-Type: audio/wav'
expect_error "truncated WAV (header kept, data cut in half) -> 422" 422

# A RIFF/WAVE header followed by garbage: the magic is right, the rest is not.
"$PY" - "$TMPD/riffgarbage.wav" <<'EOF'
import random, struct, sys
junk = random.Random(7).randbytes(4000)
open(sys.argv[1], "wb").write(b"RIFF" + struct.pack("<I", 4 + len(junk)) + b"WAVE" + junk)
EOF
req POST "$BASE$GEN_IMAGE" --data-binary @"$TMPD/riffgarbage.wav" -H 'Content-Type: audio/wav'
expect_error "RIFF/WAVE header + garbage as audio/wav -> 422" 422

"$PY" -c 'import random,sys; sys.stdout.buffer.write(random.Random(3).randbytes(5000))' >"$TMPD/random.bin"
req POST "$BASE$GEN_IMAGE" --data-binary @"$TMPD/random.bin" -H 'Content-Type: audio/wav'
if [ "$STATUS" = 415 ] || [ "$STATUS" = 422 ]; then
    expect_error "random bytes as audio/wav -> 415 or 422 JSON" "$STATUS"
else
    not_ok "random bytes as audio/wav -> 415 or 422 JSON" "got $STATUS"
fi

CAMERA=/usr/lib/python3/dist-packages/skimage/data/camera.png
[ -f "$CAMERA" ] || CAMERA="$PNGSUITE/basn0g08.png"
req POST "$BASE$GEN_IMAGE" --data-binary @"$CAMERA" -H 'Content-Type: audio/wav'
expect_error "a PNG sent as audio/wav -> 415" 415

req POST "$BASE$GEN_AUDIO" --data-binary 'a,b,c' -H 'Content-Type: text/csv'
expect_error "Content-Type text/csv -> 415" 415

req POST "$BASE$GEN_AUDIO" --data-binary @"$TMPD/random.bin" -H 'Content-Type: application/octet-stream'
expect_error "application/octet-stream with unknown magic -> 415" 415

req POST "$BASE$GEN_AUDIO" --data-binary '' -H 'Content-Type: image/png'
expect_error "empty body -> 400" 400
healthy "broken audio and wrong types"

# --- 3. a PNG whose IHDR claims 100000 x 100000 -----------------------------
make_png "$TMPD/bomb.png" 16 16 100000 100000
t0=$(date +%s.%N)
req POST "$BASE$GEN_AUDIO?duration=0.5" --data-binary @"$TMPD/bomb.png" -H 'Content-Type: image/png'
t1=$(date +%s.%N)
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
expect_error "PNG declaring 100000x100000 -> 422" 422
if awk -v s="$secs" 'BEGIN { exit !(s < 1.0) }'; then
    ok "PNG declaring 100000x100000 rejected before decoding (${secs}s)"
else
    not_ok "PNG declaring 100000x100000 rejected before decoding" "took ${secs}s (bound 1 s)"
fi
healthy "pixel bomb"

# --- 4. routing and framing -------------------------------------------------
req GET "$BASE/no/such/route"
expect_error "unknown route GET /no/such/route -> 404 JSON" 404
req POST "$BASE/v1/generate/nothing" --data-binary 'x' -H 'Content-Type: image/png'
expect_error "unknown target POST /v1/generate/nothing -> 404 JSON" 404

req GET "$BASE$GEN_AUDIO"
if expect_error "GET $GEN_AUDIO -> 405 JSON" 405; then
    allow="$(hdr Allow)"
    if [[ "$allow" == *POST* ]]; then ok "405 carries Allow: $allow"; else not_ok "405 carries an Allow header with POST" "Allow: '${allow}'"; fi
fi

printf 'POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\nConnection: close\r\n\r\n' "$GEN_AUDIO" >"$TMPD/nolen.req"
raw_req "$TMPD/nolen.req" 5
expect_error "POST without Content-Length (not chunked) -> 411" 411
healthy "routing and framing"

# --- 5. options --------------------------------------------------------------
for q in "bogus=1" "duration=-1" "fmin=5000&fmax=1000" "duration=abc" "sample_rate=1"; do
    req POST "$BASE$GEN_AUDIO?$q" --data-binary @"$PNGSUITE/basn0g08.png" -H 'Content-Type: image/png'
    expect_error "option ?$q -> 400" 400
done
healthy "bad options"

stop_server "main server"

# --- 6. Content-Length beyond --max-body: 413 before the body is read -------
if start_server --max-body 100000; then
    printf 'POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\nContent-Length: 50000000\r\n\r\n' "$GEN_AUDIO" >"$TMPD/big.req"
    raw_req "$TMPD/big.req" 2
    if expect_error "Content-Length 50000000 over --max-body 100000 -> 413, body never sent" 413; then
        note "413 arrived in ${RAW_SECS}s without the body"
    fi
    # Just under the cap is still accepted by the framing (a real PNG).
    req POST "$BASE$GEN_AUDIO?duration=0.5" --data-binary @"$PNGSUITE/basn0g08.png" -H 'Content-Type: image/png'
    if [ "$STATUS" = 200 ]; then ok "a small body under --max-body -> 200"; else not_ok "a small body under --max-body -> 200" "got $STATUS"; fi
    healthy "413"
    stop_server "--max-body server"
fi

# --- 7. 503 with Retry-After when every job slot is busy -------------------
if start_server --max-jobs 1; then
    if ! heavy_setup; then
        not_ok "a heavy conversion for the job-limit case" "no heavy query answered 200 (last: $STATUS $(head -c 200 "$BODY"))"
    else
        # Start A, give it time to take the only slot, then B.
        lead=$(awk -v s="$HEAVY_SECS" 'BEGIN { d = s / 4; if (d > 0.5) d = 0.5; printf "%.2f", d }')
        curl -sS --max-time 60 -o "$TMPD/a.body" -D "$TMPD/a.hdr" -w '%{http_code}' \
            --data-binary @"$HEAVY_PNG" -H 'Content-Type: image/png' \
            "$BASE$GEN_AUDIO?$HEAVY_Q" >"$TMPD/a.code" 2>/dev/null &
        pa=$!
        sleep "$lead"
        curl -sS --max-time 60 -o "$TMPD/b.body" -D "$TMPD/b.hdr" -w '%{http_code}' \
            --data-binary @"$HEAVY_PNG" -H 'Content-Type: image/png' \
            "$BASE$GEN_AUDIO?$HEAVY_Q" >"$TMPD/b.code" 2>/dev/null &
        pb=$!
        wait "$pa" "$pb"
        ca="$(cat "$TMPD/a.code")" cb="$(cat "$TMPD/b.code")"
        if [ "$ca" = 200 ] && [ "$cb" = 503 ]; then
            ok "--max-jobs 1: first heavy request 200, concurrent second 503"
            cp "$TMPD/b.body" "$BODY"; cp "$TMPD/b.hdr" "$HDRS"; STATUS=503
            expect_error "503 body is the JSON error" 503
            ra="$(hdr Retry-After)"
            if [[ "$ra" =~ ^[0-9]+$ ]]; then ok "503 carries Retry-After: $ra"; else not_ok "503 carries a Retry-After header (seconds)" "Retry-After: '$ra'"; fi
            cp "$TMPD/a.body" "$BODY"; cp "$TMPD/a.hdr" "$HDRS"
            if why="$(whole_200 wav)"; then ok "the 200 beside the 503 is a whole WAV"; else not_ok "the 200 beside the 503 is a whole WAV" "$why"; fi
        else
            not_ok "--max-jobs 1: first heavy request 200, concurrent second 503" "got A=$ca B=$cb (heavy takes ${HEAVY_SECS}s, B started ${lead}s after A)"
        fi
        # The slot is free again once A is done.
        req POST "$BASE$GEN_AUDIO?duration=0.5" --data-binary @"$PNGSUITE/basn0g08.png" -H 'Content-Type: image/png'
        if [ "$STATUS" = 200 ]; then ok "job slot released after the heavy request"; else not_ok "job slot released after the heavy request" "got $STATUS"; fi
    fi
    healthy "job limit"
    stop_server "--max-jobs server"
fi

done_testing
