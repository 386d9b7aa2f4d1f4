#!/bin/sh
# Builds wirebase on this host the way docker/Dockerfile builds the image,
# for machines without a Docker engine. The steps are read from the
# Dockerfile itself, so the two cannot drift: the build stage's COPY lines
# fill a fresh source folder, its RUN lines (after the COPYs) run there, and
# the binary the runtime stage copies out lands in OUT with the runtime
# stage's ENV lines in OUT/wirebase.env. The build stage's apt-get packages
# must be installed (.ci/deps installs a superset).
# Usage: docker/build-on-host.sh OUT
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
dockerfile=$repo/docker/Dockerfile
out=${1:?usage: build-on-host.sh OUT}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d /tmp/wirebase-hostbuild-XXXXXX)
trap 'rm -rf "$work"' EXIT

# The Dockerfile with continuation lines joined, one instruction a line,
# each tagged with its stage: 1 for the build stage, 2 for the runtime one.
awk '
    /^[ \t]*#/ { next }
    { line = line $0 }
    /\\$/ { sub(/\\$/, "", line); next }
    line != "" { print line; line = "" }
' "$dockerfile" | awk '/^FROM /{ stage++ } { print stage "\t" $0 }' >"$work/steps"

src=$work/src
mkdir -p "$src"
seen_copy=0
while IFS="$(printf '\t')" read -r stage instruction; do
    [ "$stage" = 1 ] || continue
    set -f # the COPY and RUN words must not glob
    # shellcheck disable=SC2086 # split into words on purpose
    set -- $instruction
    set +f
    case $1 in
    COPY)
        # COPY SRC... DEST as Docker does it: a folder's contents go into
        # DEST; files go into DEST when it is a folder ("./", "x/" or more
        # than one source), else become DEST.
        shift
        dest=
        for last; do dest=$last; done
        count=$(($# - 1))
        while [ $# -gt 1 ]; do
            if [ -d "$repo/$1" ]; then
                mkdir -p "$src/$dest"
                cp -R "$repo/$1/." "$src/$dest/"
            elif [ "$count" -gt 1 ] || [ "${dest%/}" != "$dest" ]; then
                mkdir -p "$src/$dest"
                cp "$repo/$1" "$src/$dest/"
            else
                mkdir -p "$(dirname "$src/$dest")"
                cp "$repo/$1" "$src/$dest"
            fi
            shift
        done
        seen_copy=1
        ;;
    RUN)
        # The apt-get step before the COPYs is the image's own package
        # install; on a host that is .ci/deps's job.
        [ "$seen_copy" = 1 ] || continue
        echo "+ ${instruction#RUN }" >&2
        (cd "$src" && sh -ec "${instruction#RUN }")
        ;;
    esac
done <"$work/steps"

# What the runtime stage takes from the build stage, and its settings.
binary=$(awk -F '\t' '$1 == 2 && $2 ~ /^COPY --from=build / { split($2, w, " "); print w[3] }' "$work/steps")
cp "$src${binary#/src}" "$out/wirebase"
awk -F '\t' '$1 == 2 && $2 ~ /^ENV / { sub(/^ENV +/, "", $2); n = split($2, kv, / +/); for (i = 1; i <= n; i++) print kv[i] }' \
    "$work/steps" >"$out/wirebase.env"
echo "built $out/wirebase; the image's settings are in $out/wirebase.env" >&2
