"""Declared plugin configuration (XDP_PLUGIN_CONFIG, sdk/xdperf_plugin.h) against the plugin's
source, for tests/cases/plugin_schemas.sh.

  plugin_schemas.py schema PLUGIN.wasm      the JSON of its "xdperf.config" custom section
                                            (exit 1 when there is none)
  plugin_schemas.py defaults PLUGIN.wasm    a configuration setting every key that declares a
                                            default to that default
  plugin_schemas.py keys NAME.c [SDK_DIR]   the configuration keys the C source reads
  plugin_schemas.py check PLUGIN.wasm NAME.c [SDK_DIR]
                                            the declared keys equal the keys read: prints them,
                                            or each key missing on one side and exits 1
  plugin_schemas.py frames A.pcap B.pcap    the same frames (bytes and lengths, not the
                                            timestamps); exit 1 naming the first difference

"The keys the source reads" is a static reading, deliberately simple: a string literal passed
where a key is taken, i.e. as a parameter named `key` or `..._key`, of
  - the SDK's key readers xdp_req_*, xdp_json_get_*, xdp_json_find, find_nonnull, and
  - any function (the SDK's or the plugin's own) that takes the request (const xdp_request *),
    such as a plugin's get_uint(req, "teid_start", ...) or the SDK's
    xdp_req_imix(req, "imix_sizes", "imix_weights", ...);
anywhere in the plugin's code (comments and its XDP_PLUGIN_CONFIG left out), plus the literal
keys read inside the SDK functions it calls, followed through the SDK's own calls (e.g.
xdp_resolve_dst_mac reads "device_name"). The keys the host puts in every request itself
(count, device_mac_addr and, on a device, device_name: src/cli/plugin_common.c build_request)
are the request's, not the configuration's, and are left out. A key read through a variable
(not a literal) is not seen: pass keys as literals, or this check says the key is not read. """
import glob
import json
import os
import re
import sys

HOST_KEYS = {"count", "device_mac_addr", "device_name"}
KEY_READERS = re.compile(r"^(xdp_req_\w+|xdp_json_get_\w+|xdp_json_find|find_nonnull)$")
CONTROL = {"if", "for", "while", "switch", "return", "sizeof", "defined", "__attribute__"}


# ---- the wasm custom section ----------------------------------------------------------------

def leb(b, i):
    v = shift = 0
    while True:
        x = b[i]
        i += 1
        v |= (x & 0x7F) << shift
        shift += 7
        if not x & 0x80:
            return v, i


def schema(path):
    b = open(path, "rb").read()
    if b[:4] != b"\0asm":
        raise SystemExit(f"{path}: not a wasm module")
    i = 8
    while i < len(b):
        sid = b[i]
        size, i = leb(b, i + 1)
        end = i + size
        if sid == 0:
            n, j = leb(b, i)
            if b[j:j + n] == b"xdperf.config":
                return json.loads(b[j + n:end].rstrip(b"\0"))
        i = end
    return None


# ---- reading C ------------------------------------------------------------------------------

def strip_comments(s):
    """s with comments blanked (newlines kept); string and char literals untouched."""
    out, i, n = [], 0, len(s)
    while i < n:
        c = s[i]
        if c in "\"'":
            j = i + 1
            while j < n and s[j] != c:
                j += 2 if s[j] == "\\" else 1
            out.append(s[i:j + 1])
            i = j + 1
        elif s.startswith("/*", i):
            j = s.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", s[i:j]))
            i = j
        elif s.startswith("//", i):
            j = s.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def skip_literal(s, i):
    q = s[i]
    j = i + 1
    while j < len(s) and s[j] != q:
        j += 2 if s[j] == "\\" else 1
    return j + 1


def match_close(s, i):
    """Index just past the bracket closing the one at s[i] (literals skipped)."""
    depth, j = 0, i
    while j < len(s):
        c = s[j]
        if c in "\"'":
            j = skip_literal(s, j)
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return len(s)


def split_args(text):
    """The top-level comma-separated parts of text (the inside of a call's parentheses)."""
    args, depth, start, j = [], 0, 0, 0
    while j < len(text):
        c = text[j]
        if c in "\"'":
            j = skip_literal(text, j)
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            args.append(text[start:j].strip())
            start = j + 1
        j += 1
    if text[start:].strip():
        args.append(text[start:].strip())
    return args


def drop_config_macro(code):
    """code without the XDP_PLUGIN_CONFIG(...) invocation (its JSON is not code)."""
    m = re.search(r"\bXDP_PLUGIN_CONFIG\s*\(", code)
    if not m or code[:m.start()].rstrip().endswith("#define"):
        return code
    end = match_close(code, m.end() - 1)
    return code[:m.start()] + code[end:]


def signatures(code, with_body):
    """{name: (param names, takes the request, body or None)} of the functions defined in code
    (with_body) or declared in it (prototypes)."""
    out = {}
    for m in re.finditer(r"\b([A-Za-z_]\w*)\s*\(", code):
        name = m.group(1)
        if name in CONTROL:
            continue
        close = match_close(code, m.end() - 1)
        params = code[m.end():close - 1]
        rest = code[close:].lstrip()
        if with_body and not rest.startswith("{"):
            continue
        if not with_body and not rest.startswith(";"):
            continue
        # a definition or prototype: the text before the name is a type (not an operator,
        # not a call's argument list)
        before = re.search(r"([A-Za-z_]\w*|\*)$", code[:m.start()].rstrip())
        if not before or before.group(1) in CONTROL | {"else", "case", "do", "goto"}:
            continue
        parts = split_args(params)
        names = []
        for p in parts:
            pm = re.search(r"([A-Za-z_]\w*)\s*(\[[^\]]*\])?\s*$", p)
            names.append(pm.group(1) if pm else "")
        takes_req = any(re.search(r"\bxdp_request\s*\*", p) for p in parts)
        body = None
        if with_body:
            b = code.index("{", close)
            body = code[b:match_close(code, b)]
        out[name] = (names, takes_req, body)
    return out


def key_positions(sig):
    names, _, _ = sig
    return [i for i, n in enumerate(names) if n == "key" or n.endswith("_key")]


def literal_keys(code, sigs):
    """(keys given as literals to key parameters of key-reading functions, functions called)."""
    keys, called = set(), set()
    for m in re.finditer(r"\b([A-Za-z_]\w*)\s*\(", code):
        name = m.group(1)
        if name in CONTROL or name not in sigs:
            continue
        called.add(name)
        sig = sigs[name]
        if not (KEY_READERS.match(name) or sig[1]):
            continue
        args = split_args(code[m.end():match_close(code, m.end() - 1) - 1])
        for i in key_positions(sig):
            if i < len(args):
                lm = re.fullmatch(r'"([^"\\]*)"', args[i])
                if lm:
                    keys.add(lm.group(1))
    return keys, called


def sdk_model(sdk_dir):
    """The SDK's functions: {name: signature} and {name: body} (headers' prototypes, the
    definitions in sdk/*.c and xdp_internal.h's static inline ones)."""
    sigs, bodies = {}, {}
    for h in sorted(glob.glob(os.path.join(sdk_dir, "*.h"))):
        code = strip_comments(open(h).read())
        sigs.update(signatures(code, False))
        for name, sig in signatures(code, True).items():
            sigs[name] = sig
            bodies[name] = sig[2]
    for c in sorted(glob.glob(os.path.join(sdk_dir, "*.c"))):
        for name, sig in signatures(strip_comments(open(c).read()), True).items():
            sigs.setdefault(name, sig)
            bodies[name] = sig[2]
    return sigs, bodies


def keys_read(src, sdk_dir):
    sdk_sigs, sdk_bodies = sdk_model(sdk_dir)
    code = drop_config_macro(strip_comments(open(src).read()))
    own = signatures(code, True)
    sigs = dict(sdk_sigs)
    sigs.update(own)
    keys, called = literal_keys(code, sigs)
    # the SDK functions it calls, and theirs in turn
    todo, seen = [f for f in called if f in sdk_bodies and f not in own], set()
    while todo:
        f = todo.pop()
        if f in seen:
            continue
        seen.add(f)
        k, c = literal_keys(sdk_bodies[f], sdk_sigs)
        keys |= k
        todo += [g for g in c if g in sdk_bodies and g not in seen]
    return keys - HOST_KEYS


# ---- commands -------------------------------------------------------------------------------

def frames(path):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import pcapread
    return [f for _, f in pcapread.frames(path)]


def main(argv):
    sdk = None
    if len(argv) >= 2 and argv[0] == "schema":
        s = schema(argv[1])
        if s is None:
            print(f"{argv[1]}: no xdperf.config section")
            return 1
        print(json.dumps(s))
        return 0
    if len(argv) >= 2 and argv[0] == "defaults":
        s = schema(argv[1]) or {"keys": {}}
        print(json.dumps({k: v["default"] for k, v in s["keys"].items()
                          if k != "*" and isinstance(v, dict) and "default" in v}))
        return 0
    if len(argv) >= 2 and argv[0] == "keys":
        sdk = argv[2] if len(argv) > 2 else os.path.join(os.path.dirname(argv[1]), "..", "sdk")
        print(" ".join(sorted(keys_read(argv[1], sdk))))
        return 0
    if len(argv) >= 3 and argv[0] == "check":
        sdk = argv[3] if len(argv) > 3 else os.path.join(os.path.dirname(argv[2]), "..", "sdk")
        s = schema(argv[1])
        if s is None:
            print(f"{argv[1]}: declares no configuration (no xdperf.config section)")
            return 1
        declared = {k for k in s.get("keys", {}) if k != "*"}
        read = keys_read(argv[2], sdk)
        ok = True
        for k in sorted(read - declared):
            print(f"{argv[2]} reads \"{k}\", which its XDP_PLUGIN_CONFIG does not declare")
            ok = False
        for k in sorted(declared - read):
            print(f"XDP_PLUGIN_CONFIG of {argv[2]} declares \"{k}\", which the plugin never reads")
            ok = False
        if ok:
            print(f"{len(read)} keys, declared = read: {' '.join(sorted(read))}")
        return 0 if ok else 1
    if len(argv) == 3 and argv[0] == "frames":
        a, b = frames(argv[1]), frames(argv[2])
        if len(a) != len(b):
            print(f"{len(a)} frames against {len(b)}")
            return 1
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                d = next((j for j in range(min(len(x), len(y))) if x[j] != y[j]), min(len(x), len(y)))
                print(f"frame {i + 1} differs ({len(x)} and {len(y)} bytes; first at byte {d})")
                return 1
        print(f"{len(a)} frames, the same")
        return 0
    print(__doc__.split("\n\n")[0], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
