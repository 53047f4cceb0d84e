"""The archive's manifest (清单): a SHA-256 of every file, and the head of the cycle's audit chain.

``manifest.json`` says which cycle, when it was exported (the only thing in the archive that changes
from one export of the same records to the next), whether its grades are provisional, the audit
chain's head (for an archived cycle: the archiving row), each file's size and SHA-256 (the evidence
files too), and the evidence files missing with the reason.
``SHA256SUMS`` lists the same hashes in the form ``sha256sum -c`` reads. ``chain_holds`` checks
a manifest's head against the audit log as it is now (``kaohe audit verify --manifest``).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlmodel import Session

from flows.archive.records import CycleRecord
from storage import audit

MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_files(
    files: dict[str, tuple[int, str]], record: CycleRecord, exported_at: datetime, *, missing: dict[str, str]
) -> dict[str, bytes]:
    """``SHA256SUMS`` and ``manifest.json`` of the archive's ``files`` (path → size and SHA-256);
    ``missing``: the evidence files not in the archive (path without suffix → why)."""
    cycle, head = record.cycle, record.audit[-1] if record.audit else None
    sums = "".join(f"{digest}  {path}\n" for path, (_, digest) in sorted(files.items())).encode("utf-8")
    listed = {**files, SUMS: (len(sums), sha256(sums))}
    manifest: dict[str, Any] = {
        "cycle": cycle.name,
        "exported_at": exported_at.isoformat(timespec="seconds"),
        "archived_at": cycle.archived_at.isoformat(timespec="seconds") if cycle.archived_at else None,
        "provisional": record.provisional,
        "audit_chain": {
            "chain": audit.cycle_chain(cycle.id),
            "rows": head.seq if head else 0,
            "head": head.hash if head else audit.GENESIS,
        },
        "files": {path: {"bytes": size, "sha256": digest} for path, (size, digest) in sorted(listed.items())},
        "evidence_missing": dict(sorted(missing.items())),
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    return {SUMS: sums, MANIFEST: text.encode("utf-8")}


def chain_holds(session: Session, manifest: dict[str, Any]) -> bool:
    """Whether the audit chain still has, at the manifest's place, the row with the manifest's hash."""
    recorded = manifest["audit_chain"]
    if recorded["rows"] == 0:
        return True
    rows = audit.chain_entries(session, recorded["chain"])
    return any(row.seq == recorded["rows"] and row.hash == recorded["head"] for row in rows)
