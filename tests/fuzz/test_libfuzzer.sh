#!/usr/bin/env bash
# The libFuzzer regression corpus inside `make test`: builds the harnesses
# (make libfuzz-bins) and replays tests/fuzz/corpus/NAME through lf_NAME
# with -runs=0 (each input once, under ASan+UBSan with leak checks, no
# fuzzing).  One "ok"/"not ok" line per target; when a target fails, each
# of its inputs is replayed alone and every failing one gets its own
# "not ok" line with the sanitizer's summary.  With LIBFUZZ_BIG_FLAC=1 it
# also replays the real FLAC of bug e) (8 channels, 192 kHz, 599 s of
# silence), made here by sox: about a minute of encoding, so not by
# default (the corpus holds a 43-byte header claiming the same).  Writes
# only under its own temp dir.
set -u
cd "$(dirname "$0")/../.." || exit 2
FZ="${FZ:-build/libfuzzer}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/synesthd-lfreplay.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
if ! make -s libfuzz-bins >"$tmp/build.log" 2>&1; then
    tail -n 20 "$tmp/build.log"
    echo "not ok - libFuzzer harnesses build (make libfuzz-bins)"
    exit 1
fi
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
# -rss_limit_mb: a malloc beyond it is an OOM (bug e allocates 3.7 GB).
FLAGS=(-runs=0 -timeout=20 -rss_limit_mb=2048 -artifact_prefix="$tmp/")
fail=0

why() { # the first sanitizer or libFuzzer verdict in a log
    grep -m1 -E '^SUMMARY: |ERROR: libFuzzer: |^lf(_http)?: ' "$1" | cut -c1-200
}

replay() { # replay NAME DIR LABEL
    local t=$1 dir=$2 label=$3 n
    n="$(find "$dir" -type f | wc -l)"
    if "$FZ/lf_$t" "${FLAGS[@]}" "$dir" >"$tmp/$t.log" 2>&1; then
        echo "ok - $label replays $n inputs"
        return
    fi
    fail=1
    for f in "$dir"/*; do
        [ -f "$f" ] || continue
        if ! "$FZ/lf_$t" -timeout=20 -rss_limit_mb=2048 "$f" >"$tmp/one.log" 2>&1; then
            echo "not ok - $label/$(basename "$f"): $(why "$tmp/one.log")"
        fi
    done
    echo "not ok - $label replays $n inputs: $(why "$tmp/$t.log")"
}

for t in image audio text convert http; do
    if [ ! -d "tests/fuzz/corpus/$t" ]; then
        echo "ok - $t has no regression corpus yet"
        continue
    fi
    replay "$t" "tests/fuzz/corpus/$t" "$t"
done

# Bug e) for real: 8 x 192 kHz x 599 s of silence (-D: no dither, so it
# compresses), through lf_audio with the server's default limits (0x44).
[ "${LIBFUZZ_BIG_FLAC:-0}" = 1 ] || exit "$fail"
mkdir -p "$tmp/big"
if sox -D -V1 -n -r 192000 -c 8 -b 16 "$tmp/big.flac" trim 0 599 2>"$tmp/sox.log"; then
    { printf '\x44'; cat "$tmp/big.flac"; } >"$tmp/big/flac-8ch-192khz-599s-silence"
    rm -f "$tmp/big.flac"
    replay audio "$tmp/big" "audio-sox-flac-8ch-192khz-599s"
else
    echo "not ok - sox made the 8-channel FLAC: $(head -c 200 "$tmp/sox.log")"
    fail=1
fi
exit "$fail"
