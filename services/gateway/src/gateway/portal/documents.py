"""A resident adds a document to something of theirs (a challenge, a proposal): one form and one way to
send it to the service that keeps it, with the service's refusal told in plain words at the field."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import RequestEntityTooLarge

from gateway.backends import Refused, api
from gateway.portal import portal
from meemaken_kit.problems import from_http_exception

DOCUMENT_MAX = 10 * 1024 * 1024  # as the services accept (meemaken_kit.documents)
TOO_LARGE = _l("The file is larger than 10 MB. Add a smaller file.")
NOT_ACCEPTED = _l(
    "This type of file cannot be added. Add a PDF, a picture (PNG or JPEG), a text or an office document."
)
EMPTY = _l("The file is empty. Choose another file.")


class DocumentForm(FlaskForm):  # type: ignore[misc]
    document = FileField(_l("Document"), validators=[FileRequired(_l("Choose a file to add."))])


def _uploading() -> bool:
    return request.method == "POST" and request.mimetype == "multipart/form-data"


def _room_for_a_document(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """A form sent as multipart carries a document: it gets room for one before anything reads the
    form (the CSRF check does, before the view), instead of the gateway's usual limit."""
    if _uploading():
        request.max_content_length = DOCUMENT_MAX + 64 * 1024  # the file and the form's own fields


def _too_large(error: RequestEntityTooLarge) -> Response:
    """A document over the limit: its page again, saying so (the view sees ``document_form()`` answer
    "too large" and changes nothing); anything else too large: the gateway's usual problem answer."""
    view = current_app.view_functions.get(request.endpoint or "")
    if not _uploading() or view is None or g.get("document_too_large"):
        return from_http_exception(error)
    g.document_too_large = True
    try:
        answer: Response = current_app.make_response(current_app.ensure_sync(view)(**(request.view_args or {})))
    except RequestEntityTooLarge:  # a page that reads the form itself, not through document_form()
        return from_http_exception(error)
    return answer


def install_document_uploads(blueprint: Blueprint) -> None:
    """The blueprint's multipart forms take one document (the portal's, the officials' case pages')."""
    blueprint.url_value_preprocessor(_room_for_a_document)
    blueprint.register_error_handler(RequestEntityTooLarge, _too_large)


install_document_uploads(portal)


def document_form() -> tuple[DocumentForm, bool]:
    """The form of this request, allowed one document's size; (form, True) when the upload was too large."""
    if not g.get("document_too_large"):
        request.max_content_length = DOCUMENT_MAX + 64 * 1024  # the file and the form's own fields
        try:
            return DocumentForm(), False
        except RequestEntityTooLarge:
            pass
    form = DocumentForm(formdata=None)
    form.document.errors = [TOO_LARGE]
    return form, True


def send_document(form: DocumentForm, service: str, path: str) -> bool:
    """POST the form's file to the service (multipart field ``file``); False with the field's error when
    the service refuses it. ServiceError (the service down) is the caller's to show."""
    upload = form.document.data
    try:
        api().upload(
            service,
            path,
            (upload.filename or "document")[:200],
            upload.mimetype or "application/octet-stream",
            upload.read(),
        )
    except Refused as refused:
        if refused.status in (413, 415):
            form.document.errors = [TOO_LARGE if refused.status == 413 else NOT_ACCEPTED]
        elif "empty" in refused.detail:
            form.document.errors = [EMPTY]
        elif "at most" in refused.detail:
            form.document.errors = [_l("No more documents can be added: the limit is reached.")]
        else:
            form.document.errors = [_l("No documents can be added to it any more.")]
        return False
    return True
