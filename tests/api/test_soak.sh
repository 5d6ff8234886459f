#!/usr/bin/env bash
# tests/api/test_soak.sh -- memory stays bounded under hostile and ordinary load.
#
#  1. 64 concurrent uploads of the largest body (--max-body) to a conversion:
#     admission on the first call reserves each body against --max-memory, so
#     the server's peak RSS stays under --max-memory (plus its idle size), the
#     ones that do not fit get 503 + Retry-After before a byte of their body is
#     read, and the RSS falls back afterwards.  Before, 64 x 32 MB uploads held
#     1.97 GB and 60 of them got 503 only after being read.
#  2. Two minutes of mixed valid load (pictures, sounds, words, embed,
#     similarity) on 4 keep-alive clients: the server's RSS does not grow.
# Everything goes to 127.0.0.1 and every loop is bounded in count and time.
. "$(dirname "$0")/../lib.sh"
require_binary

SOAK_SECONDS="${SOAK_SECONDS:-120}"
MAXMEM_MB=192
BODY_MB=32
export SOAK_SECONDS SAN="${SAN:-0}"
# Under ASan, freed memory waits in a quarantine (256 MB by default) before
# it is reused or returned, so the peak RSS would count buffers the server
# already let go: 64 uploads measured 253 MB with one admitted and 315 MB
# with two. Held to 16 MB, the peak is the live memory again, plus ASan's
# redzones, the bound below means the same as without ASan, and the RSS
# falls back afterwards as it does without it.
if [ "$SAN" = 1 ]; then
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16"
fi

sox -q -n -r 44100 -c 2 -b 16 "$TMPD/big.wav" synth 190 pinknoise vol 0.2 2>/dev/null
truncate -s $((BODY_MB << 20)) "$TMPD/big.wav" 2>/dev/null # exactly --max-body
make_png "$TMPD/pic.png" 256 256
sox -q -n -r 22050 -c 1 -b 16 "$TMPD/tone.wav" synth 2 sine 440 2>/dev/null

if start_server --max-memory ${MAXMEM_MB}M --max-body ${BODY_MB}M --max-jobs 4 --per-ip-connections 80; then
    "$PY" - "$BASE" "$SERVER_PID" "$TMPD" "$MAXMEM_MB" <<'PYEOF' >"$TMPD/soak.tap"
import http.client, os, sys, threading, time, urllib.parse, json
base, pid, tmp, maxmem = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
host, port = urllib.parse.urlparse(base).hostname, urllib.parse.urlparse(base).port
soak = float(os.environ.get("SOAK_SECONDS", "120"))
san = os.environ.get("SAN", "0") == "1"


def rss_kb(p):
    try:
        for line in open("/proc/%d/status" % p):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0

def ok(name, cond, detail=""):
    print(("ok - %s" % name) if cond else ("not ok - %s: %s" % (name, detail)), flush=True)

# --- 1. 64 concurrent maximum-size uploads ----------------------------------------
big = open(os.path.join(tmp, "big.wav"), "rb").read()
idle = rss_kb(pid)
peak = [idle]
stop = threading.Event()
def sampler():
    while not stop.is_set():
        peak[0] = max(peak[0], rss_kb(pid))
        time.sleep(0.02)
th = threading.Thread(target=sampler); th.start()
results = []
lock = threading.Lock()
def upload(i):
    # As curl does for a large body: Expect: 100-continue, and the body only
    # after "100 Continue"; a refusal (503) comes instead of it, unread body.
    import socket
    st, ra = None, None
    try:
        s = socket.create_connection((host, port), timeout=60)
        s.sendall(("POST /v1/generate/image?width=64&height=64 HTTP/1.1\r\nHost: x\r\n"
                   "Content-Type: audio/wav\r\nContent-Length: %d\r\n"
                   "Expect: 100-continue\r\n\r\n" % len(big)).encode())
        f = s.makefile("rb")
        line = f.readline()
        if line.split()[1:2] == [b"100"]:
            while f.readline() not in (b"\r\n", b""):
                pass
            s.sendall(big)
            line = f.readline()
        st = int(line.split()[1])
        n = 0
        while True:
            h = f.readline()
            if h in (b"\r\n", b""): break
            k, _, v = h.decode("latin-1").partition(":")
            if k.lower() == "retry-after": ra = v.strip()
            if k.lower() == "content-length": n = int(v)
        f.read(n)
        s.close()
    except (OSError, ValueError, IndexError) as ex:
        st = "closed: %s" % ex
    with lock:
        results.append((st, ra))
ts = [threading.Thread(target=upload, args=(i,)) for i in range(64)]
for t in ts: t.start()
for t in ts: t.join(120)
time.sleep(0.5)
stop.set(); th.join()
codes = {}
for st, _ in results:
    codes[st] = codes.get(st, 0) + 1
print("# 64 uploads of %d MB: %s; idle RSS %d kB, peak %d kB" % (len(big) >> 20, codes, idle, peak[0]))
ok("64 concurrent max-size uploads all get an answer", len(results) == 64, str(codes))
ok("... those beyond --max-memory get 503", codes.get(503, 0) > 0, str(codes))
ok("... each a 200 or a 503 (none cut, no other error)", all(s in (200, 503) for s, _ in results), str(codes))
ok("... every 503 carries Retry-After", all(ra for s, ra in results if s == 503), str(results[:5]))
limit_kb = (maxmem << 10) + idle + 32 * 1024  # budget + idle size + 32 MB of buffers
ok("... the server's peak RSS stays under --max-memory plus its idle size",
   peak[0] < limit_kb, "peak %d kB, limit %d kB" % (peak[0], limit_kb))
after = idle
for _ in range(50):
    after = rss_kb(pid)
    if after < idle + 48 * 1024:
        break
    time.sleep(0.1)
# (under ASan too: its quarantine is held to 16 MB, see above)
ok("... and falls back afterwards (< idle + 48 MB)", after < idle + 48 * 1024, "idle %d kB, after %d kB" % (idle, after))

# --- 2. minutes of mixed valid load -------------------------------------------------
pic = open(os.path.join(tmp, "pic.png"), "rb").read()
tone = open(os.path.join(tmp, "tone.wav"), "rb").read()
jobs = [
    ("/v1/generate/audio?duration=1", pic, "image/png"),
    ("/v1/generate/image?width=256&height=128", tone, "audio/wav"),
    ("/v1/generate/image?mode=semantic&width=128&height=128", json.dumps({"text": "a calm blue sea at dawn"}).encode(), "application/json"),
    ("/v1/generate/audio?mode=semantic&duration=1", json.dumps({"text": "wild red fire"}).encode(), "application/json"),
    ("/v1/embed", tone, "audio/wav"),
    ("/v1/generate/text", pic, "image/png"),
]
counts = {"ok": 0, "bad": 0}
bad = []
samples = []
end = time.time() + soak
def client(k):
    c = http.client.HTTPConnection(host, port, timeout=30)
    i = k
    while time.time() < end:
        path, body, ctype = jobs[i % len(jobs)]
        i += 1
        try:
            c.request("POST", path, body=body, headers={"Content-Type": ctype})
            r = c.getresponse(); r.read()
            with lock:
                if r.status == 200: counts["ok"] += 1
                else:
                    counts["bad"] += 1; bad.append((path, r.status))
        except (OSError, http.client.HTTPException) as ex:
            with lock:
                counts["bad"] += 1; bad.append((path, str(ex)))
            c = http.client.HTTPConnection(host, port, timeout=30)
ts = [threading.Thread(target=client, args=(k,)) for k in range(4)]
t0 = time.time()
for t in ts: t.start()
while any(t.is_alive() for t in ts):
    samples.append((time.time() - t0, rss_kb(pid)))
    time.sleep(1)
for t in ts: t.join()
n = len(samples)
warm = [r for s, r in samples if soak * 0.2 <= s < soak * 0.4]
last = [r for s, r in samples if s >= soak * 0.8]
med = lambda v: sorted(v)[len(v) // 2] if v else 0
mw, ml = med(warm), med(last)
print("# mixed load %.0f s: %d answers (%.0f/s), %d not 200; RSS median %d kB at 20-40%%, %d kB in the last 20%%"
      % (soak, counts["ok"] + counts["bad"], (counts["ok"] + counts["bad"]) / soak, counts["bad"], mw, ml))
ok("mixed valid load: every answer is 200", counts["bad"] == 0 and counts["ok"] > 0, str(bad[:5]))
# ASan's quarantine (256 MB by default) fills slowly: allow 5% there
slack = max(8 * 1024, mw // 20) if san else 8 * 1024
ok("mixed valid load: no RSS growth (last fifth within %d MB of the warm median)" % (slack >> 10),
   ml <= mw + slack, "warm %d kB, last %d kB" % (mw, ml))
PYEOF
    tap_from "$TMPD/soak.tap"
    healthy "the soak"
    stop_server "soak server"
fi

done_testing
