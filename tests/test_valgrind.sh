#!/bin/sh
# Runs the real server under valgrind through a cycle of requests (every
# endpoint, good and bad) and a SIGTERM, and fails on any memory error or
# definite/indirect leak. Usage: test_valgrind.sh PATH/TO/wirebase
set -u
wirebase=$1
work=$(mktemp -d /tmp/wirebase-valgrind-XXXXXX)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT

valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --error-exitcode=3 --log-file="$work/valgrind.log" \
    "$wirebase" serve --db "$work/v.db" --listen 127.0.0.1:0 --threads 2 2>"$work/serve.log" &
pid=$!
port=
for _ in $(seq 1 300); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/serve.log")
    [ -n "$port" ] && break
    sleep 0.1
done
if [ -z "$port" ]; then
    echo "the server did not start under valgrind"
    cat "$work/serve.log" "$work/valgrind.log"
    exit 1
fi

requests=0
for path in /v1/articles "/v1/articles?entity=robert-gates&limit=1" \
    /v1/articles/us-russian-defense-chiefs-promote-deeper-ties /v1/articles/1 \
    "/v1/entities?q=ro&sort=mentions" /v1/entities/robert-gates \
    "/v1/agreements?status=signed" /v1/agreements/us-russia-defense-cooperation-memorandum-2010 \
    "/v1/quotes?speaker=robert-gates" /v1/quotes/1 /healthz /readyz /version \
    /nothing "/v1/articles?limit=0" "/v1/articles?cursor=zz" "/v1/articles?x=%zz" \
    /v1/articles/99999 "/v1/articles?limit=1&limit=2"; do
    curl -s -o /dev/null "http://127.0.0.1:$port$path" && requests=$((requests + 1))
done
# Writes, with a key made beside the running server.
key=$("$wirebase" keys create --name valgrind --db "$work/v.db" 2>/dev/null)
auth="Authorization: Bearer $key"
json="Content-Type: application/json"
base="http://127.0.0.1:$port"
curl -s -o /dev/null -X POST -H "$auth" -H "$json" -H "Idempotency-Key: v1" \
    -d '{"name": "Valgrind Person", "type": "person", "aliases": ["VP"]}' "$base/v1/entities"
curl -s -o /dev/null -X POST -H "$auth" -H "$json" -H "Idempotency-Key: v1" \
    -d '{"name": "Valgrind Person", "type": "person", "aliases": ["VP"]}' "$base/v1/entities"
curl -s -o /dev/null -X POST -H "$auth" -H "$json" \
    -d '{"title": "T", "source": "S", "published_at": "2011-01-01", "body": "B",
         "mentions": [{"entity": "valgrind-person", "count": 2}]}' "$base/v1/articles"
curl -s -o /dev/null -X PATCH -H "$auth" -H "$json" -H 'If-Match: "v1"' \
    -d '{"description": "patched", "aliases": null}' "$base/v1/entities/valgrind-person"
curl -s -o /dev/null -X PATCH -H "$auth" -H "$json" -H 'If-Match: "v1"' \
    -d '{"description": "stale"}' "$base/v1/entities/valgrind-person"
curl -s -o /dev/null -X POST -H "$auth" -H "$json" -d '{"aliases": ["V. Person"]}' \
    "$base/v1/entities/valgrind-person/aliases"
curl -s -o /dev/null -X POST -H "$auth" -H "$json" -d '{"into": "robert-gates"}' \
    "$base/v1/entities/valgrind-person/merge"
curl -s -o /dev/null -X POST -H "$auth" -H "$json" -d '{"title": 5}' "$base/v1/articles"
curl -s -o /dev/null -X POST -H "$auth" -H "$json" -d '{"title": ' "$base/v1/articles"
curl -s -o /dev/null -X POST -H "$json" -d '{}' "$base/v1/articles"
curl -s -o /dev/null -X DELETE -H "$auth" "$base/v1/articles/t"
curl -s "$base/v1/export" >"$work/export.ndjson"
curl -s -o /dev/null -X POST -H "$auth" -H "Content-Type: application/x-ndjson" \
    --data-binary @"$work/export.ndjson" "$base/v1/import?mode=partial"
printf '{"type":"entity","name":"Z","entity_type":"person"}\n{"type":"nope"}\n' |
    curl -s -o /dev/null -X POST -H "$auth" -H "Content-Type: application/x-ndjson" \
        --data-binary @- "$base/v1/import"

# Follow a cursor, and send a body the server refuses.
cursor=$(curl -s "http://127.0.0.1:$port/v1/entities?limit=2" | sed -n 's/.*"next_cursor":"\([^"]*\)".*/\1/p')
curl -s -o /dev/null "http://127.0.0.1:$port/v1/entities?limit=2&cursor=$cursor"
curl -s -o /dev/null -X POST --data-binary @"$wirebase" "http://127.0.0.1:$port/v1/articles"

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
if [ "$rc" -ne 0 ] || [ -s "$work/valgrind.log" ]; then
    echo "valgrind found problems (exit $rc) after $requests requests:"
    cat "$work/valgrind.log"
    exit 1
fi
echo "1 passed, 0 failed ($requests requests, no leaks or memory errors)"
