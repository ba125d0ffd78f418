"""The portal's pages, rendered on the server in the resident's language (nl by default)."""

from __future__ import annotations

import os

from flask import Blueprint, render_template, request

portal = Blueprint("portal", __name__, template_folder="../templates")

LANGUAGES = ("nl", "fr", "en")
SERVICES = {"proposals": 8101, "challenges": 8102, "panels": 8103, "notifications": 8104}

TEXT = {
    "nl": {
        "tagline": "Samen beleid en dienstverlening maken in je gemeente.",
        "soon": "Binnenkort kun je hier:",
        "offers": [
            "voorstellen indienen en steunen, en meebeslissen over het burgerbudget;",
            "met je vereniging een gemeentelijke taak uitdagen (Right to Challenge);",
            "deelnemen aan een burgerpanel als je geloot wordt;",
            "volgen wat er met je inbreng gebeurt, in je eigen taal.",
        ],
        "status": "Status van de diensten",
    },
    "fr": {
        "tagline": "Construire ensemble la politique et les services de votre commune.",
        "soon": "Bient\u00f4t, vous pourrez ici :",
        "offers": [
            "d\u00e9poser et soutenir des propositions, et d\u00e9cider du budget citoyen ;",
            "avec votre association, reprendre une t\u00e2che communale (droit de d\u00e9fi) ;",
            "participer \u00e0 un panel citoyen si vous \u00eates tir\u00e9 au sort ;",
            "suivre ce qu'il advient de votre contribution, dans votre langue.",
        ],
        "status": "\u00c9tat des services",
    },
    "en": {
        "tagline": "Making municipal policy and services together.",
        "soon": "Soon you can:",
        "offers": [
            "submit and support proposals, and decide on the citizens' budget;",
            "challenge the municipality to let your association run a task (Right to Challenge);",
            "take part in a citizen panel when you are drawn by lot;",
            "follow what happens with your contribution, in your own language.",
        ],
        "status": "Service status",
    },
}


@portal.get("/")
def home() -> str:
    language = request.args.get("lang", "nl")
    if language not in LANGUAGES:
        language = "nl"
    links = {
        name: os.environ.get(f"{name.upper()}_BASE_URL", f"http://127.0.0.1:{port}") + "/healthz"
        for name, port in SERVICES.items()
    }
    return render_template("home.html", lang=language, text=TEXT[language], links=links, languages=LANGUAGES)
