"""pytest set-up: the helpers in support.py are importable whatever the import mode; fixtures for paths."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import support  # noqa: E402


@pytest.fixture(scope="session")
def repo_root():
    return support.REPO


@pytest.fixture(scope="session")
def fixtures_dir():
    return support.FIXTURES
