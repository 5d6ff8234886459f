#!/usr/bin/env bash
# tests/lint/test_lint.sh -- cppcheck and clang-format over every C file in git.
#
# Files: git ls-files '*.c' '*.h' (the repository has no third-party
# headers to leave out; stb and the libraries come from Debian).
# cppcheck: warning, style, performance and portability checks, every
# preprocessor configuration it finds; a false positive is silenced where it
# stands with an inline "cppcheck-suppress ID" comment that says why, never
# here.  Its per-file results are cached in $BUILD/cppcheck, so a second run
# only reads what changed.
# clang-format: the checked-in .clang-format; `make fmt FILES="a.c b.h"`
# formats the files named (make fmt alone: every file).
# Prints "ok - ..." / "not ok - ..." lines (tests/run counts them) and, under
# a failure, the findings.  Runs from the repository root; make lint runs it.

cd "$(dirname "$0")/../.." || exit 1
BUILD="${BUILD:-$PWD/build}"
JOBS="${LINT_JOBS:-2}" # the two shared cores of the test machine

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1${2:+: $2}"; }

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    mapfile -t FILES < <(git ls-files '*.c' '*.h')
else # a tarball of the tree: the same set, by name
    mapfile -t FILES < <(find include modalities server tools tests -name '*.[ch]' | sort)
fi
if [ "${#FILES[@]}" -eq 0 ]; then
    not_ok "lint finds the C files" "git ls-files '*.c' '*.h' listed nothing"
    exit 1
fi

# --- cppcheck ----------------------------------------------------------------
if ! command -v cppcheck >/dev/null; then
    not_ok "cppcheck clean" "cppcheck is not installed (make deps-test)"
else
    mkdir -p "$BUILD/cppcheck"
    out="$(cppcheck -q -j "$JOBS" --std=c11 --enable=warning,style,performance,portability \
        --inline-suppr --suppress=missingIncludeSystem --error-exitcode=3 \
        --cppcheck-build-dir="$BUILD/cppcheck" -Iinclude -Iserver -Itests/unit -Itests/fuzz \
        --template='{file}:{line}: {severity}: {message} [{id}]' "${FILES[@]}" 2>&1)"
    rc=$?
    if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
        ok "cppcheck clean (${#FILES[@]} files)"
    else
        n=$(grep -c ': \(error\|warning\|style\|performance\|portability\): ' <<<"$out")
        not_ok "cppcheck clean" "$n findings (exit $rc): $(cut -d: -f1 <<<"$out" | sort -u | tr '\n' ' ')"
        sed 's/^/#   /' <<<"$out"
    fi
fi

# --- clang-format ------------------------------------------------------------
if ! command -v clang-format >/dev/null; then
    not_ok "clang-format clean" "clang-format is not installed (make deps-test)"
else
    bad=()
    for f in "${FILES[@]}"; do
        clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
    done
    if [ "${#bad[@]}" -eq 0 ]; then
        ok "clang-format clean (${#FILES[@]} files, .clang-format)"
    else
        not_ok "clang-format clean" "${#bad[@]} files differ from .clang-format: ${bad[*]} (make fmt FILES=\"...\")"
        for f in "${bad[@]}"; do
            echo "#   $f: $(clang-format "$f" | diff "$f" - | grep -c '^>') lines would change"
        done
    fi
fi
