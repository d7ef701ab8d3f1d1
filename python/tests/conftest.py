"""pytest setup: import the package from python/ and find the repository's build."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, os.pardir, os.pardir))
sys.path.insert(0, os.path.join(REPO, "python"))

import pytest  # noqa: E402


@pytest.fixture
def repo() -> str:
    return REPO


@pytest.fixture
def build() -> str:
    return os.path.join(REPO, "build")
