"""Use cases of the application, free of Qt: the GUI and the CLI both call these.

The package's modules: `errors` (what the services report), `maintenance` (opening,
upgrading, backing up, restoring, checking and copying a database), `workflows` (the
catalog and workflow files), `workups` (`WorkupService`, the use cases over one database)
`exports` (summaries made without a window, batch exports) and `scans` (scanned sheets
read into drafts). Every public name is also
importable from the package itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.services.errors import (
    CHANGED_BEFORE_SIGNING as CHANGED_BEFORE_SIGNING,
)
from app.services.errors import (
    LANGUAGES as LANGUAGES,
)
from app.services.errors import (
    ChangedError as ChangedError,
)
from app.services.errors import (
    ConflictError as ConflictError,
)
from app.services.errors import (
    InvalidInputError as InvalidInputError,
)
from app.services.errors import (
    LockedError as LockedError,
)
from app.services.errors import (
    NotFoundError as NotFoundError,
)
from app.services.errors import (
    ServiceError as ServiceError,
)
from app.services.errors import (
    UnavailableError as UnavailableError,
)
from app.services.exports import (
    BatchItem as BatchItem,
)
from app.services.exports import (
    SummaryBatch as SummaryBatch,
)
from app.services.exports import (
    batch_jobs as batch_jobs,
)
from app.services.exports import (
    batch_pdf_name as batch_pdf_name,
)
from app.services.exports import (
    batch_since as batch_since,
)
from app.services.exports import (
    export_summaries as export_summaries,
)
from app.services.exports import (
    export_summary_pdf as export_summary_pdf,
)
from app.services.maintenance import (
    Clock as Clock,
)
from app.services.maintenance import (
    DatabaseCopy as DatabaseCopy,
)
from app.services.maintenance import (
    DatabaseReport as DatabaseReport,
)
from app.services.maintenance import (
    Restored as Restored,
)
from app.services.maintenance import (
    SchemaUpgrade as SchemaUpgrade,
)
from app.services.maintenance import (
    backup_database as backup_database,
)
from app.services.maintenance import (
    check_database as check_database,
)
from app.services.maintenance import (
    copy_database as copy_database,
)
from app.services.maintenance import (
    database_check_record as database_check_record,
)
from app.services.maintenance import (
    default_workstation as default_workstation,
)
from app.services.maintenance import (
    grant_runtime_role as grant_runtime_role,
)
from app.services.maintenance import (
    list_backups as list_backups,
)
from app.services.maintenance import (
    load_storage as load_storage,
)
from app.services.maintenance import (
    newest_backup_time as newest_backup_time,
)
from app.services.maintenance import (
    opened_database as opened_database,
)
from app.services.maintenance import (
    restore_database as restore_database,
)
from app.services.maintenance import (
    upgrade_database as upgrade_database,
)
from app.services.maintenance import (
    witness_file as witness_file,
)
from app.services.maintenance import (
    witnessed_heads as witnessed_heads,
)
from app.services.scans import (
    ScanImport as ScanImport,
)
from app.services.scans import (
    ScanReading as ScanReading,
)
from app.services.scans import (
    ScanRefused as ScanRefused,
)
from app.services.scans import (
    import_scans as import_scans,
)
from app.services.scans import (
    read_scans as read_scans,
)
from app.services.scans import (
    readings_json as readings_json,
)
from app.services.workflows import (
    load_catalog as load_catalog,
)
from app.services.workflows import (
    parsed_workflows as parsed_workflows,
)
from app.services.workflows import (
    workflow_file_problems as workflow_file_problems,
)
from app.services.workflows import (
    workflow_file_warnings as workflow_file_warnings,
)
from app.services.workups import (
    WITNESS_EVERY as WITNESS_EVERY,
)
from app.services.workups import (
    WorkupService as WorkupService,
)
from app.services.workups import (
    write_file_atomically as write_file_atomically,
)
from app.storage.urls import hide_secrets as hide_secrets
from app.storage.urls import shown_url as shown_url

if TYPE_CHECKING:
    from app.storage.backup import BackupInfo as BackupInfo
