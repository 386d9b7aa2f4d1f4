# Sourced by the bench scripts that measure one wirebase: starts it on an
# ephemeral loopback port with two worker threads and no access log, and
# stops it when the script ends, however it ends: then it removes LOG and
# the files named in serve_cleanup, and runs the command in serve_on_exit.
#   serve_wirebase BUILD_DIR DB LOG
# sets pid and base (http://127.0.0.1:PORT); exits 1 with the log shown
# when the server does not say where it listens within 10 s.
serve_stop() {
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    # shellcheck disable=SC2086 # serve_cleanup is a list of files
    rm -f "$serve_log" ${serve_cleanup:-}
    [ -z "${serve_on_exit:-}" ] || eval "$serve_on_exit"
}

serve_wirebase() {
    "$1/wirebase" serve --db "$2" --listen 127.0.0.1:0 --threads 2 --no-access-log 2>"$3" &
    pid=$!
    serve_log=$3
    trap serve_stop EXIT
    # dash runs no EXIT trap when a signal ends the script: exit through it.
    trap 'exit 129' HUP
    trap 'exit 130' INT
    trap 'exit 143' TERM
    port=
    for _ in $(seq 1 200); do
        port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$3")
        [ -n "$port" ] && break
        sleep 0.05
    done
    [ -n "$port" ] || { cat "$3" >&2; exit 1; }
    # shellcheck disable=SC2034 # read by the scripts that source this one
    base="http://127.0.0.1:$port"
}
