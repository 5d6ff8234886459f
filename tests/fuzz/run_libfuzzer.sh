#!/usr/bin/env bash
# run_libfuzzer.sh -- `make libfuzz`: each libFuzzer harness for FUZZ_SECONDS.
#
# Environment (the Makefile sets the first three):
#   FUZZ_SECONDS   run time per target (default 60)
#   FUZZ_TARGETS   which harnesses (default: image audio text convert http)
#   FZ             the build dir with lf_NAME (default build/libfuzzer)
#   FUZZ_JOBS      targets run at once (default 1: one core)
#   FUZZ_RSS_MB    -rss_limit_mb (default 2048; malloc above it is an OOM)
#   FUZZ_ARGS      more libFuzzer flags
# Seeds are made into a temp dir by make_seeds.sh; the regression corpus
# tests/fuzz/corpus/NAME is read too.  New inputs go to $FZ/corpus/NAME
# (kept between runs), crashes, leaks, timeouts and OOMs to
# $FZ/crashes/NAME/.  libFuzzer runs in fork mode with one worker and keeps
# going after a crash (-ignore_crashes etc.), so one known bug does not stop
# the run; each target's log is $FZ/logs/NAME.log.
# Prints one line per target: time, exec/s, cov, ft, corpus size, crashes.
set -u
cd "$(dirname "$0")/../.." || exit 2
: "${FUZZ_SECONDS:=60}" "${FZ:=build/libfuzzer}" "${FUZZ_JOBS:=1}" "${FUZZ_RSS_MB:=2048}"
: "${FUZZ_TARGETS:=image audio text convert http}" "${FUZZ_ARGS:=}"
seeds="$(mktemp -d "${TMPDIR:-/tmp}/synesthd-libfuzz.XXXXXX")"
trap 'rm -rf "$seeds"' EXIT
tests/fuzz/make_seeds.sh "$seeds" >/dev/null || { echo "make_seeds.sh failed"; exit 2; }
cat tests/fuzz/dict/image.dict tests/fuzz/dict/audio.dict tests/fuzz/dict/text.dict \
    >"$seeds/convert.dict"
mkdir -p "$FZ/logs"

run_one() {
    local t=$1 bin="$FZ/lf_$1" dict=""
    mkdir -p "$FZ/corpus/$t" "$FZ/crashes/$t"
    if [ -f "tests/fuzz/dict/$t.dict" ]; then dict="-dict=tests/fuzz/dict/$t.dict"; fi
    if [ "$t" = convert ]; then dict="-dict=$seeds/convert.dict"; fi
    if [ "$t" = http ]; then dict="-dict=tests/fuzz/dict/http.dict"; fi
    local extra=()
    [ -d "tests/fuzz/corpus/$t" ] && extra+=("tests/fuzz/corpus/$t")
    # shellcheck disable=SC2086
    ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}" \
        "$bin" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb="$FUZZ_RSS_MB" \
        -max_len=65536 -print_final_stats=1 $dict \
        -artifact_prefix="$FZ/crashes/$t/" $FUZZ_ARGS \
        "$FZ/corpus/$t" "$seeds/$t" "${extra[@]}" >"$FZ/logs/$t.log" 2>&1
}

summary() {
    local t=$1 log="$FZ/logs/$1.log" last
    # fork mode: "#N: cov: C ft: F corp: K exec/s E oom/timeout/crash: a/b/c time: Ts"
    last="$(grep -E '^#[0-9]+: cov: ' "$log" | tail -n 1)"
    local cov ft eps secs crashes
    cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")"
    ft="$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")"
    eps="$(sed -n 's/.* exec\/s:\{0,1\} \([0-9]*\).*/\1/p' <<<"$last")"
    secs="$(sed -n 's/.* time: \([0-9]*\)s.*/\1/p' <<<"$last")"
    crashes="$(find "$FZ/crashes/$t" -type f | wc -l)"
    printf '%-8s %5ss  exec/s %6s  cov %6s  ft %6s  corpus %6s  artifacts %3s  (%s)\n' "$t" \
        "${secs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" "$(find "$FZ/corpus/$t" -type f | wc -l)" \
        "$crashes" "$log"
}

pids=()
for t in $FUZZ_TARGETS; do
    [ -x "$FZ/lf_$t" ] || { echo "$FZ/lf_$t is missing (make libfuzz-bins)"; exit 2; }
    run_one "$t" &
    pids+=($!)
    while [ "$(jobs -rp | wc -l)" -ge "$FUZZ_JOBS" ]; do wait -n; done
done
wait
for t in $FUZZ_TARGETS; do summary "$t"; done
echo "artifacts: $FZ/crashes/<target>/ (replay one with $FZ/lf_<target> FILE)"
