import os

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(REPO, "Tests", "FCDDCoreTests", "Fixtures")


@pytest.fixture
def fixtures():
    return FIXTURES
