#!/bin/sh
# The contract suite: installs the pinned npm tools (npm ci, once per
# package-lock.json), lints docs/openapi.json with Spectral's OpenAPI rules
# (any error fails), then checks a live server against the document.
# Usage: run.sh PATH/TO/wirebase
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# Absolute: meson passes it relative to the build folder, and we move.
wirebase=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$here"

# npm ci replaces node_modules whole: a lock keeps two builds' test runs
# from doing it at once, and a stamp of the lock file skips it when done.
stamp=node_modules/.wirebase-lock-sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
(
    flock 9
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        npm ci --no-audit --no-fund --loglevel=error >&2
        echo "$want" >"$stamp"
    fi
) 9>"$here/.npm-ci.lock"

if node_modules/.bin/spectral lint --ruleset .spectral.yaml --fail-severity error \
    ../../docs/openapi.json; then
    echo "ok - spectral finds no error in docs/openapi.json"
else
    echo "FAIL - spectral lint docs/openapi.json"
    exit 1
fi
exec node contract.cjs "$wirebase"
