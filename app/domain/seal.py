"""The sealed content of an encounter and its SHA-256: what a signature vouches for.

The content is the encounter document's content (docs/encounter-document.md) without what
changes by signing itself or is bookkeeping: the status, revision, change time and the
signatures are left out; the workflow is named by its id, version and content hash (its
definition is fixed by that hash). The same content, however it is stored or exported,
gives the same digest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

DIGEST_SHOWN = 16
"""Hexadecimal digits of the digest printed on paper."""

_ADDENDUM_SEALED = ("seq", "reason", "opened_by", "opened_at")


def sealed_content(document: Mapping[str, Any]) -> dict[str, Any]:
    """The sealed part of an encounter document (or of a dict of the same shape).

    `document` has the keys "encounter" (uid, language, clinician, created_at, addenda),
    "patient", "workflow" (id, version, content_hash), "answers" and "orders", valued
    as in the JSON encounter document.
    """
    encounter = document["encounter"]
    workflow = document["workflow"]
    addenda: Sequence[Mapping[str, Any]] = encounter["addenda"]
    return {
        "encounter": {
            "uid": encounter["uid"],
            "language": encounter["language"],
            "clinician": encounter["clinician"],
            "created_at": encounter["created_at"],
            "addenda": [{key: addendum[key] for key in _ADDENDUM_SEALED} for addendum in addenda],
        },
        "patient": dict(document["patient"]),
        "workflow": {
            "id": workflow["id"],
            "version": workflow["version"],
            "content_hash": workflow["content_hash"],
        },
        "answers": dict(document["answers"]),
        "orders": dict(document["orders"]),
    }


def content_digest(document: Mapping[str, Any]) -> str:
    """The SHA-256 (hexadecimal) of the sealed content of `document`, in canonical JSON."""
    text = json.dumps(
        sealed_content(document),
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        allow_nan=False,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def shown_digest(digest: str) -> str:
    """The start of a digest as printed, in groups of four digits."""
    head = digest[:DIGEST_SHOWN]
    return " ".join(head[index : index + 4] for index in range(0, len(head), 4))
