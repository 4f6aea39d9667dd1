"""The editing use case without Qt: validation once, waiting edits, conflicts, offline, signing."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest

from app.domain.encounter import EncounterStatus, OrderState, OrderStatus
from app.services import (
    ChangedError,
    ConflictError,
    InvalidInputError,
    UnavailableError,
    WorkupService,
)
from app.services.session import EditKind, EncounterSession, OrderEntry
from tests.postgres import PostgresCluster
from tests.support import WORKFLOW_ID

CLINICIAN = "Dr. Petrova"
ANSWER, ORDER = EditKind.ANSWER, EditKind.ORDER


def _start(service: WorkupService) -> int:
    patient = service.create_patient("Ivanov", "Ivan", date(1980, 5, 17), "A-1")
    encounter = service.start_encounter(patient.id or 0, WORKFLOW_ID, CLINICIAN)
    assert encounter.id is not None
    return encounter.id


@pytest.fixture
def session(service: WorkupService) -> EncounterSession:
    return EncounterSession(service, _start(service))


def test_an_invalid_value_is_refused_when_made_and_drops_the_waiting_edit(
    session: EncounterSession, service: WorkupService
) -> None:
    session.edit(ANSWER, "hx_sx_volume_estimate", "1.5")
    with pytest.raises(InvalidInputError) as refused:
        session.edit(ANSWER, "hx_sx_volume_estimate", "1.5x")
    assert refused.value.template == "{value} is not a number"
    assert session.waiting == 0
    assert session.flush().stored == []
    assert "hx_sx_volume_estimate" not in service.encounter(session.encounter_id).answers


def test_an_order_date_that_is_not_a_date_is_refused(session: EncounterSession) -> None:
    with pytest.raises(InvalidInputError, match="YYYY-MM-DD"):
        session.edit(ORDER, "lab_cbc", OrderEntry(OrderStatus.ORDERED, "21.11.2026"))
    with pytest.raises(InvalidInputError, match="is an order"):
        session.edit(ANSWER, "lab_cbc", "yes")
    with pytest.raises(InvalidInputError, match="no item"):
        session.edit(ANSWER, "no_such_item", "yes")


def test_what_is_shown_follows_waiting_edits_before_they_are_stored(
    session: EncounterSession, service: WorkupService
) -> None:
    leak_when = session.workflow.item("leak_when")
    assert not session.visible(leak_when)
    before = {done.section_id: done for done in session.completion()}
    session.edit(ANSWER, "hx_sx_semen_leakage", "yes")
    assert session.visible(leak_when)
    state = session.form_state("en")
    assert state.visible["leak_when"]
    assert state.completion == session.completion()
    answers, _orders = session.shown_values()
    assert answers["hx_sx_semen_leakage"] == "yes"
    section = session.workflow.section_of("hx_sx_semen_leakage").id
    assert session.completion()[0] is not None
    after = {done.section_id: done for done in session.completion()}
    assert after[section].recorded == before[section].recorded + 1
    # Nothing is stored until the flush.
    assert "hx_sx_semen_leakage" not in service.encounter(session.encounter_id).answers
    report = session.flush()
    assert (report.stored, report.waiting, report.done) == (["hx_sx_semen_leakage"], 0, True)
    assert service.encounter(session.encounter_id).answers["hx_sx_semen_leakage"] == "yes"


def test_the_instruction_preview_follows_the_shown_values(session: EncounterSession) -> None:
    item = session.workflow.item("peu_order")
    session.edit(ORDER, "peu_order", OrderEntry(OrderStatus.ORDERED, "2026-11-21"))
    assert session.instructions(item, "en")
    assert session.form_state("en").instructions["peu_order"] == session.instructions(item, "en")
    assert session.instructions(item, "ru") != session.instructions(item, "en")


def test_a_change_made_elsewhere_is_a_conflict_and_is_not_overwritten(
    session: EncounterSession, other_station: WorkupService, service: WorkupService
) -> None:
    other_station.set_answer(session.encounter_id, "hx_sx_fever", "yes", "Dr. B")
    session.edit(ANSWER, "hx_sx_fever", "no")
    session.edit(ANSWER, "hx_sx_distress", "no")
    report = session.flush()
    ((conflict,),) = (report.conflicts,)
    assert isinstance(conflict, ConflictError)
    assert (conflict.item_id, conflict.updated_by) == ("hx_sx_fever", "Dr. B")
    assert report.stored == ["hx_sx_distress"]
    stored = service.encounter(session.encounter_id).answers
    assert (stored["hx_sx_fever"], stored["hx_sx_distress"]) == ("yes", "no")
    # The session read the encounter again: it shows their value now.
    assert session.shown_values()[0]["hx_sx_fever"] == "yes"


def test_an_edit_made_while_its_item_is_being_stored_is_based_on_what_was_stored(
    session: EncounterSession, service: WorkupService
) -> None:
    """The interface thread may edit an item while the flush stores its previous value;
    the newer edit must not then be taken for a change made elsewhere."""
    stored = threading.Event()
    real = service.set_answer

    def set_answer(*args: Any, **kwargs: Any) -> int:
        revision = real(*args, **kwargs)
        if not stored.is_set():
            stored.set()
            session.edit(ANSWER, "visit_main_complaint", "dry orgasm since May")
        return revision

    service.set_answer = set_answer  # type: ignore[method-assign]
    session.edit(ANSWER, "visit_main_complaint", "dry orgasm")
    report = session.flush()
    assert report.conflicts == []
    assert report.stored == ["visit_main_complaint", "visit_main_complaint"]
    answers = service.encounter(session.encounter_id).answers
    assert answers["visit_main_complaint"] == "dry orgasm since May"


def test_signing_refuses_what_the_signer_did_not_see(
    session: EncounterSession, other_station: WorkupService
) -> None:
    other_station.set_answer(session.encounter_id, "visit_main_complaint", "theirs", "Dr. B")
    with pytest.raises(ChangedError):
        session.check_before_signing()
    assert session.shown_values()[0]["visit_main_complaint"] == "theirs"
    check = session.check_before_signing()
    assert check.revision == other_station.encounter(session.encounter_id).revision


def test_finalize_and_amend_through_the_session(
    session: EncounterSession, service: WorkupService
) -> None:
    for _section, item in session.missing_required():
        if item.is_order:
            session.edit(ORDER, item.id, OrderState(OrderStatus.NOT_INDICATED))
        elif item.options:
            session.edit(ANSWER, item.id, item.options[0].value)
        elif item.kind.value == "ynu":
            session.edit(ANSWER, item.id, "unknown")
        else:
            session.edit(ANSWER, item.id, "x")
    assert session.flush().done
    check = session.check_before_signing()
    assert check.missing == []
    signed = session.finalize(CLINICIAN, check.revision)
    assert signed.status is EncounterStatus.FINALIZED
    assert not session.editable
    amended = session.amend("results received")
    assert amended.status is EncounterStatus.AMENDING
    assert session.editable


@pytest.mark.parametrize("db_backend", ["postgresql"])
def test_edits_wait_while_the_server_is_down_and_are_stored_in_order(
    service: WorkupService, other_station: WorkupService, pg_cluster: PostgresCluster
) -> None:
    session = EncounterSession(service, _start(service))
    session.edit(ANSWER, "hx_sx_fever", "no")
    assert session.flush().stored == ["hx_sx_fever"]
    pg_cluster.stop()
    try:
        for item_id, value in [
            ("hx_sx_fever", "yes"),
            ("hx_sx_distress", "no"),
            ("visit_main_complaint", "dry orgasm"),
            ("hx_sx_fever", "unknown"),
            ("hx_med_list", "tamsulosin"),
        ]:
            session.edit(ANSWER, item_id, value)
        session.edit(ORDER, "lab_cbc", OrderEntry(OrderStatus.ORDERED, "2026-11-21"))
        down = session.flush()
        assert down.offline is not None
        assert (down.stored, down.done) == ([], False)
        offline = session.offline
        assert isinstance(offline, UnavailableError)
        assert session.waiting_items() == [
            "hx_sx_distress",
            "visit_main_complaint",
            "hx_sx_fever",
            "hx_med_list",
            "lab_cbc",
        ]
        # Still shown while waiting.
        assert session.shown_values()[0]["hx_sx_fever"] == "unknown"
    finally:
        pg_cluster.start()
    # Meanwhile another workstation decided the same order: that edit must not overwrite it.
    theirs = OrderState(OrderStatus.DECLINED, None, "patient refused")
    other_station.set_order(session.encounter_id, "lab_cbc", theirs, "Dr. B")
    report = session.flush()
    assert report.stored == ["hx_sx_distress", "visit_main_complaint", "hx_sx_fever", "hx_med_list"]
    assert [conflict.item_id for conflict in report.conflicts] == ["lab_cbc"]
    assert report.done
    assert session.offline is None
    encounter = service.encounter(session.encounter_id)
    assert encounter.answers["hx_sx_fever"] == "unknown"
    assert encounter.orders["lab_cbc"] == theirs
    fever = [
        e.new_json for e in service.audit_events(encounter.id or 0) if e.item_id == "hx_sx_fever"
    ]
    assert fever == ['"no"', '"unknown"']
