#!/bin/sh
# The command line end to end: help and version, configuration errors and
# exit codes, serve on a new database, SIGTERM, load, read-only.
# Usage: test_cli.sh PATH/TO/wirebase
set -u
wirebase=$1
work=$(mktemp -d /tmp/wirebase-cli-XXXXXX)
server_pid=
failures=0
checks=0

cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

check() { # check NAME COMMAND...: passes when the command succeeds
    name=$1
    shift
    checks=$((checks + 1))
    if "$@"; then
        echo "ok - $name"
    else
        echo "FAIL - $name"
        failures=$((failures + 1))
    fi
}

exits_with() { # exits_with CODE COMMAND...
    code=$1
    shift
    "$@" >"$work/out" 2>"$work/err"
    [ $? -eq "$code" ]
}

# start_server LOG ARGS...: starts wirebase serve on a free port, sets $port.
start_server() {
    log=$1
    shift
    "$wirebase" serve --listen 127.0.0.1:0 "$@" 2>"$log" &
    server_pid=$!
    port=
    for _ in $(seq 1 100); do
        port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log")
        [ -n "$port" ] && return 0
        kill -0 "$server_pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

stop_server() { # sends SIGTERM and waits; true when the exit code is 0
    kill -TERM "$server_pid"
    wait "$server_pid"
    rc=$?
    server_pid=
    [ "$rc" -eq 0 ]
}

status_of() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$1"; }

check "--version prints the version" exits_with 0 "$wirebase" --version
check "--version names wirebase" grep -q '^wirebase [0-9]' "$work/out"
check "--help exits 0" exits_with 0 "$wirebase" --help
check "serve --help lists --db" sh -c "'$wirebase' serve --help | grep -q -- --db"
check "no command is a usage error" exits_with 2 "$wirebase"
check "an unknown command is a usage error" exits_with 2 "$wirebase" frobnicate
check "an unknown option is a usage error" exits_with 2 "$wirebase" serve --bogus
check "--threads 0 is refused" exits_with 2 "$wirebase" serve --threads 0
check "a bad --listen is refused" exits_with 2 "$wirebase" serve --listen nowhere
check "a bad WIREBASE_THREADS is refused" exits_with 2 env WIREBASE_THREADS=lots "$wirebase" serve
check "a configuration error says which setting" grep -q WIREBASE_THREADS "$work/err"
check "--read-only on a missing database fails" \
    exits_with 1 "$wirebase" serve --read-only --db "$work/missing.db" --listen 127.0.0.1:0

# serve: a new database is created with the sample data.
check "serve starts on a new database" start_server "$work/serve.log" --db "$work/new.db"
check "the seed article is listed" \
    sh -c "curl -sf http://127.0.0.1:$port/v1/articles | grep -q 'Expatica news'"
check "robert-gates is served" test "$(status_of /v1/entities/robert-gates)" = 200
check "SIGTERM stops the server with exit code 0" stop_server
check "the stop is logged as clean" grep -q "stopped cleanly" "$work/serve.log"
check "the new database was filled with the sample" grep -q "sample data" "$work/serve.log"

# The environment configures serve as the flags do; the data persists.
WIREBASE_DB="$work/new.db" WIREBASE_THREADS=3 start_server "$work/env.log"
check "WIREBASE_DB and WIREBASE_THREADS are read" grep -q "new.db, 3 threads" "$work/env.log"
check "an existing database is not filled again" sh -c "! grep -q 'sample data' '$work/env.log'"
check "SIGINT stops too" sh -c "kill -INT $server_pid; wait $server_pid 2>/dev/null; true"
server_pid=

# --read-only serves an existing database.
check "read-only serve starts" start_server "$work/ro.log" --read-only --db "$work/new.db"
check "read-only serves reads" test "$(status_of /v1/agreements?status=signed)" = 200
check "read-only stops cleanly" stop_server

# load: all or nothing.
cat >"$work/extra.json" <<'JSON'
{"entities": [{"slug": "test-person", "name": "Test Person", "type": "person", "aliases": ["Tester"]}],
 "articles": [{"slug": "a-loaded-story", "title": "A loaded story", "source": "CLI Wire", "published_at": "2012-01-02",
               "body": "Test Person spoke.", "mentions": [{"entity": "test-person", "count": 1}]}]}
JSON
check "load adds a dataset" exits_with 0 "$wirebase" load "$work/extra.json" --db "$work/new.db"
check "load reports what it added" grep -q "loaded 1 articles, 1 entities" "$work/out"
check "loading the same file again fails (slugs taken)" \
    exits_with 1 "$wirebase" load "$work/extra.json" --db "$work/new.db"
check "the failure names the record" grep -q "entities\[0\]" "$work/err"
printf '{"articles": [' >"$work/broken.json"
check "malformed JSON fails" exits_with 1 "$wirebase" load "$work/broken.json" --db "$work/new.db"
check "load without a file is a usage error" exits_with 2 "$wirebase" load --db "$work/new.db"
start_server "$work/after.log" --db "$work/new.db"
check "the loaded article is served once" \
    sh -c "curl -sf 'http://127.0.0.1:$port/v1/articles?source=CLI+Wire' | grep -o '\"id\"' | wc -l | grep -qx 1"
stop_server

# import and export: the NDJSON round trip from the command line.
check "export writes NDJSON" sh -c "'$wirebase' export --db '$work/new.db' > '$work/out.ndjson'"
check "every exported line is one record" sh -c "grep -c '^{\"type\":' '$work/out.ndjson' | grep -qx \"\$(wc -l < '$work/out.ndjson')\""
check "import into an empty database (--db before the file)" \
    exits_with 0 "$wirebase" import --db "$work/copy.db" "$work/out.ndjson"
check "export of the copy is identical" \
    sh -c "'$wirebase' export --db '$work/copy.db' | cmp -s - '$work/out.ndjson'"
printf '{"type":"entity","name":"Fine","entity_type":"person"}\n{"type":"entity","name":"Broken"}\n' >"$work/bad.ndjson"
check "an import with a bad line fails" exits_with 1 "$wirebase" import "$work/bad.ndjson" --db "$work/empty.db"
check "the failure names the line" grep -q "bad.ndjson:2" "$work/err"
check "and nothing was imported" sh -c "! '$wirebase' export --db '$work/empty.db' | grep -q Fine"
check "--partial keeps the good lines and reports the bad" \
    exits_with 1 "$wirebase" import --partial "$work/bad.ndjson" --db "$work/empty.db"
check "the partial import kept the good line" sh -c "'$wirebase' export --db '$work/empty.db' | grep -q Fine"
check "load accepts --db before the file" exits_with 1 "$wirebase" load --db "$work/new.db" "$work/extra.json"
check "(and then says the slugs are taken, not that --db is a file)" grep -q "already\|taken" "$work/err"

# terms: the commonest words counted once, after a bulk import.
check "terms counts the common words" exits_with 0 "$wirebase" terms --db "$work/new.db" --min-rows 1
check "terms reports how many it saved" grep -q "^[1-9][0-9]* words in at least 1 rows counted and saved" "$work/out"
check "terms with --most 0 is a usage error" exits_with 2 "$wirebase" terms --db "$work/new.db" --most 0
check "the usage error names --most" grep -q -- "--most needs a whole number from 1 to 4096" "$work/err"
check "terms with --min-rows and no number is a usage error" \
    exits_with 2 "$wirebase" terms --db "$work/new.db" --min-rows
check "terms --most 4097 is a usage error" exits_with 2 "$wirebase" terms --db "$work/new.db" --most 4097
check "terms takes --most=N too" exits_with 0 "$wirebase" terms --db "$work/new.db" --most=2 --min-rows=1
check "(and counts at most 2 words of each of the two indexes)" grep -q "^[1-4] words" "$work/out"
check "terms on a read-only store is a usage error" exits_with 2 "$wirebase" terms --db "$work/new.db" --read-only
check "terms on a missing database fails" exits_with 1 "$wirebase" terms --db "$work/missing.db"
check "(and names it)" grep -q "no database at $work/missing.db" "$work/err"
check "(and creates no database there)" test ! -e "$work/missing.db"
check "terms --version prints the version" exits_with 0 "$wirebase" terms --version
check "(the version, not the usage)" grep -q '^wirebase [0-9]' "$work/out"
for command in documents backup; do
    check "$command --version prints the version too" exits_with 0 "$wirebase" "$command" --version
    check "(the version, not its usage)" grep -q '^wirebase [0-9]' "$work/out"
    check "$command --help prints its usage" exits_with 0 "$wirebase" "$command" --help
    check "(its own)" grep -q "^usage: wirebase $command" "$work/out"
    check "$command with a bad setting is a usage error" \
        exits_with 2 "$wirebase" "$command" --db "$work/new.db" --cache-size nope
    check "(named, then the usage)" grep -q "^wirebase $command: .*cache" "$work/err"
done
start_server "$work/terms.log" --db "$work/new.db"
check "terms runs beside a server on the store" exits_with 0 "$wirebase" terms --db "$work/new.db" --min-rows 1
check "a search after terms finds the seed article" \
    sh -c "curl -sf 'http://127.0.0.1:$port/v1/search?q=defense+minister' | grep -q '\"type\":\"article\"'"
stop_server

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
