"""Messages about a Right to Challenge case: to the group (status, decision, questions) and to officials
(work in the queue, deadlines)."""

from __future__ import annotations

from typing import Any

from notifications.domain.templates.grounds import ground
from notifications.domain.templates.layout import Rendered, long_date

STATUS = {
    "nl": {
        "draft": "concept",
        "submitted": "ingediend",
        "acknowledged": "ontvangst bevestigd",
        "admissibility_check": "we kijken of de uitdaging ontvankelijk is",
        "information_requested": "we wachten op informatie van je groep",
        "in_assessment": "in beoordeling",
        "in_dialogue": "in gesprek met je groep",
        "modification_proposed": "aanpassing voorgesteld",
        "decision_pending": "wacht op de beslissing",
        "accepted": "aanvaard",
        "rejected": "afgewezen",
        "out_of_scope": "valt buiten het recht om uit te dagen",
        "withdrawn": "ingetrokken",
        "objection": "bezwaar in behandeling",
        "agreement_drafting": "overeenkomst in opmaak",
        "in_execution": "in uitvoering",
        "under_review": "in evaluatie",
        "renewed": "verlengd",
        "completed": "afgerond",
        "terminated": "be\u00ebindigd",
    },
    "fr": {
        "draft": "brouillon",
        "submitted": "introduit",
        "acknowledged": "r\u00e9ception confirm\u00e9e",
        "admissibility_check": "nous v\u00e9rifions la recevabilit\u00e9",
        "information_requested": "nous attendons des informations de votre groupe",
        "in_assessment": "en \u00e9valuation",
        "in_dialogue": "en dialogue avec votre groupe",
        "modification_proposed": "modification propos\u00e9e",
        "decision_pending": "en attente de d\u00e9cision",
        "accepted": "accept\u00e9",
        "rejected": "refus\u00e9",
        "out_of_scope": "hors du champ du droit d'initiative",
        "withdrawn": "retir\u00e9",
        "objection": "recours en traitement",
        "agreement_drafting": "convention en pr\u00e9paration",
        "in_execution": "en ex\u00e9cution",
        "under_review": "en \u00e9valuation p\u00e9riodique",
        "renewed": "prolong\u00e9",
        "completed": "termin\u00e9",
        "terminated": "r\u00e9sili\u00e9",
    },
    "en": {
        "draft": "draft",
        "submitted": "submitted",
        "acknowledged": "receipt confirmed",
        "admissibility_check": "we are checking whether the challenge can be admitted",
        "information_requested": "waiting for information from your group",
        "in_assessment": "being assessed",
        "in_dialogue": "in talks with your group",
        "modification_proposed": "change proposed",
        "decision_pending": "waiting for the decision",
        "accepted": "accepted",
        "rejected": "rejected",
        "out_of_scope": "outside the Right to Challenge",
        "withdrawn": "withdrawn",
        "objection": "objection being handled",
        "agreement_drafting": "agreement being drafted",
        "in_execution": "being carried out",
        "under_review": "being reviewed",
        "renewed": "renewed",
        "completed": "completed",
        "terminated": "ended",
    },
}

NEXT = {
    "nl": {
        "submitted": "We bevestigen de ontvangst en kijken dan of je uitdaging ontvankelijk is.",
        "acknowledged": "We kijken nu of je uitdaging ontvankelijk is. Je hoort het van ons.",
        "in_assessment": "Ambtenaren beoordelen je uitdaging met de criteria die vooraf bekend waren.",
        "in_dialogue": "We nemen contact op om je voorstel samen te bespreken.",
        "modification_proposed": "Lees de voorgestelde aanpassing in je dossier en laat weten of je groep "
        "akkoord gaat.",
        "decision_pending": "Het bevoegde bestuur beslist. Je krijgt de beslissing met de redenen.",
        "objection": "We behandelen je bezwaar en laten je de uitkomst weten.",
        "agreement_drafting": "We stellen samen met je groep de overeenkomst op.",
        "in_execution": "Je groep voert de taak uit. We evalueren samen op de afgesproken datum.",
        "under_review": "We bekijken samen hoe de uitvoering loopt.",
        "renewed": "De afspraak loopt verder tot de volgende evaluatie.",
        "completed": "De afspraak is afgerond. Dank je wel voor je inzet voor de buurt.",
        "terminated": "De afspraak stopt. De reden staat hierboven; vragen kan je stellen via je dossier.",
        "accepted": "De beslissing is definitief.",
        "rejected": "De beslissing is definitief.",
        "out_of_scope": "De beslissing is definitief.",
    },
    "fr": {
        "submitted": "Nous confirmons la r\u00e9ception puis v\u00e9rifions la recevabilit\u00e9 de votre initiative.",
        "acknowledged": "Nous v\u00e9rifions maintenant la recevabilit\u00e9. Nous vous tiendrons au courant.",
        "in_assessment": "Des agents \u00e9valuent votre initiative selon les crit\u00e8res publi\u00e9s \u00e0 "
        "l'avance.",
        "in_dialogue": "Nous vous contactons pour discuter ensemble de votre proposition.",
        "modification_proposed": "Lisez la modification propos\u00e9e dans votre dossier et dites-nous si "
        "votre groupe est d'accord.",
        "decision_pending": "L'autorit\u00e9 comp\u00e9tente d\u00e9cide. Vous recevrez la d\u00e9cision et ses "
        "motifs.",
        "objection": "Nous traitons votre recours et vous communiquerons le r\u00e9sultat.",
        "agreement_drafting": "Nous r\u00e9digeons la convention avec votre groupe.",
        "in_execution": "Votre groupe ex\u00e9cute la t\u00e2che. Nous ferons le point ensemble \u00e0 la date "
        "convenue.",
        "under_review": "Nous examinons ensemble comment se passe l'ex\u00e9cution.",
        "renewed": "L'accord continue jusqu'au prochain point.",
        "completed": "L'accord est termin\u00e9. Merci pour votre engagement pour le quartier.",
        "terminated": "L'accord prend fin. Le motif figure ci-dessus ; posez vos questions via votre dossier.",
        "accepted": "La d\u00e9cision est d\u00e9finitive.",
        "rejected": "La d\u00e9cision est d\u00e9finitive.",
        "out_of_scope": "La d\u00e9cision est d\u00e9finitive.",
    },
    "en": {
        "submitted": "We confirm receipt and then check whether your challenge can be admitted.",
        "acknowledged": "We are now checking whether your challenge can be admitted. We will let you know.",
        "in_assessment": "Officials assess your challenge against the criteria published in advance.",
        "in_dialogue": "We will contact you to discuss your proposal together.",
        "modification_proposed": "Read the proposed change in your case file and tell us whether your group agrees.",
        "decision_pending": "The competent body decides. You will receive the decision with its reasons.",
        "objection": "We are handling your objection and will tell you the outcome.",
        "agreement_drafting": "We draft the agreement together with your group.",
        "in_execution": "Your group carries out the task. We review it together on the agreed date.",
        "under_review": "We look together at how the work is going.",
        "renewed": "The agreement continues until the next review.",
        "completed": "The agreement is completed. Thank you for what you did for the neighbourhood.",
        "terminated": "The agreement ends. The reason is above; ask your questions through your case file.",
        "accepted": "The decision is final.",
        "rejected": "The decision is final.",
        "out_of_scope": "The decision is final.",
    },
}

T: dict[str, dict[str, Any]] = {
    "nl": {
        "status_subject": "Je uitdaging: {status}",
        "status_line": "Er is iets veranderd in je uitdaging van een taak van de dienst {department}.",
        "extended": "De beslistermijn is verlengd.",
        "decided_subject": {
            "accepted": "Je uitdaging is aanvaard",
            "accepted_with_modifications": "Je uitdaging is aanvaard, met aanpassingen",
            "rejected": "Je uitdaging is afgewezen",
            "out_of_scope": "Je uitdaging valt buiten het recht om uit te dagen",
        },
        "decided_line": "Het bestuur heeft beslist over je uitdaging van een taak van de dienst {department}.",
        "decided_next_yes": "We nemen contact op om samen de overeenkomst op te stellen.",
        "decided_next_no": "Ben je het niet eens met deze beslissing? Dan kan je bezwaar maken via je dossier.",
        "info_subject": "We hebben meer informatie nodig over je uitdaging",
        "info_line": "Om je uitdaging verder te behandelen, hebben we een antwoord nodig op deze vraag:",
        "info_next_repair": "Antwoord via je dossier. Zonder antwoord op tijd kan je uitdaging niet verder.",
        "info_next": "Antwoord via je dossier. Tot je antwoordt, staat de beslistermijn stil.",
        "work_subject": "Nieuw in je werkbak: uitdaging {case} ({department})",
        "work_line": "Een uitdaging van de dienst {department} wacht op jou of je team.",
        "work_next": "Open het dossier in de behandelomgeving en neem het op.",
        "near_subject": "Termijn loopt bijna af: uitdaging {case}",
        "near_line": "De termijn voor {deadline} van uitdaging {case} ({department}) loopt bijna af.",
        "near_next": "Behandel het dossier nu, of verleng de termijn met een motivering als de regels dat toelaten.",
        "breached_subject": "Termijn verstreken: uitdaging {case}",
        "breached_line": "De termijn voor {deadline} van uitdaging {case} ({department}) is verstreken.",
        "breached_next": "Behandel het dossier vandaag en laat de groep weten wanneer ze een antwoord krijgen.",
        "deadlines": {
            "decision": "de beslissing",
            "acknowledgement": "de ontvangstbevestiging",
            "information": "het antwoord op de vraag om informatie",
            "modification_reply": "het antwoord op de voorgestelde aanpassing",
        },
    },
    "fr": {
        "status_subject": "Votre initiative : {status}",
        "status_line": "Votre initiative concernant une t\u00e2che du service {department} a \u00e9volu\u00e9.",
        "extended": "Le d\u00e9lai de d\u00e9cision est prolong\u00e9.",
        "decided_subject": {
            "accepted": "Votre initiative est accept\u00e9e",
            "accepted_with_modifications": "Votre initiative est accept\u00e9e, avec des modifications",
            "rejected": "Votre initiative est refus\u00e9e",
            "out_of_scope": "Votre initiative sort du champ du droit d'initiative",
        },
        "decided_line": "L'autorit\u00e9 a d\u00e9cid\u00e9 de votre initiative concernant une t\u00e2che du "
        "service {department}.",
        "decided_next_yes": "Nous vous contactons pour r\u00e9diger ensemble la convention.",
        "decided_next_no": "Vous n'\u00eates pas d'accord ? Vous pouvez introduire un recours via votre dossier.",
        "info_subject": "Il nous faut plus d'informations sur votre initiative",
        "info_line": "Pour continuer \u00e0 traiter votre initiative, nous avons besoin d'une r\u00e9ponse "
        "\u00e0 cette question :",
        "info_next_repair": "R\u00e9pondez via votre dossier. Sans r\u00e9ponse \u00e0 temps, votre initiative "
        "ne peut pas avancer.",
        "info_next": "R\u00e9pondez via votre dossier. Le d\u00e9lai de d\u00e9cision est suspendu jusqu'\u00e0 "
        "votre r\u00e9ponse.",
        "work_subject": "Nouveau dans votre file : initiative {case} ({department})",
        "work_line": "Une initiative du service {department} vous attend, vous ou votre \u00e9quipe.",
        "work_next": "Ouvrez le dossier dans l'outil de traitement et prenez-le en charge.",
        "near_subject": "D\u00e9lai bient\u00f4t \u00e9chu : initiative {case}",
        "near_line": "Le d\u00e9lai pour {deadline} de l'initiative {case} ({department}) arrive bient\u00f4t "
        "\u00e0 \u00e9ch\u00e9ance.",
        "near_next": "Traitez le dossier maintenant, ou prolongez le d\u00e9lai avec une motivation si les "
        "r\u00e8gles le permettent.",
        "breached_subject": "D\u00e9lai d\u00e9pass\u00e9 : initiative {case}",
        "breached_line": "Le d\u00e9lai pour {deadline} de l'initiative {case} ({department}) est d\u00e9pass\u00e9.",
        "breached_next": "Traitez le dossier aujourd'hui et dites au groupe quand il recevra une r\u00e9ponse.",
        "deadlines": {
            "decision": "la d\u00e9cision",
            "acknowledgement": "l'accus\u00e9 de r\u00e9ception",
            "information": "la r\u00e9ponse \u00e0 la demande d'informations",
            "modification_reply": "la r\u00e9ponse \u00e0 la modification propos\u00e9e",
        },
    },
    "en": {
        "status_subject": "Your challenge: {status}",
        "status_line": "There is news about your challenge of a task of the {department} department.",
        "extended": "The decision term has been extended.",
        "decided_subject": {
            "accepted": "Your challenge has been accepted",
            "accepted_with_modifications": "Your challenge has been accepted, with changes",
            "rejected": "Your challenge has been rejected",
            "out_of_scope": "Your challenge is outside the Right to Challenge",
        },
        "decided_line": "The municipality has decided on your challenge of a task of the {department} department.",
        "decided_next_yes": "We will contact you to draft the agreement together.",
        "decided_next_no": "Do you disagree with this decision? You can object through your case file.",
        "info_subject": "We need more information about your challenge",
        "info_line": "To handle your challenge further, we need an answer to this question:",
        "info_next_repair": "Answer through your case file. Without an answer in time, your challenge cannot go "
        "further.",
        "info_next": "Answer through your case file. The decision term is paused until you answer.",
        "work_subject": "New in your queue: challenge {case} ({department})",
        "work_line": "A challenge for the {department} department is waiting for you or your team.",
        "work_next": "Open the case in the case-handling screens and pick it up.",
        "near_subject": "Deadline approaching: challenge {case}",
        "near_line": "The deadline for {deadline} of challenge {case} ({department}) is approaching.",
        "near_next": "Handle the case now, or extend the term with a reason where the rules allow it.",
        "breached_subject": "Deadline passed: challenge {case}",
        "breached_line": "The deadline for {deadline} of challenge {case} ({department}) has passed.",
        "breached_next": "Handle the case today and tell the group when they will have an answer.",
        "deadlines": {
            "decision": "the decision",
            "acknowledgement": "acknowledging receipt",
            "information": "the answer to the request for information",
            "modification_reply": "the reply to the proposed change",
        },
    },
}


def _case(data: dict[str, Any]) -> str:
    return str(data["challenge_id"])[:8]


def _grounds(details: dict[str, Any], lang: str) -> tuple[str, ...]:
    return tuple(ground(str(g), lang) for g in details.get("grounds", ()))


def status(data: dict[str, Any], lang: str) -> Rendered:
    t, details, to = T[lang], data.get("details", {}), data["to_status"]
    lines = [t["status_line"].format(department=data["department"])]
    if "due_at" in details and details["due_at"] and data["from_status"] == to:
        lines.append(t["extended"])
    due = details.get("due_at") or details.get("objection_until") or details.get("next_review_at")
    return Rendered(
        lang,
        t["status_subject"].format(status=STATUS[lang][to]),
        tuple(lines),
        status=STATUS[lang][to],
        reasons=tuple(r for r in (details.get("reason"),) if r) + _grounds(details, lang),
        next_step=NEXT[lang].get(to),
        deadline=long_date(due, lang) if due else None,
    )


def decided(data: dict[str, Any], lang: str) -> Rendered:
    t, details = T[lang], data.get("details", {})
    outcome = details.get("outcome") or data["to_status"]
    positive = outcome.startswith("accepted")
    until = details.get("objection_until")
    return Rendered(
        lang,
        t["decided_subject"].get(outcome, t["decided_subject"]["rejected"]),
        (t["decided_line"].format(department=data["department"]),),
        status=STATUS[lang].get(data["to_status"], STATUS[lang]["rejected"]),
        reasons=tuple(r for r in (details.get("reason"),) if r) + _grounds(details, lang),
        next_step=t["decided_next_yes"] if positive else t["decided_next_no"],
        deadline=long_date(until, lang) if until and not positive else None,
    )


def information_requested(data: dict[str, Any], lang: str) -> Rendered:
    t, details = T[lang], data.get("details", {})
    question = details.get("reason") or details.get("question") or ""
    due = details.get("due_at")
    return Rendered(
        lang,
        t["info_subject"],
        (t["info_line"], question),
        status=STATUS[lang]["information_requested"],
        next_step=t["info_next_repair"] if details.get("repair") else t["info_next"],
        deadline=long_date(due, lang) if due else None,
    )


def work_arrived(data: dict[str, Any], lang: str) -> Rendered:
    t, details = T[lang], data.get("details", {})
    return Rendered(
        lang,
        t["work_subject"].format(case=_case(data), department=data["department"]),
        (t["work_line"].format(department=data["department"]),),
        status=STATUS[lang][data["to_status"]],
        reasons=tuple(r for r in (details.get("reason"),) if r),
        next_step=t["work_next"],
    )


def deadline(data: dict[str, Any], lang: str, breached: bool) -> Rendered:
    t, details = T[lang], data.get("details", {})
    which = t["deadlines"].get(details.get("deadline", ""), details.get("deadline", ""))
    key = "breached" if breached else "near"
    fields = {"case": _case(data), "department": data["department"], "deadline": which}
    return Rendered(
        lang,
        t[f"{key}_subject"].format(**fields),
        (t[f"{key}_line"].format(**fields),),
        status=STATUS[lang][data["to_status"]],
        next_step=t[f"{key}_next"],
        deadline=long_date(details["due_at"], lang) if details.get("due_at") else None,
    )
