#!/usr/bin/python3
"""Measured quality of the semantic generators: meaning survives the crossing.

DESIGN.md §2 promises that a semantic painting or piece of music, read back
from the signal alone by synesthd's own encoders, says what its source said
("Metadata never carries semantics").  This suite measures that promise.

1. Four crossings, each source -> `convert --mode semantic --seed 1` ->
   METADATA STRIPPED here -> embedded again by the product:
     a. photos -> music          20 skimage photographs, 8 s of music each
     b. recordings -> painting   16 alsa-utils / freedesktop sounds
     c. texts -> painting        16 prompts, 8 English and 8 Chinese
     d. texts -> music           the same prompts, 8 s of music each
   Stripping: a PNG is decoded with PIL and saved as a new picture (IHDR,
   IDAT, IEND only); a WAV's samples are read and written to a new plain
   WAV (fmt and data only).  No stripped file may contain b"synesthd", so
   no encoder can read the semantics from a text chunk or a comment.
   The sources are chosen distinct: two photographs of near-identical
   semantics (grass and gravel, within 0.05 of brick on every axis), the
   theme's duplicate sounds (dialog-warning = dialog-error ...) and a
   prompt's translation are left out, because retrieval between twins
   measures noise, not meaning.  The prompts use lexicon.def words so that
   each speaks to >= 4 axes, and a fixture check holds them apart.  The
   Ogg recordings are used as 16-bit WAV copies (sox, no dither): the
   server's sandboxed decoder refuses Ogg (a separate check says so).
2. Retrieval: every source i against every stripped output j, scored by
   the product itself (POST /v1/similarity, part a the source -- a text as
   a plain form field a -- part b the output; a server on 127.0.0.1 with
   port 0).  A hit is output i scoring strictly above every other output.
   R@1 >= 0.9 per crossing.
3. Axis error: over the source's axes of weight >= 0.5, |made - asked|
   (hue: 2 min(d, 1-d), the product's circular agreement).  Mean <= 0.10
   per crossing and every axis's mean <= 0.2.  The values come from the
   /v1/embed documents (CLI `convert X -o X.json`), checked against the
   values /v1/similarity itself read on the matching pairs.
4. The music is still music (every output of 1a and 1d, from its samples
   alone, measured here with numpy independently of the product):
   (i) in key: the peaks (65 Hz..4.2 kHz) of an 8192-point STFT folded to
       pitch classes; the key by Krumhansl-Kessler profiles on the magnitude
       chroma; the share of chroma energy on that key's scale (major; or
       minor: its natural form and the leading tone of its harmonic form,
       which a minor key's dominant chord takes) >= 0.85.  The product's music is diatonic and gives
       0.94..1.0; noise or a chromatic scale give about 0.6;
   (ii) a pulse at 60..180 BPM: the autocorrelation of a spectral-flux onset
       envelope, weighted by a log-normal tempo prior (120 BPM, 1 octave,
       as librosa's beat tracker) over 30..300 BPM; its peak must reach 0.2
       (random onsets and noise stay below);
   (iii) no clipping: peak < 0.999 and no run of 3+ samples at |x| >= 0.999.
5. Determinism: one photo and one text converted twice give the same bytes.

Run with /usr/bin/python3 from the repository root (tests/run does).
"""
import hashlib
import json
import os
import re
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
import wave
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PIL import Image

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402

# --- thresholds: the product's promise, not what it does today ---------------
# The goals (issue 10): every figure is printed against them.
R_AT_1_MIN = 0.9          # its own output ranked first for 90% of the sources
MAE_MAX = 0.10            # mean error over the source's strong axes, per crossing
AXIS_MAE_MAX = 0.2        # mean error of every single axis, per crossing
# What the product reaches today, per crossing: (R@1 floor, MAE ceiling,
# worst-axis ceiling), each a little under (over) the figure measured when
# it was set.  The checks hold the product to these, so a change that loses
# meaning fails; raise them as the generators and encoders improve, until
# they are the goals above.  A crossing already at a goal is held to it,
# unless a change that moves the others forward costs it, and then that
# change's note says so: the atlas-started loop (stop 18) took texts ->
# music from R@1 1.00 to 0.81 at seed 1 (its three misses lose by 0.003 to
# 0.005 in score) while every crossing's mean error fell.
FLOORS = {"a": (0.65, 0.125, 0.22), "b": (0.85, 0.13, 0.20),
          "c": (0.90, 0.145, 0.22), "d": (0.80, 0.15, 0.22)}
STRONG_WEIGHT = 0.5       # an axis the source really speaks to
SCORE_TOL = 0.002         # embed documents vs what /v1/similarity read
IN_KEY_MIN = 0.85         # median share of chroma energy on the key's 7 degrees
IN_KEY_FLOOR = 0.62       # every piece: the sawtooth's 7th and 11th harmonics and
                          # the grit of sharp music fall off the scale (today's
                          # worst piece 0.64; noise or a chromatic scale ~0.6)
TEMPO_MIN, TEMPO_MAX = 60.0, 180.0   # BPM (music.c writes 66..166)
PULSE_MIN = 0.2           # the onset envelope's autocorrelation at the tempo:
                          # random onsets and noise give <= 0.19, the music 0.27..0.9
CLIP_LEVEL = 0.999        # |x| at or above this is a clipped sample
CLIP_RUN = 3              # consecutive clipped samples that count as clipping
PROMPT_AXES_MIN = 4       # strong axes per prompt (fixture)
PROMPT_SEPARATION_MIN = 0.15  # mean difference on i's strong axes from any j (fixture)

SEED = 1
MUSIC_SECONDS = 8
WORKERS = 2               # CLI conversions in parallel (2-core CI box)
API_WORKERS = 3           # /v1/similarity requests in flight
BUSY_RETRIES = 6          # tries of one request answered 503 busy (0.05 .. 1.6 s apart)
BUSY_BACKOFF_S = 0.05
AXES = ["brightness", "elevation", "energy", "sharpness", "warmth", "valence",
        "density", "hue"]

# 20 photographs (python3-skimage).  Not grass.png or gravel.png: their
# semantics are within 0.05 of brick.png's on every axis.
PHOTOS = ["camera.png", "astronaut.png", "coffee.png", "chelsea.png", "coins.png", "moon.png",
          "page.png", "horse.png", "brick.png", "hubble_deep_field.jpg", "rocket.jpg",
          "motorcycle_left.png", "color.png", "logo.png", "cell.png", "ihc.png", "retina.jpg",
          "text.png", "clock_motion.png", "microaneurysms.png"]
# 16 recordings: speech, noise, bells, alarms, rings, chimes, a camera
# shutter.  The theme's duplicates are left out (dialog-warning,
# window-attention and window-question are dialog-error; power-plug and
# network-connectivity-established are device-added; screen-capture is
# camera-shutter; audio-test-signal is Noise.wav).
ALSA_DIR = "/usr/share/sounds/alsa"
FD_DIR = "/usr/share/sounds/freedesktop/stereo"
RECORDINGS = [os.path.join(ALSA_DIR, n) for n in ("Front_Center.wav", "Noise.wav")] + [
    os.path.join(FD_DIR, n) for n in (
        "alarm-clock-elapsed.oga", "bell.oga", "camera-shutter.oga", "complete.oga",
        "dialog-error.oga", "message-new-instant.oga", "message.oga",
        "phone-incoming-call.oga", "phone-outgoing-busy.oga", "service-login.oga",
        "suspend-error.oga", "trash-empty.oga", "device-added.oga",
        "audio-channel-front-left.oga")]
# 16 prompts, different scenes in the two languages (no translations).
PROMPTS = [
    "a calm blue lake at dawn, empty and smooth",
    "wild red fire in the dark night, sharp and busy",
    "a dark purple abyss, cold, silent and ominous",
    "a bright joyful pink festival with round bubbles, lively and crowded",
    "a dazzling icy cyan glacier with jagged sharp peaks, empty and silent",
    "a lonely bright golden sunset, warm and soft, low over an empty desert",
    "a stormy black navy sea, cold and violent, crowded with sharp waves",
    "cheerful green leaves high on a tall mountain, fresh and gentle",
    "悲伤的灰色雨天，寒冷而空旷，尖锐的寒风",
    "快乐明亮的黄色阳光，温暖而热闹，高高的天空",
    "愤怒的深红色熔岩，在黑暗的地下缓慢流动",
    "快乐宁静的白色雪山，高空中柔软的圆形白云",
    "拥挤嘈杂的城市，尖锐刺耳的金属噪音，灰色，寒冷，高楼",
    "甜蜜温柔的粉红色花朵，柔软圆润，宁静的夜晚",
    "激烈炎热的绿色丛林，密集的鸟，尖锐的刺",
    "黑夜中快乐的橙色篝火，热闹的鼓声，圆润温暖",
]

T = C.tmpdir("synq-cross-")
BIN = C.binary()


def check(name, passed, detail=""):
    """C.ok with the detail shown only when the check fails."""
    return C.ok(name, passed, "" if passed else detail)


def run_cli(args):
    p = subprocess.run([BIN, "convert"] + args, capture_output=True, timeout=C.CLI_TIMEOUT_S)
    if p.returncode != 0:
        raise C.CliError("convert %s: %s" % (" ".join(args),
                                             p.stderr.decode("utf-8", "replace").strip()[:300]))


def src_args(src):
    """The convert arguments that name a source: a path, or ("text", prompt)."""
    return ["--text", src[1]] if isinstance(src, tuple) else [src]


def load_json(path):
    with open(path, "rb") as f:
        return json.load(f)


def circ(ax, a, b):
    """The product's distance on one axis: hue is a turn of the colour wheel."""
    d = abs(a - b)
    return 2 * min(d, 1 - d) if ax == "hue" else d


# --- stripping: no semantics may travel in metadata -------------------------
def png_chunks(data):
    """Chunk types of a PNG file, in order."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    out, i = [], 8
    while i + 8 <= len(data):
        n, kind = struct.unpack(">I4s", data[i:i + 8])
        out.append(kind.decode("latin-1"))
        i += 12 + n
    return out


def riff_chunks(data):
    """Top-level chunk ids of a RIFF/WAVE file, in order."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a RIFF WAVE")
    out, i = [], 12
    while i + 8 <= len(data):
        kind, n = struct.unpack("<4sI", data[i:i + 8])
        out.append(kind.decode("latin-1"))
        i += 8 + n + (n & 1)
    return out


def strip_png(src, dst):
    """Decode with PIL and save the pixels as a new PNG: no text chunks."""
    with Image.open(src) as im:
        im.load()
        if im.mode not in ("L", "LA", "RGB", "RGBA"):
            im = im.convert("RGBA")
        arr = np.array(im)
    Image.fromarray(arr).save(dst, format="PNG")
    with open(dst, "rb") as f:
        data = f.read()
    kinds = set(png_chunks(data))
    if b"synesthd" in data or not kinds <= {"IHDR", "IDAT", "IEND"}:
        raise C.CliError("%s still carries metadata: chunks %s" % (dst, sorted(kinds)))
    return dst


def strip_wav(src, dst):
    """Read the samples and write a new 16-bit WAV: fmt and data chunks only."""
    x, sr = C.read_wav(src)
    pcm = np.clip(np.round(x * 32768.0), -32768, 32767).astype("<i2")
    with wave.open(dst, "wb") as w:
        w.setnchannels(x.shape[1])
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(pcm.tobytes())
    with open(dst, "rb") as f:
        data = f.read()
    kinds = riff_chunks(data)
    if b"synesthd" in data or kinds != ["fmt ", "data"]:
        raise C.CliError("%s still carries metadata: chunks %s" % (dst, kinds))
    return dst


# --- the crossings ------------------------------------------------------------
class Crossing:
    def __init__(self, key, title, sources, ext, music):
        self.key, self.title, self.ext, self.music = key, title, ext, music
        self.failed = []          # /v1/similarity requests that did not answer
        self.sources = sources    # [(name, src)]; src a path or ("text", prompt)
        self.items = []           # per source: dict(name, src, out, stripped, src_doc, out_doc)
        self.S = None             # scores, S[i][j] = similarity(source i, output j)
        self.api_axes = {}        # i -> the axes /v1/similarity read for (i, i)


def photo_sources():
    return [(n.split(".")[0], os.path.join(C.SKIMAGE_DATA, n)) for n in PHOTOS
            if os.path.exists(os.path.join(C.SKIMAGE_DATA, n))]


def recording_sources():
    return [(os.path.basename(p).rsplit(".", 1)[0], p) for p in RECORDINGS if os.path.exists(p)]


def text_sources():
    out = []
    for i, p in enumerate(PROMPTS):
        if re.search("[\u4e00-\u9fff]", p):
            name = "zh%02d:%s" % (i + 1, p[:5])
        else:
            words = [w for w in re.findall("[a-z]+", p.lower()) if w not in ("a", "the")]
            name = "en%02d:%s" % (i + 1, "_".join(words[:3]))
        out.append((name, ("text", p)))
    return out


def make_item(cr, idx):
    """Generate, strip and embed one source's output; embed the source.  An
    Ogg source is used as a 16-bit WAV copy (sox, no dither): the server's
    sandboxed decoder refuses Ogg today (check_ogg_originals), and the
    crossing is about meaning, not about one container."""
    name, orig = cr.sources[idx]
    base = os.path.join(T, "%s-%02d" % (cr.key, idx))
    src = orig
    if isinstance(orig, str) and orig.endswith((".oga", ".ogg")):
        src = base + ".src.wav"
        C.sox("-D", orig, "-b", "16", "-e", "signed-integer", src)
    out = base + "." + cr.ext
    opts = ["--mode", "semantic", "--seed", str(SEED)]
    if cr.music:
        opts += ["--duration", str(MUSIC_SECONDS)]
    run_cli(src_args(src) + ["-o", out] + opts)
    stripped = base + ".stripped." + cr.ext
    (strip_wav if cr.ext == "wav" else strip_png)(out, stripped)
    run_cli([stripped, "-o", base + ".out.json"])
    run_cli(src_args(src) + ["-o", base + ".src.json"])
    with open(out, "rb") as f:
        had_meta = b"synesthd" in f.read()
    return {"name": name, "orig": orig, "src": src, "out": out, "stripped": stripped, "had_meta": had_meta,
            "src_doc": load_json(base + ".src.json"), "out_doc": load_json(base + ".out.json")}


# --- a server for /v1/similarity ----------------------------------------------
class Server:
    def __init__(self):
        self.log = open(os.path.join(T, "server.log"), "w+b")
        self.p = subprocess.Popen([BIN, "--port", "0", "--bind", "127.0.0.1"],
                                  stdout=subprocess.DEVNULL, stderr=self.log,
                                  stdin=subprocess.DEVNULL)
        self.base = None
        for _ in range(100):  # 10 s start-up bound, as tests/lib.sh
            self.log.seek(0)
            m = re.search(rb"listening on http://[^ :]+:(\d+)", self.log.read())
            if m:
                self.base = "http://127.0.0.1:%s" % m.group(1).decode()
                break
            if self.p.poll() is not None:
                break
            time.sleep(0.1)
        if not self.base:
            self.stop()
            raise C.CliError("the server did not start")

    def post_ok(self, path, body, ctype):
        """POST, retrying what the API asks a client to retry: a 503 busy
        (a slot is held until the previous request's connection completes,
        so back-to-back clients can briefly see every slot taken) and the
        broken pipe of a 503 answered before the body was sent.  Bounded:
        BUSY_RETRIES tries, BUSY_BACKOFF_S doubling."""
        for attempt in range(BUSY_RETRIES):
            rq = urllib.request.Request(self.base + path, data=body, method="POST",
                                        headers={"Content-Type": ctype})
            last = attempt == BUSY_RETRIES - 1
            try:
                with urllib.request.urlopen(rq, timeout=60) as r:
                    return r.read()
            except urllib.error.HTTPError as ex:
                if ex.code != 503 or last:
                    raise C.CliError("POST %s -> %d %s" % (path, ex.code, ex.read()[:200]))
            except (urllib.error.URLError, ConnectionError) as ex:
                reason = getattr(ex, "reason", ex)
                if not isinstance(reason, (BrokenPipeError, ConnectionResetError)) or last:
                    raise
            time.sleep(BUSY_BACKOFF_S * 2 ** attempt)

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(20)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


BOUNDARY = "synq-crossing-5c0b7e19d2a4f8"


def form_part(name, value):
    """One multipart part: a file's bytes (value a path, sniffed by the
    server) or a plain form field (value ("text", prompt): read as text)."""
    if isinstance(value, tuple):
        head = 'Content-Disposition: form-data; name="%s"\r\n\r\n' % name
        data = value[1].encode("utf-8")
    else:
        head = ('Content-Disposition: form-data; name="%s"; filename="%s"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
                % (name, os.path.basename(value)))
        with open(value, "rb") as f:
            data = f.read()
    if BOUNDARY.encode() in data:
        raise C.CliError("the multipart boundary occurs in %s" % name)
    return ("--%s\r\n" % BOUNDARY + head).encode("utf-8") + data + b"\r\n"


def similarity(srv, a, b):
    body = form_part("a", a) + form_part("b", b) + ("--%s--\r\n" % BOUNDARY).encode()
    return json.loads(srv.post_ok("/v1/similarity", body,
                                  "multipart/form-data; boundary=" + BOUNDARY))


def score_all(srv, crossings):
    """S[i][j] for every crossing from /v1/similarity, API_WORKERS at a time."""
    jobs = []
    for cr in crossings:
        n = len(cr.items)
        cr.S = np.zeros((n, n))
        jobs += [(cr, i, j) for i in range(n) for j in range(n)]

    def one(job):
        cr, i, j = job
        try:
            return job, similarity(srv, cr.items[i]["src"], cr.items[j]["stripped"])
        except (C.CliError, OSError, ValueError) as ex:
            return job, ex

    with ThreadPoolExecutor(API_WORKERS) as ex:
        for (cr, i, j), r in ex.map(one, jobs):
            if isinstance(r, Exception):  # a failed pair can neither hit nor beat a hit
                cr.S[i, j] = -np.inf
                cr.failed.append("%s vs %s: %s" % (cr.items[i]["name"], cr.items[j]["name"], r))
                continue
            cr.S[i, j] = r["score"]
            if i == j:
                cr.api_axes[i] = r["axes"]
    for cr in crossings:
        n = len(cr.items) ** 2
        check("%s: /v1/similarity answered all %d pairs" % (cr.title, n), not cr.failed,
              "%d of %d failed, e.g. %s" % (len(cr.failed), n, "; ".join(cr.failed[:3])))
    return len(jobs)


def check_ogg_originals(srv, cr):
    """The server reads the Ogg recordings themselves, and scores them as
    their WAV copies (the crossing used the copies)."""
    bad, worst, n = [], 0.0, 0
    for i, it in enumerate(cr.items):
        if it["orig"] == it["src"] or not np.isfinite(cr.S[i, i]):
            continue
        n += 1
        try:
            s = similarity(srv, it["orig"], it["stripped"])["score"]
            worst = max(worst, abs(s - cr.S[i, i]))
        except C.CliError as ex:
            bad.append("%s: %s" % (it["name"], str(ex)[:160]))
    check("the server reads the %d Ogg recordings and scores them as their WAV copies "
          "(max diff %.4f)" % (n, worst), not bad and worst <= SCORE_TOL,
          "%d of %d refused, e.g. %s; max diff %.4f" % (len(bad), n, "; ".join(bad[:2]), worst))


# --- 2. retrieval and 3. axis error --------------------------------------------
def retrieval(cr):
    """(R@1, hits, missed): a hit is S[i,i] strictly above every other S[i,j]."""
    n = len(cr.items)
    hits, missed = 0, []
    for i in range(n):
        others = np.delete(cr.S[i], i)
        if cr.S[i, i] > others.max():
            hits += 1
        else:
            j = int(np.argmax(np.where(np.arange(n) == i, -np.inf, cr.S[i])))
            rank = 1 + int(np.sum(others >= cr.S[i, i]))
            missed.append("%s->%s (own %.3f rank %d, top %.3f)"
                          % (cr.items[i]["name"], cr.items[j]["name"], cr.S[i, i], rank,
                             cr.S[i, j]))
    return hits / float(n), hits, missed


def axis_errors(cr):
    """{axis: [(error, source name, asked, made)]} over the strong source axes."""
    errs = {ax: [] for ax in AXES}
    for it in cr.items:
        for ax in AXES:
            s = it["src_doc"]["semantics"][ax]
            if s["weight"] < STRONG_WEIGHT:
                continue
            made = it["out_doc"]["semantics"][ax]["value"]
            errs[ax].append((circ(ax, s["value"], made), it["name"], s["value"], made))
    return errs


def check_api_agrees(cr):
    """The embed documents hold the values /v1/similarity read on (i, i)."""
    worst, where = 0.0, ""
    for i, it in enumerate(cr.items):
        if i not in cr.api_axes:
            continue
        for ax in AXES:
            got = cr.api_axes[i][ax]
            for side, doc in (("a", it["src_doc"]), ("b", it["out_doc"])):
                d = abs(got[side] - doc["semantics"][ax]["value"])
                if d > worst:
                    worst, where = d, "%s %s %s" % (it["name"], side, ax)
    check("%s: the embed documents hold what /v1/similarity read (max diff %.4f)"
          % (cr.title, worst), worst <= SCORE_TOL, "max diff %.4f at %s" % (worst, where))


def report(crossings):
    head = "%-22s %3s %5s %6s " % ("crossing", "n", "R@1", "MAE") + " ".join(
        "%6s" % ax[:6] for ax in AXES)
    C.note(head)
    rows = []
    for cr in crossings:
        r1, hits, missed = retrieval(cr)
        errs = axis_errors(cr)
        flat = [e[0] for ax in AXES for e in errs[ax]]
        mae = float(np.mean(flat)) if flat else float("nan")
        per = {ax: float(np.mean([e[0] for e in errs[ax]])) for ax in AXES if errs[ax]}
        C.note("%-22s %3d %5.2f %6.3f " % (cr.title, len(cr.items), r1, mae) + " ".join(
            ("%6.3f" % per[ax]) if ax in per else "     -" for ax in AXES))
        rows.append((cr, r1, hits, missed, errs, flat, mae, per))
    C.note("(per-axis columns: mean error over the sources that weigh the axis >= %.1f; "
           "counts: %s)" % (STRONG_WEIGHT, "; ".join(
               "%s %s" % (r[0].key, "/".join(str(len(r[4][ax])) for ax in AXES)) for r in rows)))
    for cr, r1, hits, missed, errs, flat, mae, per in rows:
        n = len(cr.items)
        if missed and r1 >= R_AT_1_MIN:  # a failing check names them itself
            C.note("%s missed: %s" % (cr.title, "; ".join(missed)))
        worst = sorted((e for ax in AXES for e in ((x[0], ax) + x[1:] for x in errs[ax])),
                       reverse=True)[:6]
        C.note("%s worst errors: %s" % (cr.title, "; ".join(
            "%s %s asked %.2f made %.2f (%.2f)" % (w[2], w[1], w[3], w[4], w[0])
            for w in worst)))
        f_r1, f_mae, f_axis = FLOORS[cr.key]
        f_r1, f_mae, f_axis = min(f_r1, R_AT_1_MIN), max(f_mae, MAE_MAX), max(f_axis, AXIS_MAE_MAX)
        goal = lambda met: "goal met" if met else "goal not yet met"  # noqa: E731
        check("%s: its own output ranked first, R@1 %.2f >= %.2f (%d/%d; issue goal %.1f: %s)"
              % (cr.title, r1, f_r1, hits, n, R_AT_1_MIN, goal(r1 >= R_AT_1_MIN)), r1 >= f_r1,
              "R@1 %.2f (%d/%d); missed: %s" % (r1, hits, n, "; ".join(missed)))
        check("%s: mean axis error %.3f <= %.2f over %d strong source axes (issue goal %.2f: %s)"
              % (cr.title, mae, f_mae, len(flat), MAE_MAX, goal(mae <= MAE_MAX)),
              bool(flat) and mae <= f_mae,
              "MAE %.3f; worst: %s" % (mae, ", ".join("%s %.3f" % kv for kv in sorted(
                  per.items(), key=lambda kv: -kv[1])[:3])))
        worst_axis = max(per.values()) if per else 1.0
        bad = {ax: v for ax, v in per.items() if v > f_axis}
        check("%s: every axis's mean error <= %.2f, worst %.3f (issue goal %.1f: %s)"
              % (cr.title, f_axis, worst_axis, AXIS_MAE_MAX, goal(worst_axis <= AXIS_MAE_MAX)),
              not bad, "over: %s" % ", ".join("%s %.3f" % kv for kv in sorted(
                  bad.items(), key=lambda kv: -kv[1])))


# --- the fixture -----------------------------------------------------------------
def check_prompts(cr):
    """Every prompt speaks to >= PROMPT_AXES_MIN axes and is held apart from
    every other one on its own strong axes (else retrieval is ill-posed)."""
    thin, close, nearest = [], [], (9.0, "")
    docs = [it["src_doc"]["semantics"] for it in cr.items]
    for i, a in enumerate(docs):
        strong = [ax for ax in AXES if a[ax]["weight"] >= STRONG_WEIGHT]
        if len(strong) < PROMPT_AXES_MIN:
            thin.append("%s (%d)" % (cr.items[i]["name"], len(strong)))
        for j, b in enumerate(docs):
            if j == i or not strong:
                continue
            sep = float(np.mean([circ(ax, a[ax]["value"], b[ax]["value"]) for ax in strong]))
            if sep < nearest[0]:
                nearest = (sep, "%s vs %s" % (cr.items[i]["name"], cr.items[j]["name"]))
            if sep < PROMPT_SEPARATION_MIN:
                close.append("%s vs %s %.2f" % (cr.items[i]["name"], cr.items[j]["name"], sep))
    C.note("prompts: closest pair %s, %.3f apart on the first one's strong axes"
           % (nearest[1], nearest[0]))
    check("fixture: every prompt speaks to >= %d axes (weight >= %.1f)"
          % (PROMPT_AXES_MIN, STRONG_WEIGHT), not thin, "too few: %s" % ", ".join(thin))
    check("fixture: every two prompts differ by >= %.2f on the first one's strong axes"
          % PROMPT_SEPARATION_MIN, not close, "too close: %s" % ", ".join(close))


# --- 4. the music is still music ---------------------------------------------------
# Krumhansl & Kessler (1982) key profiles, C first.
KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
MAJOR_DEGREES = [0, 2, 4, 5, 7, 9, 11]
MINOR_DEGREES = [0, 2, 3, 5, 7, 8, 10, 11]   # natural minor and harmonic minor's leading tone
PC_NAMES = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
CHROMA_FMIN, CHROMA_FMAX = 65.0, 4200.0
PEAK_FLOOR_DB = 60.0      # spectral peaks within 60 dB of the frame's strongest


def frames(x, n, hop):
    k = 1 + (len(x) - n) // hop
    if k < 1:
        return np.zeros((0, n))
    idx = np.arange(n)[None, :] + hop * np.arange(k)[:, None]
    return x[idx] * np.hanning(n)[None, :]


def chroma(x, sr):
    """Pitch-class energy of the spectral peaks between 65 Hz and 4.2 kHz,
    and the magnitude chroma (each frame's pitch-class energy square-rooted,
    summed over frames): (energy[12], magnitude[12])."""
    n = 8192
    pw = np.abs(np.fft.rfft(frames(x, n, n // 4), axis=1)) ** 2
    f = np.fft.rfftfreq(n, 1.0 / sr)
    lo, hi = np.searchsorted(f, CHROMA_FMIN), np.searchsorted(f, CHROMA_FMAX)
    band = pw[:, lo - 1:hi + 1]
    a, b, c = band[:, :-2], band[:, 1:-1], band[:, 2:]
    top = b.max(axis=1, keepdims=True)
    peak = (b > a) & (b >= c) & (b > top * 10 ** (-PEAK_FLOOR_DB / 10)) & (b > 0)
    la, lb, lc = (np.log(np.maximum(v, 1e-30)) for v in (a, b, c))
    den = la - 2 * lb + lc
    off = np.where(np.abs(den) > 1e-12, 0.5 * (la - lc) / np.where(den == 0, 1, den), 0)
    hz = (np.arange(lo, hi)[None, :] + np.clip(off, -0.5, 0.5)) * sr / n
    fr, k = np.nonzero(peak)
    pc = np.mod(np.round(69 + 12 * np.log2(hz[fr, k] / 440.0)).astype(int), 12)
    per_frame = np.zeros((len(b), 12))
    np.add.at(per_frame, (fr, pc), b[fr, k])
    return per_frame.sum(axis=0), np.sqrt(per_frame).sum(axis=0)


def key_of(energy, magnitude):
    """(tonic, 'major'|'minor', in-key share).  The key: the Krumhansl-Kessler
    profile that correlates best with the magnitude chroma (as chroma
    features usually are; on energy the loudest chord tones pull the key a
    fifth off, e.g. C minor read as G minor).  The share: of the energy."""
    best = None
    for mode, prof, deg in (("major", KK_MAJOR, MAJOR_DEGREES), ("minor", KK_MINOR, MINOR_DEGREES)):
        for t in range(12):
            r = (float(np.corrcoef(magnitude, np.roll(prof, t))[0, 1])
                 if magnitude.std() > 0 else 0.0)
            if best is None or r > best[0]:
                share = float(energy[[(t + d) % 12 for d in deg]].sum() / max(energy.sum(), 1e-30))
                best = (r, t, mode, share)
    return best[1], best[2], best[3]


def tempo_of(x, sr):
    """BPM from the autocorrelation of the positive spectral flux (None when
    there is no onset envelope at all) and the autocorrelation's peak."""
    n, hop = 1024, 256
    fps = sr / float(hop)
    mag = np.log1p(100 * np.abs(np.fft.rfft(frames(x, n, hop), axis=1)))
    flux = np.maximum(mag[1:] - mag[:-1], 0).sum(axis=1)
    w = int(round(0.4 * fps))   # a local mean removed: the envelope's slow drift
    env = np.maximum(flux - np.convolve(flux, np.ones(w) / w, mode="same"), 0)
    env -= env.mean()
    if len(env) < 4 * fps or not np.any(env):
        return None, 0.0
    acf = np.correlate(env, env, mode="full")[len(env) - 1:]
    acf /= acf[0]
    lags = np.arange(int(60 * fps / 300.0), int(60 * fps / 30.0) + 1)
    bpm = 60 * fps / lags
    weighted = acf[lags] * np.exp(-0.5 * np.log2(bpm / 120.0) ** 2)
    k = int(np.argmax(weighted))
    lag = float(lags[k])
    if 0 < k < len(lags) - 1:     # parabolic refinement of the lag
        y0, y1, y2 = acf[lags[k] - 1], acf[lags[k]], acf[lags[k] + 1]
        if y0 - 2 * y1 + y2 != 0:
            lag += 0.5 * (y0 - y2) / (y0 - 2 * y1 + y2)
    return 60 * fps / lag, float(acf[lags[k]])


def clipping(x):
    """(peak, longest run of |x| >= CLIP_LEVEL in any channel)."""
    a = np.abs(x)
    longest = 0
    for ch in range(a.shape[1]):
        hot = np.concatenate([[0], (a[:, ch] >= CLIP_LEVEL).astype(np.int8), [0]])
        edges = np.flatnonzero(np.diff(hot))
        if len(edges):
            longest = max(longest, int((edges[1::2] - edges[::2]).max()))
    return float(a.max()) if a.size else 0.0, longest


def music_figures(path):
    x, sr = C.read_wav(path)
    mono = x.mean(axis=1)
    t, mode, share = key_of(*chroma(mono, sr))
    bpm, strength = tempo_of(mono, sr)
    peak, run = clipping(x)
    return {"key": "%s %s" % (PC_NAMES[t], mode), "share": share, "bpm": bpm,
            "acf": strength, "peak": peak, "run": run}


def check_music(cr):
    with ThreadPoolExecutor(WORKERS) as ex:
        figs = list(ex.map(lambda it: music_figures(it["stripped"]), cr.items))
    names = [it["name"] for it in cr.items]
    for nm, f in zip(names, figs):
        C.note("%s %-24s key %-8s in key %.3f  tempo %s BPM (pulse %.2f)  peak %.4f run %d"
               % (cr.key, nm, f["key"], f["share"],
                  "%.1f" % f["bpm"] if f["bpm"] else "none", f["acf"], f["peak"], f["run"]))
    shares = np.array([f["share"] for f in figs])
    C.note("%s in-key share: min %.3f, median %.3f, max %.3f"
           % (cr.title, shares.min(), np.median(shares), shares.max()))
    check("%s: the pieces keep a median %.3f >= %.2f of their chroma energy on their key's scale"
          % (cr.title, np.median(shares), IN_KEY_MIN), np.median(shares) >= IN_KEY_MIN)
    off = ["%s %.3f" % (nm, f["share"]) for nm, f in zip(names, figs) if f["share"] < IN_KEY_FLOOR]
    check("%s: every piece keeps >= %.2f on its key's scale (min %.3f)"
          % (cr.title, IN_KEY_FLOOR, shares.min()), not off, "below: %s" % ", ".join(off))
    slow = ["%s %s BPM (pulse %.2f)" % (nm, "%.1f" % f["bpm"] if f["bpm"] else "no", f["acf"])
            for nm, f in zip(names, figs)
            if not f["bpm"] or not TEMPO_MIN <= f["bpm"] <= TEMPO_MAX or f["acf"] < PULSE_MIN]
    check("%s: every piece has a pulse (autocorrelation >= %.1f) at %d..%d BPM"
          % (cr.title, PULSE_MIN, TEMPO_MIN, TEMPO_MAX), not slow,
          "outside: %s" % ", ".join(slow))
    clip = ["%s peak %.4f run %d" % (nm, f["peak"], f["run"]) for nm, f in zip(names, figs)
            if f["peak"] >= CLIP_LEVEL or f["run"] >= CLIP_RUN]
    check("%s: no piece clips (peak < %.3f, no run of %d at |x| >= %.3f; max peak %.4f)"
          % (cr.title, CLIP_LEVEL, CLIP_RUN, CLIP_LEVEL, max(f["peak"] for f in figs)),
          not clip, "clipped: %s" % ", ".join(clip))


# --- 5. determinism ------------------------------------------------------------------
def check_determinism():
    cases = [("photo -> music", [os.path.join(C.SKIMAGE_DATA, "astronaut.png")], "wav",
              ["--duration", str(MUSIC_SECONDS)]),
             ("text -> painting", ["--text", PROMPTS[9]], "png", [])]
    for title, src, ext, extra in cases:
        digests = []
        for k in range(2):
            out = os.path.join(T, "det-%s-%d.%s" % (ext, k, ext))
            run_cli(src + ["-o", out, "--mode", "semantic", "--seed", str(SEED)] + extra)
            with open(out, "rb") as f:
                digests.append(hashlib.sha256(f.read()).hexdigest())
        check("determinism: %s twice with seed %d gives the same bytes" % (title, SEED),
              digests[0] == digests[1], "sha256 %s vs %s" % (digests[0][:16], digests[1][:16]))


def guarded(name, fn, *args):
    """Run one step; an exception (CLI failure, unreadable output) fails it."""
    try:
        return fn(*args)
    except Exception as ex:  # noqa: BLE001 - every error becomes a report line
        C.ok(name, False, "%s: %s" % (type(ex).__name__, ex))
        return None


def build(crossings):
    jobs = [(cr, i) for cr in crossings for i in range(len(cr.sources))]
    with ThreadPoolExecutor(WORKERS) as ex:
        done = list(ex.map(lambda job: (job, guarded("make %s %s" % (job[0].key,
                                                                   job[0].sources[job[1]][0]),
                                                     make_item, *job)), jobs))
    for (cr, i), item in done:
        if item is not None:
            cr.items.append(item)
    for cr in crossings:
        need = 20 if cr.key == "a" else 12 if cr.key == "b" else 16
        had = sum(it["had_meta"] for it in cr.items)
        check("%s: %d sources made, stripped (no b'synesthd' left; %d outputs had it) and "
              "embedded, >= %d" % (cr.title, len(cr.items), had, need),
              len(cr.items) == len(cr.sources) and len(cr.items) >= need,
              "%d of %d sources made it through, %d needed" % (len(cr.items), len(cr.sources),
                                                             need))


# --- the encoders agree with people, on real photographs ----------------------
FUR_SHARP_MAX = 0.4   # the cat (chelsea.png) is soft: its fur is texture, not corners
BLUR_SIDE = 0.01      # a Gaussian blur of 1 % of the picture's side
BLUR_DROP_MIN = 0.1   # ... reads visibly less sharp


def embed_axes(path):
    out = os.path.join(T, "axes-" + os.path.basename(path) + ".json")
    run_cli([path, "-o", out])
    return load_json(out)["semantics"]


def check_encoders_agree():
    """Sharpness is the angularity of outlines, not of texture: the cat reads
    soft, the rocket (straight edges, fins) sharper than the cat, and a
    blurred photo less sharp than the original.  A grey photo carries no
    warmth or hue."""
    from PIL import ImageFilter
    sharp, blurred = {}, {}
    for name in ("chelsea.png", "camera.png", "rocket.jpg", "astronaut.png"):
        src = os.path.join(C.SKIMAGE_DATA, name)
        sem = embed_axes(src)
        sharp[name] = sem["sharpness"]["value"]
        with Image.open(src) as im:
            im = im.convert("RGB")
            dst = os.path.join(T, "blur-" + name.split(".")[0] + ".png")
            im.filter(ImageFilter.GaussianBlur(BLUR_SIDE * max(im.size))).save(dst)
        blurred[name] = embed_axes(dst)["sharpness"]["value"]
        if name == "camera.png":
            grey = sem
    C.note("sharpness, original -> blurred: %s" % ", ".join(
        "%s %.2f -> %.2f" % (n.split(".")[0], sharp[n], blurred[n]) for n in sharp))
    check("a photo of fur is not angular: chelsea sharpness %.2f <= %.2f"
          % (sharp["chelsea.png"], FUR_SHARP_MAX), sharp["chelsea.png"] <= FUR_SHARP_MAX)
    check("the rocket's straight edges read sharper than the cat's fur (%.2f > %.2f)"
          % (sharp["rocket.jpg"], sharp["chelsea.png"]),
          sharp["rocket.jpg"] > sharp["chelsea.png"] + BLUR_DROP_MIN)
    worst = min(sharp[n] - blurred[n] for n in sharp)
    check("every photo blurred by %.0f%% of its side reads less sharp (smallest drop %.2f >= %.2f)"
          % (100 * BLUR_SIDE, worst, BLUR_DROP_MIN), worst >= BLUR_DROP_MIN,
          "drops %s" % {n: round(sharp[n] - blurred[n], 3) for n in sharp})
    check("a grey photo (camera.png) carries no warmth or hue evidence (weights %.2f, %.2f)"
          % (grey["warmth"]["weight"], grey["hue"]["weight"]),
          grey["warmth"]["weight"] == 0 and grey["hue"]["weight"] == 0)


def main():
    t0 = time.time()
    guarded("the encoders agree with people", check_encoders_agree)
    texts = text_sources()
    crossings = [Crossing("a", "photos -> music", photo_sources(), "wav", True),
                 Crossing("b", "recordings -> painting", recording_sources(), "png", False),
                 Crossing("c", "texts -> painting", texts, "png", False),
                 Crossing("d", "texts -> music", texts, "wav", True)]
    build(crossings)
    C.note("made and embedded %d outputs in %.1f s" % (sum(len(c.items) for c in crossings),
                                                      time.time() - t0))
    crossings = [cr for cr in crossings if len(cr.items) >= 2]
    for cr in crossings:
        if cr.key == "c":
            guarded("fixture: the prompts", check_prompts, cr)
    t1 = time.time()
    srv = guarded("server starts for /v1/similarity", Server)
    if srv:
        try:
            n = guarded("scores from /v1/similarity", score_all, srv, crossings)
            if n:
                C.note("%d /v1/similarity requests in %.1f s" % (n, time.time() - t1))
                for cr in crossings:
                    guarded("%s: embed documents vs /v1/similarity" % cr.title,
                            check_api_agrees, cr)
                guarded("retrieval and axis error", report, crossings)
                for cr in crossings:
                    if cr.key == "b":
                        guarded("the server reads Ogg", check_ogg_originals, srv, cr)
        finally:
            srv.stop()
    for cr in crossings:
        if cr.music:
            guarded("%s: the music is still music" % cr.title, check_music, cr)
    guarded("determinism", check_determinism)
    C.note("wall time %.1f s" % (time.time() - t0))
    C.finish()


if __name__ == "__main__":
    main()
