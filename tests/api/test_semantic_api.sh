#!/usr/bin/env bash
# tests/api/test_semantic_api.sh -- issue 3 through the HTTP API: descriptions
# (/v1/generate/text), the latent (/v1/embed), comparison (/v1/similarity),
# fusion of several parts, text -> picture and sound, speech, the errors of
# text input, and determinism with `seed`.
#
# A real server on 127.0.0.1.  Every case asserts on behaviour: what the
# answer says (languages, scripts, axes and reasons), how it relates to
# another answer (a fused sound sadder than the picture's own, a picture
# closer to its own sound than to another's), and what sox measures in the
# sounds (duration, RMS).  Runs from the repo root.

cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
require_binary

SKD=/usr/lib/python3/dist-packages/skimage/data # python3-skimage
CAMERA=$SKD/camera.png
ASTRO=$SKD/astronaut.png
for f in "$CAMERA" "$ASTRO"; do
    [ -f "$f" ] || { not_ok "test pictures exist" "$f is missing (apt install python3-skimage)"; exit 1; }
done
EMBED_DIM=73 # SYN_EMBED_DIM: 8 axes (hue as cos and sin) + the 8x8 grid summary

start_server || exit 1

# jq-free JSON checks: $PY -c 'expression over d' file; exit 0 when true.
jcheck() {
    "$PY" - "$@" <<'EOF'
import json, sys
expr, path = sys.argv[1], sys.argv[2]
args = sys.argv[3:]
try:
    d = json.load(open(path, "rb"))
except Exception as ex:
    print("not JSON: %s" % ex); sys.exit(1)
ok = eval(expr, {"d": d, "args": args, "re": __import__("re"), "len": len})
if not ok:
    print(json.dumps(d, ensure_ascii=False)[:300])
sys.exit(0 if ok else 1)
EOF
}
# jget EXPR FILE: prints the value of a python expression over d.
jget() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[2],"rb")); print(eval(sys.argv[1]))' "$1" "$2"; }

AXES_OK='isinstance(d.get("semantics"), dict) and sorted(d["semantics"]) == sorted(["brightness","elevation","energy","sharpness","warmth","valence","density","hue"]) and all(isinstance(a.get("value"), (int,float)) and 0 <= a["value"] <= 1 and isinstance(a.get("weight"), (int,float)) and isinstance(a.get("reason"), str) and a["reason"].startswith(k) for k, a in d["semantics"].items())'
HAN='re.search("[\u4e00-\u9fff]", d.get("text", ""))'

# --- GET /v1 lists the new endpoints, the text modality, modes, options ----
req GET "$BASE/v1"
cp "$BODY" "$TMPD/v1.json"
for ep in /v1/generate/text /v1/embed /v1/similarity; do
    check "GET /v1 lists $ep" "missing" jcheck 'any(e["path"] == args[0] for e in d["endpoints"])' "$TMPD/v1.json" "$ep"
done
check "GET /v1 lists the text modality with text/plain" "missing" \
    jcheck 'any(m["name"] == "text" and "text/plain" in m["mime_types"] for m in d["modalities"])' "$TMPD/v1.json"
check "GET /v1 lists options lang, voice, weight_image, weight_audio, weight_text" "missing" \
    jcheck '{"lang","voice","weight_image","weight_audio","weight_text"} <= {o["name"] for o in d["options"]}' "$TMPD/v1.json"
check "GET /v1 modes: text->image semantic, image->audio spectral, any->text description" "wrong" \
    jcheck 'd["modes"]["text->image"] == "semantic" and d["modes"]["text->audio"] == "semantic" and d["modes"]["image->audio"] == "spectral" and d["modes"]["audio->image"] == "spectral" and d["modes"]["any->text"] == "description"' "$TMPD/v1.json"
check "GET /v1 documents the fusion rules" "missing" jcheck 'len(d["fusion"]) >= 3 and all(isinstance(s, str) and s for s in d["fusion"])' "$TMPD/v1.json"

# --- /v1/generate/text ------------------------------------------------------
req POST "$BASE/v1/generate/text" --data-binary @"$CAMERA" -H 'Content-Type: image/png'
why=""; if [ "$STATUS" = 200 ] && why="$(jcheck 'd["lang"] == "en" and len(d["text"]) > 20 and not '"$HAN"' and '"$AXES_OK" "$BODY")"; then
    ok "generate/text of a picture: English description, 8 axes with value, weight, reason"
else
    not_ok "generate/text of a picture: English description, 8 axes with value, weight, reason" "$STATUS $why"
fi
cp "$BODY" "$TMPD/camera_en.json"
check "the picture's axes carry evidence (weights > 0) and reasons with figures" "weights or reasons empty" \
    jcheck 'sum(a["weight"] > 0 for a in d["semantics"].values()) >= 6 and all(re.search("[0-9]", a["reason"].split(":",1)[1]) for a in d["semantics"].values() if a["weight"] > 0)' "$TMPD/camera_en.json"

req POST "$BASE/v1/generate/text?lang=zh" --data-binary @"$CAMERA" -H 'Content-Type: image/png'
why=""; if [ "$STATUS" = 200 ] && why="$(jcheck 'd["lang"] == "zh" and '"$HAN" "$BODY")"; then
    ok "generate/text?lang=zh of a picture: a Chinese description"
else
    not_ok "generate/text?lang=zh of a picture: a Chinese description" "$STATUS $why"
fi

req POST "$BASE/v1/generate/text" --data-binary '明亮温暖的早晨，快乐的鸟儿在歌唱' -H 'Content-Type: text/plain; charset=utf-8'
why=""; if [ "$STATUS" = 200 ] && why="$(jcheck 'd["lang"] == "zh" and '"$HAN"' and '"$AXES_OK" "$BODY")"; then
    ok "generate/text of Chinese text: lang zh, Han characters, 8 axes"
else
    not_ok "generate/text of Chinese text: lang zh, Han characters, 8 axes" "$STATUS $why"
fi
check "Chinese 明亮温暖 reads bright and warm (> 0.6)" "axes" \
    jcheck 'd["semantics"]["brightness"]["value"] > 0.6 and d["semantics"]["warmth"]["value"] > 0.6' "$BODY"

req POST "$BASE/v1/generate/text" -H 'Content-Type: application/json' --data-binary '{"text": "a dark, cold and quiet night", "lang": "en"}'
why=""; if [ "$STATUS" = 200 ] && why="$(jcheck 'd["lang"] == "en" and d["semantics"]["brightness"]["value"] < 0.4 and d["semantics"]["warmth"]["value"] < 0.4' "$BODY")"; then
    ok "generate/text of JSON {text}: dark and cold read low on brightness and warmth"
else
    not_ok "generate/text of JSON {text}: dark and cold read low on brightness and warmth" "$STATUS $why"
fi

# --- /v1/embed ----------------------------------------------------------------
req POST "$BASE/v1/embed" --data-binary @"$CAMERA" -H 'Content-Type: image/png'
why=""; if [ "$STATUS" = 200 ] && why="$(jcheck 'len(d["vector"]) == int(args[0]) and all(isinstance(x,(int,float)) for x in d["vector"]) and d["modalities"] == ["image"] and d["grid"] and len(d["grid"]["summary"]) == 64 and d["grid"]["rows"] > 0 and '"$AXES_OK" "$BODY" "$EMBED_DIM")"; then
    ok "embed of a picture: vector of $EMBED_DIM, grid summary of 64, reasons, modalities [image]"
else
    not_ok "embed of a picture: vector of $EMBED_DIM, grid summary of 64, reasons, modalities [image]" "$STATUS $why"
fi
req POST "$BASE/v1/embed" -F image=@"$CAMERA" -F text='slow and sad'
why=""; if [ "$STATUS" = 200 ] && why="$(jcheck 'sorted(d["modalities"]) == ["image","text"] and d["grid"] is not None and len(d["vector"]) == int(args[0])' "$BODY" "$EMBED_DIM")"; then
    ok "embed of image + text parts: both modalities, the picture's grid"
else
    not_ok "embed of image + text parts: both modalities, the picture's grid" "$STATUS $why"
fi
req POST "$BASE/v1/embed" -H 'Content-Type: application/json' --data-binary '{"text": "bright"}'
why=""; if [ "$STATUS" = 200 ] && why="$(jcheck 'd["grid"] is None and d["modalities"] == ["text"] and len(d["vector"]) == int(args[0])' "$BODY" "$EMBED_DIM")"; then
    ok "embed of JSON text: no grid, full vector"
else
    not_ok "embed of JSON text: no grid, full vector" "$STATUS $why"
fi

# --- /v1/similarity -----------------------------------------------------------
sim() { # sim LABEL curl-args... -> prints the score, or "" on failure
    shift
    req POST "$BASE/v1/similarity" "$@"
    [ "$STATUS" = 200 ] && jget 'd["score"]' "$BODY"
}
s_syn="$(sim x -H 'Content-Type: application/json' --data-binary '{"a": "bright", "b": "明亮"}')"
cp "$BODY" "$TMPD/sim.json"
s_ant="$(sim x -H 'Content-Type: application/json' --data-binary '{"a": "bright", "b": "dark"}')"
if [ -n "$s_syn" ] && [ -n "$s_ant" ] && awk -v a="$s_syn" -v b="$s_ant" 'BEGIN { exit !(a >= 0.8 && a > b + 0.2) }'; then
    ok "similarity: bright ~ 明亮 ($s_syn) high, bright vs dark ($s_ant) lower"
else
    not_ok "similarity: bright ~ 明亮 high (>= 0.8), bright vs dark lower by 0.2" "bright/明亮 '$s_syn', bright/dark '$s_ant'"
fi
check "similarity answers axes {a, b, agreement} and grid_agreement null for texts" "shape" \
    jcheck 'd["grid_agreement"] is None and len(d["axes"]) == 8 and all(set(v) == {"a","b","agreement"} for v in d["axes"].values()) and abs(d["axes"]["brightness"]["a"] - d["axes"]["brightness"]["b"]) <= 0.1' "$TMPD/sim.json"
s_form="$(sim x -F a='bright' -F b='明亮')"
check "similarity of plain form fields a and b equals the JSON form" "form $s_form, json $s_syn" \
    near "${s_form:-9}" "${s_syn:-0}" 0.0001

req POST "$BASE/v1/generate/audio?duration=3" --data-binary @"$CAMERA" -H 'Content-Type: image/png'
cp "$BODY" "$TMPD/camera.wav"
s_own="$(sim x -F a=@"$CAMERA" -F b=@"$TMPD/camera.wav")"
g_own="$(jget 'd["grid_agreement"]' "$BODY" 2>/dev/null)"
s_other="$(sim x -F a=@"$ASTRO" -F b=@"$TMPD/camera.wav")"
if [ -n "$s_own" ] && [ -n "$s_other" ] && awk -v a="$s_own" -v b="$s_other" 'BEGIN { exit !(a > b) }'; then
    ok "similarity: a picture is closer to its own sound ($s_own, grid $g_own) than another picture is ($s_other)"
else
    not_ok "similarity: a picture is closer to its own sound than another picture" "own '$s_own' other '$s_other'"
fi
req POST "$BASE/v1/similarity" -F a=bright
expect_error "similarity without part b -> 400" 400
req POST "$BASE/v1/similarity" -F a=bright -F b=dark -F image=@"$CAMERA"
expect_error "similarity with a third input -> 400" 400

# --- text -> picture, text -> sound ---------------------------------------------
req POST "$BASE/v1/generate/image" --data-binary 'a warm red sunset over a calm sea' -H 'Content-Type: text/plain'
why=""; if [ "$STATUS" = 200 ] && why="$(whole_200 png)"; then
    wh="$(png_size)"
    ctyp="$("$PY" -c 'import sys; print(open(sys.argv[1],"rb").read(26)[25])' "$BODY")"
    if [ "$wh" = "512 512" ] && [ "$ctyp" = 2 ]; then
        ok "text -> picture: a semantic painting, RGB PNG, 512x512 by default"
    else
        not_ok "text -> picture: a semantic painting, RGB PNG, 512x512 by default" "size $wh, colour type $ctyp"
    fi
else
    not_ok "text -> picture: 200 PNG" "$STATUS ${why:-} $(head -c 200 "$BODY")"
fi
cp "$BODY" "$TMPD/sunset.png"

req POST "$BASE/v1/generate/audio" -F text='happy dancing in the bright sun'
cp "$BODY" "$TMPD/happy.wav"
why=""; if [ "$STATUS" = 200 ] && why="$(whole_200 wav)"; then
    read -r rate ch secs enc <<<"$(audio_info "$TMPD/happy.wav")"
    if near "$secs" 8 0.05; then
        ok "text -> sound: semantic music WAV of 8 s by default ($rate Hz, $ch ch)"
    else
        not_ok "text -> sound: semantic music WAV of 8 s by default" "$secs s"
    fi
else
    not_ok "text -> sound: 200 WAV" "$STATUS ${why:-} $(head -c 200 "$BODY")"
fi

# --- determinism --------------------------------------------------------------------
for tgt in image audio; do
    req POST "$BASE/v1/generate/$tgt?seed=7" -H 'Content-Type: application/json' --data-binary '{"text": "stormy night"}'
    cp "$BODY" "$TMPD/d1"
    req POST "$BASE/v1/generate/$tgt?seed=7" -H 'Content-Type: application/json' --data-binary '{"text": "stormy night"}'
    cp "$BODY" "$TMPD/d2"
    req POST "$BASE/v1/generate/$tgt?seed=8" -H 'Content-Type: application/json' --data-binary '{"text": "stormy night"}'
    cp "$BODY" "$TMPD/d3"
    if cmp -s "$TMPD/d1" "$TMPD/d2" && ! cmp -s "$TMPD/d1" "$TMPD/d3" && [ "$(body_size "$TMPD/d1")" -gt 1000 ]; then
        ok "semantic $tgt: same seed -> same bytes, another seed -> other bytes"
    else
        not_ok "semantic $tgt: same seed -> same bytes, another seed -> other bytes" "sizes $(body_size "$TMPD/d1") $(body_size "$TMPD/d2") $(body_size "$TMPD/d3")"
    fi
done
req POST "$BASE/v1/generate/image?seed=1" --data-binary 'calm' -H 'Content-Type: text/plain'
cp "$BODY" "$TMPD/p1"
req POST "$BASE/v1/generate/image?seed=1" --data-binary 'calm.' -H 'Content-Type: text/plain'
if ! cmp -s "$BODY" "$TMPD/p1"; then
    ok "two different prompts never give identical paintings ('calm' vs 'calm.')"
else
    not_ok "two different prompts never give identical paintings" "'calm' and 'calm.' gave the same bytes"
fi

# --- fusion: a picture plus 'slow and sad' makes sadder, calmer music -------------------
# The claim is about the mapping, so it is judged over seeds 1..6, by the mean
# of what the music reads back (/v1/embed of the WAV).  One seed's piece can
# miss its own ask by more than the text moved the ask (valence 0.49 -> 0.33,
# energy 0.62 -> 0.45): measured, the loop of stop 17 made the fused piece
# no calmer at seed 5 (0.52 -> 0.53), and the atlas-started loop no sadder at
# seeds 3 and 4, while the means moved the right way by 0.18 or more.
fus_s=""; fus_v=""; fus_e=""
for seed in 1 2 3 4 5 6; do
    for kind in alone fused; do
        if [ "$kind" = alone ]; then
            req POST "$BASE/v1/generate/audio?mode=semantic&seed=$seed" -F image=@"$ASTRO"
        else
            req POST "$BASE/v1/generate/audio?mode=semantic&seed=$seed" -F image=@"$ASTRO" \
                -F text='slow and sad'
        fi
        fus_s="$fus_s $STATUS"
        cp "$BODY" "$TMPD/$kind.wav"
        req POST "$BASE/v1/embed" --data-binary @"$TMPD/$kind.wav" -H 'Content-Type: audio/wav'
        fus_s="$fus_s $STATUS"
        fus_v="$fus_v $kind:$(jget 'd["semantics"]["valence"]["value"]' "$BODY" 2>/dev/null)"
        fus_e="$fus_e $kind:$(jget 'd["semantics"]["energy"]["value"]' "$BODY" 2>/dev/null)"
    done
done
fus_mean() { # fus_mean "alone:0.4 fused:0.3 ..." KIND -> the mean of KIND's values
    echo "$1" | tr ' ' '\n' | awk -F: -v k="$2" '$1 == k && $2 != "" { s += $2; n++ }
        END { if (n == 6) printf "%.4f", s / n }'
}
va="$(fus_mean "$fus_v" alone)"; vf="$(fus_mean "$fus_v" fused)"
ea="$(fus_mean "$fus_e" alone)"; ef="$(fus_mean "$fus_e" fused)"
if [ "$(echo "$fus_s" | tr ' ' '\n' | grep -c .)" = 24 ] && ! echo "$fus_s" | tr ' ' '\n' | grep -qv '^200$\|^$' &&
    [ -n "$va" ] && [ -n "$vf" ] && [ -n "$ea" ] &&
    [ -n "$ef" ] && awk -v va="$va" -v vf="$vf" -v ea="$ea" -v ef="$ef" 'BEGIN { exit !(vf < va && ef < ea) }'; then
    ok "fusion: picture + 'slow and sad' -> music sadder (mean valence over 6 seeds $va -> $vf) and calmer (energy $ea -> $ef)"
else
    not_ok "fusion: picture + 'slow and sad' -> music sadder and calmer than the picture alone, over 6 seeds" "statuses$fus_s; valence$fus_v; energy$fus_e"
fi
# weight_text=0: the text has no say in any axis (the seed's variation may
# still change, since the fused hash covers every part).
req POST "$BASE/v1/embed" -F image=@"$ASTRO"
cp "$BODY" "$TMPD/e_img.json"
req POST "$BASE/v1/embed?weight_text=0" -F image=@"$ASTRO" -F text='slow and sad'
if [ "$STATUS" = 200 ] && why="$(jcheck 'all(abs(d["semantics"][k]["value"] - v["value"]) < 1e-3 for k, v in __import__("json").load(open(args[0]))["semantics"].items())' "$BODY" "$TMPD/e_img.json")"; then
    ok "fusion: weight_text=0 leaves every axis of the picture unchanged"
else
    not_ok "fusion: weight_text=0 leaves every axis of the picture unchanged" "$STATUS ${why:-}"
fi
req POST "$BASE/v1/embed?weight_text=3" -F image=@"$ASTRO" -F text='slow and sad'
cp "$BODY" "$TMPD/e_fused.json"
if [ "$STATUS" = 200 ] && why="$(jcheck 'd["semantics"]["valence"]["value"] < __import__("json").load(open(args[0]))["semantics"]["valence"]["value"] - 0.05' "$BODY" "$TMPD/e_img.json")"; then
    ok "fusion: picture + 'slow and sad' embeds sadder than the picture alone"
else
    not_ok "fusion: picture + 'slow and sad' embeds sadder than the picture alone" "$STATUS ${why:-}"
fi
req POST "$BASE/v1/generate/audio?duration=2" -F image=@"$CAMERA" -F text='slow and sad'
if [ "$STATUS" = 200 ] && [ "$(body_kind)" = wav ]; then
    ok "fusion in spectral mode (image + text): 200 WAV from the picture's grid"
else
    not_ok "fusion in spectral mode (image + text): 200 WAV" "$STATUS $(head -c 200 "$BODY")"
fi

# --- speech -------------------------------------------------------------------------
# rms FILE: sox's RMS amplitude of the whole file.
rms() { sox "$1" -n stat 2>&1 | awk '/RMS +amplitude/ { print $3 }'; }
speech_case() { # NAME VOICE TEXT MIN_S MAX_S
    local name=$1 voice=$2 text=$3 lo=$4 hi=$5 secs r
    req POST "$BASE/v1/generate/audio?mode=speech&voice=$voice" -F text="$text"
    cp "$BODY" "$TMPD/speech_$voice.wav"
    if [ "$STATUS" != 200 ] || [ "$(body_kind)" != wav ]; then
        not_ok "$name" "$STATUS $(head -c 200 "$BODY")"
        return
    fi
    secs="$(sox --i -D "$TMPD/speech_$voice.wav" 2>/dev/null)"
    r="$(rms "$TMPD/speech_$voice.wav")"
    if awk -v s="$secs" -v lo="$lo" -v hi="$hi" -v r="$r" 'BEGIN { exit !(s >= lo && s <= hi && r > 0.02) }'; then
        ok "$name: ${secs}s, RMS $r"
    else
        not_ok "$name" "duration ${secs}s (want $lo..$hi), RMS $r (want > 0.02)"
    fi
}
speech_case "speech, English voice: plausible duration, not silent" en "hello world, this is a test of the speech synthesiser" 1.5 8
speech_case "speech, Mandarin voice: plausible duration, not silent" zh "你好，世界。今天天气很好。" 1.0 8

req POST "$BASE/v1/generate/text" --data-binary @"$CAMERA" -H 'Content-Type: image/png'
desc="$(jget 'd["text"]' "$BODY" 2>/dev/null)"
req POST "$BASE/v1/generate/audio?mode=speech&voice=en" --data-binary @"$CAMERA" -H 'Content-Type: image/png'
cp "$BODY" "$TMPD/camera_speech.wav"
s_img=$STATUS
req POST "$BASE/v1/generate/audio?mode=speech&voice=en" --form-string text="$desc"
cp "$BODY" "$TMPD/desc_speech.wav"
d_img="$(sox --i -D "$TMPD/camera_speech.wav" 2>/dev/null)"
d_txt="$(sox --i -D "$TMPD/desc_speech.wav" 2>/dev/null)"
if [ "$s_img" = 200 ] && [ -n "$d_img" ] && [ -n "$desc" ] && near "$d_img" "$d_txt" 0.05 && awk -v d="$d_img" 'BEGIN { exit !(d > 1) }'; then
    ok "speech of a picture speaks its description (${d_img}s, as the description read aloud: ${d_txt}s)"
else
    not_ok "speech of a picture speaks its description" "status $s_img, ${d_img:-?}s vs description ${d_txt:-?}s"
fi

# --- the closed loop's rounds: rounds=1 is its first round alone, so the
# full loop (which keeps its best round) is never less faithful ---------------
LOOP_TEXT='a dazzling icy cyan glacier with jagged sharp peaks, empty and silent'
declare -A st rd fid # by rounds asked: status, X-Synesthd-Rounds, X-Synesthd-Fidelity
for r in 1 3; do
    req POST "$BASE/v1/generate/image?rounds=$r&seed=4" --data-binary "$LOOP_TEXT" -H 'Content-Type: text/plain'
    st[$r]=$STATUS rd[$r]="$(hdr X-Synesthd-Rounds)" fid[$r]="$(hdr X-Synesthd-Fidelity)"
done
if [ "${st[1]}" = 200 ] && [ "${st[3]}" = 200 ] && [ "${rd[1]}" = 1 ] && [[ "${rd[3]}" =~ ^[1-3]$ ]] &&
    awk -v a="${fid[1]}" -v b="${fid[3]}" 'BEGIN { exit !(a > 0 && b >= a) }'; then
    ok "rounds=1 paints once (fidelity ${fid[1]}); the default loop made ${rd[3]} rounds and kept the best (fidelity ${fid[3]})"
else
    not_ok "rounds=1 paints once, the default loop is at least as faithful" \
        "statuses ${st[1]}/${st[3]}, rounds '${rd[1]}'/'${rd[3]}', fidelity '${fid[1]}'/'${fid[3]}'"
fi
req POST "$BASE/v1/generate/audio?rounds=0" --data-binary 'calm' -H 'Content-Type: text/plain'
expect_error "rounds=0 -> 400" 400

# --- errors ---------------------------------------------------------------------------
printf 'caf\xc3 \xff\xfe bad' >"$TMPD/bad.txt"
req POST "$BASE/v1/generate/image" --data-binary @"$TMPD/bad.txt" -H 'Content-Type: text/plain'
expect_error "invalid UTF-8 text -> 422" 422
req POST "$BASE/v1/generate/text" -F text=@"$TMPD/bad.txt"
expect_error "invalid UTF-8 text part -> 422" 422
"$PY" -c 'import sys; sys.stdout.write("word " * 400000)' >"$TMPD/long.txt" # 2 MB: over any text limit, under --max-body
req POST "$BASE/v1/generate/audio" --data-binary @"$TMPD/long.txt" -H 'Content-Type: text/plain'
expect_error "text over the length limit -> 422" 422
req POST "$BASE/v1/generate/image?mode=speech" --data-binary 'hello' -H 'Content-Type: text/plain'
expect_error "mode=speech to /v1/generate/image -> 400" 400
req POST "$BASE/v1/generate/audio?mode=speech&voice=fr" --data-binary 'bonjour' -H 'Content-Type: text/plain'
expect_error "mode=speech with an unknown voice -> 400" 400
req POST "$BASE/v1/generate/audio" -F image=@"$CAMERA" --form-string 'text='
expect_error "an empty text part next to a picture -> 400" 400
healthy "semantic endpoints"

stop_server "semantic server"
done_testing
