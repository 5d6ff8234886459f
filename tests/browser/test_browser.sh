#!/usr/bin/env bash
# tests/browser/test_browser.sh -- runs the web demo's browser suite
# (suite.mjs) under node with npm's playwright-core and Debian's chromium.
#
# Needs: node (Debian's nodejs), /usr/bin/chromium, sox, and
# node_modules/playwright-core at the repository root (`make deps-test`
# runs `npm ci` from the committed package-lock.json).  A missing piece is
# one "not ok" line with the command that installs it, not a silent skip.
# Env: SYNESTHD_BIN (the server); screenshots go to the suite's temp dir,
# or to SYN_SHOTS=DIR when set (to refresh docs/screenshot.png from
# DIR/screenshot-1280.png); KEEP_TMP=1 keeps the temp dir.
set -u
cd "$(dirname "$0")/../.." || exit 1
missing=""
command -v node >/dev/null || missing="$missing node (apt-get install nodejs npm)"
[ -x /usr/bin/chromium ] || missing="$missing /usr/bin/chromium (apt-get install chromium)"
command -v sox >/dev/null || missing="$missing sox (apt-get install sox)"
[ -f node_modules/playwright-core/package.json ] || missing="$missing playwright-core (npm ci)"
if [ -n "$missing" ]; then
    echo "not ok - browser suite setup: missing$missing; make deps-test installs them"
    exit 1
fi
exec node tests/browser/suite.mjs
