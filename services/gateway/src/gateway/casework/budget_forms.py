"""The budget desk's forms read into what the proposals service takes, each with its problems in plain
words (the field's id -> its message): a new round with its eligibility, a project idea, a project's review.

The pages check what they can say better than the service (an amount in euros, a cost above its part of
the budget, a missing reason); the service checks everything again and decides."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from gateway.casework import budget_rounds as rounds
from gateway.portal.budgets import budgets_of, part_of

TEXT_MAX = 5000
Problems = dict[str, str]


OPENING_FIELDS = (
    "process",
    "title",
    "budget",
    "districts_budgets",
    "themes_budgets",
    "form",
    "k",
    "points",
    "rule",
    "min_age",
    "residents_only",
    "districts",
    "unverified",
)


IDEA_FIELDS = ("title", "cost", "part", "description")
IDEA_TEXT_MAX = 2000


def text(form: Mapping[str, str], name: str) -> str:
    """A field as typed, trimmed, with the browser's line ends made plain."""
    return (form.get(name) or "").replace("\r\n", "\n").strip()


def _long(text: str) -> str | None:
    return _("Use at most %(count)s characters.", count=TEXT_MAX) if len(text) > TEXT_MAX else None


def _number(typed: str, low: int, high: int) -> int | None:
    typed = typed.strip()
    return int(typed) if typed.isascii() and typed.isdigit() and low <= int(typed) <= high else None


def read_opening(values: Mapping[str, str], processes: set[str]) -> tuple[dict[str, Any], Problems]:
    """The round as the service takes it (``POST v1/rounds``), or what is wrong with the form."""
    problems: Problems = {}
    if values["process"] not in processes:
        problems["process"] = _("Choose the budget process from the list.")
    if not values["title"] or len(values["title"]) > 200:
        problems["title"] = _("Give the round a title of at most 200 characters.")
    budget = rounds.cents(values["budget"])
    if budget is None or budget < 1:
        problems["budget"] = _("Give the total budget in euros, for example 150000.")
    parts: dict[str, dict[str, int]] = {}
    for name in ("districts_budgets", "themes_budgets"):
        parts[name], wrong = rounds.amounts(values[name])
        if wrong:
            problems[name] = _("Write one per line as name: amount in euros. Check: %(lines)s", lines="; ".join(wrong))
    if budget and not problems.keys() & {"districts_budgets", "themes_budgets"}:
        if sum(parts["districts_budgets"].values()) + sum(parts["themes_budgets"].values()) > budget:
            problems["districts_budgets"] = _("The districts' and themes' budgets together exceed the total budget.")
    form: dict[str, Any] = {"kind": values["form"]}
    if values["form"] not in rounds.FORMS:
        problems["form"] = _("Choose how residents vote.")
    elif values["form"] in ("k_approval", "ranking"):
        form["k"] = _number(values["k"], 1, 100)
        if form["k"] is None:
            problems["k"] = _("Give how many projects a voter chooses, from 1 to 100.")
    elif values["form"] == "cumulative":
        form["points"] = _number(values["points"], 1, 1000)
        if form["points"] is None:
            problems["points"] = _("Give how many points a voter gives, from 1 to 1000.")
    if values["rule"] not in rounds.RULES:
        problems["rule"] = _("Choose how the votes are counted.")
    min_age = _number(values["min_age"], 0, 120)
    if min_age is None:
        problems["min_age"] = _("Give the minimum age in whole years, from 0 to 120.")
    districts = rounds.names(values["districts"])
    if any(len(d) > 100 for d in districts):
        problems["districts"] = _("Use at most 100 characters per district.")
    if values["unverified"] not in ("desk", "refuse"):
        problems["unverified"] = _("Choose what happens when a login does not show a fact this round needs.")
    body = {
        "process_id": values["process"],
        "title": values["title"],
        "budget": budget,
        "district_budgets": parts.get("districts_budgets", {}),
        "theme_budgets": parts.get("themes_budgets", {}),
        "form": form,
        "rule": values["rule"],
        "eligibility": {
            "min_age": min_age,
            "residents_only": values["residents_only"] == "yes",
            "districts": districts,
            "unverified": values["unverified"],
        },
    }
    return body, problems


def read_idea(r: dict[str, Any], values: Mapping[str, str]) -> tuple[dict[str, Any], Problems]:
    """The idea as the service takes it (``POST v1/rounds/<id>/projects``), or what is wrong with the form."""
    problems: Problems = {}
    if not values["title"] or len(values["title"]) > 200:
        problems["title"] = _("Give the project a title of at most 200 characters.")
    cost = rounds.cents(values["cost"])
    if cost is None or cost < 1:
        problems["cost"] = _("Give the cost in euros, for example 12500 or 12.500,50.")
    parts = {"" if key is None else key for key in budgets_of(r)}
    if values["part"] not in parts:
        problems["part"] = _("Choose the part of the budget it draws on.")
    if len(values["description"]) > IDEA_TEXT_MAX:
        problems["description"] = _("Use at most %(count)s characters.", count=IDEA_TEXT_MAX)
    part = values["part"]
    theme = part.removeprefix("theme:") if part.startswith("theme:") else None
    district = part if part and theme is None else None
    body = {"title": values["title"], "cost": cost, "district": district, "theme": theme}
    return body | {"description": values["description"]}, problems


def read_review(r: dict[str, Any], p: dict[str, Any], form: Mapping[str, str]) -> tuple[Any, Problems]:
    """One project's review from the form: None when left for later, else a Review or its problems."""
    pid = p["id"]
    verdict = form.get(f"{pid}-verdict", "")
    if verdict in ("", "later"):
        return None, {}
    problems: Problems = {}
    if verdict not in ("feasible", "not_feasible"):
        problems[f"{pid}-verdict"] = _("Choose feasible, not feasible or later.")
    cost = rounds.cents(form.get(f"{pid}-cost", ""))
    budget = budgets_of(r).get(part_of(p))
    if cost is None or cost < 1:
        problems[f"{pid}-cost"] = _("Give the cost in euros, for example 12500 or 12.500,50.")
    elif verdict == "feasible" and budget is not None and cost > budget:
        problems[f"{pid}-cost"] = _("This is more than its part of the budget; it cannot be on the ballot.")
    legal = text(form, f"{pid}-legal_check")
    if not legal:
        problems[f"{pid}-legal_check"] = _("Say what the legal check found.")
    elif found := _long(legal):
        problems[f"{pid}-legal_check"] = found
    reason = text(form, f"{pid}-reason")
    if verdict == "not_feasible" and not reason:
        problems[f"{pid}-reason"] = _("Say why it is not feasible: the residents read this.")
    elif found := _long(reason):
        problems[f"{pid}-reason"] = found
    score = None
    if r.get("jury_weight") is not None and verdict == "feasible":
        try:
            score = float(form.get(f"{pid}-jury_score", "").replace(",", "."))
            if not 0 <= score <= 1000:
                raise ValueError
        except ValueError:
            problems[f"{pid}-jury_score"] = _("Give the jury's score, a number from 0.")
    if problems:
        return None, problems
    assert cost is not None
    return rounds.Review(pid, verdict == "feasible", cost, legal, reason, score), {}


STAGES = ("planned", "in_progress", "done", "dropped")


def read_tracking(values: Mapping[str, str]) -> tuple[dict[str, Any], Problems]:
    """Where a funded project stands, as the service takes it (``POST .../tracking``), or what is wrong."""
    problems: Problems = {}
    if values["stage"] not in STAGES:
        problems["stage"] = _("Choose where the project stands.")
    if not values["note"]:
        problems["note"] = _("Say what was done.")
    elif found := _long(values["note"]):
        problems["note"] = found
    return {"stage": values["stage"], "note": values["note"]}, problems
