#!/bin/sh
# `wirebase keys` end to end: create prints the key once and the database
# never holds it; list shows no secret; revoke; exit codes.
# Usage: test_keys_cli.sh PATH/TO/wirebase
set -u
wirebase=$1
work=$(mktemp -d /tmp/wirebase-keys-XXXXXX)
db="$work/keys.db"
failures=0
checks=0

cleanup() {
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

not_in() { # not_in TEXT FILE: true when FILE does not contain TEXT
    [ "$(grep -c -F -e "$1" "$2")" -eq 0 ]
}

check "keys --help exits 0" exits_with 0 "$wirebase" keys --help
check "keys --help lists create, list and revoke" \
    sh -c "grep -q create '$work/out' && grep -q list '$work/out' && grep -q revoke '$work/out'"
check "the top-level usage names keys" sh -c "'$wirebase' --help | grep -q keys"
check "keys without a command is a usage error" exits_with 2 "$wirebase" keys
check "an unknown keys command is a usage error" exits_with 2 "$wirebase" keys rotate

check "create exits 0" exits_with 0 "$wirebase" keys create --name deploy --db "$db"
key=$(head -n 1 "$work/out")
secret=${key#wb_????????????_}
check "create prints a well-formed key" \
    sh -c "printf '%s\n' '$key' | grep -Eqx 'wb_[0-9a-f]{12}_[A-Za-z0-9_-]{43}'"
check "create prints the key alone" test "$(wc -l <"$work/out")" -eq 1
check "create says on stderr that the key is shown once" grep -q "only this once" "$work/err"
check "the secret is 43 characters" test "${#secret}" -eq 43
check "the database file does not hold the secret" not_in "$secret" "$db"
if [ -f "$db-wal" ]; then
    check "the WAL does not hold the secret" not_in "$secret" "$db-wal"
fi
if command -v sqlite3 >/dev/null 2>&1; then
    sqlite3 "$db" .dump >"$work/dump.sql"
    check "a dump shows the key's row" grep -q deploy "$work/dump.sql"
    check "a dump does not hold the secret" not_in "$secret" "$work/dump.sql"
fi

check "create --scope=read with = works" \
    exits_with 0 "$wirebase" keys create --name=reader --scope=read --db="$db"
reader_key=$(head -n 1 "$work/out")
reader_secret=${reader_key#wb_????????????_}
check "WIREBASE_DB names the database" \
    exits_with 0 env WIREBASE_DB="$db" "$wirebase" keys create --name ops --scope admin

check "list exits 0" exits_with 0 "$wirebase" keys list --db "$db"
check "list shows the name" grep -q deploy "$work/out"
check "list shows the scopes" sh -c "grep -q read '$work/out' && grep -q admin '$work/out'"
prefix=$(printf '%s' "$key" | cut -c1-15)
check "list shows the key prefix" grep -q -F -e "$prefix" "$work/out"
check "list does not show a secret" \
    sh -c "! grep -q -F -e '$secret' '$work/out' '$work/err' &&
           ! grep -q -F -e '$reader_secret' '$work/out' '$work/err'"
check "list lists in name order" \
    sh -c "sed 1d '$work/out' | cut -d' ' -f1 | tr '\n' ' ' | grep -qx 'deploy ops reader '"

check "revoke exits 0" exits_with 0 "$wirebase" keys revoke deploy --db "$db"
check "list shows the key as revoked" \
    sh -c "'$wirebase' keys list --db '$db' | grep '^deploy ' | grep -Eq 'Z +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z\$'"
check "revoking again fails with 1" exits_with 1 "$wirebase" keys revoke deploy --db "$db"
check "revoking an unknown name fails with 1" exits_with 1 "$wirebase" keys revoke nobody --db "$db"
check "revoke without a name is a usage error" exits_with 2 "$wirebase" keys revoke --db "$db"
check "a taken name fails with 1" exits_with 1 "$wirebase" keys create --name reader --db "$db"
check "a revoked name stays taken" exits_with 1 "$wirebase" keys create --name deploy --db "$db"
check "the conflict says the name is taken" grep -q "exists" "$work/err"
check "a bad scope is a usage error" \
    exits_with 2 "$wirebase" keys create --name other --scope owner --db "$db"
check "a missing --name is a usage error" exits_with 2 "$wirebase" keys create --db "$db"
check "a bad name is a usage error" exits_with 2 "$wirebase" keys create --name 'a b' --db "$db"
check "an unknown option is a usage error" \
    exits_with 2 "$wirebase" keys create --name other --bogus --db "$db"
check "list on a missing database fails with 1" \
    exits_with 1 "$wirebase" keys list --db "$work/missing.db"
check "and leaves no file behind" test ! -e "$work/missing.db"

# The database after all of it: still no secret anywhere on disk.
check "no secret reached the database at the end" \
    sh -c "! cat '$db'* | grep -q -F -e '$secret' && ! cat '$db'* | grep -q -F -e '$reader_secret'"

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
