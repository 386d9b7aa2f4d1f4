#!/bin/sh
# The dashboard in a real headless Chromium: installs playwright-core (the
# version package-lock.json pins) into the build folder when the lock has
# changed, then runs dashboard.test.mjs against a fresh wirebase server.
# Usage: run.sh PATH/TO/wirebase OUTPUT_DIR   (screenshots go to OUTPUT_DIR)
set -eu
wirebase=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
chromium=${WIREBASE_CHROMIUM:-/usr/bin/chromium}

# Missing tools fail rather than skip: a skipped browser suite would pass CI
# without the dashboard ever being opened.
command -v node >/dev/null || { echo "node is missing: run .ci/deps" >&2; exit 1; }
command -v npm >/dev/null || { echo "npm is missing: run .ci/deps" >&2; exit 1; }
[ -x "$chromium" ] || { echo "$chromium is missing: run .ci/deps (apt-get install chromium)" >&2; exit 1; }

# node_modules lives in the build folder, not the source tree: each build
# gets its own, and a clean clone has nothing to clean. The stamp is the
# lock it was installed from; npm runs again only when the lock changes.
modules=$out/npm
mkdir -p "$modules"
if ! cmp -s "$here/package-lock.json" "$modules/installed-lock.json" 2>/dev/null ||
   [ ! -d "$modules/node_modules/playwright-core" ]; then
    cp "$here/package.json" "$here/package-lock.json" "$modules/"
    # --ignore-scripts: nothing to build, and no browser download either;
    # the tests use Debian's Chromium.
    (cd "$modules" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    cp "$here/package-lock.json" "$modules/installed-lock.json"
fi

exec env WIREBASE_NODE_MODULES="$modules/node_modules" WIREBASE_CHROMIUM="$chromium" \
    node "$here/dashboard.test.mjs" "$wirebase" "$out/screenshots"
