"""Demo data for `make run`: a living portal for the demo municipality (Demostad, code `demo`).

Everything goes through the services' public HTTP APIs, with tokens signed by this machine's development
key, as the officials (and, for supports and ballots, made-up residents) would act; nothing is written to a
database directly. Each step first looks whether its result is already there (a process by its id, a
proposal or round by its title, a task or panel by its title or question) and drives what it finds to the
demo's state, so running it twice adds nothing, and a run cut short is completed by the next one.

    .venv/bin/python infra/demo_data.py      # against PROPOSALS_BASE_URL, CHALLENGES_BASE_URL, PANELS_BASE_URL

Skipped when MEEMAKEN_DEMO_DATA=0 or MEEMAKEN_ENV=production. Texts are Dutch (the portal's default
language) and name no real person.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

MUNICIPALITY = "demo"
DISTRICTS = ("centrum", "noord", "zuid")
DEFAULT_URLS = {
    "proposals": "http://127.0.0.1:8101",
    "challenges": "http://127.0.0.1:8102",
    "panels": "http://127.0.0.1:8103",
}
NAMESPACE = uuid.UUID("5f1c3a52-6f0e-4d55-9a43-3d1e6b0de1a0")  # demo residents' ids: the same on every run
ATTEMPTS = 4
WAIT_SECONDS = 120.0  # a fresh broker may take most of a minute before a new consumer group gets its partitions


def skipped(env: Mapping[str, str]) -> str | None:
    """Why seeding is skipped, or None when it runs."""
    if env.get("MEEMAKEN_ENV", "").lower() == "production":
        return "MEEMAKEN_ENV=production"
    if env.get("MEEMAKEN_DEMO_DATA", "1").lower() in ("0", "false", "no", "off"):
        return "MEEMAKEN_DEMO_DATA=0"
    return None


# --- calling the services --------------------------------------------------------------------------------


class ApiError(RuntimeError):
    pass


@dataclass
class Tokens:
    """Short-lived tokens signed as the local gateway signs them: this machine's development key (as
    `meemaken-token` does), or the keys MEEMAKEN_SIGNING_KEYS_FILE names, so the services' JWKS knows them."""

    issue: Callable[[str, str, tuple[str, ...], dict[str, Any]], str]

    @classmethod
    def development(cls) -> Tokens:
        from meemaken_kit.tokens import TokenIssuer

        issuer = TokenIssuer.configured()
        return cls(lambda sub, aud, roles, attrs: issuer.issue(sub, aud, roles, attrs, None, (), seconds=600))


OFFICIAL_ID = str(uuid.uuid5(NAMESPACE, "official"))


def resident_id(n: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"resident-{n}"))


def resident_attrs(n: int) -> dict[str, Any]:
    return {"age": 18 + (n * 7) % 60, "municipality": MUNICIPALITY, "resident": True, "district": DISTRICTS[n % 3]}


@dataclass
class Service:
    name: str
    url: str
    tokens: Tokens

    def call(self, method: str, path: str, body: Any = None, *, role: str = "", resident: int | None = None) -> Any:
        """`method /api/v1/<path>` as an official in `role`, as demo resident number `resident`, or anonymously."""
        headers = {"Accept": "application/json"}
        if resident is not None:
            token = self.tokens.issue(resident_id(resident), self.name, ("resident",), resident_attrs(resident))
            headers["Authorization"] = f"Bearer {token}"
        elif role:
            headers["Authorization"] = f"Bearer {self.tokens.issue(OFFICIAL_ID, self.name, (role,), {})}"
        data = None
        if isinstance(body, str):  # a CSV file (the panel's register extract)
            data, headers["Content-Type"] = body.encode(), "text/csv"
        elif body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        if method != "GET":  # a retry with the same key gets the first answer: nothing is done twice
            headers["Idempotency-Key"] = str(uuid.uuid4())
        request = urllib.request.Request(f"{self.url}/api/v1/{path}", data, headers, method=method)  # noqa: S310
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (the local services)
                    text = response.read()
                break
            except urllib.error.HTTPError as error:
                if error.code == 404 and method == "GET":
                    return None
                if error.code != 503 or attempt == ATTEMPTS:  # 503: busy (SQLite locked by the worker), try again
                    raise ApiError(f"{self.name}: {method} {path}: {error.code} {error.read()[:500]!r}") from error
            except OSError as error:  # a timeout or a dropped connection
                if attempt == ATTEMPTS:
                    raise ApiError(f"{self.name}: {method} {path}: {error}") from error
            time.sleep(attempt)
        return json.loads(text) if text else None


def wait_until(what: str, check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not check():
        if time.monotonic() > deadline:
            raise ApiError(f"waited {WAIT_SECONDS:.0f} s for {what}")
        time.sleep(0.3)


# --- what the demo holds ---------------------------------------------------------------------------------

NOW = datetime.now(UTC).replace(microsecond=0)


def _at(days: int) -> str:
    return (NOW + timedelta(days=days)).isoformat()


def _phase(name: str, rung: str, start: int, end: int) -> dict[str, str]:
    return {"name": name, "rung_promised": rung, "starts_at": _at(start), "ends_at": _at(end)}


FIETSPLAN, BUURT, BUDGET, BUDGET_OLD = (
    "demo-fietsplan-2027",
    "demo-buurtideeen",
    "demo-burgerbudget-2027",
    "demo-burgerbudget-2026",
)
PROCESSES: list[dict[str, Any]] = [
    {
        "id": FIETSPLAN,
        "title": "Fietsplan 2027: waar wil jij veiliger fietsen?",
        "kind": "consultation",
        "phases": [_phase("raadpleging", "raadplegen", -20, 40), _phase("terugkoppeling", "informeren", 40, 70)],
        "districts": list(DISTRICTS),
        "themes": ["fietspaden", "stallingen", "veiligheid"],
    },
    {
        "id": BUURT,
        "title": "Ideeën voor je buurt",
        "kind": "proposals_call",
        "support_threshold": 5,
        "answer_days": 60,
        "phases": [_phase("voorstellen", "adviseren", -150, 60)],
        "districts": list(DISTRICTS),
        "themes": ["groen", "spelen", "ontmoeten", "verkeer"],
    },
    {
        "id": BUDGET,
        "title": "Burgerbudget 2027",
        "kind": "budget_round",
        "phases": [
            _phase("ideeën", "coproduceren", -120, -60),
            _phase("haalbaarheid", "informeren", -60, -10),
            _phase("stemmen", "meebeslissen", -10, 25),
        ],
    },
    {
        "id": BUDGET_OLD,
        "title": "Burgerbudget 2026",
        "kind": "budget_round",
        "phases": [_phase("stemmen", "meebeslissen", -400, -370), _phase("uitvoering", "informeren", -370, -5)],
    },
    {
        "id": "demo-burgerpanel-groen",
        "title": "Burgerpanel: een groenere binnenstad",
        "kind": "panel",
        "phases": [_phase("werving", "adviseren", -5, 30), _phase("beraadslaging", "adviseren", 45, 120)],
    },
    {
        "id": "demo-uitdaagrecht",
        "title": "Uitdaagrecht: neem een taak van de gemeente over",
        "kind": "challenge_window",
        "phases": [_phase("indienen", "zelfbeheer", -15, 90)],
    },
]


@dataclass
class DemoProposal:
    process: str
    title: str
    text: str
    author: int
    supporters: int = 0
    answer: tuple[str, str] | None = None  # (position, reasons)
    follow_up: tuple[str, str] | None = None  # (stage, note)
    decline: str | None = None  # the not_competent motivation
    district: str | None = None  # None: the whole town
    theme: str | None = None


PROPOSALS = [
    DemoProposal(
        FIETSPLAN,
        "Een fietsstraat langs de Schoolstraat",
        "Veel kinderen fietsen 's ochtends via de Schoolstraat. Maak er een fietsstraat van, waar auto's de "
        "fietsers niet mogen inhalen.",
        1,
        district="centrum",
        theme="veiligheid",
        supporters=4,
    ),
    DemoProposal(
        FIETSPLAN,
        "Overdekte fietsenstalling aan het station",
        "Aan het station staan fietsen in de regen en er is te weinig plaats. Een overdekte stalling met "
        "camerabewaking zou veel mensen helpen om met de fiets naar de trein te gaan.",
        2,
        district="centrum",
        theme="stallingen",
        supporters=3,
        answer=(
            "adopted",
            "Dank voor jullie voorstel. Het college heeft in het fietsplan geld vrijgemaakt voor een overdekte "
            "stalling met 400 plaatsen aan de noordkant van het station.",
        ),
        follow_up=("in_progress", "De bouwvergunning is aangevraagd; de werken starten in het voorjaar."),
    ),
    DemoProposal(
        FIETSPLAN,
        "Betere verlichting op het fietspad langs de vaart",
        "Het fietspad langs de vaart is 's avonds erg donker. Wie na het werk of na de sportclub naar huis "
        "fietst, voelt zich daar niet veilig.",
        3,
        district="zuid",
        theme="fietspaden",
        supporters=2,
    ),
    DemoProposal(
        FIETSPLAN,
        "Gratis deelfietsen voor iedereen in de stad",
        "Zet in elke wijk deelfietsen die iedereen gratis kan gebruiken, zodat minder mensen de auto nemen "
        "voor korte ritten.",
        4,
        theme="fietspaden",
        supporters=1,
        answer=(
            "not_adopted",
            "Een gratis systeem kost jaarlijks meer dan het hele fietsbudget. We breiden wel het bestaande "
            "deelfietsnet uit met twee nieuwe stations in Zuid, met een sociaal tarief.",
        ),
    ),
    DemoProposal(
        BUURT,
        "Speeltuin in het park van Noord vernieuwen",
        "De speeltuin in het park van Noord is oud en een paar toestellen zijn al weggehaald. Kinderen uit "
        "de buurt hebben bijna geen plek meer om buiten te spelen.",
        5,
        district="noord",
        theme="spelen",
        supporters=6,
    ),
    DemoProposal(
        BUURT,
        "Meer zitbanken op het Marktplein",
        "Op het Marktplein kun je nergens even zitten. Vooral oudere bewoners zouden graag een paar banken "
        "in de schaduw hebben.",
        6,
        district="centrum",
        theme="ontmoeten",
        supporters=5,
        answer=(
            "adopted",
            "Goed idee. Er komen acht nieuwe banken, waarvan vier onder de bomen aan de oostkant. Ze worden in "
            "de zomer geplaatst.",
        ),
        follow_up=("done", "De acht banken staan er sinds juni."),
    ),
    DemoProposal(
        BUURT,
        "Een moestuin voor de buurt achter het wijkcentrum",
        "Achter het wijkcentrum in Zuid ligt een grasveld dat niemand gebruikt. Buurtbewoners willen er samen "
        "groenten kweken en de oogst delen.",
        7,
        district="zuid",
        theme="groen",
        supporters=3,
        answer=(
            "partly",
            "Het grasveld blijft nodig als speelruimte, maar de helft ervan mag een moestuin worden. De gemeente "
            "levert de bakken en de wateraansluiting; de buurt zorgt voor het onderhoud.",
        ),
        follow_up=("planned", "De bakken worden geleverd in maart; de buurtvereniging verdeelt de perceeltjes."),
    ),
    DemoProposal(
        BUURT,
        "Zwerfvuilacties met de scholen",
        "Organiseer twee keer per jaar een opruimdag met de scholen van de stad, met prikkers, zakken en "
        "een kleine attentie voor de kinderen.",
        8,
        theme="groen",
        supporters=2,
    ),
    DemoProposal(
        BUURT,
        "Trage weg tussen Noord en het centrum openmaken",
        "Het oude wandelpad tussen Noord en het centrum is dichtgegroeid. Als het weer open gaat, kunnen "
        "wandelaars en fietsers de drukke steenweg vermijden.",
        9,
        district="noord",
        theme="verkeer",
        supporters=4,
    ),
    DemoProposal(
        BUURT,
        "Watertappunten in de winkelstraat",
        "Zet een paar drinkwaterfonteinen in de winkelstraat en aan de speelpleinen, zodat iedereen gratis "
        "water kan tappen op warme dagen.",
        10,
        district="centrum",
        theme="ontmoeten",
        supporters=1,
        answer=(
            "adopted",
            "We plaatsen drie watertappunten: twee in de winkelstraat en een aan het speelplein van Centrum.",
        ),
    ),
    DemoProposal(
        BUURT,
        "Snelheidsbeperking op de autosnelweg bij de stad",
        "Verlaag de maximumsnelheid op de autosnelweg langs de stad naar 90 kilometer per uur, voor minder "
        "lawaai in de wijken aan de rand.",
        11,
        theme="verkeer",
        decline="De snelheid op een autosnelweg regelt het gewest, niet de gemeente. We hebben je vraag "
        "doorgestuurd naar het gewestelijke agentschap.",
    ),
    DemoProposal(
        BUURT,
        "Een ontmoetingsruimte voor jongeren in Zuid",
        "Jongeren in Zuid hebben geen eigen plek om af te spreken. Een lokaal met een paar zetels, wifi en "
        "begeleiding op vrijdagavond zou veel verschil maken.",
        12,
        district="zuid",
        theme="ontmoeten",
        supporters=3,
    ),
]

EURO = 100  # the services count in euro cents


@dataclass
class DemoRound:
    process: str
    title: str
    district_budgets: dict[str, int]  # euro; the round's budget is their sum
    projects: list[tuple[str, str, int, str]]  # title, district, cost in euro, description
    voters: int = 0  # made-up residents who vote (ids 200, 201, ...; districts in turn)
    choices: dict[str, list[list[int]]] = field(default_factory=dict)  # per district: ballots in turn (project numbers)
    tracking: str = ""  # the note on each funded project once counted

    def ballot(self, voter: int) -> list[int]:
        """What demo voter number `voter` approves: projects of their own district, within its budget."""
        turns = self.choices[resident_attrs(200 + voter)["district"]]
        return turns[voter // len(DISTRICTS) % len(turns)]


OPEN_ROUND = DemoRound(
    BUDGET,
    "Burgerbudget 2027",
    {"centrum": 60_000, "noord": 100_000, "zuid": 140_000},
    [
        (
            "Bloemenweide in het stadspark",
            "centrum",
            25_000,
            "Gras wordt een bloemenweide, goed voor bijen en vlinders.",
        ),
        ("Fietsherstelpunt aan het station", "centrum", 18_000, "Een zuil met pomp en gereedschap, dag en nacht open."),
        (
            "Petanquebaan bij het woonzorgcentrum",
            "noord",
            30_000,
            "Een baan met verlichting en banken, voor jong en oud.",
        ),
        (
            "Buitenfitness in het park van Noord",
            "noord",
            60_000,
            "Toestellen om buiten te sporten, gratis voor iedereen.",
        ),
        ("Groene speelplaats voor de wijkschool", "zuid", 90_000, "Tegels eruit, bomen, gras en een wilgenhut erin."),
        ("Overdekte skateplek in Zuid", "zuid", 120_000, "Een overdekte plek om te skaten en af te spreken."),
        (
            "Deelbibliotheek in elke wijk",
            "centrum",
            12_000,
            "Kastjes waar je boeken ruilt, gebouwd door buurtbewoners.",
        ),
        ("Wandellus met rustbanken in Noord", "noord", 45_000, "Een bewegwijzerde lus van vijf kilometer met banken."),
    ],
)
CLOSED_ROUND = DemoRound(
    BUDGET_OLD,
    "Burgerbudget 2026",
    {"centrum": 80_000, "noord": 60_000, "zuid": 90_000},
    [
        ("Nieuwe bomen in de Stationsstraat", "centrum", 70_000, "Twintig bomen in de straat, met plantvakken."),
        ("Buurtfeestkoffer met tenten en tafels", "centrum", 8_000, "Gratis uit te lenen voor straatfeesten."),
        ("Speelbos aan de rand van Noord", "noord", 55_000, "Een stuk bos waar kinderen mogen klimmen en bouwen."),
        ("Veilige oversteek aan de school in Noord", "noord", 40_000, "Een verhoogd zebrapad met knipperlichten."),
        ("Zonnepanelen op het wijkcentrum van Zuid", "zuid", 80_000, "Goedkopere energie voor de verenigingen."),
        ("Hondenweide in Zuid", "zuid", 25_000, "Een omheinde weide waar honden los mogen lopen."),
    ],
    voters=27,
    choices={"centrum": [[0, 1], [0], [1]], "noord": [[2], [3], [2]], "zuid": [[5], [4], [5]]},
    tracking="De werken zijn gestart; oplevering voorzien in het najaar.",
)

TASK = {
    "title": "Beheer van de fietsenstalling aan het station",
    "description": (
        "De gemeente beheert nu de bewaakte fietsenstalling aan het station (400 plaatsen): openen en sluiten, "
        "toezicht, kleine herstellingen en het opruimen van achtergelaten fietsen. Een buurtvereniging, "
        "sociale onderneming of coöperatie kan voorstellen om dit over te nemen, beter of goedkoper, "
        "bijvoorbeeld met een fietsherstelatelier erbij."
    ),
    "department": "mobility",
    "profile": "flanders",
    "budget_cents": 95_000 * EURO,
    "current_yearly_cost_cents": 110_000 * EURO,
    "eligible_legal_forms": ["vzw", "cooperatie", "feitelijke vereniging"],
    "min_members": 3,
    "open": True,
    "windows": [{"opens_at": _at(-15), "closes_at": _at(90)}],
}

PANEL = {
    "theme": "Een groenere binnenstad",
    "question": (
        "Hoe maken we de binnenstad tegen 2030 groener en koeler, zonder dat ze minder bereikbaar wordt voor "
        "wie er woont, werkt of winkelt?"
    ),
    "mandate": "adviseren",
    "size": 24,
    "alternates": 4,
    "household_rule": True,
    "open_registration": True,
    "min_age": 16,
    "features": {
        "district": {d: {"min": 6, "max": 10} for d in DISTRICTS},
        "age_band": {"16-34": {"min": 6, "max": 10}, "35-64": {"min": 8, "max": 12}, "65+": {"min": 4, "max": 8}},
    },
    "session_plan": [
        "Kennismaking en uitleg door experts over hitte en groen in de stad",
        "Getuigenissen van bewoners, handelaars en de brandweer",
        "Beraadslaging in kleine groepen met externe moderatoren",
        "Aanbevelingen schrijven en erover stemmen",
    ],
}
# The panel's invitation letters: the register extract holds the code printed on each reply card (never a national
# number), and the invitation lottery draws every card, so each code answers a letter once in the portal
# (/panels/invitation). Names and addresses are made up.
PANEL_CODES = tuple(f"GROEN-{n:04d}" for n in range(1, 11))
PANEL_REGISTER = "register_id,name,address,birth_year\n" + "".join(
    f"{code},Bewoner {n},Demostraat {n},{1950 + 4 * n}\n" for n, code in enumerate(PANEL_CODES, 1)
)


# --- seeding ---------------------------------------------------------------------------------------------


@dataclass
class Seeder:
    proposals: Service
    challenges: Service
    panels: Service
    made: list[str] = field(default_factory=list)

    def run(self) -> str:
        self.seed_processes()
        self.seed_proposals()
        self.seed_round(OPEN_ROUND)
        self.seed_round(CLOSED_ROUND)
        self.seed_task()
        self.seed_panel()
        return (
            f"Demo data for municipality '{MUNICIPALITY}': "
            + ("added " + ", ".join(self.made) if self.made else "already there, nothing added")
            + f" ({len(PROCESSES)} processes, {len(PROPOSALS)} proposals, 2 budget rounds, 1 challengeable task, "
            "1 panel in recruitment)"
        )

    def _made(self, what: str) -> None:
        if what not in self.made:
            self.made.append(what)

    def seed_processes(self) -> None:
        for process in PROCESSES:
            if self.proposals.call("GET", f"processes/{process['id']}") is None:
                self.proposals.call("POST", "processes", {**process, "municipality": MUNICIPALITY}, role="case_officer")
                self._made("processes")
        past = self.proposals.call("GET", f"processes/{BUDGET_OLD}")
        if past["phases"][0].get("rung_realised") is None:
            realised = {
                "rung": "meebeslissen",
                "explanation": "De gemeenteraad nam de uitslag van de stemming ongewijzigd over in de begroting.",
            }
            self.proposals.call(
                "POST", f"processes/{BUDGET_OLD}/phases/stemmen/realised", realised, role="case_officer"
            )

    def _proposals_of(self, process: str) -> dict[str, dict[str, Any]]:
        found = self.proposals.call("GET", "proposals" + query(process_id=process, limit=100))
        return {p["title"]: p for p in found}

    def seed_proposals(self) -> None:
        existing: dict[str, dict[str, Any]] = {}
        for process in (FIETSPLAN, BUURT):
            existing |= self._proposals_of(process)
        for demo in PROPOSALS:
            if demo.title not in existing:
                body = {"process_id": demo.process, "title": demo.title, "text": demo.text}
                body |= {k: v for k, v in (("district", demo.district), ("theme", demo.theme)) if v}
                existing[demo.title] = self.proposals.call("POST", "proposals", body, resident=demo.author)
                self._made("proposals")
        for demo in PROPOSALS:
            proposal_id = existing[demo.title]["id"]
            wait_until(f"the admissibility check of {demo.title!r}", partial(self._checked, proposal_id))
            proposal = self.proposals.call("GET", f"proposals/{proposal_id}")
            self._drive(demo, proposal)

    def _checked(self, proposal_id: str) -> bool:
        return bool(self.proposals.call("GET", f"proposals/{proposal_id}")["status"] != "submitted")

    def _drive(self, demo: DemoProposal, proposal: dict[str, Any]) -> None:
        """Supporters, then the decline or the answer, then the follow-up, each only when not done yet."""
        path = f"proposals/{proposal['id']}"
        if proposal["status"] == "admitted":
            for n in range(proposal["supporters"], demo.supporters):
                self.proposals.call("POST", f"{path}/support", {}, resident=100 + n)
                self._made("supports")
            if demo.decline:
                grounds = [{"code": "not_competent", "detail": demo.decline}]
                self.proposals.call("POST", f"{path}/decline", {"reasons": grounds}, role="case_officer")
                self._made("decisions")
            elif demo.answer:
                position, reasons = demo.answer
                body = {"position": position, "reasons": reasons}
                self.proposals.call("POST", f"{path}/answer", body, role="case_officer")
                self._made("answers")
            proposal = self.proposals.call("GET", path)
        followed = any(step["what"].startswith("follow_up_") for step in proposal.get("history", []))
        if demo.follow_up and proposal["status"] == "answered" and not followed:
            stage, note = demo.follow_up
            self.proposals.call("POST", f"{path}/follow-ups", {"stage": stage, "note": note}, role="case_officer")

    def seed_round(self, demo: DemoRound) -> None:
        found = [
            r for r in self.proposals.call("GET", "rounds" + query(process_id=demo.process)) if r["title"] == demo.title
        ]
        if found:
            budget_round = found[0]
        else:
            opening = {
                "process_id": demo.process,
                "title": demo.title,
                "budget": sum(demo.district_budgets.values()) * EURO,
                "district_budgets": {d: euro * EURO for d, euro in demo.district_budgets.items()},
                "form": {"kind": "approval"},
                "rule": "equalshares/add1",
                "eligibility": {"min_age": 16, "residents_only": True, "unverified": "desk"},
            }
            budget_round = self.proposals.call("POST", "rounds", opening, role="case_officer")
            self._made("budget rounds")
        path = f"rounds/{budget_round['id']}"
        if budget_round["phase"] == "ideas":
            have = {p["title"] for p in budget_round["projects"]}
            for title, district, cost, description in demo.projects:
                if title not in have:
                    idea = {"title": title, "district": district, "cost": cost * EURO, "description": description}
                    self.proposals.call("POST", f"{path}/projects", idea, role="case_officer")
            self.proposals.call("POST", f"{path}/feasibility", {}, role="case_officer")
            budget_round = self.proposals.call("GET", path)
        if budget_round["phase"] == "feasibility":
            for project in budget_round["projects"]:
                if project.get("feasibility") in (None, "", "pending"):
                    assessment = {
                        "feasible": True,
                        "cost": project["cost"],
                        "legal_check": "Past binnen de bevoegdheid van de gemeente; geen vergunningsproblemen.",
                    }
                    self.proposals.call(
                        "POST", f"{path}/projects/{project['id']}/assessment", assessment, role="case_officer"
                    )
            self.proposals.call("POST", f"{path}/voting", {}, role="case_officer")
            budget_round = self.proposals.call("GET", path)
        ids = {p["title"]: p["id"] for p in budget_round["projects"]}
        if budget_round["phase"] == "voting" and demo.voters:
            for voter in range(demo.voters):
                ballot = {"projects": [ids[demo.projects[i][0]] for i in demo.ballot(voter)]}
                self.proposals.call("PUT", f"{path}/ballot", ballot, resident=200 + voter)
            self.proposals.call("POST", f"{path}/close", {}, role="case_officer")
            self._made("ballots and the count")
        if demo.voters:
            wait_until(
                f"the count of {demo.title!r}", lambda: self.proposals.call("GET", path).get("results") is not None
            )
            budget_round = self.proposals.call("GET", path)
            funded = set(budget_round["results"]["selected"])
            for project in budget_round["projects"]:
                if project["id"] in funded and not project.get("stage"):
                    body = {"stage": "in_progress", "note": demo.tracking}
                    self.proposals.call("POST", f"{path}/projects/{project['id']}/tracking", body, role="case_officer")

    def seed_task(self) -> None:
        tasks = self.challenges.call("GET", "tasks") or []
        if not any(t["title"] == TASK["title"] for t in tasks):
            self.challenges.call("POST", "tasks", TASK, role="case_officer")
            self._made("a challengeable task")

    def seed_panel(self) -> None:
        panels = self.panels.call("GET", "panels") or []
        panel = next((p for p in panels if p.get("question") == PANEL["question"]), None)
        if panel is None:
            panel = self.panels.call("POST", "panels", PANEL, role="panel_coordinator")
            self._made("a citizen panel")
        path = f"panels/{panel['id']}"
        steps = {entry["action"] for entry in self.panels.call("GET", f"{path}/audit", role="administrator")}
        if "invitations_drawn" not in steps:  # until the letters go out, the extract may be imported again
            self.panels.call("POST", f"{path}/register-extract", PANEL_REGISTER, role="panel_coordinator")
            invite = {"count": len(PANEL_CODES), "seed": 2030}
            self.panels.call("POST", f"{path}/invitations", invite, role="panel_coordinator")
            self._made(f"invitation letters for the panel (reply-card codes {PANEL_CODES[0]} to {PANEL_CODES[-1]})")


def query(**params: Any) -> str:
    from urllib.parse import urlencode

    return "?" + urlencode(params)


def seeder(env: Mapping[str, str], tokens: Tokens | None = None) -> Seeder:
    tokens = tokens or Tokens.development()

    def service(name: str) -> Service:
        return Service(name, env.get(f"{name.upper()}_BASE_URL", DEFAULT_URLS[name]), tokens)

    return Seeder(service("proposals"), service("challenges"), service("panels"))


def main() -> int:
    reason = skipped(os.environ)
    if reason:
        print(f"Demo data: skipped ({reason})")
        return 0
    try:
        print(seeder(os.environ).run())
    except (ApiError, OSError) as error:
        print(f"Demo data: not complete: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C while seeding: make run stops everything
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
