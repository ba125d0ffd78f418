"""The gateway's deadline alerts: told to the officials the event names (the case's assignee, its
department's supervisors, its group's mentors), one message each in their language, nothing of a resident."""

import uuid

from notifications_builders import sample

from notifications.domain.recipients import audience_scopes, fields_needed, named_in_event
from notifications.domain.routing import route_of
from notifications.domain.templates import render

ALERT = "org.meemaken.gateway.work_item.deadline_alert.v1"


def test_the_officials_the_event_names_are_told_and_nobody_else():
    data = sample(ALERT)
    officials = [str(uuid.uuid4()), str(uuid.uuid4())]
    data["officials"] = officials
    route = route_of(ALERT)
    assert route is not None and route.topic == "deadline"
    (tell,) = route.tells
    assert tell.roles == ("officials_concerned",) and tell.template == "deadline_alert"
    assert named_in_event("officials_concerned", ALERT, data) == officials
    assert audience_scopes("officials_concerned", data) == []  # no audience: only whom the gateway named
    assert fields_needed("officials_concerned", ALERT) == ("officials",)


def test_near_and_past_read_differently_in_each_language():
    data = sample(ALERT) | {"case_id": "0f3c9a1e-0000-4000-8000-000000000000", "department": "mobility"}
    near = render("deadline_alert", ALERT, data | {"level": "near_breach"}, "nl", "officials_concerned")
    late = render("deadline_alert", ALERT, data, "fr", "officials_concerned")
    assert near.subject == "Termijn loopt bijna af: uitdaagrechtdossier 0f3c9a1e"
    assert late.subject == "Délai dépassé : dossier de droit d'initiative 0f3c9a1e" and late.deadline
    assert "mobility" in " ".join(near.lines)
    # each case with its article, as a French official writes it (not "le délai de dossier de ...")
    assert late.lines[0] == "Le délai de traitement du dossier de droit d'initiative 0f3c9a1e est dépassé."
    proposal = data | {"service": "proposals", "level": "near_breach"}
    near_fr = render("deadline_alert", ALERT, proposal, "fr", "officials_concerned")
    assert near_fr.lines[0] == "Le délai de traitement de la proposition 0f3c9a1e arrive bientôt à échéance."
    panel = render("deadline_alert", ALERT, data | {"service": "panels"}, "en", "officials_concerned")
    assert panel.lines[0] == "The deadline of citizen panel 0f3c9a1e has passed."
