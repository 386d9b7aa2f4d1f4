#!/usr/bin/env python3
"""Writes a C file holding the dashboard's files, so the one binary serves
them from memory: embed.py OUTPUT FILE...

Each file becomes an entry of dashboard_assets[] (handlers/dashboard_assets.h)
with its content type, a strong ETag made from its bytes, and a gzip copy
made here once instead of on every request."""
import gzip
import hashlib
import os
import re
import sys

# Only types we mean to serve: any other file in web/ fails the build
# rather than going out as a guess.
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}


def c_bytes(data):
    lines = []
    for i in range(0, len(data), 16):
        lines.append("    " + ", ".join(str(b) for b in data[i:i + 16]) + ",")
    lines.append("    0")
    return "\n".join(lines)


def main():
    out, inputs = sys.argv[1], sys.argv[2:]
    names = set()
    entries = []
    parts = ["/* Generated from web/ by web/embed.py; do not edit. */",
             '#include "handlers/dashboard_assets.h"', ""]
    for n, path in enumerate(sorted(inputs, key=os.path.basename)):
        name = os.path.basename(path)
        ext = os.path.splitext(name)[1]
        # Names travel in URLs as one path segment: keep them plain.
        if ext not in TYPES or not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", name):
            sys.exit("web/embed.py: %s: not a servable file name or type" % name)
        if name in names:
            sys.exit("web/embed.py: %s given twice" % name)
        names.add(name)
        data = open(path, "rb").read()
        # mtime=0 keeps the output the same from build to build.
        packed = gzip.compress(data, 9, mtime=0)
        tag = hashlib.sha256(data).hexdigest()[:20]
        parts.append("static const unsigned char plain_%d[] = {\n%s\n};" % (n, c_bytes(data)))
        parts.append("static const unsigned char packed_%d[] = {\n%s\n};" % (n, c_bytes(packed)))
        entries.append('    {"%s", "%s", plain_%d, %d, packed_%d, %d, "\\"%s\\"", "\\"%s-gz\\""},'
                       % (name, TYPES[ext], n, len(data), n, len(packed), tag, tag))
    parts.append("const struct dashboard_asset dashboard_assets[] = {")
    parts.extend(entries)
    parts.append("};")
    parts.append("const size_t dashboard_asset_count = %d;" % len(entries))
    with open(out, "w") as f:
        f.write("\n".join(parts) + "\n")


main()
