from __future__ import annotations

import pytest
from sqlalchemy.orm import Session
from tests.factories import Members


@pytest.fixture
def members(db: Session) -> Members:
    return Members(db)
