#!/bin/sh
# /metrics as Prometheus itself reads it: promtool check metrics must find
# no error and no lint problem in a scrape taken after reads, errors and a
# write. Usage: test_promtool.sh PATH/TO/wirebase
set -u
wirebase=$1
work=$(mktemp -d /tmp/wirebase-promtool-XXXXXX)
server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT

key=$("$wirebase" keys create --name prom --scope write --db "$work/db" 2>"$work/keys.err") || {
    cat "$work/keys.err"
    exit 1
}
"$wirebase" serve --listen 127.0.0.1:0 --db "$work/db" 2>"$work/log" &
server_pid=$!
port=
for _ in $(seq 1 100); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/log")
    [ -n "$port" ] && break
    sleep 0.05
done
[ -n "$port" ] || { echo "FAIL - the server did not start"; cat "$work/log"; exit 1; }

base=http://127.0.0.1:$port
for path in /v1/articles /v1/articles/1 /v1/entities/nobody /nowhere '/v1/articles?limit=0'; do
    curl -s -o /dev/null "$base$path"
done
curl -s -o /dev/null -X OPTIONS "$base/v1/quotes"
curl -s -o /dev/null -X POST "$base/v1/entities" -H "Authorization: Bearer $key" \
    -H 'Content-Type: application/json' -d '{"name": "Prom Test", "type": "person"}'
curl -sf "$base/metrics" >"$work/metrics" || { echo "FAIL - GET /metrics"; exit 1; }

if promtool check metrics <"$work/metrics" >"$work/promtool.out" 2>&1; then
    echo "ok - promtool check metrics finds nothing"
else
    echo "FAIL - promtool check metrics:"
    cat "$work/promtool.out"
    exit 1
fi
grep -q '^wirebase_db_write_transaction_duration_seconds_count 1$' "$work/metrics" || {
    echo "FAIL - the write was not timed"
    exit 1
}
echo "ok - the write was timed"
echo "2 passed, 0 failed"
