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
    # The document's structure, level by level (keys, types, required
    # entries); new entries of each list are checked for shape, not refused.
    "$PY" - "$BODY" "$version" >"$TMPD/v1.tap" 2>&1 <<'EOF'
import json, re, sys
d = json.load(open(sys.argv[1]))
version = sys.argv[2] if len(sys.argv) > 2 else ""

# The document's structure, level by level: required members and their types.
# New endpoints, modalities, options, limits and top-level keys may appear;
# what is pinned is the shape of each entry and the members every client uses.

def case(good, name, why=""):
    print(("ok - " if good else "not ok - ") + name + ("" if good else ": " + why))

def is_str(x, empty=False):
    return isinstance(x, str) and (empty or x != "")

def is_num(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)

def is_str_list(x):
    return isinstance(x, list) and all(is_str(v) for v in x)

def shape(e, members):
    """names of the members of dict e that are missing or mistyped"""
    if not isinstance(e, dict):
        return ["(not an object)"]
    return [k for k, good in members.items() if k not in e or not good(e[k])]

def short(x):
    return json.dumps(x)[:160]

MIME = re.compile(r"^[a-z0-9.+-]+/[a-z0-9.+-]+$")

# --- top level -----------------------------------------------------------
top = {"name": is_str, "version": is_str, "endpoints": lambda v: isinstance(v, list) and v,
       "modalities": lambda v: isinstance(v, list) and v, "options": lambda v: isinstance(v, list) and v,
       "limits": lambda v: isinstance(v, list) and v, "grid": lambda v: isinstance(v, dict),
       "modes": lambda v: isinstance(v, dict), "fusion": is_str_list}
bad = shape(d, top)
case(not bad, "GET /v1 is an object with name, version, endpoints[], modalities[], options[], "
     "limits[], grid{}, modes{}, fusion[]", "missing or mistyped: %s" % bad)
if bad:
    sys.exit(0)
case(d["name"] == "synesthd" and (not version or d["version"] == version),
     "GET /v1 names synesthd and the version /healthz and the banner give",
     "name %r version %r, banner %r" % (d["name"], d["version"], version))

# --- endpoints -------------------------------------------------------------
ep_members = {"method": lambda v: is_str(v) and all(m in ("GET", "HEAD", "POST") for m in v.split(", ")),
              "path": lambda v: is_str(v) and v.startswith("/"), "description": is_str,
              "accepts": is_str_list}
eps = {}
for e in d["endpoints"]:
    bad = shape(e, ep_members)
    name = "GET /v1 endpoint %s has method (GET, HEAD, POST), path, description and accepts[]" % (
        e.get("path") if isinstance(e, dict) else short(e))
    case(not bad, name, "missing or mistyped: %s in %s" % (bad, short(e)))
    if not bad:
        eps[e["path"]] = e
mime_all = [t for m in d["modalities"] if isinstance(m, dict) for t in m.get("mime_types") or []]
for path, method in (("/", "GET"), ("/healthz", "GET"), ("/metrics", "GET"), ("/v1", "GET"),
                     ("/v1/generate/image", "POST"), ("/v1/generate/audio", "POST"),
                     ("/v1/generate/text", "POST"), ("/v1/embed", "POST"), ("/v1/similarity", "POST")):
    e = eps.get(path)
    if not e:
        case(False, "GET /v1 lists endpoint %s %s" % (method, path), "not among %s" % sorted(eps))
        continue
    methods = e["method"].split(", ")
    if method == "GET":
        case(methods == ["GET", "HEAD"] and e["accepts"] == [],
             "GET /v1 lists endpoint GET, HEAD %s, taking no body" % path, short(e))
    else:
        need = ["multipart/form-data", "application/json", "application/octet-stream"] + mime_all
        miss = [t for t in need if t not in e["accepts"]]
        case(methods == ["POST"] and not miss,
             "GET /v1 lists endpoint POST %s accepting every modality's MIME type, multipart, "
             "JSON and octet-stream" % path, "method %r, missing %s" % (e["method"], miss))

# --- modalities --------------------------------------------------------------
fmt_ok = lambda v: isinstance(v, list) and v and all(
    isinstance(f, dict) and is_str(f.get("format")) and
    (f.get("mime") is None or (is_str(f.get("mime")) and MIME.match(f["mime"].split(";")[0])))
    for f in v)
mod_members = {"name": lambda v: is_str(v) and re.match(r"^[a-z][a-z0-9_]*$", v),
               "mime_types": lambda v: is_str_list(v) and v and all(MIME.match(t) for t in v),
               "output_formats": fmt_ok}
mods = {}
for m in d["modalities"]:
    bad = shape(m, mod_members)
    case(not bad, "GET /v1 modality %s has name, mime_types[] and output_formats[{format, mime}]" % (
        m.get("name") if isinstance(m, dict) else short(m)), "missing or mistyped: %s in %s" % (bad, short(m)))
    if not bad:
        mods[m["name"]] = m
case(len(mods) == len(d["modalities"]), "GET /v1 modality names are unique",
     "%d entries, %d names" % (len(d["modalities"]), len(mods)))
want = {"image": ("image/png", {"png": "image/png"}),
        "audio": ("audio/wav", {"wav": "audio/wav", "flac": "audio/flac", "ogg": "audio/ogg"}),
        "text": ("text/plain", {})}
for name, (mime, formats) in want.items():
    m = mods.get(name)
    if not m:
        case(False, "GET /v1 lists modality %s" % name, "modalities: %s" % sorted(mods))
        continue
    have = {f["format"]: f.get("mime") for f in m["output_formats"]}
    wrong = {k: have.get(k) for k, v in formats.items() if have.get(k) != v}
    case(mime in m["mime_types"] and not wrong,
         "GET /v1 lists modality %s with MIME %s%s" % (
             name, mime, "".join(", %s as %s" % kv for kv in formats.items())),
         "mime_types %s, formats %s" % (m["mime_types"], have))

# --- options ---------------------------------------------------------------
def within(o, v):
    return o["min"] <= v <= o["max"]

def opt_problem(o):
    bad = shape(o, {"name": is_str, "type": lambda v: v in ("int", "number", "enum", "bool", "string"),
                    "default": lambda v: isinstance(v, str), "help": is_str})
    if bad:
        return "missing or mistyped: %s" % bad
    t, dv = o["type"], o["default"]
    if t in ("int", "number"):
        if not (is_num(o.get("min")) and is_num(o.get("max")) and o["min"] <= o["max"]):
            return "no numeric min <= max"
        if t == "int" and not all(isinstance(o[k], int) for k in ("min", "max")):
            return "int option with a non-integer range"
        if dv != "auto":
            try:
                v = float(dv)
            except ValueError:
                return "default %r is not a number" % dv
            if not within(o, v):
                return "default %r outside %r..%r" % (dv, o["min"], o["max"])
    elif t == "enum":
        if not (is_str_list(o.get("choices")) and o["choices"]):
            return "enum without choices[]"
        if dv not in o["choices"]:
            return "default %r not among %s" % (dv, o["choices"])
    elif t == "bool" and dv not in ("0", "1", "true", "false"):
        return "bool default %r" % dv
    return None

opts = {}
for o in d["options"]:
    why = opt_problem(o)
    label = o.get("name") if isinstance(o, dict) else short(o)
    if isinstance(o, dict) and o.get("type") in ("int", "number"):
        what = "a numeric default (or auto) within min/max"
    elif isinstance(o, dict) and o.get("type") == "enum":
        what = "choices[] holding its default"
    else:
        what = "a default"
    case(why is None, "GET /v1 option %s has type, help and %s" % (label, what), "%s in %s" % (why, short(o)))
    if why is None:
        opts[o["name"]] = o
numeric = {"seed": None, "duration": 5, "sample_rate": 22050, "fmin": 100, "fmax": 8000,
           "width": None, "height": None, "db_range": 50}
for name in ("mode", "seed", "duration", "sample_rate", "fmin", "fmax", "scale", "width",
             "height", "colormap", "format", "stereo", "synthesis", "db_range", "lang", "voice"):
    o = opts.get(name)
    if not o:
        case(False, "GET /v1 lists option %s" % name, "options: %s" % sorted(opts))
    elif numeric.get(name) is not None:
        case(float(o["default"]) == numeric[name], "GET /v1 option %s default is %g" % (name, numeric[name]),
             "default %r" % o["default"])
    elif name in numeric:
        case(o["type"] in ("int", "number"), "GET /v1 option %s is numeric with a range" % name, short(o))
    else:
        case(o["type"] in ("enum", "bool"), "GET /v1 option %s is an enum or a bool" % name, short(o))
if "format" in opts and opts["format"]["type"] == "enum":
    miss = [f for f in ("auto", "png", "wav", "wav-float", "flac", "ogg")
            if f not in opts["format"]["choices"]]
    case(not miss, "GET /v1 option format offers auto, png, wav, wav-float, flac and ogg",
         "missing %s" % miss)
for name in mods:
    o = opts.get("weight_" + name)
    case(bool(o) and o["type"] == "number" and o["min"] >= 0,
         "GET /v1 has a numeric option weight_%s for modality %s" % (name, name), short(o))

# --- limits ----------------------------------------------------------------
def lim_problem(e):
    bad = shape(e, {"name": lambda v: is_str(v) and re.match(r"^[a-z][a-z0-9-]*$", v),
                    "flag": is_str, "env": is_str, "value": is_num})
    if bad:
        return "missing or mistyped: %s" % bad
    reason = e.get("help", e.get("reason"))
    if not is_str(reason):
        return "no reason (help)"
    if e["flag"] != "--" + e["name"]:
        return "flag %r for name %r" % (e["flag"], e["name"])
    if e["env"] != "SYNESTHD_" + e["name"].upper().replace("-", "_"):
        return "env %r for name %r" % (e["env"], e["name"])
    if e["value"] < 0:
        return "negative value"
    return None

lims = {}
for e in d["limits"]:
    why = lim_problem(e)
    case(why is None, "GET /v1 limit %s has flag --NAME, env SYNESTHD_NAME, a numeric value and a reason"
         % (e.get("name") if isinstance(e, dict) else short(e)), "%s in %s" % (why, short(e)))
    if why is None:
        lims[e["name"]] = e
case(len(lims) >= 14, "GET /v1 lists every limit (%d; syn_limits has 14 or more)" % len(lims),
     "names: %s" % sorted(lims))
for name in ("max-body", "max-jobs", "max-pixels", "max-memory", "max-connections", "header-timeout"):
    case(name in lims, "GET /v1 limits include --" + name, "names: %s" % sorted(lims))
if "max-body" in lims:
    case(isinstance(lims["max-body"]["value"], int) and lims["max-body"]["value"] > 0,
         "GET /v1 limit max-body is a whole number of bytes", short(lims["max-body"]))

# --- grid, modes, fusion ---------------------------------------------------
g = d["grid"]
case(g.get("image_to_audio_rows") == 128 and g.get("audio_to_image_rows") == 512 and
     isinstance(g.get("audio_to_image_cols"), int),
     "GET /v1 states the grid sizes (128 bands, 512 rows)", short(g))
mo = d["modes"]
case(all(is_str(k) and is_str(v) for k, v in mo.items()) and mo.get("image->audio") == "spectral"
     and mo.get("audio->image") == "spectral" and mo.get("text->image") == "semantic",
     "GET /v1 modes map source->target to a mode (spectral for pictures and sounds, semantic for text)",
     short(mo))
case(len(d["fusion"]) >= 1, "GET /v1 states the fusion rules as sentences", short(d["fusion"]))
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
