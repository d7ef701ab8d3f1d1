"""The package's type hints hold (mypy, when installed: Debian's python3-mypy), and it ships
py.typed (PEP 561) so they reach its users."""
import importlib.util
import os
import subprocess
import sys

import pytest

from conftest import REPO

PKG = os.path.join(REPO, "python", "xdperf")


def test_py_typed():
    assert os.path.isfile(os.path.join(PKG, "py.typed"))


def test_mypy(tmp_path):
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed (python3-mypy)")
    user = tmp_path / "user.py"  # a user's script, checked against the package's hints
    user.write_text("import xdperf\n"
                    "v: str = xdperf.version()\n"
                    "r: xdperf.TxResult = xdperf.TxResult()\n"
                    "n: int = r.total.packets\n"
                    "bad: int = xdperf.version()\n")
    env = dict(os.environ, MYPYPATH=os.path.join(REPO, "python"))
    r = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "c"),
                        "-p", "xdperf"], cwd=os.path.join(REPO, "python"), env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    r = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "c"),
                        str(user)], cwd=os.path.join(REPO, "python"), env=env,
                       capture_output=True, text=True)
    # exactly the one wrong line is reported: the hints are seen, and they are right
    assert r.returncode == 1 and "user.py:5: error" in r.stdout and r.stdout.count("error:") == 1, r.stdout
