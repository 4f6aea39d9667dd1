"""Use cases over real databases (SQLite and PostgreSQL) and the shipped workflow."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.domain.encounter import EncounterStatus, OrderState, OrderStatus
from app.domain.values import YnuDetails
from app.domain.workflow import Workflow
from app.services import (
    ConflictError,
    InvalidInputError,
    LockedError,
    NotFoundError,
    UnavailableError,
    WorkupService,
)
from tests.postgres import BACKENDS, PostgresCluster, allow_audit_tampering, raw_engine
from tests.support import WORKFLOW_ID, FixedClock

CLINICIAN = "Dr. Petrova"


@pytest.fixture(params=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    """Every test here runs on SQLite and on PostgreSQL."""
    backend: str = request.param
    return backend


def _start(service: WorkupService, chart: str = "A-1") -> int:
    patient = service.create_patient("Ivanov", "Ivan", date(1980, 5, 17), chart)
    encounter = service.start_encounter(patient.id or 0, WORKFLOW_ID, CLINICIAN)
    assert encounter.id is not None
    return encounter.id


def test_start_pins_the_workflow_and_prefills_the_visit(
    service: WorkupService, workflow: Workflow
) -> None:
    encounter = service.encounter(_start(service))
    assert encounter.status is EncounterStatus.DRAFT
    assert encounter.workflow_hash == workflow.content_hash
    assert encounter.answers == {"visit_date": "2026-11-21", "visit_clinician": CLINICIAN}
    assert service.encounter_workflow(encounter.id or 0).content_hash == workflow.content_hash


def test_every_kind_of_answer_is_stored_and_read_back(service: WorkupService) -> None:
    encounter_id = _start(service)
    answers = {
        "visit_main_complaint": "Сухой оргазм <since> 2024 & more",
        "hx_sx_low_volume": "yes",
        "hx_sx_dry_orgasm": "unknown",
        "hx_sx_urinary": YnuDetails("yes", "weak stream"),
        "hx_onset_pattern": "acquired",
        "hx_onset_context": ("surgery", "medicine"),
        "hx_sx_volume_estimate": Decimal("0.50"),
        "hx_onset_date": "2024-03",
        "sa_collection_datetime": "2026-11-20T08:30",
        "hx_no_factor_identified": True,
    }
    for item_id, value in answers.items():
        service.set_answer(encounter_id, item_id, value, CLINICIAN)  # type: ignore[arg-type]
    stored = service.encounter(encounter_id).answers
    expected = dict(answers, hx_onset_context=("medicine", "surgery"))
    for item_id, value in expected.items():
        assert stored[item_id] == value
    assert str(stored["hx_sx_volume_estimate"]) == "0.50"


def test_not_asked_is_distinct_from_no_and_unknown(service: WorkupService) -> None:
    encounter_id = _start(service)
    service.set_answer(encounter_id, "hx_sx_fever", "no", CLINICIAN)
    service.set_answer(encounter_id, "hx_sx_fever", None, CLINICIAN)
    assert "hx_sx_fever" not in service.encounter(encounter_id).answers


@pytest.mark.parametrize(
    ("item_id", "value", "message"),
    [
        ("hx_sx_fever", "maybe", "item hx_sx_fever: expects one of yes, no, unknown"),
        ("hx_onset_pattern", "sudden", "item hx_onset_pattern: 'sudden' is not one of"),
        ("hx_sx_volume_estimate", "-1", "item hx_sx_volume_estimate: -1 is below"),
        ("hx_sx_volume_estimate", "a lot", "is not a number"),
        ("hx_onset_date", "2030-01-01", "is in the future"),
        ("visit_date", "2026-02-30", "is not a calendar date"),
        ("lab_cbc", True, "item lab_cbc is an order"),
        ("no_such_item", "x", "the workflow has no item 'no_such_item'"),
    ],
)
def test_bad_answers_are_refused_with_a_clear_message(
    service: WorkupService, item_id: str, value: object, message: str
) -> None:
    encounter_id = _start(service)
    with pytest.raises(InvalidInputError, match=message):
        service.set_answer(encounter_id, item_id, value, CLINICIAN)  # type: ignore[arg-type]


def test_orders_carry_state_date_and_note(service: WorkupService) -> None:
    encounter_id = _start(service)
    ordered = OrderState(OrderStatus.ORDERED, date(2026, 11, 21), "morning sample please")
    service.set_order(encounter_id, "lab_testosterone", ordered, CLINICIAN)
    elsewhere = OrderState(OrderStatus.DONE_ELSEWHERE, date(2026, 10, 1), "")
    service.set_order(encounter_id, "lab_cbc", elsewhere, CLINICIAN)
    service.set_order(encounter_id, "ref_psych", OrderState(OrderStatus.DECLINED), CLINICIAN)
    orders = service.encounter(encounter_id).orders
    assert orders == {
        "lab_testosterone": ordered,
        "lab_cbc": elsewhere,
        "ref_psych": OrderState(OrderStatus.DECLINED),
    }
    with pytest.raises(InvalidInputError, match="is not an order"):
        service.set_order(encounter_id, "hx_sx_fever", ordered, CLINICIAN)
    future = OrderState(OrderStatus.DONE_ELSEWHERE, date(2027, 1, 1))
    with pytest.raises(InvalidInputError, match="in the future"):
        service.set_order(encounter_id, "lab_psa", future, CLINICIAN)


def test_completion_counts_required_and_conditional_items(service: WorkupService) -> None:
    encounter_id = _start(service)
    encounter = service.encounter(encounter_id)
    visit = next(c for c in service.completion(encounter) if c.section_id == "visit")
    assert (visit.answered, visit.required, visit.complete) == (2, 3, False)
    missing = service.missing_required(encounter)
    assert [item.id for _section, item in missing] == ["visit_main_complaint"]
    service.set_answer(encounter_id, "visit_main_complaint", "no ejaculate", CLINICIAN)
    encounter = service.encounter(encounter_id)
    assert service.missing_required(encounter) == []
    leakage = next(c for c in service.completion(encounter) if c.section_id == "semen_leakage")
    assert leakage.recorded == 0


def test_finalize_refuses_missing_required_items(service: WorkupService) -> None:
    encounter_id = _start(service)
    with pytest.raises(InvalidInputError, match="1 required item"):
        service.finalize(encounter_id, CLINICIAN)
    assert service.encounter(encounter_id).status is EncounterStatus.DRAFT


def test_a_finalized_encounter_refuses_changes_until_amended(
    service: WorkupService, clock: FixedClock
) -> None:
    encounter_id = _start(service)
    service.set_answer(encounter_id, "visit_main_complaint", "dry orgasm", CLINICIAN)
    finalized = service.finalize(encounter_id, CLINICIAN)
    assert finalized.status is EncounterStatus.FINALIZED
    assert finalized.finalized_by == CLINICIAN
    assert finalized.finalized_at == clock.now
    with pytest.raises(LockedError, match="finalized"):
        service.set_answer(encounter_id, "hx_sx_fever", "yes", CLINICIAN)
    with pytest.raises(LockedError):
        service.set_order(encounter_id, "lab_cbc", OrderState(OrderStatus.ORDERED), CLINICIAN)
    with pytest.raises(InvalidInputError, match="needs a reason"):
        service.amend(encounter_id, "  ", CLINICIAN)
    clock.now += timedelta(hours=1)
    amending = service.amend(encounter_id, "Lab called: sample mislabelled", CLINICIAN)
    assert amending.status is EncounterStatus.AMENDING
    service.set_answer(encounter_id, "hx_sx_fever", "yes", CLINICIAN)
    amended = service.finalize(encounter_id, CLINICIAN)
    assert amended.status is EncounterStatus.AMENDED
    assert amended.finalized_at == clock.now - timedelta(hours=1)
    (addendum,) = amended.addenda
    assert (addendum.seq, addendum.reason, addendum.signed_by) == (
        1,
        "Lab called: sample mislabelled",
        CLINICIAN,
    )
    assert addendum.signed_at == clock.now
    with pytest.raises(LockedError):
        service.set_answer(encounter_id, "hx_sx_fever", "no", CLINICIAN)


def test_the_storage_itself_refuses_changes_to_a_finalized_encounter(
    service: WorkupService, database_url: str
) -> None:
    encounter_id = _start(service)
    service.set_answer(encounter_id, "visit_main_complaint", "dry orgasm", CLINICIAN)
    service.set_order(encounter_id, "lab_cbc", OrderState(OrderStatus.ORDERED), CLINICIAN)
    service.finalize(encounter_id, CLINICIAN)
    statements = [
        "UPDATE answers SET value_json = '\"changed\"' WHERE encounter_id = :id",
        "DELETE FROM answers WHERE encounter_id = :id",
        "INSERT INTO answers VALUES (:id, 'hx_sx_fever', '\"yes\"', '2026-01-01', 'x')",
        "UPDATE order_states SET status = 'declined' WHERE encounter_id = :id",
        "DELETE FROM order_states WHERE encounter_id = :id",
        "INSERT INTO order_states VALUES (:id, 'lab_psa', 'ordered', NULL, '', '2026-01-01', 'x')",
        "UPDATE encounters SET status = 'draft' WHERE id = :id",
        "DELETE FROM encounters WHERE id = :id",
    ]
    # Even the database's superuser is refused: the triggers hold whoever connects.
    with raw_engine(database_url, superuser=True) as engine:
        for statement in statements:
            refused = "encounter is finalized|refused: "
            with pytest.raises(DBAPIError, match=refused), engine.begin() as sql:
                sql.execute(text(statement), {"id": encounter_id})
    encounter = service.encounter(encounter_id)
    assert encounter.answers["visit_main_complaint"] == "dry orgasm"
    assert encounter.orders == {"lab_cbc": OrderState(OrderStatus.ORDERED)}
    assert encounter.status is EncounterStatus.FINALIZED


def test_a_second_writer_of_the_same_item_gets_a_conflict(service: WorkupService) -> None:
    encounter_id = _start(service)
    service.set_answer(encounter_id, "hx_sx_fever", "yes", "Dr. A", base=None)
    with pytest.raises(ConflictError, match=r"changed by Dr\. A") as caught:
        service.set_answer(encounter_id, "hx_sx_fever", "no", "Dr. B", base=None)
    assert caught.value.current == "yes"
    assert caught.value.updated_by == "Dr. A"
    service.set_answer(encounter_id, "hx_sx_discharge", "no", "Dr. B", base=None)
    answers = service.encounter(encounter_id).answers
    assert (answers["hx_sx_fever"], answers["hx_sx_discharge"]) == ("yes", "no")


def test_every_change_is_an_audit_event_and_the_chain_verifies(
    service: WorkupService, database_url: str
) -> None:
    encounter_id = _start(service)
    service.set_answer(encounter_id, "hx_sx_fever", "yes", CLINICIAN)
    service.set_answer(encounter_id, "hx_sx_fever", "no", CLINICIAN)
    events = service.audit_events(encounter_id)
    assert [event.action for event in events] == ["create", "answer", "answer", "answer", "answer"]
    last = events[-1]
    assert (last.item_id, last.old_json, last.new_json, last.workstation) == (
        "hx_sx_fever",
        '"yes"',
        '"no"',
        "test-station",
    )
    assert service.verify_audit().ok
    with raw_engine(database_url, superuser=True) as engine:
        allow_audit_tampering(engine)
        with engine.begin() as sql:
            sql.execute(
                text("UPDATE audit_events SET new_json = '\"unknown\"' WHERE id = :id"),
                {"id": last.id},
            )
    result = service.verify_audit()
    assert result.first_problem == f"event {last.id}: its content was altered"


def test_a_removed_audit_event_is_found(service: WorkupService, database_url: str) -> None:
    encounter_id = _start(service)
    service.set_answer(encounter_id, "hx_sx_fever", "yes", CLINICIAN)
    events = service.audit_events(encounter_id)
    with raw_engine(database_url, superuser=True) as engine:
        allow_audit_tampering(engine)
        with engine.begin() as sql:
            sql.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": events[1].id})
    assert service.verify_audit().first_problem == (
        f"event {events[2].id}: does not follow the event before it "
        "(an event was removed or inserted)"
    )


def test_an_inserted_audit_event_is_found(service: WorkupService, database_url: str) -> None:
    encounter_id = _start(service)
    events = service.audit_events(encounter_id)
    with raw_engine(database_url) as engine, engine.begin() as sql:
        sql.execute(
            text(
                "INSERT INTO audit_events (encounter_id, at, actor, workstation, action, "
                "item_id, old_json, new_json, prev_hash, hash) VALUES (:id, :at, 'Dr. X', "
                "'elsewhere', 'answer', 'hx_sx_fever', NULL, '\"no\"', :prev, :hash)"
            ),
            {"id": encounter_id, "at": events[-1].at, "prev": "f" * 64, "hash": "e" * 64},
        )
        inserted = sql.execute(text("SELECT max(id) FROM audit_events")).scalar_one()
    assert service.verify_audit().first_problem == (
        f"event {inserted}: does not follow the event before it (an event was removed or inserted)"
    )


def test_patient_validation(service: WorkupService) -> None:
    with pytest.raises(InvalidInputError, match="date of birth is in the future"):
        service.create_patient("Ivanov", "Ivan", date(2027, 1, 1), "")
    with pytest.raises(InvalidInputError, match="family name is empty"):
        service.create_patient(" ", "Ivan", date(1980, 1, 1), "")
    service.create_patient("Ivanov", "Ivan", date(1980, 1, 1), "C-7")
    with pytest.raises(InvalidInputError, match="chart number C-7 is already in use"):
        service.create_patient("Petrov", "Petr", date(1981, 1, 1), "C-7")


def test_search_by_name_prefix_chart_number_and_date(service: WorkupService) -> None:
    for index in range(30):
        patient = service.create_patient(
            f"Family{index:02d}", "Given", date(1970, 1, 1), f"CH{index:03d}"
        )
        service.start_encounter(patient.id or 0, WORKFLOW_ID, CLINICIAN)
    target = service.create_patient("Смирнов", "Алексей", date(1985, 6, 30), "X-99")
    service.start_encounter(target.id or 0, WORKFLOW_ID, CLINICIAN)
    assert service.count_encounters() == 31
    for search in ("смир", "СМИРНОВ алек", "алексей", "X-99", "1985-06-30", "30.06.1985"):
        (row,) = service.list_encounters(search)
        assert row.patient_name == "Смирнов, Алексей"
    assert service.count_encounters("Family1") == 10
    assert len(service.list_encounters("", limit=10, offset=25)) == 6
    assert service.list_encounters("nobody") == []
    assert service.list_encounters("100%_") == []


def test_json_document_round_trip_between_databases(
    service: WorkupService, tmp_path: Path, clock: FixedClock, shipped_catalog: object
) -> None:
    encounter_id = _start(service)
    service.set_answer(encounter_id, "visit_main_complaint", "dry orgasm", CLINICIAN)
    service.set_answer(encounter_id, "hx_sx_urinary", YnuDetails("yes", "nocturia"), CLINICIAN)
    service.set_order(
        encounter_id,
        "peu_order",
        OrderState(OrderStatus.ORDERED, date(2026, 11, 21), "PEU"),
        CLINICIAN,
    )
    service.set_answer(encounter_id, "peu_pre_void", "empty_fully", CLINICIAN)  # required
    service.finalize(encounter_id, CLINICIAN)
    document = service.export_document(encounter_id)
    other = WorkupService.open(
        service.settings, f"sqlite:///{tmp_path / 'other.sqlite3'}", clock=clock
    )
    try:
        new_id = other.import_document(document, actor="import")
        original = service.encounter(encounter_id)
        copy = other.encounter(new_id)
        assert copy.answers == original.answers
        assert copy.orders == original.orders
        assert (copy.uid, copy.status, copy.finalized_by) == (
            original.uid,
            original.status,
            original.finalized_by,
        )
        assert other.export_document(new_id) == document
        with pytest.raises(InvalidInputError, match="already in the database"):
            other.import_document(document, actor="import")
    finally:
        other.close()


def test_unknown_encounter_and_workflow(service: WorkupService) -> None:
    with pytest.raises(NotFoundError, match="no encounter with id 99"):
        service.encounter(99)
    patient = service.create_patient("A", "B", date(1990, 1, 1))
    with pytest.raises(NotFoundError, match="no workflow 'nope'"):
        service.start_encounter(patient.id or 0, "nope", CLINICIAN)


def test_only_a_local_sqlite_database_gets_its_schema_on_open(
    database_url: str, db_backend: str, clock: FixedClock
) -> None:
    from app.config import Settings

    if db_backend == "sqlite":
        WorkupService.open(Settings(), database_url, clock=clock).close()
        return
    with pytest.raises(UnavailableError, match="has no schema; run 'workup db upgrade'"):
        WorkupService.open(Settings(), database_url, clock=clock)


def test_a_server_database_without_schema_is_not_created_silently(database_url: str) -> None:
    from app.config import Settings

    with pytest.raises(UnavailableError, match="run 'workup db upgrade'"):
        WorkupService.open(Settings(), database_url, auto_upgrade=False)


# -- clinic server: two workstations, concurrency, connection loss ------------------------

ON_POSTGRES = pytest.mark.parametrize(
    "db_backend", [pytest.param("postgresql", marks=pytest.mark.postgres)]
)


def test_two_workstations_never_overwrite_each_other_silently(
    service: WorkupService, other_station: WorkupService
) -> None:
    encounter_id = _start(service)
    assert other_station.encounter(encounter_id).answers.get("hx_sx_fever") is None
    service.set_answer(encounter_id, "hx_sx_fever", "yes", "Dr. A", base=None)
    with pytest.raises(ConflictError, match=r"item hx_sx_fever was changed by Dr\. A") as caught:
        other_station.set_answer(encounter_id, "hx_sx_fever", "no", "Dr. B", base=None)
    assert (caught.value.item_id, caught.value.current, caught.value.updated_by) == (
        "hx_sx_fever",
        "yes",
        "Dr. A",
    )
    # Having seen the current value, the second writer may change it on purpose.
    other_station.set_answer(encounter_id, "hx_sx_fever", "no", "Dr. B", base="yes")
    other_station.set_answer(encounter_id, "hx_sx_discharge", "no", "Dr. B", base=None)
    service.set_answer(encounter_id, "hx_sx_distress", "unknown", "Dr. A", base=None)
    ordered = OrderState(OrderStatus.ORDERED, date(2026, 11, 21), "fasting")
    service.set_order(encounter_id, "lab_cbc", ordered, "Dr. A", base=None)
    with pytest.raises(ConflictError, match=r"item lab_cbc was changed by Dr\. A"):
        other_station.set_order(
            encounter_id, "lab_cbc", OrderState(OrderStatus.DECLINED), "Dr. B", base=None
        )
    for station in (service, other_station):
        encounter = station.encounter(encounter_id)
        answers = encounter.answers
        assert (answers["hx_sx_fever"], answers["hx_sx_discharge"], answers["hx_sx_distress"]) == (
            "no",
            "no",
            "unknown",
        )
        assert encounter.orders["lab_cbc"] == ordered
    fever = [e for e in service.audit_events(encounter_id) if e.item_id == "hx_sx_fever"]
    assert [(e.actor, e.workstation, e.old_json, e.new_json) for e in fever] == [
        ("Dr. A", "test-station", None, '"yes"'),
        ("Dr. B", "station-b", '"yes"', '"no"'),
    ]


def test_a_retried_edit_that_already_landed_is_no_conflict(service: WorkupService) -> None:
    encounter_id = _start(service)
    service.set_answer(encounter_id, "hx_sx_fever", "yes", "Dr. A", base=None)
    revision = service.set_answer(encounter_id, "hx_sx_fever", "yes", "Dr. A", base=None)
    assert revision == service.encounter(encounter_id).revision
    assert len([e for e in service.audit_events(encounter_id) if e.item_id == "hx_sx_fever"]) == 1


def test_a_finalize_on_one_workstation_locks_the_other(
    service: WorkupService, other_station: WorkupService
) -> None:
    encounter_id = _start(service)
    other_station.set_answer(encounter_id, "hx_sx_fever", "yes", "Dr. B")
    service.set_answer(encounter_id, "visit_main_complaint", "dry orgasm", "Dr. A")
    service.finalize(encounter_id, "Dr. A")
    message = (
        rf"encounter {encounter_id} was finalized by Dr\. A at 2026-11-21T12:00:00\+00:00; "
        "it can no longer be changed: open an amendment to change it"
    )
    with pytest.raises(LockedError, match=message):
        other_station.set_answer(encounter_id, "hx_sx_fever", "no", "Dr. B", base="yes")
    with pytest.raises(LockedError, match=message):
        other_station.set_order(encounter_id, "lab_cbc", OrderState(OrderStatus.ORDERED), "Dr. B")
    assert other_station.encounter(encounter_id).answers["hx_sx_fever"] == "yes"


def test_concurrent_workstations_lose_no_edit_and_keep_the_audit_chain(
    service: WorkupService, other_station: WorkupService
) -> None:
    """Two threads, each with its own engine, hammer one encounter at the same time."""
    encounter_id = _start(service)
    rounds = 40
    own_items = {"A": "hx_med_list", "B": "hx_prior_workup"}
    shared = "sx_notes"
    made = {"A": 0, "B": 0}
    shared_stored = {"A": 0, "B": 0}
    conflicts = {"A": 0, "B": 0}
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def work(name: str, station: WorkupService) -> None:
        seen: object = None
        try:
            start.wait(timeout=10)
            for index in range(rounds):
                station.set_answer(encounter_id, own_items[name], f"{name} {index}", name)
                made[name] += 1
                value = f"{name} shared {index}"
                try:
                    station.set_answer(encounter_id, shared, value, name, base=seen)
                except ConflictError as conflict:
                    conflicts[name] += 1
                    seen = conflict.current
                else:
                    shared_stored[name] += 1
                    seen = value
        except BaseException as error:  # reported by the main thread below
            failures.append(error)

    threads = [
        threading.Thread(target=work, args=("A", service)),
        threading.Thread(target=work, args=("B", other_station)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert made == {"A": rounds, "B": rounds}
    assert conflicts["A"] + shared_stored["A"] == rounds
    assert conflicts["B"] + shared_stored["B"] == rounds

    events = service.audit_events(encounter_id)
    answers = service.encounter(encounter_id).answers
    for name, item in own_items.items():
        found = [e.new_json for e in events if e.item_id == item]
        assert found == [f'"{name} {index}"' for index in range(rounds)]
        assert answers[item] == f"{name} {rounds - 1}"
    # Every stored change of the shared item starts from the value before it: none lost.
    shared_events = [e for e in events if e.item_id == shared]
    assert len(shared_events) == shared_stored["A"] + shared_stored["B"]
    previous = None
    for event in shared_events:
        assert event.old_json == previous
        previous = event.new_json
    assert previous == f'"{answers[shared]}"'
    verification = service.verify_audit()
    assert verification.ok
    assert verification.events == len(events)
    stored = sum(1 for e in events if e.item_id in (*own_items.values(), shared))
    # Shown with `pytest -rP`: the figures of this run.
    print(f"edits made {4 * rounds}, stored {stored}, conflicts reported {sum(conflicts.values())}")


@ON_POSTGRES
def test_a_server_restart_is_reported_and_survived_without_reopening(
    service: WorkupService, other_station: WorkupService, pg_cluster: PostgresCluster
) -> None:
    encounter_id = _start(service)
    other_station.encounter(encounter_id)  # both have pooled connections now
    unreachable = r"^the database server is unreachable \(postgresql\+psycopg://workup_app:\*\*\*@"
    pg_cluster.stop()
    try:
        with pytest.raises(UnavailableError, match=unreachable):
            service.set_answer(encounter_id, "hx_sx_fever", "yes", CLINICIAN)
        with pytest.raises(UnavailableError, match=unreachable):
            service.encounter(encounter_id)
        with pytest.raises(UnavailableError, match=unreachable):
            service.list_encounters()
    finally:
        pg_cluster.start()
    service.set_answer(encounter_id, "hx_sx_fever", "yes", CLINICIAN)
    # The other workstation saw no error; its pooled connections died with the server
    # and are replaced on first use.
    other_station.set_answer(encounter_id, "hx_sx_distress", "no", "Dr. B")
    answers = service.encounter(encounter_id).answers
    assert (answers["hx_sx_fever"], answers["hx_sx_distress"]) == ("yes", "no")
    assert service.verify_audit().ok
