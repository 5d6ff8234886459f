"""Helpers shared by the measured-quality suites (tests/quality/test_*.py).

The suites drive the command-line converter only (no server):
    $SYNESTHD_BIN convert INPUT -o OUTPUT [--name value ...]
and measure what comes out with numpy and scikit-image.  Every check prints
one TAP-like line, "ok - name" or "not ok - name: detail"; finish() exits
non-zero when any check failed.  Run with /usr/bin/python3 (Debian's numpy
and skimage) from the repository root.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import wave

import numpy as np
import skimage.io
import skimage.metrics
import skimage.transform

# A conversion of a few seconds of audio takes milliseconds; 60 s is only a
# guard against a hang, so that a broken build fails instead of blocking CI.
CLI_TIMEOUT_S = 60

# Debian's python3-skimage ships these sample photographs.
SKIMAGE_DATA = "/usr/lib/python3/dist-packages/skimage/data"

# The product's documented defaults (include/syn/options.h, DESIGN.md §3).
DEF_SR = 22050
DEF_FMIN = 100.0
DEF_FMAX = 8000.0
DEF_DURATION = 5.0
BAND_ROWS = 128      # picture -> sound latent grid height
PICTURE_ROWS = 512   # sound -> picture height

_failures = 0
_count = 0
_lock = threading.Lock()  # suites run checks from a small thread pool


def binary():
    """Absolute path of the synesthd binary from $SYNESTHD_BIN (or build/)."""
    b = os.environ.get("SYNESTHD_BIN") or os.path.abspath("build/synesthd")
    if not os.access(b, os.X_OK):
        print("not ok - binary: %s is not an executable file" % b)
        sys.exit(1)
    return b


def tmpdir(prefix="synq-"):
    """A fresh temporary directory, removed at interpreter exit."""
    d = tempfile.mkdtemp(prefix=prefix)
    import atexit
    atexit.register(shutil.rmtree, d, True)
    return d


class CliError(Exception):
    pass


def convert(src, dst, **opts):
    """Run `synesthd convert src -o dst --k v ...`; raise CliError on failure."""
    cmd = [binary(), "convert", src, "-o", dst]
    for k, v in opts.items():
        cmd += ["--" + k, str(v)]
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=CLI_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise CliError("timeout after %d s: %s" % (CLI_TIMEOUT_S, " ".join(cmd)))
    if p.returncode != 0 or not os.path.exists(dst) or os.path.getsize(dst) == 0:
        err = p.stderr.decode("utf-8", "replace").strip().replace("\n", " | ")
        raise CliError("exit %d: %s: %s" % (p.returncode, " ".join(cmd), err[:300]))
    return dst


def sox(*args):
    """Run sox with the given arguments (generating or converting test audio)."""
    cmd = ["sox"] + [str(a) for a in args]
    p = subprocess.run(cmd, capture_output=True, timeout=CLI_TIMEOUT_S)
    if p.returncode != 0:
        raise CliError("sox failed: %s: %s" % (" ".join(cmd), p.stderr.decode()[:300]))


# --- pictures ----------------------------------------------------------------

def luma(rgb):
    """Rec. 709 luma of 8-bit gamma-encoded RGB(A) or gray, in [0,1]."""
    a = np.asarray(rgb)
    if a.dtype != np.uint8:
        raise ValueError("expected 8-bit pixels, got %s" % a.dtype)
    a = a.astype(np.float64)
    if a.ndim == 2:
        return a / 255.0
    if a.shape[2] == 2:      # gray + alpha
        return a[:, :, 0] / 255.0
    return (0.2126 * a[:, :, 0] + 0.7152 * a[:, :, 1] + 0.0722 * a[:, :, 2]) / 255.0


def read_png(path):
    """The picture's 8-bit pixels as numpy (H, W) or (H, W, C)."""
    return skimage.io.imread(path)


def read_luma(path):
    return luma(read_png(path))


def write_png(path, arr):
    skimage.io.imsave(path, np.asarray(arr, dtype=np.uint8), check_contrast=False)


def resize(img, rows, cols):
    """Resample a float plane to rows x cols with anti-aliasing."""
    return skimage.transform.resize(img, (rows, cols), anti_aliasing=True,
                                    preserve_range=True)


def ssim(a, b):
    return float(skimage.metrics.structural_similarity(a, b, data_range=1.0))


def grid_cols(w, h, rows=BAND_ROWS):
    """Latent grid width for a w x h picture: the picture's aspect."""
    return int(round(rows * w / float(h)))


def row_hz(r, rows, fmin=DEF_FMIN, fmax=DEF_FMAX):
    """Centre frequency of row r of `rows` on the linear axis."""
    return fmax - (r + 0.5) / rows * (fmax - fmin)


def hz_row(hz, rows, fmin=DEF_FMIN, fmax=DEF_FMAX):
    """Fractional row index whose centre is at hz (inverse of row_hz)."""
    return (fmax - hz) / (fmax - fmin) * rows - 0.5


def row_edge_hz(y, rows, fmin=DEF_FMIN, fmax=DEF_FMAX):
    """Frequency at row-edge position y in [0, rows] (0 = top = fmax)."""
    return fmax - y / rows * (fmax - fmin)


# --- audio -------------------------------------------------------------------

def read_wav(path):
    """(samples float64 [frames, channels] in [-1,1], sample rate).

    16-bit PCM WAV is read with the stdlib; anything else (float WAV, FLAC,
    Ogg) is first converted to 16-bit WAV by sox."""
    try:
        return _read_wav16(path)
    except (wave.Error, EOFError, ValueError):
        pass
    d = tempfile.mkdtemp(prefix="synq-wav-")
    try:
        tmp = os.path.join(d, "conv.wav")
        sox(path, "-b", "16", "-e", "signed-integer", tmp)
        return _read_wav16(tmp)
    finally:
        shutil.rmtree(d, True)


def _read_wav16(path):
    with wave.open(path, "rb") as w:
        if w.getsampwidth() != 2:
            raise ValueError("not 16-bit")
        ch = w.getnchannels()
        sr = w.getframerate()
        raw = w.readframes(w.getnframes())
    x = np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0
    return x.reshape(-1, ch), sr


def rms(x):
    x = np.asarray(x, dtype=np.float64)
    return float(np.sqrt(np.mean(x * x))) if x.size else 0.0


def frame_energy(x, sr, frame_s=0.01):
    """Energy per frame of frame_s seconds of a mono signal: (times, energies)."""
    n = max(1, int(round(frame_s * sr)))
    k = len(x) // n
    e = np.sum(x[:k * n].reshape(k, n) ** 2, axis=1)
    t = (np.arange(k) + 0.5) * n / sr
    return t, e


# --- reporting ---------------------------------------------------------------

def ok(name, passed, detail=""):
    """Print one result line; remember failures for finish()."""
    global _failures, _count
    with _lock:
        _count += 1
        if passed:
            print("ok - %s%s" % (name, (" (%s)" % detail) if detail else ""), flush=True)
        else:
            _failures += 1
            print("not ok - %s: %s" % (name, detail), flush=True)
    return passed


def skip(name, reason):
    """The one form of a skip (tests/run counts it apart; with CI set it
    fails): only for what this machine cannot do, not for a missing package."""
    with _lock:
        print("ok - %s # SKIP %s" % (name, reason), flush=True)


def note(msg):
    with _lock:
        print("# " + msg, flush=True)


def finish():
    note("%d checks, %d failed" % (_count, _failures))
    sys.exit(1 if _failures else 0)
