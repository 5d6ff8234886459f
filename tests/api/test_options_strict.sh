#!/usr/bin/env bash
# tests/api/test_options_strict.sh -- an option the server cannot honour is
# a 400 that says why, never a value silently changed.
#
#   - numbers are plain decimal: no hex (0x10), no inf/nan, no leading or
#     trailing space, and the whole value is read (3%00abc is not 3);
#   - a value holding a NUL byte is refused, whatever the option's type;
#   - fmin must be below fmax, whichever fmax applies (the option, the map
#     a picture we made carries, or the default), and the message says it;
#   - fmax must be at most the Nyquist frequency (sample_rate / 2) of the
#     rate that applies: the option, a sound's own rate, or the map of a
#     picture we made; the message names both values.
# Each case goes through the query string, a form field and a JSON key,
# and must be a 400 with the JSON error record whose message names the
# option.  Valid neighbours of each case must still be 200, so that the
# checks refuse only what they should.  Runs from the repository root.

cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
require_binary

GEN_AUDIO="/v1/generate/audio"
GEN_IMAGE="/v1/generate/image"
PNG="$TMPD/in.png"
make_png "$PNG" 64 48

# error_message: the message of the JSON error record in $BODY ("" if none).
error_message() {
    "$PY" -c 'import json, sys
try: print(json.load(open(sys.argv[1], "rb"))["error"]["message"])
except Exception: print("")' "$BODY"
}

# refused NAME WORD...: one case: status 400, the JSON error record, and a
# message that holds every WORD (the option's name, the values it names).
refused() {
    local name=$1 msg w
    shift
    if [ "$STATUS" != 400 ]; then
        not_ok "$name" "want 400, got $STATUS: $(head -c 200 "$BODY" | tr -c "[:print:]" .)"
        return
    fi
    if ! why="$(json_error 400)"; then
        not_ok "$name" "400 but $why"
        return
    fi
    msg="$(error_message)"
    for w in "$@"; do
        if [[ "$msg" != *"$w"* ]]; then
            not_ok "$name" "the message does not say '$w': $msg"
            return
        fi
    done
    ok "$name ($msg)"
}

accepted() {
    local name=$1 kind=$2 why
    if [ "$STATUS" = 200 ] && why="$(whole_200 "$kind")"; then
        ok "$name"
    else
        not_ok "$name" "want 200 $kind, got $STATUS ${why:-}: $(head -c 200 "$BODY" | tr -c "[:print:]" .)"
    fi
}

# The three ways an option arrives.  QUERY is already URL-encoded; FORM
# and JSON values are raw bytes, written to a file so that they may hold a
# NUL (curl -F 'name=<file' sends a file's bytes as the field's value).
via_query() { # URL_PATH QUERY
    req POST "$BASE$1?$2" --data-binary @"$PNG" -H 'Content-Type: image/png'
}
via_form() { # URL_PATH NAME VALUE_BYTES (printf format)
    printf "$3" >"$TMPD/field"
    req POST "$BASE$1" -F "image=@$PNG;type=image/png" -F "$2=<$TMPD/field"
}
via_json() { # URL_PATH NAME VALUE_BYTES (printf format) [number]
    printf "$3" >"$TMPD/field"
    "$PY" - "$PNG" "$2" "$TMPD/field" "${4:-string}" >"$TMPD/body.json" <<'EOF'
import base64, json, sys
png, name, field, kind = sys.argv[1:5]
v = open(field, "rb").read().decode("latin-1")
doc = {"image": base64.b64encode(open(png, "rb").read()).decode()}
doc[name] = float(v) if kind == "number" else v
print(json.dumps(doc))
EOF
    req POST "$BASE$1" --data-binary @"$TMPD/body.json" -H 'Content-Type: application/json'
}

start_server || exit 1

# --- 1. numbers are plain decimal, read whole --------------------------------
# name | URL-encoded | printf bytes
# A %00 in the query string: server/http.c hands the query's values on as C
# strings (strlen, not libmicrohttpd's value length), so this suite cannot
# see "3%00abc" as anything but "3" until it passes the length as form fields
# and JSON strings do.  Until then the case is a skip, which CI counts as a
# failure; once the length arrives it is an ordinary 400 case.
query_nul() { # NAME OPTION
    if [ "$STATUS" = 200 ]; then
        skip "$1" "server/http.c collect_arg drops the value's length (MHD_get_connection_values_n would keep it)"
    else
        refused "$1" "$2"
    fi
}

while IFS='|' read -r label q raw; do
    via_query "$GEN_AUDIO" "duration=$q"
    if [[ "$q" == *%00* ]]; then
        query_nul "query duration=$label -> 400" duration
    else
        refused "query duration=$label -> 400" duration
    fi
    via_form "$GEN_AUDIO" duration "$raw"
    refused "form field duration=$label -> 400" duration
    via_json "$GEN_AUDIO" duration "$raw"
    refused "JSON key duration=\"$label\" -> 400" duration
done <<'EOF'
3<NUL>abc|3%00abc|3\000abc
0x10|0x10|0x10
<space>1|%201|\0401
1<space>|1%20|1\040
inf|inf|inf
nan|nan|nan
1e|1e|1e
+1|%2B1|+1
EOF
via_query "$GEN_AUDIO" "mode=spectral%00x"
query_nul "query mode=spectral<NUL>x -> 400 (a NUL in a choice)" mode
via_form "$GEN_AUDIO" mode 'spectral\000x'
refused "form field mode=spectral<NUL>x -> 400" mode
via_json "$GEN_AUDIO" mode 'spectral\000x'
refused "JSON key mode=\"spectral<NUL>x\" -> 400" mode
via_query "$GEN_AUDIO" "seed=1e3"
refused "query seed=1e3 -> 400 (a whole number is digits)" seed

# Plain decimals, with a fraction or an exponent, still pass.
for q in "duration=0.5" "duration=.5" "duration=5e-1" "duration=1E0" "seed=007"; do
    via_query "$GEN_AUDIO" "$q"
    accepted "query $q -> 200" wav
done
via_json "$GEN_AUDIO" duration '0.5' number
accepted "JSON number duration 0.5 -> 200" wav
via_form "$GEN_AUDIO" duration '0.5'
accepted "form field duration=0.5 -> 200" wav

# --- 2. fmin must be below fmax ----------------------------------------------
via_query "$GEN_AUDIO" "fmin=9000"
refused "query fmin=9000 alone (fmax 8000 by default) -> 400" fmin fmax 8000
via_form "$GEN_AUDIO" fmin '9000'
refused "form field fmin=9000 alone -> 400" fmin fmax 8000
via_json "$GEN_AUDIO" fmin '9000' number
refused "JSON key fmin 9000 alone -> 400" fmin fmax 8000
via_query "$GEN_AUDIO" "fmin=5000&fmax=1000"
refused "query fmin=5000&fmax=1000 -> 400" fmin fmax 1000
via_query "$GEN_AUDIO" "fmin=10&scale=log"
refused "query fmin=10&scale=log -> 400 (a log axis starts at 20 Hz)" fmin 20
via_query "$GEN_AUDIO" "fmin=9000&fmax=10000"
accepted "query fmin=9000&fmax=10000 -> 200" wav
via_query "$GEN_IMAGE" "fmin=9000&mode=semantic"
refused "query fmin=9000 for a painting (its map's fmax is 8000) -> 400" fmin 8000

# --- 3. fmax at most the Nyquist frequency of the rate that applies -----------
via_query "$GEN_AUDIO" "fmax=20000"
refused "query fmax=20000 at the default 22050 Hz -> 400" fmax 20000 11025 22050
via_form "$GEN_AUDIO" fmax '20000'
refused "form field fmax=20000 -> 400" fmax 20000 11025
via_json "$GEN_AUDIO" fmax '20000' number
refused "JSON key fmax 20000 -> 400" fmax 20000 11025
via_query "$GEN_AUDIO" "fmax=12000&sample_rate=16000"
refused "query fmax=12000&sample_rate=16000 -> 400" fmax 12000 8000 16000
via_query "$GEN_AUDIO" "fmax=20000&sample_rate=44100"
accepted "query fmax=20000&sample_rate=44100 -> 200" wav
via_query "$GEN_AUDIO" "fmax=11025"
accepted "query fmax=11025 (exactly Nyquist at 22050 Hz) -> 200" wav
via_query "$GEN_IMAGE" "fmax=12000&mode=semantic"
refused "query fmax=12000 for a painting at 22050 Hz -> 400" fmax 12000 11025

# A sound's own rate: an 8 kHz recording holds nothing above 4 kHz.
sox -D -n -r 8000 -c 1 -b 16 "$TMPD/low.wav" synth 1 sine 440 2>/dev/null
req POST "$BASE$GEN_IMAGE?fmax=6000" --data-binary @"$TMPD/low.wav" -H 'Content-Type: audio/wav'
refused "an 8 kHz sound drawn with fmax=6000 -> 400" fmax 6000 4000 8000
req POST "$BASE$GEN_IMAGE?fmax=3000&fmin=200" --data-binary @"$TMPD/low.wav" -H 'Content-Type: audio/wav'
accepted "an 8 kHz sound drawn with fmax=3000 -> 200" png
req POST "$BASE$GEN_IMAGE?fmin=5000" --data-binary @"$TMPD/low.wav" -H 'Content-Type: audio/wav'
refused "an 8 kHz sound drawn with fmin=5000 (its fmax is 3600) -> 400" fmin 3600

# The map of a picture we made: 100..16000 Hz at 44100 Hz.
sox -D -n -r 44100 -c 1 -b 16 "$TMPD/hi.wav" synth 1 sine 3000 2>/dev/null
req POST "$BASE$GEN_IMAGE?sample_rate=44100&fmax=16000" --data-binary @"$TMPD/hi.wav" -H 'Content-Type: audio/wav'
cp "$BODY" "$TMPD/ours.png"
accepted "a 44.1 kHz sound drawn at 100..16000 Hz -> 200" png
req POST "$BASE$GEN_AUDIO?sample_rate=22050" --data-binary @"$TMPD/ours.png" -H 'Content-Type: image/png'
refused "our 16 kHz-wide picture played at sample_rate=22050 -> 400 (its fmax is above 11025)" fmax 16000 11025
req POST "$BASE$GEN_AUDIO?fmin=9000" --data-binary @"$TMPD/ours.png" -H 'Content-Type: image/png'
accepted "our picture with fmin=9000 (below its map's fmax 16000) -> 200" wav
req POST "$BASE$GEN_AUDIO" --data-binary @"$TMPD/ours.png" -H 'Content-Type: image/png'
if [ "$STATUS" = 200 ] && [ "$(hdr X-Synesthd-Fmax)" = 16000 ] && [ "$(hdr X-Synesthd-Sr)" = 44100 ]; then
    ok "our picture plays back at its own map: fmax 16000 at 44100 Hz"
else
    not_ok "our picture plays back at its own map" "status $STATUS, fmax '$(hdr X-Synesthd-Fmax)', sr '$(hdr X-Synesthd-Sr)'"
fi
healthy "strict options"

stop_server "main server"
done_testing
