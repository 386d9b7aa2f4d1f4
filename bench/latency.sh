#!/bin/sh
# Measures p50/p99 latency and requests/s of each read endpoint with wrk on
# loopback against a store made by bench/gen, and prints a Markdown table.
# Every run is bounded: DURATION seconds per endpoint (default 5).
# ENDPOINTS="article search" measures only those.
#   bench/latency.sh BUILD_DIR DB [CONNECTIONS]
set -eu
build=$1
db=$2
connections=${3:-32}
duration=${DURATION:-5}
here=$(cd "$(dirname "$0")" && pwd)
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }

. "$here/serve.sh"
serve_wirebase "$build" "$db" "$(mktemp /tmp/wirebase-latency-XXXXXX)"

stats=$(curl -s "$base/v1/stats")
count() { echo "$stats" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" | head -1; }
ARTICLES=$(count articles)
AGREEMENTS=$(echo "$stats" | sed -n 's/.*"agreements":{"total":\([0-9]*\).*/\1/p')
ENTITIES=$(echo "$stats" | sed -n 's/.*"entities":{"total":\([0-9]*\).*/\1/p')
REVALIDATE_PATH=/v1/articles/1
ETAG=$(curl -s -D - -o /dev/null "$base$REVALIDATE_PATH" | sed -n 's/^[Ee][Tt]ag: *//p' | tr -d '\r')
export ARTICLES AGREEMENTS ENTITIES REVALIDATE_PATH ETAG

echo "| endpoint | requests/s | p50 ms | p99 ms | errors |"
echo "| --- | ---: | ---: | ---: | ---: |"
for endpoint in ${ENDPOINTS:-article list list_entity entity agreement search related graph timeline stats revalidate}; do
    ENDPOINT=$endpoint wrk -t1 -c"$connections" -d"${duration}s" --timeout 5s \
        -s "$here/lua/endpoints.lua" "$base" 2>&1 |
        awk '/^RESULT/ { printf "| %s | %s | %s | %s | %s |\n", $2, $3, $4, $5, $6 }'
done
