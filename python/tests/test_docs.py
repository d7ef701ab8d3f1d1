"""Every ```python example of docs/python.md runs (each in a fresh interpreter, from the
repository root, as a user pastes it); the sending ones only in the veth namespace."""
import os
import re
import subprocess
import sys

import pytest

from conftest import REPO

DOC = os.path.join(REPO, "docs", "python.md")
with open(DOC) as _f:
    BLOCKS = re.findall(r"^```python\n(.*?)^```$", _f.read(), re.S | re.M)


def test_doc_has_examples():
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("code", BLOCKS, ids=["example%d" % i for i in range(len(BLOCKS))])
def test_doc_example(code):
    if "veth" in code and not os.environ.get("XDPERF_TEST_TX_DEV"):
        pytest.skip("needs the veth pair of tests/cases/python_api.sh (root)")
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "python"))
    env.pop("XDPERF_LIB", None)
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip()  # every example prints something
