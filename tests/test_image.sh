#!/bin/sh
# The container image without Docker: builds wirebase with the Dockerfile's
# own steps (docker/build-on-host.sh), then runs it as the image would: its
# ENV settings, its entrypoint (serve), a user that is not root, the
# database in a fresh folder standing for the volume. Two settings are
# mapped, not copied: the database folder (/var/lib/wirebase is the
# volume's mount point) and the address (tests listen on loopback only,
# on a port the kernel picks, instead of 0.0.0.0:8080).
# Usage: test_image.sh SOURCE_ROOT
set -u
root=$1
work=$(mktemp -d /tmp/wirebase-image-XXXXXX)
server_pid=
failures=0
checks=0
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT

check() { # check NAME COMMAND...
    name=$1
    shift
    checks=$((checks + 1))
    if "$@"; then echo "ok - $name"; else echo "FAIL - $name"; failures=$((failures + 1)); fi
}

if ! "$root/docker/build-on-host.sh" "$work/out" >"$work/build.log" 2>&1; then
    echo "FAIL - the Dockerfile's build steps failed on the host:"
    tail -20 "$work/build.log"
    exit 1
fi
echo "ok - the Dockerfile's build steps ran on the host"

# The image's settings, with the two mappings above.
volume=$work/volume
mkdir -p "$volume"
env_args=
while IFS='=' read -r name value; do
    case $name in
    WIREBASE_DB) value=$volume/$(basename "$value") ;;
    WIREBASE_LISTEN) value=127.0.0.1:0 ;;
    esac
    env_args="$env_args $name=$value"
done <"$work/out/wirebase.env"
check "the image sets the database and the address" \
    sh -c "grep -q '^WIREBASE_DB=/var/lib/wirebase/' '$work/out/wirebase.env' && grep -q '^WIREBASE_LISTEN=' '$work/out/wirebase.env'"

# USER wirebase: a user without root's rights, owning only the volume.
as_user=
if [ "$(id -u)" -eq 0 ]; then
    chown 65534:65534 "$volume"
    chmod 755 "$work" "$work/out"
    as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi
# shellcheck disable=SC2086 # the settings split into NAME=value words
$as_user env $env_args "$work/out/wirebase" serve 2>"$work/serve.log" &
server_pid=$!
port=
for _ in $(seq 1 100); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/serve.log")
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
done
check "the binary starts with the image's settings" test -n "$port"
if [ -z "$port" ]; then
    cat "$work/serve.log"
    exit 1
fi
base=http://127.0.0.1:$port
# The image's HEALTHCHECK command, word for word but for the address.
check "the health check passes" curl -fsS -o /dev/null "$base/readyz"
check "it serves the sample data" sh -c "curl -fsS '$base/v1/articles' | grep -q 'Expatica news'"
check "it serves its metrics" sh -c "curl -fsS '$base/metrics' | grep -q '^wirebase_build_info'"
check "the database is on the volume" test -s "$volume/wirebase.db"
check "it runs as a user that is not root" \
    sh -c "[ \"\$(id -u)\" -ne 0 ] || [ \"\$(stat -c %u '$volume/wirebase.db')\" != 0 ]"
kill -TERM "$server_pid"
wait "$server_pid"
rc=$?
server_pid=
check "SIGTERM (docker stop) exits 0" test "$rc" -eq 0

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
