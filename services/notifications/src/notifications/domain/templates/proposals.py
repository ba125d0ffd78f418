"""Messages about proposals and participatory budgets: the outcome of a proposal's check, and the results
of a budget round with what the resident's vote helped fund (never points, badges or rankings)."""

from __future__ import annotations

from typing import Any

from notifications.domain import messages
from notifications.domain.messages import REASONS
from notifications.domain.templates.layout import Rendered

T: dict[str, dict[str, Any]] = {
    "nl": {
        "rejected_line": "Je voorstel \u201c{title}\u201d voldoet nog niet aan de voorwaarden.",
        "rejected_next": "Pas het aan en dien het opnieuw in; veel voorstellen slagen bij de tweede poging.",
        "results_subject": "De resultaten van de burgerbegroting zijn bekend",
        "results_line": "De stemming over de burgerbegroting{round} is afgelopen. Deze projecten worden uitgevoerd:",
        "impact_voted": "Jouw stem hielp deze projecten mogelijk maken.",
        "impact_neighbours": "Samen met jou stemden {voters} buurtbewoners mee.",
        "results_next": "We houden je op de hoogte van de uitvoering. De volledige uitslag staat openbaar online.",
    },
    "fr": {
        "rejected_line": "Votre proposition \u00ab {title} \u00bb ne remplit pas encore les conditions.",
        "rejected_next": "Adaptez-la et soumettez-la \u00e0 nouveau ; beaucoup de propositions r\u00e9ussissent au "
        "deuxi\u00e8me essai.",
        "results_subject": "Les r\u00e9sultats du budget participatif sont connus",
        "results_line": "Le vote sur le budget participatif{round} est termin\u00e9. Ces projets seront "
        "r\u00e9alis\u00e9s :",
        "impact_voted": "Votre vote a aid\u00e9 \u00e0 financer ces projets.",
        "impact_neighbours": "{voters} habitants ont vot\u00e9 avec vous.",
        "results_next": "Nous vous tiendrons au courant de la r\u00e9alisation. Le r\u00e9sultat complet est "
        "public en ligne.",
    },
    "en": {
        "rejected_line": "Your proposal \u201c{title}\u201d does not meet the conditions yet.",
        "rejected_next": "Change it and submit it again; many proposals succeed at the second attempt.",
        "results_subject": "The results of the participatory budget are out",
        "results_line": "Voting on the participatory budget{round} has closed. These projects will be carried out:",
        "impact_voted": "Your vote helped fund these projects.",
        "impact_neighbours": "{voters} neighbours voted with you.",
        "results_next": "We will keep you posted as the work goes ahead. The full results are public online.",
    },
}


def admitted(data: dict[str, Any], lang: str) -> Rendered:
    subject, body = messages.proposal_admitted(data["title"], lang)
    return Rendered(lang, subject, (body,))


def rejected(data: dict[str, Any], lang: str) -> Rendered:
    t = T[lang]
    subject, _body = messages.proposal_rejected(data["title"], [], lang)
    reasons = tuple(REASONS.get(r["code"], {}).get(lang, r["detail"]) for r in data.get("reasons", ()))
    return Rendered(
        lang, subject, (t["rejected_line"].format(title=data["title"]),), reasons=reasons, next_step=t["rejected_next"]
    )


def budget_results(data: dict[str, Any], lang: str, voted: bool) -> Rendered:
    t = T[lang]
    projects = data.get("selected") or data.get("selected_projects") or []
    titles = tuple(str(p.get("title", p.get("project_id", ""))) if isinstance(p, dict) else str(p) for p in projects)
    name = data.get("title") or data.get("round_title")
    impact = [t["impact_voted"]] if voted else []
    if data.get("voters"):
        impact.append(t["impact_neighbours"].format(voters=data["voters"]))
    return Rendered(
        lang,
        t["results_subject"],
        (t["results_line"].format(round=f" \u201c{name}\u201d" if name else ""),),
        items=titles,
        impact=" ".join(impact) or None,
        next_step=t["results_next"],
    )
