#!/usr/bin/env python3
"""Reads the DOM of an xdperf HTML report (as Chromium dumped it after load) and prints, as
JSON, {"title": TEXT, "charts": {ID: {NAME: POINTS}}, "tables": {ID: BODY ROWS}}: every
<svg class="chart" data-chart=ID> with its <g class="series" data-name=NAME data-points=N>.
Exits 1 (saying which) when a series' drawing disagrees with its data-points: bars (rects),
markers (circles, when drawn) and polyline vertices (two per point for steps) must match."""
import json
import sys
from html.parser import HTMLParser


class Dom(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.charts, self.tables, self.errors = {}, {}, []
        self.chart = self.series = self.table = None
        self.title, self.in_title, self.depth_title = "", False, 0
        self.in_body = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag == "title" and self.chart is None and self.series is None:
            self.in_title = True
        if tag == "svg" and "chart" in cls:
            self.chart = a.get("data-chart")
            self.charts[self.chart] = {}
        elif tag == "g" and "series" in cls and self.chart is not None:
            self.series = {"name": a.get("data-name"), "points": int(a.get("data-points")),
                           "rect": 0, "circle": 0, "vertices": None}
        elif self.series is not None and tag in ("rect", "circle"):
            self.series[tag] += 1
        elif self.series is not None and tag == "polyline":
            self.series["vertices"] = len(a.get("points", "").split())
        elif tag == "table" and a.get("data-table"):
            self.table = a.get("data-table")
            self.tables[self.table] = 0
        elif tag == "tbody" and self.table is not None:
            self.in_body = True
        elif tag == "tr" and self.table is not None and self.in_body:
            self.tables[self.table] += 1

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        if tag == "g" and self.series is not None:
            s = self.series
            self.charts[self.chart][s["name"]] = s["points"]
            n = s["points"]
            if s["vertices"] is None:  # bars
                if s["rect"] != n:
                    self.errors.append(f"{self.chart}/{s['name']}: {s['rect']} bars, data-points {n}")
            else:
                if s["vertices"] not in (n, 2 * n):
                    self.errors.append(f"{self.chart}/{s['name']}: {s['vertices']} vertices, data-points {n}")
                if s["circle"] not in (0, n):
                    self.errors.append(f"{self.chart}/{s['name']}: {s['circle']} markers, data-points {n}")
            self.series = None
        elif tag == "svg":
            self.chart = None
        elif tag == "tbody":
            self.in_body = False
        elif tag == "table" and self.table is not None:
            self.table = None

    def handle_data(self, data):
        if self.in_title:
            self.title += data


d = Dom()
d.feed(open(sys.argv[1], encoding="utf-8").read())
print(json.dumps({"title": d.title, "charts": d.charts, "tables": d.tables}))
if d.errors:
    print("\n".join(d.errors), file=sys.stderr)
    sys.exit(1)
