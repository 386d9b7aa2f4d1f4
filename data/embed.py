#!/usr/bin/env python3
"""Writes a C file that holds a data file's bytes, so the binary carries its
sample data: embed.py INPUT OUTPUT SYMBOL."""
import sys

src, out, symbol = sys.argv[1], sys.argv[2], sys.argv[3]
data = open(src, "rb").read()
with open(out, "w") as f:
    f.write("/* Generated from %s by data/embed.py; do not edit. */\n" % src.split("/")[-1])
    f.write("#include <stddef.h>\n")
    f.write("const unsigned char %s[] = {\n" % symbol)
    for i in range(0, len(data), 16):
        f.write("    " + ", ".join(str(b) for b in data[i:i + 16]) + ",\n")
    f.write("    0\n};\n")
    f.write("const size_t %s_len = %d;\n" % (symbol, len(data)))
