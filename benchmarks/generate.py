"""Generate a realistic workup database for the benchmarks.

Usage: .venv/bin/python benchmarks/generate.py [--patients N] [--encounters M]
           [--out PATH] [--seed S]

A few encounters are recorded through the service (answers, orders, finalize, amend) the way
the window does; the bulk is written with SQLAlchemy Core inserts in the shape the
repository writes: answers as `values.to_json` JSON, orders, addenda, finalized and amended
encounters, and one chained audit event per bulk encounter (as an import leaves), so
`workup audit verify` and `workup db check` pass on the result.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from app.config import Settings
from app.domain.encounter import OrderState, OrderStatus
from app.domain.validation import from_json
from app.domain.values import YnuDetails, to_json
from app.domain.workflow import Item, ItemKind, Workflow
from app.services import WorkupService
from app.storage.models import (
    AddendumRow,
    AnswerRow,
    AuditHeadRow,
    AuditRow,
    EncounterRow,
    OrderRow,
    PatientRow,
    SnapshotRow,
)
from app.storage.repository import event_hash, search_key

BENCH_DIR = Path(__file__).resolve().parent.parent / "out" / "bench"
WORKFLOW_ID = "retrograde_ejaculation"
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
BATCH = 5000
SERVICE_ENCOUNTERS = 40

FAMILY_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark",
    "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Green",
    "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts", "Carter",
    "Phillips", "Evans", "Turner", "Torres", "Parker", "Collins", "Edwards", "Stewart",
    "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Peterson", "Cooper", "Reed", "Bailey",
    "Bell", "Kelly", "Howard", "Ward", "Cox", "Richardson", "Wood", "Watson", "Brooks",
    "Bennett", "Gray", "James", "Hughes", "Price", "Sanders", "Myers", "Long", "Ross",
    "O'Brien", "García", "Müller", "Nguyen", "Kowalski", "Schmidt", "Fischer", "Weber",
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
    "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров",
    "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин",
    "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов",
    "Воробьёв", "Сергеев", "Кузьмин", "Фролов", "Александров", "Дмитриев", "Королёв",
    "Гусев", "Киселёв", "Ильин", "Максимов", "Поляков", "Сорокин", "Виноградов", "Ковалёв",
    "Белов", "Медведев", "Антонов", "Тарасов", "Жуков", "Баранов", "Филиппов", "Комаров",
]  # fmt: skip
GIVEN_NAMES = [
    "James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas",
    "Charles", "Daniel", "Matthew", "Anthony", "Mark", "Paul", "Steven", "Andrew", "Kenneth",
    "Joshua", "Kevin", "Brian", "George", "Edward", "Ronald", "Timothy", "Jason", "Jeffrey",
    "Александр", "Сергей", "Дмитрий", "Андрей", "Алексей", "Максим", "Евгений", "Иван",
    "Михаил", "Артём", "Никита", "Владимир", "Павел", "Олег", "Юрий", "Игорь", "Роман",
    "Николай", "Виктор", "Константин", "Денис", "Антон", "Илья", "Фёдор", "Пётр",
]  # fmt: skip
CLINICIANS = ["Dr. Petrova", "Dr. Ivanov", "Dr. Smith", "Dr. Kowalski", "Др. Орлова", "Dr. Chen"]
TEXTS = [
    "As reported by the patient.",
    "Since the operation two years ago.",
    "No change over the last months; see the letter of 12.03.",
    "Takes tamsulosin 0.4 mg at night <started by GP> & stopped once.",
    "Со слов пациента, около года.",
    "После ТУРП в 2021 г., отмечает изменения сразу после операции.",
    "Принимает препараты по назначению невролога; подробности в выписке.",
    "Partner 34 y; trying for 18 months; two semen analyses elsewhere.",
    "Notes: «mixed» script — text taken literally 😀 and שלום.",
    "",
]
ANSWERED_SHARE = 0.15
ORDER_SHARE = 0.25


def _value_pool(item: Item, rng: random.Random) -> list[Any]:
    """Possible JSON answers of `item`, each checked by the domain's own reader."""
    kind = item.kind
    pool: list[Any]
    if kind is ItemKind.CHECK:
        pool = [True, False]
    elif kind is ItemKind.YNU:
        pool = ["yes", "no", "unknown"]
    elif kind is ItemKind.YNU_DETAILS:
        pool = [
            to_json(item, YnuDetails(choice, text))
            for choice in ("yes", "no", "unknown")
            for text in TEXTS[:6]
        ]
    elif kind is ItemKind.SINGLE:
        pool = [option.value for option in item.options]
    elif kind is ItemKind.MULTI:
        values = [option.value for option in item.options]
        pool = [[value for value in values if rng.random() < 0.5] or values[:1] for _ in range(12)]
    elif kind is ItemKind.TEXT:
        pool = [text for text in TEXTS if text]
    elif kind is ItemKind.NUMBER:
        low = item.minimum if item.minimum is not None else Decimal(0)
        high = item.maximum if item.maximum is not None else low + 100
        decimals = 1 if item.decimals is None else item.decimals
        step = Decimal(1).scaleb(-decimals)
        pool = [str((low + (high - low) * Decimal(rng.random())).quantize(step)) for _ in range(20)]
    elif kind is ItemKind.DATE:
        pool = [(NOW.date() - timedelta(days=rng.randrange(30, 4000))).isoformat()]
        pool += [day[:7] for day in pool] if item.allow_partial_date else []
        pool += [(NOW.date() - timedelta(days=rng.randrange(1, 30))).isoformat() for _ in range(9)]
    else:
        pool = [
            (NOW - timedelta(days=rng.randrange(1, 400), minutes=rng.randrange(1440))).strftime(
                "%Y-%m-%dT%H:%M"
            )
            for _ in range(10)
        ]
    for raw in pool:
        from_json(item, raw)
    return pool


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _order_json(status: str, on_date: date | None, note: str) -> str:
    return _dump({"status": status, "date": on_date.isoformat() if on_date else None, "note": note})


def _batches(rows: Iterator[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class Generator:
    """Writes patients and encounters into an opened service's database."""

    def __init__(self, service: WorkupService, seed: int) -> None:
        self.service = service
        self.rng = random.Random(seed)
        self.workflow: Workflow = service.workflow(WORKFLOW_ID)
        items = list(self.workflow.items())
        self.answer_items = [item for item in items if not item.is_order]
        self.order_items = [item for item in items if item.is_order]
        self.pools = {item.id: _value_pool(item, self.rng) for item in self.answer_items}

    def patient_row(self, number: int) -> dict[str, Any]:
        rng = self.rng
        family = rng.choice(FAMILY_NAMES)
        cyrillic = "а" <= family[0].lower() <= "я"
        given = rng.choice(GIVEN_NAMES[27:] if cyrillic else GIVEN_NAMES[:27])
        return {
            "family_name": family,
            "given_name": given,
            "birth_date": date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55)),
            "chart_number": f"CH{number:07d}",
            "name_key": search_key(f"{family} {given}"),
            "given_key": search_key(given),
            "created_at": NOW - timedelta(days=2000, seconds=number),
        }

    def answers(self) -> dict[str, str]:
        """A random set of JSON answers over every item kind."""
        chosen = [item for item in self.answer_items if self.rng.random() < ANSWERED_SHARE]
        return {item.id: _dump(self.rng.choice(self.pools[item.id])) for item in chosen}

    def orders(self) -> list[tuple[str, str, date | None, str]]:
        """A random set of (item, status, date, note) order states."""
        states = list(OrderStatus)
        result = []
        for item in self.order_items:
            if self.rng.random() >= ORDER_SHARE:
                continue
            status = self.rng.choice(states)
            when = NOW.date() - timedelta(days=self.rng.randrange(1, 300))
            on_date = when if status in (OrderStatus.ORDERED, OrderStatus.DONE_ELSEWHERE) else None
            note = self.rng.choice(TEXTS[6:]) if item.kind is ItemKind.TEXT else ""
            result.append((item.id, status.value, on_date, note))
        return result

    # -- through the service --------------------------------------------------------

    def through_service(self, count: int, first_chart: int) -> None:
        """Record `count` encounters the way the window does, one durable change at a time."""
        service = self.service
        for number in range(count):
            row = self.patient_row(first_chart + number)
            patient = service.create_patient(
                row["family_name"], row["given_name"], row["birth_date"], row["chart_number"]
            )
            clinician = self.rng.choice(CLINICIANS)
            encounter = service.start_encounter(patient.id or 0, WORKFLOW_ID, clinician)
            encounter_id = encounter.id or 0
            service.set_answer(encounter_id, "visit_main_complaint", TEXTS[0], clinician)
            for item_id, value_json in list(self.answers().items())[:8]:
                item = self.workflow.item(item_id)
                service.set_answer(
                    encounter_id, item_id, from_json(item, json.loads(value_json)), clinician
                )
            for item_id, status, on_date, note in self.orders()[:3]:
                state = OrderState(OrderStatus(status), on_date, note)
                service.set_order(encounter_id, item_id, state, clinician)
            if number % 3:
                service.finalize(encounter_id, clinician)
            if number % 3 == 2:
                service.amend(encounter_id, "Corrected the medication history", clinician)
                service.finalize(encounter_id, clinician)

    # -- in bulk --------------------------------------------------------------------

    def bulk(self, patients: int, encounters: int, first_chart: int) -> None:
        """Insert `patients` patients and `encounters` encounters with Core inserts."""
        engine = self.service.database.write_factory.kw["bind"]
        rng = self.rng
        with engine.begin() as connection:
            snapshot_id = connection.execute(
                select(SnapshotRow.id).where(SnapshotRow.content_hash == self.workflow.content_hash)
            ).scalar_one()
            first_patient = (connection.execute(select(PatientRow.id).order_by(
                PatientRow.id.desc())).scalars().first() or 0) + 1  # fmt: skip
            for batch in _batches(self.patient_row(first_chart + n) for n in range(patients)):
                connection.execute(insert(PatientRow), batch)
            head = connection.execute(select(AuditHeadRow).where(AuditHeadRow.id == 1)).one()
            previous = head.last_hash
            last_audit = head.last_id
            first_encounter = (connection.execute(select(EncounterRow.id).order_by(
                EncounterRow.id.desc())).scalars().first() or 0) + 1  # fmt: skip
            span = (NOW - timedelta(days=5 * 365)).timestamp()
            seconds = NOW.timestamp() - span
            for start in range(0, encounters, BATCH):
                numbers = range(start, min(start + BATCH, encounters))
                encounter_rows: list[dict[str, Any]] = []
                answer_rows: list[dict[str, Any]] = []
                order_rows: list[dict[str, Any]] = []
                addendum_rows: list[dict[str, Any]] = []
                audit_rows: list[dict[str, Any]] = []
                signs: list[dict[str, Any]] = []
                for number in numbers:
                    encounter_id = first_encounter + number
                    clinician = rng.choice(CLINICIANS)
                    created = datetime.fromtimestamp(span + seconds * rng.random(), UTC).replace(
                        microsecond=rng.randrange(1_000_000)
                    )
                    updated = min(created + timedelta(minutes=rng.randrange(5, 90)), NOW)
                    uid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                    encounter_rows.append(
                        {
                            "id": encounter_id,
                            "uid": uid,
                            "patient_id": first_patient + rng.randrange(patients),
                            "snapshot_id": snapshot_id,
                            "status": "draft",
                            "language": "ru" if rng.random() < 0.4 else "en",
                            "clinician": clinician,
                            "created_at": created,
                            "updated_at": updated,
                            "revision": rng.randrange(10, 60),
                        }
                    )
                    answers = self.answers()
                    answers["visit_date"] = _dump(created.date().isoformat())
                    answers["visit_clinician"] = _dump(clinician)
                    answers.setdefault("visit_main_complaint", _dump(rng.choice(TEXTS[:8])))
                    answer_rows.extend(
                        {
                            "encounter_id": encounter_id,
                            "item_id": item_id,
                            "value_json": value_json,
                            "updated_at": updated,
                            "updated_by": clinician,
                        }
                        for item_id, value_json in answers.items()
                    )
                    order_rows.extend(
                        {
                            "encounter_id": encounter_id,
                            "item_id": item_id,
                            "status": status,
                            "on_date": on_date,
                            "note": note,
                            "updated_at": updated,
                            "updated_by": clinician,
                        }
                        for item_id, status, on_date, note in self.orders()
                    )
                    roll = rng.random()
                    status = (
                        "draft"
                        if roll < 0.15
                        else "amending"
                        if roll < 0.17
                        else "amended"
                        if roll < 0.27
                        else "finalized"
                    )
                    if status != "draft":
                        signs.append(
                            {
                                "key": encounter_id,
                                "finalized_by": clinician,
                                "finalized_at": updated,
                            }
                        )
                    if status in ("amending", "amended"):
                        opened = updated + timedelta(days=rng.randrange(1, 30))
                        addendum_rows.append(
                            {
                                "encounter_id": encounter_id,
                                "seq": 1,
                                "reason": "Corrected the medication history",
                                "opened_by": clinician,
                                "opened_at": opened,
                                "signed_by": clinician if status == "amended" else None,
                                "signed_at": opened if status == "amended" else None,
                            }
                        )
                    last_audit += 1
                    event = AuditRow(
                        encounter_id=encounter_id,
                        at=updated,
                        actor=clinician,
                        workstation="bench-generator",
                        action="import",
                        item_id=None,
                        old_json=None,
                        new_json=uid,
                    )
                    digest = event_hash(previous, event)
                    audit_rows.append(
                        {
                            "id": last_audit,
                            "encounter_id": encounter_id,
                            "at": updated,
                            "actor": clinician,
                            "workstation": "bench-generator",
                            "action": "import",
                            "item_id": None,
                            "old_json": None,
                            "new_json": uid,
                            "prev_hash": previous,
                            "hash": digest,
                        }
                    )
                    previous = digest
                connection.execute(insert(EncounterRow), encounter_rows)
                connection.execute(insert(AnswerRow), answer_rows)
                if order_rows:
                    connection.execute(insert(OrderRow), order_rows)
                connection.execute(insert(AuditRow), audit_rows)
                # Signed states are reached by the steps the database's triggers allow:
                # finalized, then an addendum opened (amending) and signed (amended).
                if signs:
                    connection.execute(
                        update(EncounterRow)
                        .where(EncounterRow.id == bindparam("key"))
                        .values(
                            status="finalized",
                            finalized_by=bindparam("finalized_by"),
                            finalized_at=bindparam("finalized_at"),
                        ),
                        signs,
                    )
                if addendum_rows:
                    connection.execute(
                        insert(AddendumRow),
                        [{**row, "signed_by": None, "signed_at": None} for row in addendum_rows],
                    )
                    signed = [
                        {"key": row["encounter_id"], "by": row["signed_by"], "at": row["signed_at"]}
                        for row in addendum_rows
                        if row["signed_at"] is not None
                    ]
                    if signed:
                        connection.execute(
                            update(AddendumRow)
                            .where(AddendumRow.encounter_id == bindparam("key"))
                            .values(signed_by=bindparam("by"), signed_at=bindparam("at")),
                            signed,
                        )
            connection.execute(
                update(AuditHeadRow)
                .where(AuditHeadRow.id == 1)
                .values(
                    last_id=last_audit,
                    last_hash=previous,
                    events=AuditHeadRow.events + encounters,
                )
            )


def generate(
    out: Path,
    patients: int,
    encounters: int,
    seed: int = 1,
    report: Callable[[str], object] = print,
) -> Path:
    """Write a new database at `out` (replacing any file there); return its path."""
    out.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{out}{suffix}").unlink(missing_ok=True)
    partial = out.with_name(out.name + ".partial")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    service = WorkupService.open(Settings(), f"sqlite:///{partial}")
    try:
        generator = Generator(service, seed)
        by_service = min(SERVICE_ENCOUNTERS, encounters, patients)
        generator.through_service(by_service, 1)
        generator.bulk(patients - by_service, encounters - by_service, by_service + 1)
    finally:
        service.close()
    connection = sqlite3.connect(partial, isolation_level=None)
    try:
        connection.execute("ANALYZE")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    partial.rename(out)
    report(
        f"{out}: {patients} patients, {encounters} encounters in "
        f"{time.perf_counter() - started:.1f} s"
    )
    return out


def default_path(patients: int, encounters: int, seed: int) -> Path:
    """Where the benchmarks keep a generated database (out/ is not under version control)."""
    return BENCH_DIR / f"workup-{patients}-{encounters}-{seed}.sqlite3"


def ensure_database(
    patients: int = 20_000, encounters: int = 100_000, seed: int = 1, out: Path | None = None
) -> Path:
    """The cached benchmark database for these figures, generated when missing."""
    path = out or default_path(patients, encounters, seed)
    if not path.exists():
        generate(path, patients, encounters, seed, report=lambda text: print(text, file=sys.stderr))
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--encounters", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.patients < 1 or args.encounters < 0:
        parser.error("--patients must be at least 1 and --encounters at least 0")
    out = args.out or default_path(args.patients, args.encounters, args.seed)
    generate(out, args.patients, args.encounters, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
