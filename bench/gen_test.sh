#!/bin/sh
# bench/gen on a small store: the same seed makes the same store (compared
# through `wirebase export`, byte for byte), and the store has every kind of
# record in it.
# Usage: gen_test.sh PATH/TO/gen PATH/TO/wirebase
set -u
gen=$1
wirebase=$2
work=$(mktemp -d /tmp/wirebase-gen-XXXXXX)
failures=0
checks=0
trap 'rm -rf "$work"' EXIT

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

# 2,000 articles make about 3,000 records: more than the 1,024 that gen's
# queue to the importer holds, so the writer waits on it too.
generate() { # generate NAME SEED: a small store in $work/NAME.db, exported to $work/NAME.ndjson
    "$gen" --db "$work/$1.db" --articles 2000 --entities 300 --seed "$2" 2>"$work/$1.log" &&
        "$wirebase" export --db "$work/$1.db" >"$work/$1.ndjson"
}

has_lines() { # has_lines TYPE FILE: at least one line of that type
    grep -q "^{\"type\":\"$1\"" "$2"
}

differ() { # differ A B: both files exist, and their bytes differ
    [ -s "$1" ] && [ -s "$2" ] && ! cmp -s "$1" "$2"
}

check "the generator runs and its store exports" generate first 7
check "a second run with the same seed does too" generate second 7
check "the same seed gives byte-identical exports" cmp -s "$work/first.ndjson" "$work/second.ndjson"
for type in entity article quote agreement; do
    check "the store has $type records" has_lines "$type" "$work/first.ndjson"
done
check "all 2000 articles are there" \
    test "$(grep -c '^{"type":"article"' "$work/first.ndjson")" -eq 2000
check "articles mention entities" grep -q '"mentions":\[{"entity":"' "$work/first.ndjson"
check "agreements have parties" grep -q '"parties":\["[a-z0-9-]*","' "$work/first.ndjson"
check "the generator reports its counts" grep -q '2000 articles' "$work/first.log"
check "another seed runs too" generate third 8
check "another seed gives another store" differ "$work/first.ndjson" "$work/third.ndjson"
check "an existing database is refused" sh -c "! '$gen' --db '$work/first.db' 2>/dev/null"

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
