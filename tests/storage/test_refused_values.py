"""A value the server cannot store is an input error naming what to do, never "unreachable"."""

from __future__ import annotations

from datetime import date

import pytest

from app.services import WorkupService
from app.storage.errors import RefusedValueError
from tests.postgres import BACKENDS


@pytest.fixture(params=[BACKENDS[1]])
def db_backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.param
    return backend


def test_a_value_too_long_for_the_server_is_refused_as_input(service: WorkupService) -> None:
    repository = service._repository  # below the entry checks, as an older client would write
    with pytest.raises(RefusedValueError, match="refused a value it cannot store"):
        repository.add_patient("F" * 300, "Given", date(1980, 5, 1), "")
    with pytest.raises(RefusedValueError, match="refused a value it cannot store"):
        repository.add_patient("Family\x00", "Given", date(1980, 5, 1), "")
    patient = service.create_patient("Family", "Given", date(1980, 5, 1), "C-1")
    assert patient.id is not None
