"""Documents residents and officials upload (a challenge's plan, a proposal's photo): one way to accept
and to serve them, in every service.

- :func:`accepted_type`: the type the bytes show (their signature, not the name or the declared type),
  refused when too large, empty or not one of :data:`DOCUMENT_TYPES`;
- :func:`download`: the stored bytes as an attachment, with the type found on upload, ``nosniff`` and a
  sandboxing Content-Security-Policy, so that nothing uploaded runs in a reader's browser;
- :func:`install_document_problems`: 413 too large, 415 a type not accepted, 422 otherwise (problem+json).
"""

from __future__ import annotations

import filetype
from flask import Flask, Response, request

from meemaken_kit.problems import problem

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
DOCUMENT_TYPES = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "text/plain": ".txt",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}


class InvalidDocument(Exception):
    status = 422


class DocumentTooLarge(InvalidDocument):
    status = 413


class UnsupportedDocument(InvalidDocument):
    status = 415


def content_type_of(content: bytes) -> str | None:
    """What the bytes are: a known binary format, or text/plain for UTF-8 text without control
    characters; None when neither."""
    sniffed = filetype.guess_mime(content)
    if sniffed is not None:
        return str(sniffed)
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text/plain" if all(ch.isprintable() or ch in "\t\r\n\f" for ch in text) else None


def accepted_type(content: bytes, declared_type: str | None) -> str:
    """The type a document is stored with, whatever the upload declared (a browser says
    application/octet-stream for many files; an attacker says image/png for HTML)."""
    if len(content) > MAX_DOCUMENT_BYTES:
        raise DocumentTooLarge(f"a document may be at most {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB")
    if not content:
        raise InvalidDocument("the document is empty")
    content_type = content_type_of(content)
    if content_type not in DOCUMENT_TYPES:
        found = f"its content is {content_type}" if content_type else "its content is of no known type"
        raise UnsupportedDocument(
            f"{found} (declared {declared_type or 'nothing'}); send one of: {', '.join(sorted(DOCUMENT_TYPES))}"
        )
    return content_type


def allow_document_upload() -> None:
    """Let this request carry one document beside the form's own bytes (the app's limit is smaller)."""
    request.max_content_length = MAX_DOCUMENT_BYTES + 64 * 1024


def safe_filename(name: str | None) -> str:
    return "".join(ch for ch in (name or "")[:200] if ch.isalnum() or ch in "._- ").strip() or "document"


def download(content: bytes, content_type: str, filename: str, sha256: str) -> Response:
    return Response(
        content,
        mimetype=content_type,  # as its content showed on upload
        headers={
            "Content-Disposition": f'attachment; filename="{safe_filename(filename)}"',
            "ETag": f'"{sha256}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


def install_document_problems(app: Flask) -> None:
    def invalid_document(exc: InvalidDocument) -> Response:
        return problem(exc.status, "Invalid document", str(exc))

    app.register_error_handler(InvalidDocument, invalid_document)
