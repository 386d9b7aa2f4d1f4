#!/bin/sh
# How long a search takes right after a write: each round posts one new
# article, then asks one search (one or two common words) of the version
# that post made, which no answer cached before it can serve. Prints
# the median, p90 and slowest search, in milliseconds, of the first 24
# rounds (a fresh server counts each word's rows once, whatever the build)
# and of the rounds after. Bounded: ROUNDS rounds (default 60), each
# request at most 10 s. The write key it makes is revoked when it ends.
#   bench/search_after_writes.sh BUILD_DIR DB
set -eu
build=$1
db=$2
rounds=${ROUNDS:-60}
warmup=24 # every word asked at least once, alone and in pairs

key_name="after-writes-$(date +%s)-$$"
key=$("$build/wirebase" keys create --db "$db" --name "$key_name" --scope write | head -1)
revoke_key() {
    "$build/wirebase" keys revoke --db "$db" "$key_name" >/dev/null 2>&1 || true
}
. "$(cd "$(dirname "$0")" && pwd)/serve.sh"
serve_wirebase "$build" "$db" "$(mktemp /tmp/wirebase-after-writes-XXXXXX)"
times=$(mktemp /tmp/wirebase-after-writes-XXXXXX)
serve_cleanup=$times
serve_on_exit=revoke_key

# bench/lua/endpoints.lua's words, so the counts are of the same lists.
set -- memorandum treaty defense minister accord signed cooperation security talks \
       agreement ratify deal
tag=$(date +%s)
i=0
while [ "$i" -lt "$rounds" ]; do
    i=$((i + 1))
    curl -sf --max-time 10 -o /dev/null -H "Authorization: Bearer $key" \
         -H 'Content-Type: application/json' \
         -d "{\"title\": \"After-write probe $tag $i\", \"source\": \"Bench Wire\",
              \"published_at\": \"2026-11-29\", \"body\": \"The delegations met again.\"}" \
         "$base/v1/articles?extract=false"
    shift_by=$((i % 12))
    first=$(eval "echo \${$((shift_by + 1))}")
    second=$(eval "echo \${$(((i * 5) % 12 + 1))}")
    query=$first
    [ $((i % 2)) -eq 0 ] && query="$first+$second"
    curl -sf --max-time 10 -o /dev/null -w '%{time_total}\n' "$base/v1/search?q=$query" >>"$times"
done
# Median, p90 and slowest of the times (seconds) on stdin, in milliseconds.
summary() {
    awk '{ print $1 * 1000 }' | sort -n | awk -v what="$1" '
        { t[NR] = $1 }
        END {
            if (NR > 0)
                printf "%s: %d searches; median %.1f ms, p90 %.1f ms, slowest %.1f ms\n",
                       what, NR, t[int((NR + 1) / 2)], t[int(NR * 0.9 + 0.5)], t[NR]
        }'
}
head -n "$warmup" "$times" | summary "first $warmup rounds (each word counted for the first time)"
tail -n +"$((warmup + 1))" "$times" | summary "the rounds after"
