#!/usr/bin/env python3
"""Turns the QR code mfactl drew with UTF-8 half blocks back into a picture
(a PGM file, 8 pixels a module) for zbarimg, an independent decoder, to read.

usage: qr_decode.py OUTPUT.txt IMAGE.pgm
ANSI colour sequences are removed first; with them the dark modules are the
foreground (black) on a forced white background, as without them on a light
terminal."""
import re
import sys

CELLS = {" ": (0, 0), "\u2584": (0, 1), "\u2580": (1, 0), "\u2588": (1, 1)}

text = open(sys.argv[1], encoding="utf-8").read()
text = re.sub(r"\x1b\[[0-9;]*m", "", text)
rows = []
for line in text.split("\n"):
    if line and set(line) <= set(CELLS) and any(c != " " for c in line):
        rows.append(line)
    elif rows and not line.strip():
        if len(rows) > 5:
            break
if not rows:
    sys.exit("no QR block found")
width = max(len(r) for r in rows)
modules = []
for r in rows:
    r = r.ljust(width)
    top = [CELLS[c][0] for c in r]
    bottom = [CELLS[c][1] for c in r]
    modules += [top, bottom]
scale, pad = 8, 4
w = (width + 2 * pad) * scale
h = (len(modules) + 2 * pad) * scale
with open(sys.argv[2], "wb") as out:
    out.write(b"P5 %d %d 255\n" % (w, h))
    white = bytes([255]) * w
    for _ in range(pad * scale):
        out.write(white)
    for m in modules:
        line = bytes([255]) * (pad * scale)
        line += b"".join((bytes([0]) if v else bytes([255])) * scale for v in m)
        line += bytes([255]) * (pad * scale)
        for _ in range(scale):
            out.write(line)
    for _ in range(pad * scale):
        out.write(white)
