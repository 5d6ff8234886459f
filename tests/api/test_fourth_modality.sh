#!/usr/bin/env bash
# tests/api/test_fourth_modality.sh -- the design's promise, proved: a new
# modality is one new file and one registry line, and nothing else.
#
# The suite copies the working tree (git ls-files, new files too) into its temp dir, writes
# modalities/tone.c there -- "tone", a tiny modality made for this test: a
# text file "TONE/1" of notes "<hz> <seconds> <amplitude>", read into the
# semantic axes (brightness from pitch, energy from amplitude, density from
# notes per second) and written back from them -- adds one SYN_MODALITY(tone)
# line to registry.c, checks that no other file changed, builds the copy
# with `make -j2 all` and starts that server.  Through HTTP: GET /v1 lists
# tone (modality, MIME type, format, weight_tone); tone converts to a
# picture, a sound and text; a picture converts to tone, and that tone reads
# back with the picture's own axes (the round trip); tone fuses with a
# picture by weight_tone; and tone takes part in /v1/similarity.
# Runs from the repo root; writes only under $TMPD.

cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
. tests/lib.sh

ASTRO=/usr/lib/python3/dist-packages/skimage/data/astronaut.png # python3-skimage
[ -f "$ASTRO" ] || { not_ok "test picture exists" "$ASTRO is missing (make deps-test)"; exit 1; }
command -v git >/dev/null || { not_ok "git is installed" "make deps-test"; exit 1; }

# --- the copy, the new file and the one line ----------------------------------
COPY=$TMPD/tree
mkdir -p "$COPY"
# tracked and new files alike (the tree as it is, not as committed)
tree_files() { git ls-files --cached --others --exclude-standard | while IFS= read -r f; do [ -f "$f" ] && echo "$f"; done; }
tree_files | tar -T - -cf - | tar -xf - -C "$COPY"

cat >"$COPY/modalities/tone.c" <<'EOF'
/* tone.c -- a tiny modality made by tests/api/test_fourth_modality.sh.
 *
 * Accepts "TONE/1\n" and then up to TONE_MAX_NOTES lines "<hz> <seconds>
 * <amplitude>" (20..20000 Hz, 0.001..60 s, 0..1).  Decoding reads the
 * semantic axes: brightness from the mean log pitch over 110..3520 Hz,
 * energy from the mean amplitude, density from notes per second (8/s is
 * 1).  Encoding writes eight notes back from those axes, so that a tone
 * decodes to the axes it was written from.  No grid.  Ownership: decode
 * fills *out (syn_latent_free), encode *out (syn_blob_free). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syn/modality.h"
#include "syn/semantic.h"

#define TONE_MAGIC "TONE/1\n"
#define TONE_MAX_NOTES 256 /* a phrase, not a score */
#define TONE_NOTES_OUT 8

static const char *const tone_mimes[] = {"application/x-synesthd-tone", NULL};
static const syn_format tone_formats[] = {{"tone", "application/x-synesthd-tone", "tone"},
                                          {NULL, NULL, NULL}};

static int tone_sniff(const uint8_t *p, size_t n)
{
    return n >= strlen(TONE_MAGIC) && !memcmp(p, TONE_MAGIC, strlen(TONE_MAGIC));
}

static float clamp01(double v)
{
    return (float)(v < 0 ? 0 : v > 1 ? 1 : v);
}

static int tone_decode(const uint8_t *p, size_t n, const syn_decode_ctx *ctx, syn_latent *out,
                       syn_err *e)
{
    (void)ctx;
    memset(out, 0, sizeof *out);
    if (!tone_sniff(p, n) || n > 16384)
        return syn_fail(e, SYN_E_INVALID, "start with TONE/1", "not a tone file");
    char *s = malloc(n + 1);
    if (!s) return syn_fail(e, SYN_E_NOMEM, NULL, "out of memory");
    memcpy(s, p, n);
    s[n] = 0;
    double octaves = 0, amp = 0, secs = 0;
    int notes = 0;
    char *save = NULL;
    for (char *l = strtok_r(s + strlen(TONE_MAGIC), "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        double hz, sec, a;
        if (sscanf(l, "%lf %lf %lf", &hz, &sec, &a) != 3 || !(hz >= 20 && hz <= 20000) ||
            !(sec >= 0.001 && sec <= 60) || !(a >= 0 && a <= 1) || notes == TONE_MAX_NOTES) {
            free(s);
            return syn_fail(e, SYN_E_INVALID, "write lines of <hz> <seconds> <amplitude>",
                            "tone note %d is not valid", notes + 1);
        }
        octaves += log2(hz / 110.0), amp += a, secs += sec, notes++;
    }
    free(s);
    if (!notes) return syn_fail(e, SYN_E_EMPTY, "write at least one note", "the tone has no notes");
    syn_sem_neutral(&out->sem);
    double b = octaves / notes / 5.0, en = amp / notes, d = notes / secs / 8.0;
    syn_sem_set(&out->sem, SYN_AX_BRIGHTNESS, clamp01(b), 1, "brightness %.2f: mean pitch %.0f Hz",
                clamp01(b), 110.0 * exp2(octaves / notes));
    syn_sem_set(&out->sem, SYN_AX_ENERGY, clamp01(en), 1, "energy %.2f: mean amplitude", clamp01(en));
    syn_sem_set(&out->sem, SYN_AX_DENSITY, clamp01(d), 1, "density %.2f: %.1f notes/s", clamp01(d),
                notes / secs);
    out->sem.hash = syn_hash_bytes(p, n);
    out->has_sem = 1;
    return 0;
}

static int tone_encode(syn_latent *in, const syn_opts *o, const syn_limits *lim, syn_blob *out,
                       syn_err *e)
{
    (void)o, (void)lim;
    memset(out, 0, sizeof *out);
    if (!in->has_sem) return syn_fail(e, SYN_E_INTERNAL, NULL, "tone needs semantics");
    double b = in->sem.v[SYN_AX_BRIGHTNESS], en = in->sem.v[SYN_AX_ENERGY];
    double d = fmax(in->sem.v[SYN_AX_DENSITY], 0.02); /* at most 6.25 s a note */
    size_t cap = 64 + TONE_NOTES_OUT * 64;
    char *t = malloc(cap);
    if (!t) return syn_fail(e, SYN_E_NOMEM, NULL, "out of memory");
    size_t len = (size_t)snprintf(t, cap, "%s", TONE_MAGIC);
    for (int i = 0; i < TONE_NOTES_OUT; i++) /* a fifth up, a fifth down: the mean pitch stays */
        len += (size_t)snprintf(t + len, cap - len, "%.9g %.9g %.9g\n",
                                110.0 * exp2(5 * b + (i % 2 ? -7 : 7) / 12.0), 1 / (8 * d), en);
    out->data = (uint8_t *)t;
    out->len = len;
    out->mime = tone_formats[0].mime;
    out->ext = tone_formats[0].ext;
    return 0;
}

const syn_modality syn_tone_modality = {
    .name = "tone",
    .mime_types = tone_mimes,
    .formats = tone_formats,
    .grid = SYN_GRID_NONE,
    .modes = SYN_MODE_BIT(SYN_MODE_SEMANTIC),
    .sniff = tone_sniff,
    .decode = tone_decode,
    .encode = tone_encode,
};
EOF
# the one line: before the comment that closes the list
sed -i 's|^    /\* end of the list \*/$|    SYN_MODALITY(tone) \\\n&|' "$COPY/modalities/registry.c"

changed=""
while IFS= read -r f; do
    cmp -s "$ROOT/$f" "$COPY/$f" || changed="$changed $f"
done < <(tree_files)
added=$(diff "$ROOT/modalities/registry.c" "$COPY/modalities/registry.c" | grep -c '^>')
removed=$(diff "$ROOT/modalities/registry.c" "$COPY/modalities/registry.c" | grep -c '^<')
check "the copy differs from the tree in registry.c alone, by one added line" \
    "changed:$changed; +$added -$removed" \
    test "$changed" = " modalities/registry.c" -a "$added" = 1 -a "$removed" = 0
check "tone.c is short (about 100-150 lines)" "$(wc -l <"$COPY/modalities/tone.c") lines" \
    test "$(wc -l <"$COPY/modalities/tone.c")" -le 150

if ! (cd "$COPY" && make -j2 all >"$TMPD/build.log" 2>&1); then
    not_ok "the copy with tone builds" "$(tail -c 800 "$TMPD/build.log")"
    done_testing
fi
check "the copy with tone builds without a warning" "$(grep -m3 warning "$TMPD/build.log")" \
    sh -c "! grep -q 'warning' '$TMPD/build.log'"
# make passes SAN down: a sanitizer build of the copy lands in build/san
if [ "${SAN:-0}" = 1 ]; then SYNESTHD_BIN=$COPY/build/san/synesthd; else SYNESTHD_BIN=$COPY/build/synesthd; fi
start_server || exit 1

jcheck() { # jcheck EXPR FILE [args]: exit 0 when the python expression over d holds
    "$PY" - "$@" <<'PYEOF'
import json, sys
expr, path, args = sys.argv[1], sys.argv[2], sys.argv[3:]
try:
    d = json.load(open(path, "rb"))
except Exception as ex:
    print("not JSON: %s" % ex); sys.exit(1)
ok = eval(expr, {"d": d, "args": args, "abs": abs})
if not ok:
    print(json.dumps(d)[:400])
sys.exit(0 if ok else 1)
PYEOF
}
jget() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[2],"rb")); print(eval(sys.argv[1]))' "$1" "$2"; }
TONE_MIME=application/x-synesthd-tone

# --- GET /v1 lists it -----------------------------------------------------------
req GET "$BASE/v1"
cp "$BODY" "$TMPD/v1.json"
check "GET /v1 lists the tone modality with its MIME type and format" "$STATUS" \
    jcheck '[m for m in d["modalities"] if m["name"] == "tone" and m["mime_types"] == [args[0]] and m["output_formats"] == [{"format": "tone", "mime": args[0]}]]' "$TMPD/v1.json" "$TONE_MIME"
check "GET /v1 lists the weight_tone option (number, default 1)" "missing" \
    jcheck '[o for o in d["options"] if o["name"] == "weight_tone" and o["type"] == "number" and o["default"] == "1"]' "$TMPD/v1.json"
check "GET /v1: format=tone is a choice, /v1/generate/{modality} an endpoint, auto makes image->tone semantic" "missing" \
    jcheck '"tone" in [o for o in d["options"] if o["name"] == "format"][0]["choices"] and "/v1/generate/{modality}" in [e["path"] for e in d["endpoints"]] and d["modes"]["image->tone"] == "semantic" and d["modes"]["tone->image"] == "semantic"' "$TMPD/v1.json"

# --- from tone ------------------------------------------------------------------
# 880 Hz is 3 octaves over 110: brightness 3/5 = 0.6; amplitude 0.8; 4 notes in 1 s: density 0.5
printf 'TONE/1\n880 0.25 0.8\n880 0.25 0.8\n880 0.25 0.8\n880 0.25 0.8\n' >"$TMPD/a.tone"
# 110 Hz: brightness 0; quiet and sparse
printf 'TONE/1\n110 2 0.1\n' >"$TMPD/low.tone"
req POST "$BASE/v1/embed" --data-binary @"$TMPD/a.tone" -H "Content-Type: $TONE_MIME"
cp "$BODY" "$TMPD/a.json"
check "tone -> /v1/embed: brightness 0.6, energy 0.8, density 0.5, read as tone" "$STATUS" \
    jcheck 'abs(d["semantics"]["brightness"]["value"] - 0.6) < 1e-3 and abs(d["semantics"]["energy"]["value"] - 0.8) < 1e-3 and abs(d["semantics"]["density"]["value"] - 0.5) < 1e-3 and d["modalities"] == ["tone"]' "$TMPD/a.json"
req POST "$BASE/v1/embed" --data-binary @"$TMPD/a.tone" -H 'Content-Type: application/octet-stream'
check "tone sent as octet-stream is sniffed from its magic" "$STATUS" \
    jcheck 'd["modalities"] == ["tone"]' "$BODY"
req POST "$BASE/v1/generate/image" --data-binary @"$TMPD/a.tone" -H "Content-Type: $TONE_MIME"
check "tone -> image: 200 PNG (a painting of its axes)" "$STATUS $(hdr Content-Type)" \
    sh -c "[ '$STATUS' = 200 ] && head -c 8 '$BODY' | od -An -tx1 | grep -q '89 50 4e 47'"
req POST "$BASE/v1/generate/audio" --data-binary @"$TMPD/a.tone" -H "Content-Type: $TONE_MIME"
check "tone -> audio: 200 WAV (music of its axes)" "$STATUS $(hdr Content-Type)" \
    sh -c "[ '$STATUS' = 200 ] && head -c 4 '$BODY' | grep -q RIFF"
req POST "$BASE/v1/generate/text" -F tone=@"$TMPD/a.tone"
check "tone -> text: a description, and the axes it read" "$STATUS" \
    jcheck 'len(d["text"]) > 20 and abs(d["semantics"]["brightness"]["value"] - 0.6) < 1e-3' "$BODY"

# --- to tone: the round trip ------------------------------------------------------
req POST "$BASE/v1/embed" --data-binary @"$ASTRO" -H 'Content-Type: image/png'
cp "$BODY" "$TMPD/astro.json"
req POST "$BASE/v1/generate/tone" --data-binary @"$ASTRO" -H 'Content-Type: image/png'
cp "$BODY" "$TMPD/astro.tone"
check "image -> /v1/generate/tone: 200 $TONE_MIME, a tone file" "$STATUS $(hdr Content-Type) $(head -c 40 "$BODY")" \
    sh -c "[ '$STATUS' = 200 ] && [ '$(hdr Content-Type)' = '$TONE_MIME' ] && head -1 '$BODY' | grep -qx 'TONE/1'"
req POST "$BASE/v1/embed" --data-binary @"$TMPD/astro.tone" -H "Content-Type: $TONE_MIME"
cp "$BODY" "$TMPD/astro-tone.json"
b_img=$(jget 'd["semantics"]["brightness"]["value"]' "$TMPD/astro.json")
check "the tone of a picture reads back with the picture's brightness, energy and density" "picture $b_img" \
    jcheck 'all(abs(d["semantics"][k]["value"] - p[k]["value"]) < 2e-3 for p in [__import__("json").load(open(args[0]))["semantics"]] for k in ("brightness", "energy", "density"))' "$TMPD/astro-tone.json" "$TMPD/astro.json"
req POST "$BASE/v1/generate/tone?mode=spectral" --data-binary @"$ASTRO" -H 'Content-Type: image/png'
check "mode=spectral to tone -> 400 naming the modalities that serve it" "$STATUS $(head -c 200 "$BODY")" \
    sh -c "[ '$STATUS' = 400 ] && grep -q 'not tone' '$BODY'"
printf '{"tone": "%s"}' "$(base64 -w0 "$TMPD/a.tone")" >"$TMPD/a.tone.json"
req POST "$BASE/v1/embed" --data-binary @"$TMPD/a.tone.json" -H 'Content-Type: application/json'
check "JSON {\"tone\": base64} is a tone input" "$STATUS" \
    jcheck 'd["modalities"] == ["tone"] and abs(d["semantics"]["brightness"]["value"] - 0.6) < 1e-3' "$BODY"

# --- fusion -----------------------------------------------------------------------
for w in 0 1 20; do
    req POST "$BASE/v1/embed?weight_tone=$w" -F image=@"$ASTRO" -F tone=@"$TMPD/low.tone"
    cp "$BODY" "$TMPD/fused$w.json"
done
b0=$(jget 'd["semantics"]["brightness"]["value"]' "$TMPD/fused0.json")
b1=$(jget 'd["semantics"]["brightness"]["value"]' "$TMPD/fused1.json")
b20=$(jget 'd["semantics"]["brightness"]["value"]' "$TMPD/fused20.json")
check "image + tone: weight_tone=0 leaves the picture's brightness" "$b0 vs $b_img" \
    "$PY" -c "import sys; sys.exit(abs($b0 - $b_img) > 1e-3)"
check "image + tone: brightness moves to the tone's 0 as weight_tone grows ($b0 > $b1 > $b20)" "$b0 $b1 $b20" \
    "$PY" -c "import sys; sys.exit(not ($b0 > $b1 > $b20 and $b20 < 0.1))"
req POST "$BASE/v1/generate/image?weight_tone=2" -F image=@"$ASTRO" -F tone=@"$TMPD/low.tone" -F mode=semantic
check "image + tone -> a semantic painting: 200 PNG" "$STATUS" test "$STATUS" = 200

# --- similarity -------------------------------------------------------------------
req POST "$BASE/v1/similarity" -F a=@"$TMPD/a.tone" -F b=@"$TMPD/a.tone"
check "similarity of a tone with itself is 1" "$STATUS" jcheck 'd["score"] > 0.999' "$BODY"
req POST "$BASE/v1/similarity" -F a=@"$TMPD/astro.tone" -F b=@"$ASTRO"
cp "$BODY" "$TMPD/sim-near.json"
req POST "$BASE/v1/similarity" -F a=@"$TMPD/low.tone" -F b=@"$ASTRO"
cp "$BODY" "$TMPD/sim-far.json"
check "similarity: the picture's own tone is closer to it than a dark, sparse tone" "$(head -c 200 "$TMPD/sim-near.json")" \
    jcheck 'd["axes"]["brightness"]["a"] == 0 and d["score"] < __import__("json").load(open(args[0]))["score"]' "$TMPD/sim-far.json" "$TMPD/sim-near.json"

stop_server
done_testing
