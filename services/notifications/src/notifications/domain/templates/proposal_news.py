"""Messages about a proposal after its check: support gathered, the municipality's answer, what became of it."""

from __future__ import annotations

from typing import Any

from notifications.domain.templates.layout import Rendered, long_date

Q = "\u201c{title}\u201d"
T: dict[str, dict[str, Any]] = {
    "nl": {
        "threshold_reached": (
            "Het voorstel " + Q + " heeft genoeg steun",
            "{supporters} inwoners steunen het voorstel " + Q + ". Dat is genoeg: de gemeente "
            "moet er nu op antwoorden.",
            "De gemeente bespreekt het voorstel en antwoordt met redenen.",
        ),
        "answered": (
            "De gemeente antwoordt op " + Q,
            "De gemeente heeft geantwoord op het voorstel " + Q + ".",
            "Wat de gemeente doet met het voorstel, volg je op de pagina van het voorstel.",
        ),
        "declined": (
            "Het voorstel " + Q + " wordt niet behandeld",
            "De gemeente kan het voorstel " + Q + " niet behandelen.",
            "Vragen over deze beslissing kan je stellen via je dossier.",
        ),
        "answer_overdue": (
            "Het antwoord op " + Q + " is te laat",
            "De gemeente heeft niet op tijd geantwoord op het voorstel " + Q + ". We hebben dat gemeld "
            "aan de verantwoordelijke dienst.",
            "Je krijgt een bericht zodra het antwoord er is.",
        ),
        "followed_up": (
            "Nieuws over " + Q,
            "Er is nieuws over wat de gemeente doet met het voorstel " + Q + ".",
            "Je krijgt een bericht bij elke volgende stap.",
        ),
        "merged": (
            "Het voorstel " + Q + " is samengevoegd",
            "Het voorstel " + Q + " is samengevoegd met een gelijkaardig voorstel, zodat alle steun samen telt.",
            "Volg het samengevoegde voorstel.",
        ),
        "split": (
            "Het voorstel " + Q + " is opgesplitst",
            "Het voorstel " + Q + " is opgesplitst in aparte voorstellen, zodat elk deel een eigen antwoord krijgt.",
            "Volg de nieuwe voorstellen.",
        ),
        "positions": {"adopted": "overgenomen", "partly": "deels overgenomen", "not_adopted": "niet overgenomen"},
        "stages": {"planned": "gepland", "in_progress": "in uitvoering", "done": "uitgevoerd", "dropped": "stopgezet"},
        "late": "Het antwoord kwam later dan beloofd.",
    },
    "fr": {
        "threshold_reached": (
            "La proposition " + Q + " a assez de soutiens",
            "{supporters} habitants soutiennent la proposition " + Q + ". C'est assez : la commune "
            "doit maintenant y r\u00e9pondre.",
            "La commune examine la proposition et r\u00e9pondra avec ses motifs.",
        ),
        "answered": (
            "La commune r\u00e9pond \u00e0 " + Q,
            "La commune a r\u00e9pondu \u00e0 la proposition " + Q + ".",
            "Suivez la suite sur la page de la proposition.",
        ),
        "declined": (
            "La proposition " + Q + " ne sera pas trait\u00e9e",
            "La commune ne peut pas traiter la proposition " + Q + ".",
            "Posez vos questions sur cette d\u00e9cision via votre dossier.",
        ),
        "answer_overdue": (
            "La r\u00e9ponse \u00e0 " + Q + " est en retard",
            "La commune n'a pas r\u00e9pondu \u00e0 temps \u00e0 la proposition " + Q + ". Nous "
            "l'avons signal\u00e9 au service responsable.",
            "Vous recevrez un message d\u00e8s que la r\u00e9ponse sera l\u00e0.",
        ),
        "followed_up": (
            "Du nouveau sur " + Q,
            "Il y a du nouveau sur la suite donn\u00e9e \u00e0 la proposition " + Q + ".",
            "Vous recevrez un message \u00e0 chaque \u00e9tape.",
        ),
        "merged": (
            "La proposition " + Q + " a \u00e9t\u00e9 fusionn\u00e9e",
            "La proposition " + Q + " a "
            "\u00e9t\u00e9 fusionn\u00e9e avec une proposition semblable : tous les soutiens comptent "
            "ensemble.",
            "Suivez la proposition fusionn\u00e9e.",
        ),
        "split": (
            "La proposition " + Q + " a \u00e9t\u00e9 scind\u00e9e",
            "La proposition " + Q + " a \u00e9t\u00e9 "
            "scind\u00e9e en propositions distinctes, pour que chaque partie re\u00e7oive sa r\u00e9ponse.",
            "Suivez les nouvelles propositions.",
        ),
        "positions": {"adopted": "retenue", "partly": "retenue en partie", "not_adopted": "non retenue"},
        "stages": {
            "planned": "pr\u00e9vue",
            "in_progress": "en cours",
            "done": "r\u00e9alis\u00e9e",
            "dropped": "abandonn\u00e9e",
        },
        "late": "La r\u00e9ponse est arriv\u00e9e plus tard que promis.",
    },
    "en": {
        "threshold_reached": (
            "The proposal " + Q + " has enough support",
            "{supporters} residents support the proposal " + Q + ". That is enough: the "
            "municipality must now answer it.",
            "The municipality discusses the proposal and answers with its reasons.",
        ),
        "answered": (
            "The municipality answers " + Q,
            "The municipality has answered the proposal " + Q + ".",
            "Follow what happens next on the proposal's page.",
        ),
        "declined": (
            "The proposal " + Q + " will not be handled",
            "The municipality cannot handle the proposal " + Q + ".",
            "Ask your questions about this decision through your case file.",
        ),
        "answer_overdue": (
            "The answer to " + Q + " is late",
            "The municipality did not answer the proposal " + Q + " in time. We have told the department responsible.",
            "You will hear from us as soon as the answer is there.",
        ),
        "followed_up": (
            "News about " + Q,
            "There is news about what the municipality does with the proposal " + Q + ".",
            "You will hear from us at every next step.",
        ),
        "merged": (
            "The proposal " + Q + " was merged",
            "The proposal " + Q + " was merged with a similar one, so all support counts together.",
            "Follow the merged proposal.",
        ),
        "split": (
            "The proposal " + Q + " was split",
            "The proposal " + Q + " was split into separate proposals, so each part gets its own answer.",
            "Follow the new proposals.",
        ),
        "positions": {"adopted": "adopted", "partly": "partly adopted", "not_adopted": "not adopted"},
        "stages": {"planned": "planned", "in_progress": "in progress", "done": "done", "dropped": "dropped"},
        "late": "The answer came later than promised.",
    },
}
DECLINE_CODES = {
    "nl": {
        "not_competent": "De gemeente is hiervoor niet bevoegd.",
        "unlawful": "Het voorstel is in strijd met de wet.",
        "already_decided": "Hierover is al beslist.",
        "not_a_proposal": "Dit is geen voorstel maar bijvoorbeeld een klacht of vraag; daarvoor is er een apart loket.",
    },
    "fr": {
        "not_competent": "La commune n'est pas comp\u00e9tente.",
        "unlawful": "La proposition est contraire \u00e0 la loi.",
        "already_decided": "Une d\u00e9cision a d\u00e9j\u00e0 \u00e9t\u00e9 prise \u00e0 ce sujet.",
        "not_a_proposal": "Il s'agit d'une plainte ou d'une question plut\u00f4t que d'une proposition ; un "
        "guichet s\u00e9par\u00e9 existe pour cela.",
    },
    "en": {
        "not_competent": "The municipality has no power over this.",
        "unlawful": "The proposal is against the law.",
        "already_decided": "This has already been decided.",
        "not_a_proposal": "This is a complaint or question rather than a proposal; there is a separate desk for that.",
    },
}


def news(data: dict[str, Any], lang: str, what: str) -> Rendered:
    t = T[lang]
    subject, line, next_step = t[what]
    fields = {"title": data.get("title", ""), "supporters": data.get("supporters", "")}
    status = None
    reasons: tuple[str, ...] = ()
    lines = [line.format(**fields)]
    if what == "answered":
        status = t["positions"].get(data.get("position", ""))
        if data.get("late"):
            lines.append(t["late"])
    if what in ("followed_up",):
        status = t["stages"].get(data.get("stage", ""))
        lines.append(str(data.get("note", "")))
    raw = data.get("reasons")
    if isinstance(raw, str):
        reasons = (raw,)
    elif isinstance(raw, list):
        reasons = tuple(DECLINE_CODES[lang].get(r.get("code", ""), r.get("detail", "")) for r in raw)
    due = data.get("answer_due_at")
    return Rendered(
        lang,
        subject.format(**fields),
        tuple(x for x in lines if x),
        status=status,
        reasons=reasons,
        next_step=next_step,
        deadline=long_date(due, lang) if due and what == "threshold_reached" else None,
    )
