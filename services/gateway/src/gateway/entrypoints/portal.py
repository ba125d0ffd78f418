"""The portal's home page, rendered on the server in the visitor's language (Dutch by default)."""

from __future__ import annotations

from flask import Blueprint, Response

from gateway.context import gateway
from gateway.web import install_page_answers, page
from meemaken_kit.auth import public

portal = Blueprint("portal", __name__)
install_page_answers(portal)


@portal.get("/")
@public
def home() -> Response:
    links = {name: f"{url}/healthz" for name, url in gateway().settings.services.items()}
    return page("home.html", links=links)
