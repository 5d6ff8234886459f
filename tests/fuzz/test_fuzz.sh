#!/usr/bin/env bash
# A short run of the mutation fuzzer inside `make test`: 2000 mutants of
# PngSuite, WAV, FLAC, Ogg, BMP and text seeds through every target, each
# call checked for a defined error or a well-formed output (tests/fuzz/README.md).
# Under SAN=1 it runs on the ASan+UBSan build with leak checking.
set -u
cd "$(dirname "$0")/../.." || exit 2
FUZZ="${BUILD:-build}/fuzz"
if [ ! -x "$FUZZ" ]; then
    echo "not ok - fuzzer built: $FUZZ is missing (make $FUZZ)"
    exit 1
fi
out="$(ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" timeout 300 "$FUZZ" -n 2000 -s 1 -t 120 2>&1)"
rc=$?
if [ "$rc" = 0 ]; then
    echo "ok - 2000 mutated inputs through image, audio, text and understand: $(tail -n 1 <<<"$out")"
else
    echo "$out" | tail -n 20
    echo "not ok - mutated inputs: fuzz exited $rc"
fi
exit "$rc"
