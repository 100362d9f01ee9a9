#!/usr/bin/env python3
"""Turns the QR code mfactl drew back into a picture (a PGM file, 8 pixels a
module) for zbarimg, an independent decoder, to read.

usage: qr_decode.py OUTPUT.txt IMAGE.pgm

Reads either style of drawing, whichever the text holds:
  half blocks  (--qr terminal / utf8) two modules per character cell, one
               above the other; ANSI colour sequences are removed first (with
               them the dark modules are the foreground, black, on a forced
               white background, as without them on a light terminal);
  ASCII        (--qr ascii) one line per module row, "##" a dark module and
               "  " a light one.
The code is the first run of consecutive non-empty lines made only of the
style's characters; blank lines inside it (a row of light modules) are kept."""
import re
import sys

HALF = {" ": (0, 0), "\u2584": (0, 1), "\u2580": (1, 0), "\u2588": (1, 1)}
ASCII = {"#", " "}


def block(lines, chars):
    """The first run of non-empty lines of chars with a dark one, blank
    lines at its ends dropped."""
    run = []
    for line in lines:
        if line and set(line) <= chars:
            run.append(line)
        elif any(l.strip() for l in run):
            break
        else:
            run = []
    while run and not run[-1].strip():
        run.pop()
    while run and not run[0].strip():
        run.pop(0)
    return run


text = open(sys.argv[1], encoding="utf-8").read()
text = re.sub(r"\x1b\[[0-9;]*m", "", text)
lines = text.split("\n")
modules = []
rows = block(lines, set(HALF))
if any(set(r) - {" "} for r in rows):
    width = max(len(r) for r in rows)
    for r in rows:
        r = r.ljust(width)
        modules += [[HALF[c][0] for c in r], [HALF[c][1] for c in r]]
else:
    rows = block(lines, ASCII)
    if not rows:
        sys.exit("no QR block found")
    width = max(len(r) for r in rows)
    if width % 2:
        sys.exit("ASCII QR rows of odd length: modules are two characters")
    for r in rows:
        r = r.ljust(width)
        pairs = [r[i:i + 2] for i in range(0, width, 2)]
        if any(p not in ("##", "  ") for p in pairs):
            sys.exit("ASCII QR row with a half module: %r" % r)
        modules.append([1 if p == "##" else 0 for p in pairs])
if len(modules) < 21:
    sys.exit("no QR block found")
width = max(len(m) for m in modules)
scale, pad = 8, 4
w = (width + 2 * pad) * scale
h = (len(modules) + 2 * pad) * scale
with open(sys.argv[2], "wb") as out:
    out.write(b"P5 %d %d 255\n" % (w, h))
    white = bytes([255]) * w
    for _ in range(pad * scale):
        out.write(white)
    for m in modules:
        m = m + [0] * (width - len(m))
        line = bytes([255]) * (pad * scale)
        line += b"".join((bytes([0]) if v else bytes([255])) * scale for v in m)
        line += bytes([255]) * (pad * scale)
        for _ in range(scale):
            out.write(line)
    for _ in range(pad * scale):
        out.write(white)
