"""The `workup` command: the GUI by default, and maintenance and export commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import NoReturn, TextIO

from app import __version__, services
from app.domain.labels import STATUS_LABELS
from app.domain.vocabulary import Language, Paper
from app.startup import resume_collector

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


class CommandError(Exception):
    """A command failed; the message is printed as one line and the exit code returned."""

    def __init__(self, message: str, code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.code = code


class _Parser(argparse.ArgumentParser):
    """An argument parser that reports a mistake in one line, without the usage text."""

    def error(self, message: str) -> NoReturn:
        raise CommandError(f"{self.prog}: {message} (see '{self.prog} --help')", EXIT_USAGE)


MAX_NUMBER = 2**63 - 1
"""The largest id or count a database integer column holds."""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive number")
    if value > MAX_NUMBER:
        raise argparse.ArgumentTypeError(f"'{text}' is too large (at most {MAX_NUMBER})")
    return value


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date as YYYY-MM-DD") from None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command line as DESIGN.md specifies it.

    Given the `argv` it is to parse, only the commands named in it get their arguments and
    actions; the others are listed (for the help and for errors) but not filled in, since
    each parser argparse makes costs it a file-system search for translations. A command is
    chosen only by its exact name, so such a parser reads `argv` as the whole one does.
    """
    parser = _Parser(prog="workup", description="Ejaculatory Disorder Workup")
    parser.add_argument("--version", action="version", version=f"workup {__version__}")
    parser.add_argument("--database-url", metavar="URL", help="database to use")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    named = None if argv is None else set(argv)
    for name, (help_text, add_arguments) in _COMMAND_LINE.items():
        command = commands.add_parser(name, help=help_text)
        if named is None or name in named:
            add_arguments(command)
    _accept_global_options(parser)
    return parser


def _gui_arguments(parser: argparse.ArgumentParser) -> None:
    """The window takes no arguments of its own."""


def _workflows_arguments(parser: argparse.ArgumentParser) -> None:
    workflow_commands = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    workflow_commands.add_parser("list", help="id, version, title and file of each workflow")
    validate = workflow_commands.add_parser("validate", help="check workflow files")
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE")


def _sheet_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("workflow_id", metavar="WORKFLOW_ID")
    parser.add_argument(
        "--prefill",
        type=_positive_int,
        metavar="ENCOUNTER_ID",
        help="print this encounter's answers on the sheet as pen marks",
    )
    _pdf_options(parser)


def _scan_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    target = parser.add_mutually_exclusive_group()
    target.add_argument(
        "--encounter", type=_positive_int, metavar="ID", help="add the readings to this draft"
    )
    target.add_argument(
        "--patient", metavar="CHART", help="start a draft for the patient with this chart number"
    )
    parser.add_argument("--clinician", metavar="NAME", help="with --patient: who starts the draft")
    parser.add_argument(
        "--readings-out",
        type=Path,
        metavar="F.json",
        help="write every reading (boxes, states, crops' hashes) as JSON",
    )


def _export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("encounter_id", nargs="?", type=_positive_int, metavar="ENCOUNTER_ID")
    parser.add_argument("--all", action="store_true", help="export every encounter into --out")
    parser.add_argument("--since", type=_day, metavar="DATE", help="with --all: changed since")
    parser.add_argument(
        "--signed-only",
        action="store_true",
        help="with --all: only encounters signed as they stand (no draft, no open addendum)",
    )
    parser.add_argument(
        "--jobs",
        type=_positive_int,
        metavar="N",
        help="with --all: processes making PDFs (default: cores, at most 4)",
    )
    parser.add_argument(
        "--patient-copy",
        action="store_true",
        help="the patient's copy: orders and instruction pages only",
    )
    parser.add_argument(
        "--no-instructions",
        action="store_true",
        help="leave out the patient instruction pages",
    )
    _pdf_options(parser)


def _encounters_arguments(parser: argparse.ArgumentParser) -> None:
    encounter_commands = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = encounter_commands.add_parser("list", help="id, patient, workflow, status, updated")
    listing.add_argument("--search", default="", metavar="TEXT")
    listing.add_argument("--limit", type=_positive_int, default=1000, metavar="N")
    importing = encounter_commands.add_parser("import", help="import a JSON encounter document")
    importing.add_argument("file", type=Path, metavar="F.json")
    exporting = encounter_commands.add_parser("export", help="export a JSON encounter document")
    exporting.add_argument("encounter_id", type=_positive_int, metavar="ENCOUNTER_ID")
    exporting.add_argument("--out", type=Path, required=True, metavar="F.json")


def _db_arguments(parser: argparse.ArgumentParser) -> None:
    db_commands = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    db_commands.add_parser("upgrade", help="create or upgrade the schema")
    db_commands.add_parser("check", help="check integrity, schema and audit chain")
    grant = db_commands.add_parser(
        "grant", help="give a server role what workstations need, and no more (as the owner)"
    )
    grant.add_argument("role", metavar="ROLE")
    copy = db_commands.add_parser("copy", help="copy every record into an empty database")
    copy.add_argument("--to", required=True, metavar="URL", dest="target_url")
    backup = db_commands.add_parser(
        "backup", help="a checked backup into the backups folder (a server: pg_dump)"
    )
    backup.add_argument("--out", type=Path, metavar="F", help="write the backup to F instead")
    db_commands.add_parser("backups", help="the backups: time, reason, size, encounters, check")
    restore = db_commands.add_parser(
        "restore", help="put a backup in place of the database (the current one is kept)"
    )
    restore.add_argument("backup_file", type=Path, metavar="BACKUP")
    restore.add_argument(
        "--force", action="store_true", help="replace a database with changes newer than BACKUP"
    )


def _audit_arguments(parser: argparse.ArgumentParser) -> None:
    audit_commands = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    audit_commands.add_parser(
        "verify", help="check the audit chain, snapshots and records against their events"
    )
    audit_commands.add_parser("head", help="print the audit chain head (event count and hash)")


def _fhir_arguments(parser: argparse.ArgumentParser) -> None:
    fhir_commands = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    fhir_export = fhir_commands.add_parser("export", help="an encounter as a FHIR Bundle")
    fhir_export.add_argument("encounter_id", type=_positive_int, metavar="ENCOUNTER_ID")
    fhir_export.add_argument("--out", type=Path, required=True, metavar="F.json")
    questionnaire = fhir_commands.add_parser("questionnaire", help="a workflow as Questionnaire")
    questionnaire.add_argument("workflow_id", metavar="WORKFLOW_ID")
    questionnaire.add_argument("--out", type=Path, required=True, metavar="F.json")


def _accept_global_options(parser: argparse.ArgumentParser) -> None:
    """Let every command take --database-url after its name as well as before it."""
    for action in parser._actions:  # argparse exposes no public walk over subcommands
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _accept_global_options(child)
    if parser.prog != "workup":
        parser.add_argument(
            "--database-url", metavar="URL", default=argparse.SUPPRESS, help="database to use"
        )


def _pdf_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, required=True, metavar="F.pdf")
    parser.add_argument(
        "--lang",
        choices=[str(language) for language in Language],
        help="language (default: the setting)",
    )
    parser.add_argument(
        "--paper", choices=[str(paper) for paper in Paper], help="paper size (default: A4)"
    )


class _Context:
    """What a command needs: settings, streams, and a service opened on first use."""

    def __init__(self, args: argparse.Namespace, out: TextIO, err: TextIO) -> None:
        from app.config import ConfigError, load_settings

        self.args = args
        self.out = out
        self.err = err
        try:
            self.settings = load_settings()
        except ConfigError as error:
            raise CommandError(str(error)) from error
        self._service: object | None = None

    def service(self) -> services.WorkupService:
        if self._service is None:
            self._service = services.WorkupService.open(self.settings, self.args.database_url)
        assert isinstance(self._service, services.WorkupService)
        return self._service

    def database_url(self) -> str:
        from app.config import resolve_database_url

        return resolve_database_url(self.args.database_url, self.settings)

    def close(self) -> None:
        if isinstance(self._service, services.WorkupService):
            self._service.close()


def _cmd_workflows(context: _Context) -> int:
    args = context.args
    if args.action == "validate":
        problems = services.workflow_file_problems(list(args.files), context.settings)
        for line in problems:
            print(line, file=context.out)
        if problems:
            return EXIT_USAGE
        for path in args.files:
            print(f"{path}: valid", file=context.out)
        for line in services.workflow_file_warnings(list(args.files)):
            print(f"workup: warning: {line}", file=context.err)
        return EXIT_OK
    catalog = services.load_catalog(context.settings)
    for workflow_id, workflow in sorted(catalog.workflows.items()):
        source = catalog.sources.get(workflow_id, "")
        fields = (workflow_id, str(workflow.version), workflow.title.en, str(source))
        print("\t".join(_plain(field) for field in fields), file=context.out)
    for problem in catalog.problems:
        print(f"workup: broken workflow file: {problem}", file=context.err)
    for warning in catalog.warnings:
        print(f"workup: warning: {warning}", file=context.err)
    return EXIT_OK


def _lang(context: _Context) -> str:
    return str(context.args.lang or context.settings.language or "en")


def _cmd_sheet(context: _Context) -> int:
    args = context.args
    service = context.service()
    data = service.sheet_pdf(args.workflow_id, _lang(context), args.paper, prefill=args.prefill)
    service.write_pdf(args.out, data)
    print(args.out, file=context.out)
    return EXIT_OK


def _cmd_scan(context: _Context) -> int:
    from datetime import UTC, datetime

    from app.domain.encounter import OrderState
    from app.domain.values import display_value

    args = context.args
    if args.clinician and not args.patient:
        raise CommandError("workup scan: --clinician goes with --patient", EXIT_USAGE)
    if args.readings_out and args.encounter is None and args.patient is None:
        raise CommandError(
            "workup scan: --readings-out goes with --encounter or --patient", EXIT_USAGE
        )
    service = context.service()
    try:
        if args.encounter is None and args.patient is None:
            reading = services.read_scans(service, args.files)
            imported = None
        else:
            imported = services.import_scans(
                service,
                args.files,
                encounter_id=args.encounter,
                chart_number=args.patient,
                clinician=args.clinician,
            )
            reading = imported.reading
    except services.ScanRefused as refused:
        # every problem, on one line like any other error
        problems = "; also: ".join(_one_line(problem) for problem in refused.problems)
        print(f"workup: scan: {problems}", file=context.err)
        return EXIT_FAILURE
    language = reading.sheet.layout.language
    stored = set(imported.stored) if imported else set()
    kept = set(imported.kept) if imported else set()
    for item in reading.items:
        value = item.value
        if value is None:
            shown = ""
        elif isinstance(value, OrderState):
            shown = value.status.value
        else:
            shown = display_value(item.item, value, language)
        mark = "stored" if item.item.id in stored else "kept" if item.item.id in kept else ""
        fields = (item.item.id, item.state.value, str(shown), mark, item.note)
        print("\t".join(_plain(field) for field in fields), file=context.out)
    counts = dict.fromkeys(("read", "unclear", "written", "empty"), 0)
    for item in reading.items:
        counts[item.state.value] += 1
    summary = (
        f"{len(reading.sheet.pages)} pages of {reading.workflow.id} version "
        f"{reading.workflow.version}: {counts['read']} items read, {counts['unclear']} "
        f"unclear, {counts['written']} written by hand (kept as images), {counts['empty']} empty"
    )
    if imported is not None:
        verb = "started" if imported.created else "added to"
        summary += (
            f"; draft {imported.encounter_id} {verb} with {len(imported.stored)} answers "
            "from paper, to confirm"
        )
        if imported.kept:
            summary += f"; {len(imported.kept)} answers already in the draft were kept"
    print(summary, file=context.err)
    if args.readings_out is not None and imported is not None:
        data = services.readings_json(imported, datetime.now(UTC))
        service.write_file(args.readings_out, data)
    return EXIT_OK


def _cmd_export(context: _Context) -> int:
    args = context.args
    if args.all == (args.encounter_id is not None):
        raise CommandError("workup export: give either ENCOUNTER_ID or --all", EXIT_USAGE)
    if args.since and not args.all:
        raise CommandError("workup export: --since goes with --all", EXIT_USAGE)
    if args.jobs and not args.all:
        raise CommandError("workup export: --jobs goes with --all", EXIT_USAGE)
    if args.signed_only and not args.all:
        raise CommandError("workup export: --signed-only goes with --all", EXIT_USAGE)
    if args.patient_copy and args.all:
        raise CommandError("workup export: --patient-copy goes with one ENCOUNTER_ID", EXIT_USAGE)
    if args.patient_copy and args.no_instructions:
        raise CommandError(
            "workup export: a patient copy always has its instruction pages; "
            "leave out --no-instructions",
            EXIT_USAGE,
        )
    if args.no_instructions and args.all:
        raise CommandError(
            "workup export: --no-instructions goes with one ENCOUNTER_ID", EXIT_USAGE
        )
    if not args.all:
        data = services.export_summary_pdf(
            context.settings,
            args.database_url,
            args.encounter_id,
            args.lang,
            args.paper,
            patient_copy=args.patient_copy,
            instructions=not args.no_instructions,
        )
        services.write_file_atomically(args.out, data)
        print(args.out, file=context.out)
        return EXIT_OK
    service = context.service()
    folder: Path = args.out
    if not folder.is_dir():
        raise CommandError(f"workup export: {folder} is not an existing folder")
    since = services.batch_since(args.since) if args.since else None
    batch = services.SummaryBatch(service, folder, args.lang, args.paper)
    ids = batch.select(since, args.signed_only)
    progress = _Progress(len(ids), context.err)
    failed: list[services.BatchItem] = []

    def done(item: services.BatchItem) -> None:
        if item.error is not None:
            failed.append(item)
            progress.interject(f"workup: {item.path.name}: {_one_line(item.error)}")
        progress.advance()

    try:
        batch.run(jobs=args.jobs or services.batch_jobs(), report=done)
    finally:
        progress.finish()
    written = len(ids) - len(failed)
    left_out = f" ({batch.left_out} unsigned left out)" if batch.left_out else ""
    print(f"{written} summaries written to {folder}{left_out}", file=context.out)
    if failed:
        raise CommandError(f"workup export: {len(failed)} of {len(ids)} summaries failed")
    return EXIT_OK


class _Progress:
    """A one-line progress bar on a terminal; nothing when the stream is not one."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.stream = stream
        self.enabled = total > 0 and stream.isatty()
        self.done = 0
        self.shown = False

    def advance(self) -> None:
        self.done += 1
        self.show(self.done)

    def show(self, done: int) -> None:
        if not self.enabled:
            return
        width = 30
        filled = width * done // self.total
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r[{bar}] {done}/{self.total}")
        self.stream.flush()
        self.shown = True

    def interject(self, line: str) -> None:
        """Print one line (an error) without breaking the bar."""
        if self.shown:
            self.stream.write("\r\033[K")
        self.stream.write(line + "\n")
        self.stream.flush()
        if self.shown:
            self.show(self.done)

    def finish(self) -> None:
        if self.enabled and self.shown:
            self.stream.write("\n")
            self.shown = False


def _cmd_encounters(context: _Context) -> int:
    args = context.args
    service = context.service()
    if args.action == "list":
        for summary in service.list_encounters(args.search, limit=args.limit):
            updated = summary.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
            fields = (
                str(summary.id),
                summary.patient_name,
                summary.workflow_id,
                STATUS_LABELS[summary.status].en,
                updated,
            )
            print("\t".join(_plain(field) for field in fields), file=context.out)
        return EXIT_OK
    if args.action == "import":
        try:
            text = args.file.read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {args.file}: {error.strerror}") from error
        encounter_id = service.import_document(text, actor="import")
        print(encounter_id, file=context.out)
        return EXIT_OK
    document = service.export_document(args.encounter_id)
    service.write_file(args.out, document.encode("utf-8"))
    print(args.out, file=context.out)
    return EXIT_OK


def _cmd_db(context: _Context) -> int:
    from app.config import backups_dir

    url = context.database_url()
    if context.args.action == "upgrade":
        upgraded = services.upgrade_database(url, backups_dir(context.settings))
        before, after = upgraded.before, upgraded.after
        if before == after:
            print(f"schema is up to date ({after})", file=context.out)
        else:
            print(f"schema upgraded from {before or 'empty'} to {after}", file=context.out)
        for role in upgraded.roles:
            print(f"privileges of role {role} given again on every table", file=context.out)
        return EXIT_OK
    if context.args.action == "grant":
        granted = services.grant_runtime_role(url, context.args.role)
        for table, privileges in granted:
            print(f"{table}: {', '.join(privileges)}", file=context.out)
        print(
            f"role {context.args.role} may use the database; it owns nothing, cannot change "
            "the schema, and may only read and append to the audit trail",
            file=context.out,
        )
        return EXIT_OK
    if context.args.action == "copy":
        progress = _CopyProgress(context.err)
        copied = services.copy_database(url, context.args.target_url, progress.show)
        rows = copied.rows
        print(
            f"copied {sum(rows.values())} records from {copied.source} to {copied.target} "
            f"({rows.get('patients', 0)} patients, {rows.get('encounters', 0)} encounters, "
            f"{rows.get('audit_events', 0)} audit events); audit chain intact",
            file=context.out,
        )
        return EXIT_OK
    if context.args.action in ("backup", "backups", "restore"):
        return _cmd_db_backups(context, url)
    report = services.check_database(url)
    print(f"database: {report.label}", file=context.out)
    print(f"schema: {report.revision or 'none'}", file=context.out)
    if report.audit is not None:
        print(f"audit events: {report.audit.events}", file=context.out)
    for warning in report.warnings:
        print(f"workup: warning: {warning}", file=context.err)
    if report.problems:
        raise CommandError(f"{report.label}: {report.problems[0]}")
    print("ok", file=context.out)
    return EXIT_OK


def _cmd_db_backups(context: _Context, url: str) -> int:
    args = context.args
    if args.action == "backup":
        label, written, info = services.backup_database(url, context.settings, out=args.out)
        if info is None:
            print(f"backed up {label} to {written} (pg_dump, custom format)", file=context.out)
        else:
            print(
                f"backed up {label} to {written}: {info.encounters} encounters, "
                f"{info.audit_events} audit events, check {info.check}",
                file=context.out,
            )
        return EXIT_OK
    if args.action == "backups":
        for info in services.list_backups(context.settings):
            fields = (
                info.made_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
                info.reason,
                str(info.size),
                "" if info.encounters is None else str(info.encounters),
                info.check,
                str(info.path),
            )
            print("\t".join(_plain(field) for field in fields), file=context.out)
        return EXIT_OK
    restored = services.restore_database(url, context.settings, args.backup_file, force=args.force)
    kept = f"; the replaced database is kept as {restored.kept}" if restored.kept else ""
    if restored.encounters is None:
        print(f"restored {args.backup_file} into {restored.label}", file=context.out)
    else:
        print(
            f"restored {restored.label} from {args.backup_file}: {restored.encounters} "
            f"encounters, {restored.audit_events} audit events{kept}",
            file=context.out,
        )
    return EXIT_OK


_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\\": "\\\\"}


def _plain(text: str) -> str:
    """Text as a field of tab-separated output on a terminal: tabs, line breaks, backslashes
    and every other control or invisible formatting character written as an escape, so that
    a name can neither break the columns nor send commands to the terminal."""
    return "".join(
        _ESCAPES.get(character)
        or (character if character.isprintable() else f"\\u{ord(character):04x}")
        for character in text
    )


class _CopyProgress:
    """Rows copied per table on standard error: updated in place on a terminal, else one
    line per table once it is done."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = stream.isatty()

    def show(self, table: str, done: int, total: int) -> None:
        if self.live:
            self.stream.write(f"\rcopying {table}: {done}/{total}")
            if done >= total:
                self.stream.write("\n")
        elif done >= total:
            self.stream.write(f"copied {table}: {done}/{total}\n")
        self.stream.flush()


def _cmd_audit(context: _Context) -> int:
    if context.args.action == "head":
        head = context.service().audit_head()
        print(f"{head.events} {head.hash}", file=context.out)
        return EXIT_OK
    result = context.service().verify_audit()
    if not result.ok:
        raise CommandError(f"audit chain broken at {result.first_problem}")
    print(f"audit chain intact: {result.events} events", file=context.out)
    if result.witnessed:
        print(f"witnessed heads found in the chain: {result.witnessed}", file=context.out)
    if result.not_replayed:
        print(
            f"encounters imported before sealing (checked by the chain only): "
            f"{result.not_replayed}",
            file=context.out,
        )
    return EXIT_OK


def _cmd_fhir(context: _Context) -> int:
    args = context.args
    service = context.service()
    if args.action == "export":
        text = service.export_fhir_bundle(args.encounter_id)
    else:
        text = service.fhir_questionnaire(args.workflow_id)
    service.write_file(args.out, text.encode("utf-8"))
    print(args.out, file=context.out)
    return EXIT_OK


def _cmd_gui(context: _Context) -> int:
    from app.main import run_gui

    return run_gui(context.args.database_url)


_COMMAND_LINE: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
    "gui": ("start the application window", _gui_arguments),
    "workflows": ("list or validate workflow files", _workflows_arguments),
    "sheet": ("printable workup sheet, blank or pre-filled", _sheet_arguments),
    "scan": ("read scanned sheets into a draft", _scan_arguments),
    "export": ("PDF summary of one encounter, or of many", _export_arguments),
    "encounters": ("list, import or export encounters", _encounters_arguments),
    "db": ("database schema and checks", _db_arguments),
    "audit": ("audit trail", _audit_arguments),
    "fhir": ("FHIR R4 export", _fhir_arguments),
}
"""Each command's help line and what adds its arguments, in the order the help lists them."""

COMMANDS: dict[str, Callable[[_Context], int]] = {
    "gui": _cmd_gui,
    "workflows": _cmd_workflows,
    "sheet": _cmd_sheet,
    "scan": _cmd_scan,
    "export": _cmd_export,
    "encounters": _cmd_encounters,
    "db": _cmd_db,
    "audit": _cmd_audit,
    "fhir": _cmd_fhir,
}


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: stop as after Ctrl+C (files being written are finished or removed)."""


def _on_sigterm(_signal: int, _frame: object) -> None:
    raise Terminated


def run(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    """Run one command; every failure becomes one line on `err` and a non-zero code."""
    import signal

    context: _Context | None = None
    previous_handler: object = None
    try:
        args = build_parser(argv).parse_args(list(argv))
        context = _Context(args, out, err)
        if args.command not in (None, "gui"):
            resume_collector()  # the window resumes it once it is shown
            if _in_main_thread():
                previous_handler = signal.signal(signal.SIGTERM, _on_sigterm)
        return COMMANDS[args.command or "gui"](context)
    except CommandError as error:
        print(_one_line(_without_passwords(str(error), argv, context)), file=err)
        return error.code
    except services.ServiceError as error:
        print(f"workup: {_one_line(_without_passwords(str(error), argv, context))}", file=err)
        return EXIT_FAILURE
    except Terminated:
        print("workup: stopped (SIGTERM); only complete files were left", file=err)
        return 143
    except KeyboardInterrupt:
        print("workup: interrupted", file=err)
        return 130
    except Exception as error:  # the last guard: a user never sees a traceback
        import logging

        from app.config import setup_logging

        log = setup_logging()
        logging.getLogger("app.cli").error(
            "unexpected error in a command: %s", _error_without_text(error)
        )
        where = f"; details are in {log}" if log else ""
        print(f"workup: internal error ({type(error).__name__}){where}", file=err)
        return EXIT_FAILURE
    finally:
        if previous_handler is not None:
            signal.signal(signal.SIGTERM, previous_handler)  # type: ignore[arg-type]
        if context is not None:
            context.close()


def _in_main_thread() -> bool:
    """Whether this is the main thread (the only one that may install signal handlers)."""
    import threading

    return threading.current_thread() is threading.main_thread()


def _without_passwords(message: str, argv: Sequence[str], context: _Context | None) -> str:
    """`message` with the password of every database URL this command was given hidden.

    The messages quote URLs with their passwords hidden already; this is the last guard,
    for a library message or a usage error that quotes an argument as it was typed.
    """
    import os

    from app.config import ENV_DATABASE_URL

    urls = [os.environ.get(ENV_DATABASE_URL, "")]
    if context is not None:
        urls.append(context.settings.database_url)
    for index, argument in enumerate(argv):
        option, equals, value = argument.partition("=")
        if option in ("--database-url", "--to") and equals:
            urls.append(value)
        elif "://" in argument or (index and argv[index - 1] in ("--database-url", "--to")):
            urls.append(argument)
    return services.hide_secrets(message, urls)


def _error_without_text(error: BaseException) -> str:
    """The exception types and stack of `error`, without messages.

    A message may quote patient text (a library error citing what it could not lay out),
    and the log must never hold patient names or answers.
    """
    import traceback

    parts: list[str] = []
    current: BaseException | None = error
    while current is not None and len(parts) < 5:
        stack = "".join(traceback.format_tb(current.__traceback__))
        parts.append(f"{type(current).__module__}.{type(current).__qualname__}\n{stack}")
        current = current.__cause__ or current.__context__
    return "caused by: ".join(parts)


def _one_line(message: str) -> str:
    return " ".join(message.split()) or "failed"


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Console-script entry point."""
    code = run(sys.argv[1:] if argv is None else argv, sys.stdout, sys.stderr)
    sys.exit(code)
