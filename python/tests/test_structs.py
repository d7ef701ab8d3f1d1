"""Every mirrored struct has C's size and every member C's offset (cc against include/)."""
import ctypes
import os
import shutil
import subprocess

import pytest

from xdperf import _lib


def test_struct_layouts(repo, tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler")
    lines = ["#include <stddef.h>", "#include <stdio.h>"]
    for h in sorted(os.listdir(os.path.join(repo, "include", "xdperf"))):
        lines.append("#include \"xdperf/%s\"" % h)
    lines.append("int main(void) {")
    want = []
    for cname, cls in _lib.STRUCTS.items():
        lines.append('printf("%%zu\\n", sizeof(%s));' % cname)
        want.append(("sizeof " + cname, ctypes.sizeof(cls)))
        for f in cls._fields_:
            lines.append('printf("%%zu\\n", offsetof(%s, %s));' % (cname, f[0]))
            want.append(("offsetof %s.%s" % (cname, f[0]), getattr(cls, f[0]).offset))
    lines += ["return 0;", "}"]
    src = tmp_path / "sizes.c"
    src.write_text("\n".join(lines) + "\n")
    exe = tmp_path / "sizes"
    subprocess.run([cc, "-std=gnu11", "-Wall", "-Werror", "-I", os.path.join(repo, "include"),
                    "-o", str(exe), str(src)], check=True)
    got = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.split()
    assert len(got) == len(want)
    bad = ["%s: C %s, ctypes %d" % (w[0], g, w[1]) for w, g in zip(want, got) if int(g) != w[1]]
    assert not bad, "\n".join(bad)
    # the check covered the structs and their members (not an empty list)
    assert len(want) > 100
