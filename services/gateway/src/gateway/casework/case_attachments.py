"""Documents on a case page. The officials' own are internal, like the notes: kept in the gateway's
database (``case_store.attach``), listed on the case page and downloaded by officials only, never shown
to residents or sent in a notice. They pass the same checks as every document residents add (the type
their bytes show, at most 10 MB: ``meemaken_kit.documents``) and are served as attachments with
``nosniff``. The residents' documents stay in the service that keeps them; the case page lists them from
the service's answer and links to them through the gateway's pass-through (with the official's token).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gateway.backends import Refused, Unavailable, api
from gateway.portal.documents import EMPTY, NOT_ACCEPTED, TOO_LARGE, DocumentForm
from meemaken_kit.documents import (
    DocumentTooLarge,
    InvalidDocument,
    UnsupportedDocument,
    accepted_type,
    safe_filename,
)

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# service -> (the case in its API, the list of documents in its answer, where each is downloaded)
KEPT = {
    "proposals": ("v1/proposals/{case_id}", "attachments", "v1/proposals/{case_id}/attachments/{id}"),
    "challenges": ("v1/challenges/{case_id}", "documents", "v1/challenges/{case_id}/documents/{id}"),
}


@dataclass(frozen=True)
class ResidentDocument:
    filename: str
    size: int
    link: str  # through the gateway's pass-through


def residents_documents(service: str, case_id: str) -> list[ResidentDocument] | None:
    """The documents residents added to the case, as the service keeps them; None when it cannot say now."""
    kept = KEPT.get(service)
    if kept is None or UUID.match(case_id) is None:
        return []  # a budget project, a panel: residents add no documents there
    case, listed, download = kept
    try:
        found = api().get(service, case.format(case_id=case_id))
    except Refused as refused:
        return [] if refused.status == 404 else None  # 404: not a resident's case (e.g. a budget round)
    except Unavailable:
        return None
    return [
        ResidentDocument(
            str(d["filename"]),
            int(d.get("size") or 0),
            f"/api/{service}/" + download.format(case_id=case_id, id=d["id"]),
        )
        for d in (found or {}).get(listed) or []
    ]


def read_upload(form: DocumentForm) -> tuple[str, str, bytes] | None:
    """The form's document as the case keeps it (its name, the type its bytes show, the bytes), or None
    with the field's error in plain words."""
    upload = form.document.data
    content = upload.read()
    try:
        content_type = accepted_type(content, upload.mimetype)
    except DocumentTooLarge:
        form.document.errors = [TOO_LARGE]
        return None
    except UnsupportedDocument:
        form.document.errors = [NOT_ACCEPTED]
        return None
    except InvalidDocument:
        form.document.errors = [EMPTY]
        return None
    return safe_filename(upload.filename), content_type, content
