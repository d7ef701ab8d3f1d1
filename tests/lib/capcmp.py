"""Capture replay checks (tests/cases/pcap_replay.sh), on classic pcap files (tests/lib/pcapread.py).

  capcmp.py same EXPECTED.pcap RECEIVED.pcap LOOPS
      RECEIVED must hold EXPECTED's frames LOOPS times, in order, byte for byte: prints "ok N" or
      the first difference, exit 1
  capcmp.py span FILE
      prints "FRAMES SPAN_S MEAN_GAP_S" (last timestamp - first)
  capcmp.py gaps EXPECTED.pcap RECEIVED.pcap MULTIPLIER
      per-gap error of RECEIVED against EXPECTED's gaps / MULTIPLIER: prints "N MEDIAN_ABS_MS
      P90_ABS_MS MAX_ABS_MS" (information; the test asserts on the total span)
  capcmp.py bytes FILE
      prints "FRAMES BYTES"
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcapread  # noqa: E402


def main():
    cmd = sys.argv[1]
    if cmd == "same":
        exp = [f for _, f in pcapread.frames(sys.argv[2])]
        got = [f for _, f in pcapread.frames(sys.argv[3])]
        loops = int(sys.argv[4])
        want = exp * loops
        if len(got) != len(want):
            print("received %d frames, want %d (%d x %d)" % (len(got), len(want), len(exp), loops))
            return 1
        for i, (a, b) in enumerate(zip(want, got)):
            if a != b:
                k = next((j for j in range(min(len(a), len(b))) if a[j] != b[j]), min(len(a), len(b)))
                print("frame %d (capture frame %d) differs: %d vs %d bytes, first difference at "
                      "byte %d" % (i + 1, i % len(exp) + 1, len(a), len(b), k))
                return 1
        print("ok %d" % len(got))
    elif cmd == "span":
        ts = [t for t, _ in pcapread.frames(sys.argv[2])]
        span = ts[-1] - ts[0] if ts else 0
        print("%d %.6f %.6f" % (len(ts), span, span / (len(ts) - 1) if len(ts) > 1 else 0))
    elif cmd == "gaps":
        e = [t for t, _ in pcapread.frames(sys.argv[2])]
        g = [t for t, _ in pcapread.frames(sys.argv[3])]
        m = float(sys.argv[4])
        n = min(len(e), len(g))
        errs = sorted(abs((g[i] - g[i - 1]) - (e[i] - e[i - 1]) / m) * 1e3 for i in range(1, n))
        if not errs:
            print("0 0 0 0")
        else:
            print("%d %.3f %.3f %.3f" % (len(errs), errs[len(errs) // 2], errs[int(len(errs) * 0.9)],
                                         errs[-1]))
    elif cmd == "bytes":
        fr = pcapread.frames(sys.argv[2])
        print("%d %d" % (len(fr), sum(len(f) for _, f in fr)))
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
