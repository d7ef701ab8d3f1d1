#!/usr/bin/env python3
"""UDP request/reply load client for `xdperf serve` with tagged protocol modules
(tests/protocols/tagged.wat answers TAG ":" input).

Opens --flows UDP sockets (one connected socket = one 5-tuple = one flow), keeps at most
--window requests outstanding per socket and never retransmits. Every request carries a
unique id: the payload is "FLOW-SEQ-" padded with 'x' to --size bytes (no ':' in it), so a
reply must be exactly TAG ":" PAYLOAD for a request of that same flow.

A request whose reply has not come after --timeout seconds frees its window slot but stays
pending: a reply that arrives later still counts (as a reply and as "late"); requests still
pending at the end are "lost".

Stops sending when
  * --count N requests have been sent, or
  * a stop was asked for (SIGTERM/SIGINT, or --stop-file exists) and at least --min requests
    have been sent, or
  * --max-seconds have passed (a safety cap; the summary then has "capped": true),
then waits up to --drain seconds for the replies still outstanding and prints one JSON
summary on stdout:
  sent, replies, lost (sent without reply), late, duplicates (a second reply to one id),
  bad (a reply that is not TAG ":" PAYLOAD of a sent request of its flow, or an unknown id),
  bad_samples (up to 5 of them, repr), send_errors, recv_errors, tags {TAG: replies},
  flow_tags (per flow: the tags it was answered with, in order, runs collapsed, e.g.
  ["v1", "v2"]), multi_tag_flows (flows answered by more than one tag), max_tag_changes
  (the most tag changes of one flow), elapsed, rate (replies/s).

Flags:
  --target HOST:PORT   the UDP responder (required)
  --flows N            sockets / flows [64]
  --window N           outstanding requests per flow [4]
  --size BYTES         payload bytes (at least enough for the id) [32]
  --min N              do not honour a stop before N requests were sent [0]
  --count N            send exactly N requests, then drain and stop [0 = until stopped]
  --stop-file PATH     stop (after --min) once this file exists
  --max-seconds SEC    stop sending after SEC seconds whatever happens [120]
  --drain SEC          wait this long at most for outstanding replies [3]
  --timeout SEC        a request frees its window slot after SEC [1]
  --progress PATH      rewrite PATH with "SENT REPLIES" about every 0.1 s (atomic rename)
"""
import argparse
import json
import os
import selectors
import signal
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser(description="UDP load client for xdperf serve (tagged modules)")
    ap.add_argument("--target", required=True)
    ap.add_argument("--flows", type=int, default=64)
    ap.add_argument("--window", type=int, default=4)
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--min", type=int, default=0)
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--stop-file")
    ap.add_argument("--max-seconds", type=float, default=120.0)
    ap.add_argument("--drain", type=float, default=3.0)
    ap.add_argument("--timeout", type=float, default=1.0)
    ap.add_argument("--progress")
    a = ap.parse_args()

    host, _, port = a.target.rpartition(":")
    addr = (host.strip("[]"), int(port))
    stop_asked = [False]

    def on_signal(_sig, _frm):
        stop_asked[0] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    sel = selectors.DefaultSelector()
    flows = []
    for i in range(a.flows):
        s = socket.socket(socket.AF_INET6 if ":" in addr[0] else socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        s.connect(addr)
        s.setblocking(False)
        f = {"i": i, "sock": s, "next": 0, "pending": {}, "inflight": 0, "tags": [], "changes": 0}
        flows.append(f)
        sel.register(s, selectors.EVENT_READ, f)

    st = {"sent": 0, "replies": 0, "late": 0, "duplicates": 0, "bad": 0, "send_errors": 0,
          "recv_errors": 0}
    tags = {}
    bad_samples = []

    def payload(fi, seq):
        p = b"%d-%d-" % (fi, seq)
        return p + b"x" * max(0, a.size - len(p))

    def bad(why, data):
        st["bad"] += 1
        if len(bad_samples) < 5:
            bad_samples.append("%s: %r" % (why, data[:80]))

    sending = True

    def fill(f, now):
        # pending: seq -> (send time, holds a window slot)
        while sending and f["inflight"] < a.window:
            if a.count and st["sent"] >= a.count:
                return
            seq = f["next"]
            try:
                f["sock"].send(payload(f["i"], seq))
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                st["send_errors"] += 1
                return
            f["next"] = seq + 1
            f["pending"][seq] = [now, True]
            f["inflight"] += 1
            st["sent"] += 1

    def on_reply(f, data):
        tag, colon, body = data.partition(b":")
        parts = body.split(b"-", 2)
        if not colon or len(parts) != 3:
            return bad("malformed", data)
        try:
            fi, seq = int(parts[0]), int(parts[1])
        except ValueError:
            return bad("malformed id", data)
        if fi != f["i"] or seq < 0 or seq >= f["next"]:
            return bad("unknown id", data)
        if body != payload(fi, seq):
            return bad("payload differs", data)
        p = f["pending"].pop(seq, None)
        if p is None:
            st["duplicates"] += 1
            return
        if p[1]:
            f["inflight"] -= 1
        else:
            st["late"] += 1
        st["replies"] += 1
        t = tag.decode("utf-8", "replace")
        tags[t] = tags.get(t, 0) + 1
        if not f["tags"] or f["tags"][-1] != t:
            if f["tags"]:
                f["changes"] += 1
            f["tags"].append(t)

    def progress():
        if a.progress:
            tmp = a.progress + ".tmp"
            with open(tmp, "w") as fh:
                fh.write("%d %d\n" % (st["sent"], st["replies"]))
            os.replace(tmp, a.progress)

    start = time.monotonic()
    capped = False
    last_check = 0.0
    drain_until = None
    now = start
    for f in flows:
        fill(f, now)
    while True:
        for key, _ in sel.select(0.05):
            f = key.data
            for _ in range(64):
                try:
                    data = f["sock"].recv(65536)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    st["recv_errors"] += 1
                    break
                on_reply(f, data)
            fill(f, now)
        now = time.monotonic()
        if now - last_check >= 0.1:
            last_check = now
            progress()
            for f in flows:  # expire window slots (the requests stay pending)
                for seq, p in f["pending"].items():
                    if p[1] and now - p[0] > a.timeout:
                        p[1] = False
                        f["inflight"] -= 1
            if sending:
                stop = stop_asked[0] or (a.stop_file and os.path.exists(a.stop_file))
                if (stop and st["sent"] >= a.min) or (a.count and st["sent"] >= a.count):
                    sending = False
                elif now - start > a.max_seconds:
                    sending, capped = False, True
                if not sending:
                    drain_until = now + a.drain
            for f in flows:
                fill(f, now)
        if not sending and (now >= drain_until or all(not f["pending"] for f in flows)):
            break
    progress()
    elapsed = time.monotonic() - start
    lost = sum(len(f["pending"]) for f in flows)
    out = dict(st)
    out.update({
        "lost": lost, "bad_samples": bad_samples, "tags": tags,
        "flow_tags": [f["tags"] for f in flows],
        "multi_tag_flows": sum(1 for f in flows if len(f["tags"]) > 1),
        "max_tag_changes": max((f["changes"] for f in flows), default=0),
        "capped": capped, "elapsed": round(elapsed, 3),
        "rate": round(st["replies"] / elapsed) if elapsed > 0 else 0,
    })
    json.dump(out, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
