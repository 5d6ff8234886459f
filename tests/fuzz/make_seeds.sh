#!/usr/bin/env bash
# make_seeds.sh OUTDIR -- the libFuzzer harnesses' seed corpora, made now
# into OUTDIR/{image,audio,text,convert,http}/ (never committed).
#
#   image    PngSuite (../shared/testdata/pngsuite/png or $SYN_TESTDATA),
#            JPEGs (baseline, progressive, grey, 4:2:0/4:4:4, optimised
#            tables) and BMPs written by PIL (python3-pil)
#   audio    WAV (u8, 16, 24-bit, float; mono, stereo), FLAC and Ogg Vorbis
#            made with sox, MP3 with lame, and the Debian sounds of
#            alsa-utils and sound-theme-freedesktop (cut to 0.3 s by sox)
#   text     English, Chinese, mixed, with a BOM, with negators
#   convert  the 8 option bytes of lf_convert.c before small inputs
#   http     JSON, base64 in JSON (plain and data: URL), multipart/form-data
#            and raw bodies for lf_http.c
# Every file starts with the harness's selector byte(s) (tests/fuzz/README.md).
# Tools: /usr/bin/python3 with PIL, sox, lame (make deps-fuzz installs them).
set -eu
out="${1:?usage: make_seeds.sh OUTDIR}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
pngsuite="${SYN_TESTDATA:-$root/../shared/testdata}/pngsuite/png"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/synesthd-seeds.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"/{image,audio,text,convert,http}

# --- sounds: sox and lame into $tmp/snd ------------------------------------
mkdir -p "$tmp/snd"
s="$tmp/snd"
sox -n -r 8000 -b 16 -c 1 "$s/sine8k16.wav" synth 0.3 sine 440 vol 0.5
sox -n -r 22050 -b 16 -c 2 "$s/chirp22k-stereo.wav" synth 0.25 sine 200-3000 sine 3000-200
sox -n -r 11025 -b 8 -e unsigned -c 1 "$s/noise11k-u8.wav" synth 0.2 pinknoise vol 0.3
sox -n -r 16000 -b 24 -c 1 "$s/square16k24.wav" synth 0.2 square 300 vol 0.4
sox -n -r 8000 -b 32 -e floating-point -c 1 "$s/saw8k-float.wav" synth 0.2 sawtooth 500
sox -n -r 8000 -b 16 -c 1 "$s/sine8k.flac" synth 0.3 sine 660
sox -n -r 44100 -b 24 -c 2 "$s/pluck44k-stereo24.flac" synth 0.1 pluck C4
sox -n -r 8000 -c 1 "$s/sine8k.ogg" synth 0.3 sine 330
sox -n -r 22050 -c 2 "$s/tri22k-stereo.ogg" synth 0.2 triangle 880 sine 220
lame --quiet -b 32 "$s/sine8k16.wav" "$s/sine8k-cbr.mp3"
lame --quiet -V 9 "$s/chirp22k-stereo.wav" "$s/chirp22k-vbr.mp3"
for f in /usr/share/sounds/alsa/Front_Center.wav /usr/share/sounds/alsa/Noise.wav \
    /usr/share/sounds/freedesktop/stereo/bell.oga /usr/share/sounds/freedesktop/stereo/message.oga; do
    [ -f "$f" ] || continue
    b="$(basename "$f")"
    case "$b" in
        *.oga) sox -V1 "$f" -r 16000 "$s/debian-${b%.oga}.ogg" trim 0 0.3 ;;
        *) sox -V1 "$f" -r 8000 "$s/debian-${b%.wav}.wav" trim 0 0.3 ;;
    esac
done

# --- everything else, and the selector bytes: python -----------------------
/usr/bin/python3 - "$out" "$pngsuite" "$s" <<'EOF'
import base64, io, os, struct, sys
from PIL import Image

out, pngsuite, snd = sys.argv[1:4]

def put(target, name, data):
    with open(os.path.join(out, target, name), "wb") as f:
        f.write(data)

# Decode harness selectors (lf_decode.h): target, want_grid, want_sem ...
DEC = [0x04, 0x05, 0x0c, 0x08, 0x0f, 0x15, 0x24, 0x07, 0x0e]

# A small picture with structure: a gradient, a disc, a bar.
def picture(w, h, mode="RGB"):
    im = Image.new("RGB", (w, h))
    px = im.load()
    for y in range(h):
        for x in range(w):
            d = (x - w / 2) ** 2 + (y - h / 2) ** 2 < (min(w, h) / 3) ** 2
            px[x, y] = (x * 255 // max(1, w - 1), y * 255 // max(1, h - 1), 230 if d else 20)
    return im.convert(mode)

def enc(im, fmt, **kw):
    b = io.BytesIO()
    im.save(b, fmt, **kw)
    return b.getvalue()

images = {}
for i, name in enumerate(sorted(os.listdir(pngsuite)) if os.path.isdir(pngsuite) else []):
    if name.endswith(".png"):
        images["pngsuite-" + name] = open(os.path.join(pngsuite, name), "rb").read()
images["pil-rgb-24x16.png"] = enc(picture(24, 16), "PNG")
images["pil-base-rgb-16x12.jpg"] = enc(picture(16, 12), "JPEG", quality=80)
images["pil-base-grey-16x8.jpg"] = enc(picture(16, 8, "L"), "JPEG", quality=90)
images["pil-base-444-24x16.jpg"] = enc(picture(24, 16), "JPEG", quality=75, subsampling=0)
images["pil-base-420-33x17.jpg"] = enc(picture(33, 17), "JPEG", quality=60, subsampling=2)
images["pil-base-opt-16x16.jpg"] = enc(picture(16, 16), "JPEG", quality=70, optimize=True)
images["pil-prog-rgb-16x12.jpg"] = enc(picture(16, 12), "JPEG", quality=80, progressive=True)
images["pil-prog-grey-24x8.jpg"] = enc(picture(24, 8, "L"), "JPEG", quality=85, progressive=True)
images["pil-prog-420-40x30.jpg"] = enc(picture(40, 30), "JPEG", quality=50, progressive=True,
                                       subsampling=2)
images["pil-rgb-12x10.bmp"] = enc(picture(12, 10), "BMP")
images["pil-pal-12x10.bmp"] = enc(picture(12, 10, "P"), "BMP")
images["pil-1bit-16x4.bmp"] = enc(picture(16, 4, "1"), "BMP")
images["pil-grey-9x7.bmp"] = enc(picture(9, 7, "L"), "BMP")
for i, (name, data) in enumerate(sorted(images.items())):
    put("image", name, bytes([DEC[i % len(DEC)]]) + data)

sounds = {n: open(os.path.join(snd, n), "rb").read() for n in sorted(os.listdir(snd))}
for i, (name, data) in enumerate(sorted(sounds.items())):
    put("audio", name, bytes([[0x06, 0x04, 0x0c, 0x08, 0x17, 0x0f, 0x24][i % 7]]) + data)

texts = {
    "en-calm.txt": "a calm, warm evening by the quiet sea".encode(),
    "en-negated.txt": "not very bright, but extremely sharp and wild".encode(),
    "zh-happy.txt": "明亮的天空，快乐的音乐，平静的海".encode(),
    "mixed.txt": "slow and sad 悲伤 piano, 黑暗 low notes\n\tkiki bouba".encode(),
    "bom.txt": b"\xef\xbb\xbfhigh bright fire",
    "words.txt": " ".join(["sky", "ground", "crowd", "ice", "fire", "sparse"] * 8).encode(),
}
for i, (name, data) in enumerate(sorted(texts.items())):
    put("text", name, bytes([[0x0c, 0x08, 0x0e, 0x84, 0x0b][i % 5]]) + data)

# lf_convert: 8 option bytes (lf_convert.c), then the input.
def hdr(target, claim, mode=1, fmt=0, stereo=0, synth=0, w=0, h=0, dur=0, rate=0, cmap=0,
        scale=0, fuse=0, seed=1, fminmax=0):
    return bytes([target | claim << 2 | fuse << 4, mode | fmt << 2 | stereo << 5 | synth << 6,
                  w, h, dur, rate | cmap << 3 | scale << 5, fminmax, seed])
png = images["pil-rgb-24x16.png"]
jpg = images["pil-prog-rgb-16x12.jpg"]
wav = sounds["sine8k16.wav"]
conv = {
    "png-to-audio-wav.bin": hdr(1, 0, w=16, h=16, dur=100, rate=2) + png,
    "png-to-audio-ogg-stereo.bin": hdr(1, 3, fmt=5, stereo=1, w=16, h=16, dur=50, rate=2) + png,
    "jpg-to-audio-flac-noise.bin": hdr(1, 0, fmt=4, synth=2, dur=60, rate=3) + jpg,
    "png-to-image.bin": hdr(0, 0, w=20, h=20) + png,
    "png-to-text-zh.bin": hdr(2, 0) + png,
    "wav-to-image-ice.bin": hdr(0, 1, w=32, h=24, cmap=3 - 1, fminmax=0x23) + wav,
    "wav-to-audio-griffinlim.bin": hdr(1, 1, synth=3, dur=100, rate=2, w=16, h=16) + wav,
    "mp3-to-image.bin": hdr(0, 3, w=24, h=16) + sounds["sine8k-cbr.mp3"],
    "ogg-to-text.bin": hdr(2, 1, mode=0) + sounds["sine8k.ogg"],
    "text-to-audio-semantic.bin": hdr(1, 2, mode=2, dur=80, rate=2) + texts["en-calm.txt"],
    "text-to-image-semantic.bin": hdr(0, 2, mode=2, w=24, h=24) + texts["zh-happy.txt"],
    "text-to-image-spectral.bin": hdr(0, 2, mode=1, w=64, h=32) + texts["mixed.txt"],
    "text-to-audio-speech.bin": hdr(1, 2, mode=3, rate=2, dur=100) + b"hello",
    "png-and-text-fused.bin": hdr(1, 0, mode=2, fuse=1, dur=60, rate=2) + png,
    "flac-to-audio-mel.bin": hdr(1, 1, dur=40, rate=2, scale=2, w=16, h=16) + sounds["sine8k.flac"],
}
for name, data in sorted(conv.items()):
    put("convert", name, data)

# lf_http: one selector byte (lf_http.c), then the body.
def sel(route, ctype, query=0):
    return bytes([route | ctype << 3 | query << 6])
b64 = base64.b64encode(png).decode()
def mp(*parts):
    s = b""
    for name, ctype, data in parts:
        s += b"--XyZ\r\nContent-Disposition: form-data; name=\"" + name.encode() + b"\""
        if ctype:
            s += b"; filename=\"f\"\r\nContent-Type: " + ctype.encode()
        s += b"\r\n\r\n" + data + b"\r\n"
    return s + b"--XyZ--\r\n"
http = {
    "json-text-to-image.bin": sel(0, 1) + b'{"text": "calm sea", "width": 32, "height": 16}',
    "json-text-to-audio-semantic.bin": sel(1, 1, 2) + b'{"text": "wild fire", "seed": 7}',
    "json-base64-png-to-audio.bin": sel(1, 1) + ('{"image": "%s", "stereo": true}' % b64).encode(),
    "json-dataurl-png-embed.bin": sel(3, 1) + ('{"image": "data:image/png;base64,%s"}' % b64).encode(),
    "json-similarity-texts.bin": sel(4, 1) + b'{"a": "bright", "b": "dark", "lang": "en"}',
    "json-describe-zh.bin": sel(2, 1) + '{"text": "平静的海", "lang": "zh"}'.encode(),
    "multipart-image-and-text.bin": sel(1, 0) + mp(("image", "image/png", png), ("text", None, b"sad"),
                                                    ("duration", None, b"0.2")),
    "multipart-audio-to-image.bin": sel(0, 6) + mp(("audio", "audio/wav", wav), ("width", None, b"16")),
    "multipart-similarity.bin": sel(4, 0) + mp(("a", "image/png", png), ("b", None, b"calm")),
    "multipart-chunked-text.bin": sel(6, 0) + mp(("text", None, b"loud bright crowd")),
    "raw-png-to-audio.bin": sel(1, 2) + png,
    "raw-wav-to-image-chunked.bin": sel(6, 3) + wav,
    "raw-text-embed.bin": sel(3, 4) + b"soft round warm",
    "raw-octet-jpeg-to-text.bin": sel(2, 5) + jpg,
    "raw-octet-wav-flac-out.bin": sel(1, 5, 3) + wav,
}
for name, data in sorted(http.items()):
    put("http", name, data)
EOF
for t in image audio text convert http; do
    printf '%s: %s seeds\n' "$t" "$(ls "$out/$t" | wc -l)"
done
