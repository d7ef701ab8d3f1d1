"""WebAssembly text to binary for the tests, with wabt's wat2wasm (skips the test without it)."""
import shutil
import subprocess

import pytest


def wat(src, *flags):
    """The binary of module text src (wat2wasm FLAGS); the calling test is skipped when wabt
    is not installed, and fails with wat2wasm's message when the text does not assemble."""
    if not shutil.which("wat2wasm"):
        pytest.skip("wat2wasm (wabt) is not installed")
    r = subprocess.run(["wat2wasm", *flags, "-", "-o", "/dev/stdout"], input=src.encode(),
                       capture_output=True)
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout
