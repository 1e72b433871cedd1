#!/usr/bin/env python3
"""csv_mutants.py - tricky variants of CSV files for bench/diff_table.sh (reader differential).
Usage: csv_mutants.py OUTDIR N SEED FILE...   writes N mutated files to OUTDIR.
Each mutant starts from one of the files (cut to at most 40 lines) and gets 1-6 random edits:
quotes around a field (with doubled quotes, commas or line breaks inside), CRLF or lone CR line
ends, blanks and tabs around fields, empty lines and ",,," rows, trailing separators, a BOM or
two, a NUL byte, bytes >= 0x80 (valid and invalid UTF-8), a stray quote, an unterminated quote,
semicolon or tab separators, decimal commas, huge or odd numbers, NA cells, extra or missing
fields, no final line break."""
import os
import random
import sys

def edits(rng, data):
    lines = data.split(b"\n")
    def pick():
        return rng.randrange(len(lines)) if lines else 0
    k = rng.randrange(1, 7)
    for _ in range(k):
        op = rng.randrange(22)
        i = pick()
        if not lines:
            lines.append(b"")
        f = lines[i].split(b",")
        j = rng.randrange(len(f))
        if op == 0:
            f[j] = b'"' + f[j].replace(b'"', b'""') + b'"'
        elif op == 1:
            f[j] = b'"' + f[j] + b'\n' + f[j] + b'"'
        elif op == 2:
            f[j] = b'"a, ""b""' + f[j] + b'"'
        elif op == 3:
            f[j] = rng.choice([b" ", b"\t", b"  \t"]) + f[j] + rng.choice([b"", b" ", b"\t "])
        elif op == 4:
            lines.insert(i, rng.choice([b"", b"   ", b"\t", b",,,", b" , , ", b",", b"\r"]))
            continue
        elif op == 5:
            f.append(b"")
        elif op == 6:
            f[j] = f[j] + b"\x00" + f[j]
        elif op == 7:
            f[j] = f[j] + rng.choice([b"\xc3\xa9", b"\xff", b"\xe2\x82", b"\xed\xa0\x80", b"\xf0\x9f\x98\x80"])
        elif op == 8:
            f[j] = f[j][:1] + b'"' + f[j][1:]
        elif op == 9:
            f[j] = b'"' + f[j]
        elif op == 10:
            f[j] = b'"' + f[j] + b'" x'
        elif op == 11:
            f[j] = rng.choice([b"1e400", b"-1e-400", b"NA", b"na", b" NA ", b"inf", b"nan", b"1,5",
                               b"12345678901234567890123", b"0x10", b"+.5", b"5.", b".", b"-", b"1e",
                               b"1e+", b"00012.500", b"4.9e-324", b"1.7976931348623157e308", b""])
        elif op == 12:
            del f[j]
        elif op == 13:
            lines[i] = lines[i] + b"\r"
            continue
        elif op == 14:
            f[j] = f[j] + b'"' + b"\r\n" + b'"'
        elif op == 15:
            f[j] = b'"' + f[j] + b'\r' + b'"'
        elif op == 16:
            f[j] = f[j].replace(b".", b",")
        elif op == 17:
            f[j] = b'"' + f[j] + b'"  '
        elif op == 18:
            f[j] = b'  "' + f[j] + b'"'
        elif op == 19:
            f[j] = f[j] + b"\x01\x1b[31m"
        elif op == 20:
            f[j] = b'""'
        else:
            f.insert(j, f[j])
        lines[i] = b",".join(f)
    out = b"\n".join(lines)
    r = rng.random()
    if r < 0.15:
        out = out.replace(b"\n", b"\r\n")
    elif r < 0.22:
        out = out.replace(b"\n", b"\r")
    r = rng.random()
    if r < 0.15:
        out = out.replace(b",", b";")
    elif r < 0.22:
        out = out.replace(b",", b"\t")
    if rng.random() < 0.1:
        out = b"\xef\xbb\xbf" * rng.randrange(1, 3) + out
    if rng.random() < 0.2:
        out = out.rstrip(b"\r\n")
    return out

def main():
    outdir, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    srcs = []
    for p in sys.argv[4:]:
        with open(p, "rb") as fh:
            srcs.append(b"\n".join(fh.read().split(b"\n")[:40]))
    rng = random.Random(seed)
    os.makedirs(outdir, exist_ok=True)
    for k in range(n):
        with open(os.path.join(outdir, "m%05d.csv" % k), "wb") as fh:
            fh.write(edits(rng, rng.choice(srcs)))

main()
