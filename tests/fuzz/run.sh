#!/bin/sh
# Builds the libFuzzer targets with clang in build-fuzz/ and runs each for
# FUZZ_SECONDS (default 60). Any crash, leak, sanitizer report or broken
# check fails the run; the input that did it is kept in
# build-fuzz/artifacts/. Arguments name the targets to run (default: all).
# See tests/fuzz/README.md.
set -eu
cd "$(dirname "$0")/../.."

seconds=${FUZZ_SECONDS:-60}
build="build-fuzz"
targets=${*:-router query cursor search writes import extract}

command -v clang >/dev/null 2>&1 || {
    echo "tests/fuzz/run.sh: clang is missing (.ci/deps installs it)" >&2
    exit 1
}

# The core library gets the sanitizers and libFuzzer's coverage hooks
# (fuzzer-no-link); only the targets link libFuzzer itself. Criterion suites
# are left out: this build is for the targets alone.
options="-Dfuzz=true -Dtests=false -Dwerror=true -Db_sanitize=address,undefined
  -Db_lundef=false"
c_args="-Dc_args=['-fsanitize=fuzzer-no-link']"
# meson configure, not setup --reconfigure, which keeps an existing c_args.
# shellcheck disable=SC2086 # the options are meant to split into words
if [ -f "$build/build.ninja" ]; then
    meson configure "$build" $options "$c_args" >/dev/null
else
    CC=clang meson setup "$build" $options "$c_args" >/dev/null
fi
# shellcheck disable=SC2046 # one ninja target per word
ninja -C "$build" $(for t in $targets; do echo "tests/fuzz/fuzz_$t"; done) >"$build/build.log" 2>&1 || {
    cat "$build/build.log"
    exit 1
}

# UBSan only reports by default; a finding must stop the run like ASan's.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# The db/ targets' stores (each in a directory of its own, removed at
# exit) go to tmpfs when there is one: commits there cost no disk syncs,
# which doubles the import target's speed.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    export TMPDIR=/dev/shm
else
    export TMPDIR="$PWD/$build/tmp"
fi
mkdir -p "$TMPDIR" "$build/artifacts"

failed=
for t in $targets; do
    # New inputs go to the first directory, so the seeds in the tree stay
    # the hand-written ones.
    mkdir -p "$build/corpus/$t"
    # Field names and syntax words the mutations would rarely spell.
    case $t in
    writes | import) dict=-dict=tests/fuzz/records.dict ;;
    search) dict=-dict=tests/fuzz/search.dict ;;
    *) dict= ;;
    esac
    echo "fuzz_$t: $seconds s"
    # shellcheck disable=SC2086 # an empty $dict is meant to vanish
    if ! "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 $dict \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" \
        "$build/corpus/$t" "tests/fuzz/corpus/$t" >"$build/fuzz_$t.log" 2>&1; then
        tail -n 60 "$build/fuzz_$t.log"
        failed="$failed $t"
    fi
    grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$build/fuzz_$t.log" || true
done
if [ -n "$failed" ]; then
    echo "fuzz targets that failed:$failed (inputs in $build/artifacts/)" >&2
    exit 1
fi
