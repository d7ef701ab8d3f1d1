#!/usr/bin/env python3
"""Checks an `xdperf ... --json-stream` output file (docs/json-stream.md).

    jsonstream.py FILE [KEY [KEY...]]

Every line must be one JSON object {"event": "interval"|"end", "data": {...}}, ending with a
newline; exactly one "end", the last line. Numbers have no exponent and no binary noise (at most
15 significant digits); seconds (keys ending in _s, seconds, start, end) at most 6 decimals, rates
(keys ending in pps, bps, rps, except rate_target_pps) at most 6 significant digits. For each KEY (default packets) the interval objects' KEY values must add up
to their running total (data.total.KEY), and the last total to the end object's KEY.
Prints one line: "N_INTERVALS SUM_OF_FIRST_KEY END_VALUE_OF_FIRST_KEY"; exits 1 with the reason.
"""
import decimal
import json
import re
import sys


def fail(msg):
    print(msg)
    sys.exit(1)


def sig_digits(d):
    t = d.as_tuple()
    digits = "".join(map(str, t.digits)).lstrip("0").rstrip("0") if d else ""
    return len(digits)


def check_numbers(where, v, key=None):
    if isinstance(v, dict):
        for k, x in v.items():
            check_numbers(where, x, k)
    elif isinstance(v, list):
        for x in v:
            check_numbers(where, x, key)
    elif isinstance(v, decimal.Decimal):
        if sig_digits(v) > 15:
            fail(f"{where}: {key} {v}: binary noise (more than 15 significant digits)")
        if key and (key.endswith("_s") or key in ("seconds", "start", "end")) and \
                v.as_tuple().exponent < -6:
            fail(f"{where}: {key} {v}: seconds with more than 6 decimals")
        if key and key.endswith(("pps", "bps", "rps")) and not key.startswith("rate_target") and \
                sig_digits(v) > 6:
            fail(f"{where}: {key} {v}: a rate with more than 6 significant digits")


def main():
    path = sys.argv[1]
    keys = sys.argv[2:] or ["packets"]
    text = open(path, encoding="utf-8").read()
    if not text:
        fail(f"{path}: empty")
    if not text.endswith("\n"):
        fail(f"{path}: the last line has no newline")
    objs = []
    for i, line in enumerate(text.split("\n")[:-1], 1):
        try:
            o = json.loads(line, parse_float=decimal.Decimal)
        except ValueError:
            fail(f"{path}:{i}: not JSON: {line[:200]!r}")
        if not isinstance(o, dict) or set(o) != {"event", "data"} or not isinstance(o["data"], dict):
            fail(f"{path}:{i}: not an {{event, data}} object: {line[:200]}")
        if o["event"] not in ("interval", "end"):
            fail(f"{path}:{i}: unknown event {o['event']!r}")
        bare = re.sub(r'"(\\.|[^"\\])*"', '""', line)
        if re.search(r"\d[eE][-+]?\d", bare):
            fail(f"{path}:{i}: a number with an exponent: {line[:300]}")
        check_numbers(f"{path}:{i}", o)
        objs.append(o)
    events = [o["event"] for o in objs]
    if events.count("end") != 1 or events[-1] != "end":
        fail(f"{path}: want exactly one end object, last; events: {events}")
    iv = [o["data"] for o in objs[:-1]]
    end = objs[-1]["data"]
    for k in keys:
        run = 0
        for n, d in enumerate(iv, 1):
            if not isinstance(d.get(k), int):
                fail(f"{path}: interval {n} has no integer {k}: {d}")
            run += d[k]
            tot = d.get("total", {}).get(k)
            if tot != run:
                fail(f"{path}: interval {n}: total.{k} {tot}, but the intervals add up to {run}")
            if not d.get("end", 0) >= d.get("start", 0):
                fail(f"{path}: interval {n} ends before it starts: {d}")
        if end.get(k) != run:
            fail(f"{path}: end {k} {end.get(k)}, the intervals add up to {run}")
    k = keys[0]
    print(len(iv), sum(d[k] for d in iv), end.get(k))


main()
