#!/usr/bin/env bash
# tests/api/test_api.sh -- the happy paths of the HTTP API and the CLI.
#
# A real server on 127.0.0.1: health, self-description, metrics, the demo
# page, picture -> sound and sound -> picture (raw and multipart bodies,
# options, formats), the map header, determinism, keep-alive, the access
# log, a graceful SIGTERM, and the `convert` command line.  Durations and
# sizes are checked with sox and the PNG IHDR.  Runs from the repo root.

cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
require_binary

GEN_AUDIO="/v1/generate/audio"
GEN_IMAGE="/v1/generate/image"
CAMERA=/usr/lib/python3/dist-packages/skimage/data/camera.png # 512x512 grey, from python3-skimage
if [ ! -f "$CAMERA" ]; then
    CAMERA="$TMPD/camera.png"
    make_png "$CAMERA" 256 256
fi
# A foreign sound: 2 s sweep made here, so no file carries a synesthd map.
SWEEP="$TMPD/sweep.wav"
sox -n -r 22050 -c 1 -b 16 "$SWEEP" synth 2 sine 200:4000 2>/dev/null

start_server || exit 1

# --- banner, health, self-description ------------------------------------
banner="$(head -n 1 "$SERVER_LOG")"
if [[ "$banner" =~ ^synesthd\ ([^ ]+):\ listening\ on\ http://127\.0\.0\.1:[0-9]+ ]]; then
    ok "first stderr line is the banner: $banner"
    version="${BASH_REMATCH[1]}"
else
    not_ok "first stderr line is 'synesthd <version>: listening on http://127.0.0.1:PORT'" "got '$banner'"
    version=""
fi

req GET "$BASE/healthz"
if [ "$STATUS" = 200 ] && [ "$(ctype)" = application/json ] &&
    "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d.get("status")=="ok" and isinstance(d.get("version"),str) and (not sys.argv[2] or d["version"]==sys.argv[2])))' "$BODY" "$version"; then
    ok "GET /healthz -> 200 JSON status ok, version $version"
else
    not_ok "GET /healthz -> 200 JSON {status: ok, version}" "got $STATUS $(ctype) $(head -c 200 "$BODY")"
fi

req GET "$BASE/v1"
if [ "$STATUS" != 200 ] || [ "$(ctype)" != application/json ]; then
    not_ok "GET /v1 -> 200 JSON" "got $STATUS $(ctype)"
else
    ok "GET /v1 -> 200 JSON"
    # One case per property, whatever the exact nesting of the document.
    "$PY" - "$BODY" >"$TMPD/v1.tap" 2>&1 <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
txt = json.dumps(d)

def walk(x, key=None):
    yield key, x
    if isinstance(x, dict):
        for k, v in x.items():
            yield from walk(v, k)
    elif isinstance(x, list):
        for v in x:
            yield from walk(v, None)

def entries(name):
    """dicts describing `name`: {"name": name, ...} or "name": {...}"""
    return [v for k, v in walk(d) if isinstance(v, dict) and (k == name or v.get("name") == name)]

def case(good, name, why=""):
    print(("ok - " if good else "not ok - ") + name + ("" if good else ": " + why))

for ep in ("/healthz", "/metrics", "/v1/generate/audio", "/v1/generate/image"):
    case(ep in txt, "GET /v1 lists endpoint " + ep, "not in the document")

for mod, mime in (("image", "image/png"), ("audio", "audio/wav")):
    hit = [e for e in entries(mod) if mime in json.dumps(e)]
    case(bool(hit), "GET /v1 lists modality %s with MIME %s" % (mod, mime), "no entry")

numeric = {"seed": None, "duration": 5, "sample_rate": 22050, "fmin": 100, "fmax": 8000,
           "width": None, "height": None, "db_range": 50}
for opt in ("mode", "seed", "duration", "sample_rate", "fmin", "fmax", "scale", "width",
            "height", "colormap", "format", "stereo", "synthesis", "db_range"):
    es = [e for e in entries(opt) if "default" in e]
    if not es:
        case(False, "GET /v1 option %s has a default" % opt, "no entry with 'default'")
        continue
    e = es[0]
    if opt in numeric:
        miss = [k for k in ("min", "max") if k not in e]
        if miss:
            case(False, "GET /v1 option %s has default/min/max" % opt, "missing " + ",".join(miss))
            continue
        want = numeric[opt]
        if want is not None:
            try:
                good = abs(float(e["default"]) - want) < 1e-9
            except (TypeError, ValueError):
                good = False
            case(good, "GET /v1 option %s default is %g" % (opt, want), "default %r" % (e["default"],))
            continue
        case(True, "GET /v1 option %s has default/min/max" % opt)
    else:
        case(True, "GET /v1 option %s has a default (%r)" % (opt, e["default"]))

lims = [v for k, v in walk(d) if k == "limits"]
if not lims:
    case(False, "GET /v1 lists limits", "no 'limits' key")
else:
    L = lims[0]
    items = list(L.values()) if isinstance(L, dict) else list(L)
    def field(e, part):
        for k, v in e.items():
            if part in k.lower() and isinstance(v, str):
                return v
        return None
    bad = [json.dumps(e)[:80] for e in items if not isinstance(e, dict)
           or not (field(e, "flag") or "").startswith("--")
           or not (field(e, "env") or "").startswith("SYNESTHD_")]
    case(len(items) >= 14 and not bad, "GET /v1 lists every limit (%d) with --flag and SYNESTHD_ env" % len(items),
         "%d entries (syn_limits has 14); without flag/env: %s" % (len(items), bad[:3]))
    flags = {field(e, "flag") for e in items if isinstance(e, dict)}
    for f in ("--max-body", "--max-jobs", "--max-pixels"):
        case(f in flags, "GET /v1 limits include " + f, "flags: %s" % sorted(x for x in flags if x))

grids = [v for k, v in walk(d) if isinstance(k, str) and "grid" in k.lower()]
gt = json.dumps(grids)
case(bool(grids) and "128" in gt and "512" in gt, "GET /v1 states the grid sizes (128 bands, 512 rows)",
     "grid entries: %s" % gt[:200])
EOF
    tap_from "$TMPD/v1.tap"
fi

# --- the demo page -------------------------------------------------------
req GET "$BASE/"
csp="$(hdr Content-Security-Policy)"
if [ "$STATUS" = 200 ] && [ "$(ctype)" = text/html ]; then ok "GET / -> 200 text/html"; else not_ok "GET / -> 200 text/html" "got $STATUS '$(ctype)'"; fi
if [[ "$csp" == *"'self'"* ]]; then ok "GET / has a CSP with 'self'"; else not_ok "GET / has a Content-Security-Policy with 'self'" "CSP: '$csp'"; fi

# --- picture -> sound ------------------------------------------------------
# gen_ok NAME MIME KIND: the last reply is a whole 200 of that type.
gen_ok() {
    local why
    if [ "$STATUS" != 200 ]; then
        not_ok "$1" "got $STATUS: $(head -c 200 "$BODY" | tr '\n' ' ')"
        return 1
    fi
    if [ "$(ctype)" != "$2" ]; then
        not_ok "$1" "Content-Type '$(ctype)', want $2"
        return 1
    fi
    if ! why="$(whole_200 "$3")"; then
        not_ok "$1" "$why"
        return 1
    fi
    ok "$1"
}
# audio_is NAME FILE RATE SECONDS: sox reads that rate and duration.
audio_is() {
    local info r d
    info="$(audio_info "$2")"
    r="${info%% *}"
    d="$(echo "$info" | cut -d' ' -f3)"
    if [ "$r" = "$3" ] && near "$d" "$4" 0.02; then ok "$1"; else not_ok "$1" "sox says rate/channels/seconds/encoding: $info"; fi
}
riff_comment() { # FILE: a LIST/INFO chunk with ICMT "synesthd/1 ..."
    "$PY" - "$1" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
i, seen = 12, []
while i + 8 <= len(d):
    cid, n = d[i:i + 4], struct.unpack("<I", d[i + 4:i + 8])[0]
    seen.append(cid.decode("latin-1"))
    if cid == b"LIST" and d[i + 8:i + 12] == b"INFO":
        j, end = i + 12, i + 8 + n
        while j + 8 <= end:
            sid, m = d[j:j + 4], struct.unpack("<I", d[j + 4:j + 8])[0]
            if sid == b"ICMT" and d[j + 8:j + 8 + m].startswith(b"synesthd/1"):
                sys.exit(0)
            j += 8 + m + (m & 1)
    i += 8 + n + (n & 1)
print("no ICMT starting synesthd/1; chunks: %s" % seen)
sys.exit(1)
EOF
}
map_header() {
    local m
    m="$(hdr X-Synesthd-Map)"
    if [[ "$m" == synesthd/1* ]]; then ok "$1 has X-Synesthd-Map: ${m:0:60}"; else not_ok "$1 has X-Synesthd-Map starting synesthd/1" "got '$m'"; fi
}

req POST "$BASE$GEN_AUDIO" --data-binary @"$CAMERA" -H 'Content-Type: image/png'
if gen_ok "image -> audio, raw PNG body, defaults -> 200 audio/wav" audio/wav wav; then
    cp "$BODY" "$TMPD/default.wav"
    audio_is "default WAV is 5 s at 22050 Hz" "$TMPD/default.wav" 22050 5
    map_header "image -> audio reply"
    # libsndfile writes the comment as RIFF LIST/INFO/ICMT (sox --i -a does not show it).
    if why="$(riff_comment "$TMPD/default.wav")"; then ok "WAV comment (LIST/INFO/ICMT) carries the synesthd/1 map"; else not_ok "WAV comment (LIST/INFO/ICMT) carries the synesthd/1 map" "$why"; fi
fi

req POST "$BASE$GEN_AUDIO?duration=2&sample_rate=16000" --data-binary @"$CAMERA" -H 'Content-Type: image/png'
gen_ok "image -> audio ?duration=2&sample_rate=16000 -> 200" audio/wav wav && audio_is "?duration=2&sample_rate=16000 gives 2 s at 16000 Hz" "$BODY" 16000 2

req POST "$BASE$GEN_AUDIO" -F image=@"$CAMERA" -F duration=1
gen_ok "image -> audio, multipart image=@ with form field duration=1 -> 200" audio/wav wav && audio_is "multipart duration=1 gives 1 s" "$BODY" 22050 1

for spec in "flac audio/flac flac" "ogg audio/ogg ogg" "wav-float audio/wav wav"; do
    set -- $spec
    req POST "$BASE$GEN_AUDIO?format=$1&duration=1" --data-binary @"$CAMERA" -H 'Content-Type: image/png'
    if gen_ok "image -> audio ?format=$1 -> 200 $2" "$2" "$3"; then
        cp "$BODY" "$TMPD/out.$3"
        if sox "$TMPD/out.$3" -n stat >/dev/null 2>&1 && near "$(sox --i -D "$TMPD/out.$3" 2>/dev/null)" 1 0.05; then
            ok "format=$1 decodes with sox, 1 s"
        else
            not_ok "format=$1 decodes with sox, 1 s" "sox: $(sox --i "$TMPD/out.$3" 2>&1 | tr '\n' ' ' | head -c 200)"
        fi
        if [ "$1" = wav-float ]; then
            enc="$(sox --i -e "$TMPD/out.$3" 2>/dev/null)"
            if [[ "$enc" == *Floating* ]]; then ok "format=wav-float is floating-point PCM"; else not_ok "format=wav-float is floating-point PCM" "encoding '$enc'"; fi
        fi
    fi
done

# --- sound -> picture ------------------------------------------------------
req POST "$BASE$GEN_IMAGE" --data-binary @"$SWEEP" -H 'Content-Type: audio/wav'
if gen_ok "audio -> image, raw WAV body -> 200 image/png" image/png png; then
    sz="$(png_size)"
    if [ "$sz" = "1024 512" ]; then ok "picture of a foreign WAV is 1024x512"; else not_ok "picture of a foreign WAV is 1024x512" "IHDR says $sz"; fi
    map_header "audio -> image reply"
    if grep -aq 'synesthd/1' "$BODY"; then ok "PNG carries the synesthd/1 map (tEXt)"; else not_ok "PNG carries the synesthd/1 map (tEXt)" "no 'synesthd/1' in the file"; fi
    cp "$BODY" "$TMPD/sweep.png"
fi

req POST "$BASE$GEN_IMAGE" -F audio=@"$SWEEP"
gen_ok "audio -> image, multipart audio=@ -> 200 image/png" image/png png && {
    sz="$(png_size)"
    if [ "$sz" = "1024 512" ]; then ok "multipart picture is 1024x512"; else not_ok "multipart picture is 1024x512" "IHDR says $sz"; fi
}

req POST "$BASE$GEN_IMAGE?width=300&height=200" --data-binary @"$SWEEP" -H 'Content-Type: audio/wav'
gen_ok "audio -> image ?width=300&height=200 -> 200" image/png png && {
    sz="$(png_size)"
    if [ "$sz" = "300 200" ]; then ok "width/height options honoured (300x200)"; else not_ok "width/height options honoured (300x200)" "IHDR says $sz"; fi
}

# --- determinism -------------------------------------------------------------
same_bytes() { # NAME URL ARGS... : the same request twice gives identical bytes
    local name=$1 url=$2
    shift 2
    req POST "$url" "$@"; cp "$BODY" "$TMPD/d1"; s1=$STATUS
    req POST "$url" "$@"; cp "$BODY" "$TMPD/d2"; s2=$STATUS
    if [ "$s1" = 200 ] && [ "$s2" = 200 ] && cmp -s "$TMPD/d1" "$TMPD/d2"; then ok "$name"; else not_ok "$name" "status $s1/$s2, $(cmp "$TMPD/d1" "$TMPD/d2" 2>&1 | head -c 120)"; fi
}
same_bytes "image -> audio twice gives identical bytes" "$BASE$GEN_AUDIO?duration=1" --data-binary @"$CAMERA" -H 'Content-Type: image/png'
same_bytes "audio -> image twice gives identical bytes" "$BASE$GEN_IMAGE" --data-binary @"$SWEEP" -H 'Content-Type: audio/wav'
same_bytes "synthesis=noise seed=1 twice gives identical bytes" "$BASE$GEN_AUDIO?duration=1&synthesis=noise&seed=1" --data-binary @"$CAMERA" -H 'Content-Type: image/png'
cp "$TMPD/d1" "$TMPD/seed1"
req POST "$BASE$GEN_AUDIO?duration=1&synthesis=noise&seed=2" --data-binary @"$CAMERA" -H 'Content-Type: image/png'
if [ "$STATUS" = 200 ] && ! cmp -s "$BODY" "$TMPD/seed1"; then ok "synthesis=noise: seed=2 differs from seed=1"; else not_ok "synthesis=noise: seed=2 differs from seed=1" "status $STATUS, bytes identical"; fi

# --- keep-alive ---------------------------------------------------------------
curl -v -sS --max-time 20 -o /dev/null -o /dev/null -D "$TMPD/ka.hdr" "$BASE/healthz" "$BASE/healthz" 2>"$TMPD/ka.err"
if grep -q 'Re-using existing connection' "$TMPD/ka.err" && ! grep -qi '^connection: *close' "$TMPD/ka.hdr"; then
    ok "keep-alive: two GET /healthz on one connection"
else
    not_ok "keep-alive: two GET /healthz on one connection" "$(grep -iE 'connection|closing' "$TMPD/ka.err" | tr '\n' '|' | head -c 300)"
fi
small="$SYN_TESTDATA/pngsuite/png/basn0g08.png"
[ -f "$small" ] || small="$CAMERA"
curl -v -sS --max-time 20 -o /dev/null -o /dev/null -D "$TMPD/ka2.hdr" --data-binary @"$small" -H 'Content-Type: image/png' \
    "$BASE$GEN_AUDIO?duration=0.5" "$BASE$GEN_AUDIO?duration=0.5" 2>"$TMPD/ka2.err"
if grep -q 'Re-using existing connection' "$TMPD/ka2.err" && ! grep -qi '^connection: *close' "$TMPD/ka2.hdr" &&
    [ "$(grep -c '^HTTP/1.1 200' "$TMPD/ka2.hdr")" = 2 ]; then
    ok "keep-alive: two POST conversions on one connection, no Connection: close"
else
    not_ok "keep-alive: two POST conversions on one connection, no Connection: close" "$(grep -iE '^(HTTP|connection)|re-using|closing' "$TMPD/ka2.hdr" "$TMPD/ka2.err" | tr '\r\n' ' |' | head -c 300)"
fi

# --- access log --------------------------------------------------------------
sleep 0.2 # the log line may follow the reply by a moment
if grep -qE 'POST /v1/generate/audio[^ ]* 200 [0-9]+ [0-9.]+' "$SERVER_LOG" && grep -qE 'GET /healthz 200 [0-9]+ [0-9.]+' "$SERVER_LOG"; then
    ok "access log on stderr: method path status bytes ms"
else
    not_ok "access log on stderr: method path status bytes ms" "log tail: $(tail -n 3 "$SERVER_LOG" | tr '\n' '|' | head -c 300)"
fi

# --- metrics ---------------------------------------------------------------
metric_sum() { # sum of synesthd_requests_total lines mentioning healthz and 200
    awk '/^synesthd_requests_total\{/ && /healthz/ && /"200"/ { s += $NF } END { print s + 0 }' "$1"
}
req GET "$BASE/metrics"
cp "$BODY" "$TMPD/m1"
if [ "$STATUS" = 200 ] && [ "$(ctype)" = text/plain ]; then ok "GET /metrics -> 200 text/plain"; else not_ok "GET /metrics -> 200 text/plain" "got $STATUS '$(ctype)'"; fi
for _ in 1 2 3; do curl -sS --max-time 5 -o /dev/null "$BASE/healthz"; done
req GET "$BASE/metrics"
cp "$BODY" "$TMPD/m2"
if grep -qE '^synesthd_requests_total\{.*(route|path)="[^"]*".*"200"' "$TMPD/m2" ||
    grep -qE '^synesthd_requests_total\{.*"200".*(route|path)="' "$TMPD/m2"; then
    ok "synesthd_requests_total has route and status labels"
else
    not_ok "synesthd_requests_total has route and status labels" "$(grep -m3 synesthd_requests_total "$TMPD/m2" | tr '\n' '|')"
fi
a="$(metric_sum "$TMPD/m1")" b="$(metric_sum "$TMPD/m2")"
if awk -v a="$a" -v b="$b" 'BEGIN { exit !(b >= a + 3) }'; then ok "requests counter for /healthz 200 went up ($a -> $b)"; else not_ok "requests counter for /healthz 200 went up by 3" "$a -> $b"; fi
if grep -qE '^# TYPE [a-z_]+ histogram' "$TMPD/m2" && grep -qE '^[a-z_]+_bucket\{.*le="\+Inf"' "$TMPD/m2"; then
    ok "metrics have a histogram with buckets"
else
    not_ok "metrics have a histogram with buckets" "no '# TYPE ... histogram' or no _bucket{le=\"+Inf\"}"
fi

# --- SIGTERM during a long conversion --------------------------------------
if heavy_setup; then
    lead=$(awk -v s="$HEAVY_SECS" 'BEGIN { d = s / 4; if (d > 0.5) d = 0.5; printf "%.2f", d }')
    curl -sS --max-time 60 -o "$TMPD/t.body" -D "$TMPD/t.hdr" -w '%{http_code}' \
        --data-binary @"$HEAVY_PNG" -H 'Content-Type: image/png' \
        "$BASE$GEN_AUDIO?$HEAVY_Q" >"$TMPD/t.code" 2>"$TMPD/t.err" &
    pc=$!
    sleep "$lead"
    kill -TERM "$SERVER_PID"
    wait "$pc"
    cp "$TMPD/t.body" "$BODY"; cp "$TMPD/t.hdr" "$HDRS"; STATUS="$(cat "$TMPD/t.code")"
    if [ "$STATUS" = 200 ] && why="$(whole_200 wav)"; then
        ok "SIGTERM during a conversion: the request still gets its whole 200"
    else
        not_ok "SIGTERM during a conversion: the request still gets its whole 200" "got $STATUS ${why:-} $(head -c 100 "$TMPD/t.err")"
    fi
    wait_server_exit "server after SIGTERM with a request in flight"
else
    not_ok "a heavy conversion for the SIGTERM case" "no heavy query answered 200 (last: $STATUS)"
    stop_server "main server"
fi

# --- the optional API key ----------------------------------------------------
if start_server --api-key 'k3y for tests'; then
    req GET "$BASE/v1"
    if [ "$STATUS" = 401 ] && grep -q '"code":"unauthorized"' "$BODY" &&
        [ "$(hdr WWW-Authenticate)" = 'Bearer realm="synesthd"' ]; then
        ok "--api-key: /v1 without the key -> 401 JSON with WWW-Authenticate"
    else
        not_ok "--api-key: /v1 without the key -> 401 JSON" "got $STATUS $(head -c 150 "$BODY")"
    fi
    req GET "$BASE/v1" -H 'Authorization: Bearer k3y for test'
    if [ "$STATUS" = 401 ]; then ok "--api-key: a wrong key -> 401"; else not_ok "--api-key: a wrong key -> 401" "got $STATUS"; fi
    req POST "$BASE$GEN_AUDIO?duration=0.5" -H 'Authorization: Bearer k3y for tests' \
        --data-binary @"$CAMERA" -H 'Content-Type: image/png'
    if [ "$STATUS" = 200 ] && whole_200 wav >/dev/null; then
        ok "--api-key: the right key converts"
    else
        not_ok "--api-key: the right key converts" "got $STATUS $(head -c 150 "$BODY")"
    fi
    req GET "$BASE/healthz"
    s1=$STATUS
    req GET "$BASE/"
    if [ "$s1" = 200 ] && [ "$STATUS" = 200 ]; then
        ok "--api-key: the page and /healthz stay open"
    else
        not_ok "--api-key: the page and /healthz stay open" "healthz $s1, page $STATUS"
    fi
    req GET "$BASE/v1" -H 'Authorization: Bearer k3y for tests'
    if [ "$STATUS" = 200 ] && ! grep -q 'k3y' "$BODY"; then
        ok "--api-key: GET /v1 answers with the key and never shows it"
    else
        not_ok "--api-key: GET /v1 answers with the key and never shows it" "got $STATUS"
    fi
    stop_server "api-key server"
fi

# --- the command line ------------------------------------------------------
cli() { # runs the binary, bounded, output in $TMPD/cli.out / cli.err; CLI_RC
    timeout 60 "$SYNESTHD_BIN" "$@" >"$TMPD/cli.out" 2>"$TMPD/cli.err" </dev/null
    CLI_RC=$?
}
cli convert "$CAMERA" -o "$TMPD/cli.wav" --duration 1
if [ "$CLI_RC" = 0 ] && [ -f "$TMPD/cli.wav" ]; then
    ok "CLI convert in.png -o out.wav --duration 1 exits 0"
    audio_is "CLI WAV is 1 s at 22050 Hz" "$TMPD/cli.wav" 22050 1
else
    not_ok "CLI convert in.png -o out.wav --duration 1 exits 0" "exit $CLI_RC: $(head -c 200 "$TMPD/cli.err")"
fi
cli convert "$SWEEP" -o "$TMPD/cli.png"
if [ "$CLI_RC" = 0 ] && [ "$(body_kind "$TMPD/cli.png" 2>/dev/null)" = png ]; then
    ok "CLI convert in.wav -o out.png makes a PNG ($(png_size "$TMPD/cli.png"))"
else
    not_ok "CLI convert in.wav -o out.png makes a PNG" "exit $CLI_RC: $(head -c 200 "$TMPD/cli.err")"
fi
"$PY" -c 'import random,sys; sys.stdout.buffer.write(b"\x89PNG\r\n\x1a\n" + random.Random(5).randbytes(3000))' >"$TMPD/bad.png"
cli convert "$TMPD/bad.png" -o "$TMPD/bad.wav"
msg="$(head -c 300 "$TMPD/cli.err")"
if [ "$CLI_RC" = 1 ] && [ -n "$msg" ] && ! grep -qE 'Sanitizer|runtime error|Segmentation' "$TMPD/cli.err" &&
    LC_ALL=C grep -q '^[[:print:][:space:]]*$' <<<"$msg"; then
    ok "CLI bad input exits 1 with a readable message: $(head -n 1 "$TMPD/cli.err" | head -c 100)"
else
    not_ok "CLI bad input exits 1 with a readable message" "exit $CLI_RC, stderr '$msg'"
fi
cli --help
if [ "$CLI_RC" = 0 ] && { [ -s "$TMPD/cli.out" ] || [ -s "$TMPD/cli.err" ]; }; then ok "CLI --help exits 0"; else not_ok "CLI --help exits 0 with text" "exit $CLI_RC"; fi
cli --version
vout="$(cat "$TMPD/cli.out" "$TMPD/cli.err")"
if [ "$CLI_RC" = 0 ] && [ -n "$vout" ] && { [ -z "$version" ] || [[ "$vout" == *"$version"* ]]; }; then
    ok "CLI --version exits 0: $(head -n 1 <<<"$vout")"
else
    not_ok "CLI --version exits 0 and prints the version" "exit $CLI_RC, '$vout'"
fi

done_testing
