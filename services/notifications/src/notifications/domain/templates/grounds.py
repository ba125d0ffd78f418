"""The coded grounds of a challenge decision, in words a resident understands (unknown codes stay readable)."""

from __future__ import annotations

GROUNDS: dict[str, dict[str, str]] = {
    "insufficient_score": {
        "nl": "De beoordeling haalde de drempel niet.",
        "fr": "L'\u00e9valuation n'a pas atteint le seuil.",
        "en": "The assessment did not reach the pass mark.",
    },
    "incomplete": {
        "nl": "De aanvraag was niet volledig.",
        "fr": "La demande \u00e9tait incompl\u00e8te.",
        "en": "The application was incomplete.",
    },
    "outside_window": {
        "nl": "De aanvraag kwam buiten de periode waarin dat kan.",
        "fr": "La demande est arriv\u00e9e en dehors de la p\u00e9riode pr\u00e9vue.",
        "en": "The application came outside the period for it.",
    },
    "ineligible_task": {
        "nl": "Deze taak kan niet worden uitgedaagd.",
        "fr": "Cette t\u00e2che ne peut pas faire l'objet d'une initiative.",
        "en": "This task cannot be challenged.",
    },
    "ineligible_body": {
        "nl": "Je groep voldoet niet aan de voorwaarden om uit te dagen.",
        "fr": "Votre groupe ne remplit pas les conditions.",
        "en": "Your group does not meet the conditions.",
    },
    "unsuitable_body": {
        "nl": "Je groep is niet geschikt om deze taak uit te voeren.",
        "fr": "Votre groupe n'est pas adapt\u00e9 pour ex\u00e9cuter cette t\u00e2che.",
        "en": "Your group is not suited to carry out this task.",
    },
    "duplicate": {
        "nl": "Er loopt al een uitdaging voor dezelfde taak.",
        "fr": "Une initiative existe d\u00e9j\u00e0 pour cette t\u00e2che.",
        "en": "A challenge for the same task is already running.",
    },
    "frivolous": {
        "nl": "De aanvraag is niet ernstig.",
        "fr": "La demande n'est pas s\u00e9rieuse.",
        "en": "The application is not serious.",
    },
    "frivolous_or_vexatious": {
        "nl": "De aanvraag is niet ernstig of kwetsend.",
        "fr": "La demande n'est pas s\u00e9rieuse ou est vexatoire.",
        "en": "The application is frivolous or vexatious.",
    },
    "harmful": {
        "nl": "Het voorstel zou schade doen.",
        "fr": "La proposition serait nuisible.",
        "en": "The proposal would do harm.",
    },
    "non_compliant": {
        "nl": "Het voorstel voldoet niet aan de regels.",
        "fr": "La proposition n'est pas conforme aux r\u00e8gles.",
        "en": "The proposal does not comply with the rules.",
    },
    "not_legally_feasible": {
        "nl": "Het voorstel kan wettelijk niet.",
        "fr": "La proposition n'est pas juridiquement possible.",
        "en": "The proposal is not legally possible.",
    },
    "unlawful": {
        "nl": "Het voorstel is in strijd met de wet.",
        "fr": "La proposition est contraire \u00e0 la loi.",
        "en": "The proposal is against the law.",
    },
    "procurement_underway": {
        "nl": "Er loopt al een aanbesteding voor deze taak.",
        "fr": "Un march\u00e9 public est d\u00e9j\u00e0 en cours pour cette t\u00e2che.",
        "en": "A procurement for this task is already under way.",
    },
    "blocked": {
        "nl": "De taak is tijdelijk uitgesloten.",
        "fr": "La t\u00e2che est temporairement exclue.",
        "en": "The task is excluded for the time being.",
    },
}


def ground(code: str, lang: str) -> str:
    return GROUNDS.get(code, {}).get(lang) or code.replace("_", " ").capitalize() + "."
