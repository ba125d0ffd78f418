"""Messages about a citizen panel: the invitation letter, being drawn, sessions and the municipality's answer."""

from __future__ import annotations

from typing import Any

from notifications.domain.templates.layout import Rendered, long_date

T: dict[str, dict[str, Any]] = {
    "nl": {
        "invitation_subject": "Uitnodiging: denk mee in een burgerpanel",
        "invitation_lines": (
            "Je gemeente stelt een burgerpanel samen: inwoners die samen nadenken over een vraag van de gemeente "
            "en advies geven. Jouw naam is door loting uit het bevolkingsregister gekomen.",
            "Iedereen kan meedoen, ook zonder ervaring. Je krijgt een vergoeding, en we zorgen voor vervoer, "
            "kinderopvang of een tolk als je dat nodig hebt.",
        ),
        "invitation_next": "Wil je meedoen? Schrijf je in met de code op de antwoordkaart, online of per telefoon. "
        "Uit wie zich inschrijft, loten we een panel dat lijkt op de hele gemeente.",
        "selected_subject": "Je bent gekozen voor het burgerpanel",
        "selected_lines": ("Bij de openbare loting ben je gekozen als lid van het burgerpanel. Welkom!",),
        "selected_next": "Bevestig via je uitnodiging of telefonisch of je meedoet. We sturen je daarna de data "
        "van de bijeenkomsten.",
        "alternate_subject": "Je bent reservelid van het burgerpanel",
        "alternate_lines": ("Bij de openbare loting ben je gekozen als reservelid (plaats {rank}).",),
        "alternate_next": "Als een lid afhaakt, vragen we jou als eerste in de volgorde van de reservelijst.",
        "session_subject": "Bijeenkomst {session} van het burgerpanel",
        "session_lines": ("Bijeenkomst {session} van het burgerpanel is gepland.",),
        "session_next": "Laat ons weten als je er niet bij kunt zijn of als je hulp nodig hebt om te komen.",
        "update_subject": "Nieuws over het burgerpanel",
        "updates": {
            "drawn": "De leden van het burgerpanel zijn openbaar geloot.",
            "composition_final": "Het burgerpanel is volledig samengesteld.",
            "recommendations_delivered": "Het burgerpanel heeft zijn aanbevelingen aan de gemeente bezorgd.",
            "answered": "De gemeente heeft op alle aanbevelingen van het burgerpanel geantwoord.",
            "recommendation_answered": "De gemeente heeft geantwoord op aanbeveling {recommendation}: {verdict}.",
            "answer_deadline_breached": "De gemeente heeft niet op tijd geantwoord op de aanbevelingen.",
        },
        "verdicts": {"adopted": "overgenomen", "partly": "deels overgenomen", "not_adopted": "niet overgenomen"},
        "update_next": "Alles over het panel, ook de antwoorden van de gemeente, staat openbaar op de panelpagina.",
        "respondent_subject": "Je inschrijving voor het burgerpanel",
        "respondent": {
            "registered": "We hebben je inschrijving voor het burgerpanel goed ontvangen.",
            "refused": "Je inschrijving voor het burgerpanel kunnen we niet aanvaarden.",
        },
        "respondent_next": "De loting is openbaar; je hoort van ons of je gekozen bent.",
    },
    "fr": {
        "invitation_subject": "Invitation : participez \u00e0 un panel citoyen",
        "invitation_lines": (
            "Votre commune compose un panel citoyen : des habitants qui r\u00e9fl\u00e9chissent ensemble \u00e0 une "
            "question de la commune et donnent un avis. Votre nom a \u00e9t\u00e9 tir\u00e9 au sort dans le registre "
            "de la population.",
            "Tout le monde peut participer, sans exp\u00e9rience. Vous recevez une indemnit\u00e9, et nous organisons "
            "le transport, la garde d'enfants ou un interpr\u00e8te si vous en avez besoin.",
        ),
        "invitation_next": "Vous souhaitez participer ? Inscrivez-vous avec le code de la carte-r\u00e9ponse, en ligne "
        "ou par t\u00e9l\u00e9phone. Parmi les inscrits, nous tirons au sort un panel \u00e0 l'image de la commune.",
        "selected_subject": "Vous \u00eates choisi(e) pour le panel citoyen",
        "selected_lines": (
            "Lors du tirage au sort public, vous avez \u00e9t\u00e9 choisi(e) comme membre du panel. Bienvenue !",
        ),
        "selected_next": "Confirmez votre participation via votre invitation ou par t\u00e9l\u00e9phone. Nous vous "
        "enverrons ensuite les dates des r\u00e9unions.",
        "alternate_subject": "Vous \u00eates membre suppl\u00e9ant du panel citoyen",
        "alternate_lines": (
            "Lors du tirage au sort public, vous avez \u00e9t\u00e9 choisi(e) comme suppl\u00e9ant(e) (place {rank}).",
        ),
        "alternate_next": "Si un membre se retire, nous faisons appel aux suppl\u00e9ants dans l'ordre de la liste.",
        "session_subject": "R\u00e9union {session} du panel citoyen",
        "session_lines": ("La r\u00e9union {session} du panel citoyen est planifi\u00e9e.",),
        "session_next": "Pr\u00e9venez-nous si vous ne pouvez pas venir ou si vous avez besoin d'aide pour venir.",
        "update_subject": "Des nouvelles du panel citoyen",
        "updates": {
            "drawn": "Les membres du panel citoyen ont \u00e9t\u00e9 tir\u00e9s au sort en public.",
            "composition_final": "Le panel citoyen est au complet.",
            "recommendations_delivered": "Le panel citoyen a remis ses recommandations \u00e0 la commune.",
            "answered": "La commune a r\u00e9pondu \u00e0 toutes les recommandations du panel citoyen.",
            "recommendation_answered": "La commune a r\u00e9pondu \u00e0 la recommandation {recommendation} : "
            "{verdict}.",
            "answer_deadline_breached": "La commune n'a pas r\u00e9pondu \u00e0 temps aux recommandations.",
        },
        "verdicts": {"adopted": "retenue", "partly": "retenue en partie", "not_adopted": "non retenue"},
        "update_next": "Tout sur le panel, y compris les r\u00e9ponses de la commune, est public sur la page du panel.",
        "respondent_subject": "Votre inscription au panel citoyen",
        "respondent": {
            "registered": "Nous avons bien re\u00e7u votre inscription au panel citoyen.",
            "refused": "Nous ne pouvons pas accepter votre inscription au panel citoyen.",
        },
        "respondent_next": "Le tirage au sort est public ; nous vous dirons si vous \u00eates choisi(e).",
    },
    "en": {
        "invitation_subject": "Invitation: think along in a citizens' panel",
        "invitation_lines": (
            "Your municipality is forming a citizens' panel: residents who think together about a question from "
            "the municipality and give advice. Your name was drawn by lot from the population register.",
            "Anyone can take part, no experience needed. You receive an allowance, and we arrange transport, "
            "childcare or an interpreter if you need one.",
        ),
        "invitation_next": "Would you like to take part? Register with the code on the reply card, online or by "
        "phone. From everyone who registers, we draw a panel that looks like the whole municipality.",
        "selected_subject": "You have been chosen for the citizens' panel",
        "selected_lines": ("In the public draw you were chosen as a member of the citizens' panel. Welcome!",),
        "selected_next": "Confirm through your invitation or by phone whether you take part. We then send you the "
        "dates of the sessions.",
        "alternate_subject": "You are an alternate member of the citizens' panel",
        "alternate_lines": ("In the public draw you were chosen as an alternate (place {rank}).",),
        "alternate_next": "If a member drops out, we ask the alternates in the order of the list.",
        "session_subject": "Session {session} of the citizens' panel",
        "session_lines": ("Session {session} of the citizens' panel has been planned.",),
        "session_next": "Let us know if you cannot come or need help to get there.",
        "update_subject": "News about the citizens' panel",
        "updates": {
            "drawn": "The members of the citizens' panel were drawn in public.",
            "composition_final": "The citizens' panel is complete.",
            "recommendations_delivered": "The citizens' panel has handed its recommendations to the municipality.",
            "answered": "The municipality has answered every recommendation of the citizens' panel.",
            "recommendation_answered": "The municipality answered recommendation {recommendation}: {verdict}.",
            "answer_deadline_breached": "The municipality did not answer the recommendations in time.",
        },
        "verdicts": {"adopted": "adopted", "partly": "partly adopted", "not_adopted": "not adopted"},
        "update_next": "Everything about the panel, including the municipality's answers, is public on its page.",
        "respondent_subject": "Your registration for the citizens' panel",
        "respondent": {
            "registered": "We have received your registration for the citizens' panel.",
            "refused": "We cannot accept your registration for the citizens' panel.",
        },
        "respondent_next": "The draw is public; we will tell you whether you were chosen.",
    },
}


def invitation(data: dict[str, Any], lang: str) -> Rendered:
    t, due = T[lang], data.get("details", {}).get("due_at")
    return Rendered(
        lang,
        t["invitation_subject"],
        t["invitation_lines"],
        next_step=t["invitation_next"],
        deadline=long_date(due, lang) if due else None,
    )


def selected(data: dict[str, Any], lang: str) -> Rendered:
    t = T[lang]
    return Rendered(lang, t["selected_subject"], t["selected_lines"], next_step=t["selected_next"])


def alternate(data: dict[str, Any], lang: str) -> Rendered:
    t, rank = T[lang], data.get("details", {}).get("rank", "")
    lines = tuple(line.format(rank=rank) for line in t["alternate_lines"])
    return Rendered(lang, t["alternate_subject"], lines, next_step=t["alternate_next"])


def session(data: dict[str, Any], lang: str) -> Rendered:
    t, details = T[lang], data.get("details", {})
    number, starts = details.get("session", ""), details.get("starts_at")
    lines = tuple(line.format(session=number) for line in t["session_lines"])
    return Rendered(
        lang,
        t["session_subject"].format(session=number),
        lines,
        next_step=t["session_next"],
        deadline=long_date(starts, lang) if starts else None,
    )


def update(data: dict[str, Any], lang: str, what: str) -> Rendered:
    t, details = T[lang], data.get("details", {})
    verdict = t["verdicts"].get(details.get("verdict", ""), "")
    line = t["updates"][what].format(recommendation=details.get("recommendation", ""), verdict=verdict)
    return Rendered(lang, t["update_subject"], (line,), next_step=t["update_next"])


def respondent(data: dict[str, Any], lang: str, what: str) -> Rendered:
    t = T[lang]
    return Rendered(lang, t["respondent_subject"], (t["respondent"][what],), next_step=t["respondent_next"])
