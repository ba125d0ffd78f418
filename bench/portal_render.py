"""The portal's server-side render time beside the service API calls behind each page, and its page weight.

Runs proposals and the gateway as deployed (Granian + worker each;
PostgreSQL databases, the real broker; proposals verifies the tokens the gateway mints against its JWKS),
an in-process OpenID provider (oidc-provider-mock) with one voter, and seeds through the proposals API:

- a call for proposals with `--proposals` (10,000) proposals, submitted by `--seed-clients` threads as 100
  residents through the service's own use case in this process (`--seed service`: its domain rules, its
  database and outbox, without HTTP; on two loaded cores the API takes ~20/s) or through its API
  (`--seed http`), and admitted by the deployed worker (its automatic check, via Kafka); three of them
  answered by a case officer through the API (the home page's "you said, we did");
- a budget round of 20 feasible projects open for voting (ballot_intake.open_round); the voter logs in
  through the code flow with PKCE and casts a ballot through the pass-through, so the ballot page shows
  "change my vote" with the choice filled in.

Then, in each of `--repeat` passes, for each page, `--requests` sequential requests to the page, each
followed (or preceded: the order alternates) by the same API calls the page makes, straight to proposals
with the same client (one keep-alive urllib3 pool, one request at a time):

- home, `GET /` (anonymous): `v1/processes?municipality=`, `v1/proposals?status=answered&limit=20`;
- proposal_list, `GET /proposals?process=` (anonymous; 10,000 in the process): `v1/processes?municipality=`,
  `v1/proposals?process_id=&limit=21&offset=0`;
- ballot, `GET /budgets/<id>/ballot` (signed in): `v1/rounds/<id>`, `v1/processes?municipality=`,
  `v1/processes/<process>`, `v1/rounds/<id>/ballot`, each with a resident's token (as the gateway sends).

Figures per page, one JSON line each (bench/figures.py): p50 / p95 of the page and of its API calls taken
together (min / median / max over the passes, after a warm-up pass of `--warmup-requests` each), the ratio
page p95 / API p95 pass by pass (goal <= 2), the CPU ms per request of the gateway and of proposals, and the
page weight: the HTML and the CSS / JS files it links (images left out), raw, gzipped (level 6), and as the
gateway sends them to a browser accepting gzip and brotli (the goal's figure, < 100 kB).

    python bench/portal_render.py --bootstrap 127.0.0.1:9092 --server-url postgresql+psycopg://...
    python bench/portal_render.py ... --quick     # 200 proposals, 30 requests a page and pass
"""

from __future__ import annotations

import argparse
import gzip
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urljoin

import requests
import urllib3
from ballot_intake import open_round
from deploy import stack
from figures import Figures, Harness, cpu_seconds, open_call, options, percentile
from gateway_ballots import ATTRS, log_in

from meemaken_testkit.tokens import bearer, token

MUNICIPALITY = "bench"
PROCESS = "bench-portal"
BUDGET_PROCESS = "bench-budget"  # ballot_intake.open_round's
TEXT = "Plant trees along the canal and put benches in their shade for people who walk there."
OFFICER = bearer("proposals", "case_officer", seconds=3600)
VOTER_ATTRS = {"age": 41, "municipality": MUNICIPALITY, "resident": True, "district": "centrum"}
LINKED = re.compile(r'<(?:link[^>]*rel="stylesheet"[^>]*href|script[^>]*src)="([^"]+)"')
CHOICE = {"projects": ["p1", "p4", "p7"]}

Request = tuple[str, dict[str, str]]  # a URL and its headers


def _proposal(i: int) -> tuple[str, str]:
    tag = f"{i:05d}-{uuid.uuid4().hex[:8]}"
    return f"Shade by the canal {tag}", f"{TEXT} ({tag})"


def seed_http(proposals_url: str, count: int, clients: int) -> None:
    """`count` proposals submitted through the API by `clients` threads as 100 residents."""
    authors = [bearer("proposals", "resident", attrs=VOTER_ATTRS, seconds=7200) for _ in range(100)]
    failures: list[str] = []

    def submit(share: range) -> None:
        session = requests.Session()
        for i in share:
            title, text = _proposal(i)
            body = {"process_id": PROCESS, "title": title, "text": text}
            answer = session.post(f"{proposals_url}/api/v1/proposals", json=body, headers=authors[i % 100], timeout=60)
            if answer.status_code != 201:
                failures.append(f"{answer.status_code} {answer.text[:200]}")

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(submit, [range(c, count, clients) for c in range(clients)]))
    assert not failures, f"{len(failures)} submissions refused, e.g. {failures[0]}"


def seed_service(database_url: str, count: int, clients: int) -> None:
    """`count` proposals submitted through the service's own use case (handlers.submit_proposal: the
    domain's rules, the same database and outbox; the deployed worker admits them) by `clients` threads,
    as 100 residents: what the API does after reading the token, without HTTP."""
    from meemaken_kit import Settings, make_engine
    from meemaken_kit.roles import Role
    from proposals.bootstrap import unit_of_work_factory
    from proposals.service_layer import handlers
    from proposals.service_layer.actors import Actor

    engine = make_engine(database_url, pool_size=clients)
    uow = unit_of_work_factory(Settings.from_env("proposals", {"DATABASE_URL": database_url}), engine)
    authors = [Actor(uuid.uuid4(), frozenset({Role.RESIDENT}), attributes=VOTER_ATTRS) for _ in range(100)]

    def submit(share: range) -> None:
        for i in share:
            title, text = _proposal(i)
            handlers.submit_proposal(handlers.SubmitProposal.by(authors[i % 100], PROCESS, title, text), uow())

    try:
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(submit, [range(c, count, clients) for c in range(clients)]))
    finally:
        engine.dispose()


def wait_admitted(proposals_url: str, count: int, timeout: float) -> float:
    """Seconds until the service's worker has checked every proposal (none left `submitted`)."""
    began = time.monotonic()
    api = f"{proposals_url}/api/v1/proposals"
    while time.monotonic() - began < timeout:
        submitted: dict[str, str | int] = {"process_id": PROCESS, "status": "submitted", "limit": 1}
        waiting = requests.get(api, params=submitted, timeout=30)
        if waiting.json() == []:
            oldest: dict[str, str | int] = {"process_id": PROCESS, "limit": 1, "offset": count - 1}
            last = requests.get(api, params=oldest, timeout=30)
            assert last.json(), "fewer proposals in the process than were submitted"
            return time.monotonic() - began
        time.sleep(2)
    raise AssertionError(f"proposals still waiting for their admissibility check after {timeout} s")


def answer_some(proposals_url: str, n: int) -> None:
    """A case officer answers `n` admitted proposals: the home page's "you said, we did"."""
    api = f"{proposals_url}/api/v1/proposals"
    query: dict[str, str | int] = {"process_id": PROCESS, "status": "admitted", "limit": n}
    admitted = requests.get(api, params=query, timeout=30).json()
    for proposal in admitted:
        body = {"position": "adopted", "reasons": "We will plant the trees next spring, with the neighbours."}
        answered = requests.post(f"{api}/{proposal['id']}/answer", json=body, headers=OFFICER, timeout=30)
        assert answered.status_code == 200, answered.text


def timed(http: urllib3.PoolManager, calls: list[Request]) -> float:
    """Milliseconds for `calls` one after the other (as a page makes them); each must answer 200."""
    began = time.perf_counter()
    for url, headers in calls:
        answer = http.request("GET", url, headers=headers, timeout=30, redirect=False)
        if answer.status != 200:
            raise AssertionError(f"GET {url}: {answer.status} {answer.data[:300]!r}")
    return (time.perf_counter() - began) * 1000


def quantiles(values: list[float]) -> dict[str, float]:
    return {"p50_ms": percentile(values, 50), "p95_ms": percentile(values, 95)}


def measure(
    http: urllib3.PoolManager, page: Request, api: list[Request], n: int, masters: dict[str, int]
) -> dict[str, float]:
    """`n` page requests alternating with `n` runs of its API calls; quantiles and CPU ms per request."""
    pages: list[float] = []
    apis: list[float] = []
    cpu = {name: 0.0 for name in (f"{m}_{side}" for m in masters for side in ("page", "api"))}
    for i in range(n):
        for side in ("page", "api") if i % 2 == 0 else ("api", "page"):
            before = {name: cpu_seconds(pid) for name, pid in masters.items()}
            took = timed(http, [page] if side == "page" else api)
            for name, pid in masters.items():
                cpu[f"{name}_{side}"] += cpu_seconds(pid) - before[name]
            (pages if side == "page" else apis).append(took)
    figures = {f"page_{k}": v for k, v in quantiles(pages).items()}
    figures |= {f"api_{k}": v for k, v in quantiles(apis).items()}
    figures["ratio_p95"] = figures["page_p95_ms"] / figures["api_p95_ms"]
    figures |= {f"cpu_ms_{name}": seconds * 1000 / n for name, seconds in cpu.items()}
    return figures


BROWSER_ENCODINGS = "gzip, deflate, br"  # what Chromium sends over plain HTTP


def weight(http: urllib3.PoolManager, page: Request) -> dict[str, Any]:
    """Bytes of the page's HTML and of the CSS / JS files it links (no images): raw, gzipped here (level 6),
    and as the gateway sends them to a browser that accepts gzip and brotli (``served_bytes``, the goal's
    figure: what crosses the network)."""
    url, headers = page
    html = http.request("GET", url, headers=headers | {"Accept-Encoding": "identity"}, timeout=30)
    files = {"html": html.data}
    for href in dict.fromkeys(LINKED.findall(html.data.decode())):
        linked = http.request("GET", urljoin(url, href), headers={"Accept-Encoding": "identity"}, timeout=30)
        assert linked.status == 200, f"{href}: {linked.status}"
        files[href] = linked.data
    served = {
        name: http.request(
            "GET",
            url if name == "html" else urljoin(url, name),
            headers=headers | {"Accept-Encoding": BROWSER_ENCODINGS},
            timeout=30,
            decode_content=False,
            preload_content=True,
        )
        for name in files
    }
    raw = {name: len(data) for name, data in files.items()}
    zipped = {name: len(gzip.compress(data, 6)) for name, data in files.items()}
    return {
        "raw_bytes": sum(raw.values()),
        "gzip_bytes": sum(zipped.values()),
        "served_bytes": sum(len(r.data) for r in served.values()),
        "files": {
            name: {
                "raw": raw[name],
                "gzip": zipped[name],
                "served": len(served[name].data),
                "served_as": served[name].headers.get("Content-Encoding", "none"),
            }
            for name in files
        },
        "goal_bytes": 100_000,
        "goal_met": sum(len(r.data) for r in served.values()) < 100_000,
    }


def run(harness: Harness, args: argparse.Namespace) -> None:
    env = {"LOG_LEVEL": "WARNING", "WEB_CONCURRENCY": args.web_concurrency}
    with stack("portal", args, ["voter-0"], ATTRS, env, municipality=MUNICIPALITY) as deployed:
        gateway, gateway_url, proposals = deployed.gateway, deployed.gateway_url, deployed.proposals
        assert proposals is not None and deployed.proposals_database is not None
        proposals_db = deployed.proposals_database
        api = f"{proposals.url}/api/v1"
        open_call(proposals.url, PROCESS, "Portal")
        rid = open_round(api)
        seeding = time.monotonic()
        if args.seed == "http":
            seed_http(proposals.url, args.proposals, args.seed_clients)
        else:
            seed_service(proposals_db, args.proposals, args.seed_clients)
        seeded_per_s = args.proposals / (time.monotonic() - seeding)
        admitted_after = wait_admitted(proposals.url, args.proposals, timeout=1200)
        answer_some(proposals.url, 3)

        voter = log_in(gateway_url, "voter-0")  # the session cookie and the page's CSRF token
        cast = requests.put(
            f"{gateway_url}/api/proposals/v1/rounds/{rid}/ballot", json=CHOICE, headers=voter, timeout=30
        )
        assert cast.status_code in (200, 201), cast.text
        direct = {"Authorization": f"Bearer {token('proposals', 'resident', attrs=VOTER_ATTRS, seconds=7200)}"}
        cast = requests.put(f"{api}/rounds/{rid}/ballot", json=CHOICE, headers=direct, timeout=30)
        assert cast.status_code in (200, 201), cast.text

        plain = {"Accept": "application/json", "Accept-Language": "nl"}
        browser = {"Accept": "text/html", "Accept-Language": "nl"}
        signed_in = browser | {"Cookie": voter["Cookie"]}
        processes = (f"{api}/processes?municipality={MUNICIPALITY}", plain)
        pages: dict[str, tuple[Request, list[Request]]] = {
            "home": ((f"{gateway_url}/", browser), [processes, (f"{api}/proposals?status=answered&limit=20", plain)]),
            "proposal_list": (
                (f"{gateway_url}/proposals?process={PROCESS}", browser),
                [processes, (f"{api}/proposals?process_id={PROCESS}&limit=21&offset=0", plain)],
            ),
            "ballot": (
                (f"{gateway_url}/budgets/{rid}/ballot", signed_in),
                [
                    (f"{api}/rounds/{rid}", plain | direct),
                    (f"{api}/processes?municipality={MUNICIPALITY}", plain | direct),
                    (f"{api}/processes/{BUDGET_PROCESS}", plain | direct),
                    (f"{api}/rounds/{rid}/ballot", plain | direct),
                ],
            ),
        }
        http = urllib3.PoolManager(maxsize=2, retries=urllib3.Retry(total=2, connect=2, read=1, status=0))
        ballot_html = http.request("GET", pages["ballot"][0][0], headers=signed_in, timeout=30).data.decode()
        assert 'value="p4"' in ballot_html and "checked" in ballot_html, "the ballot page lacks the voter's choice"
        list_html = http.request("GET", pages["proposal_list"][0][0], headers=browser, timeout=30).data.decode()
        assert list_html.count("Shade by the canal") >= 20, "the list page does not show a page of proposals"
        weights = {name: weight(http, page) for name, (page, _) in pages.items()}
        masters = {"gateway": gateway.processes[0].pid, "proposals": proposals.processes[0].pid}

        def one_pass(requests_per_page: int) -> dict[str, Figures]:
            return {
                name: measure(http, page, calls, requests_per_page, masters) for name, (page, calls) in pages.items()
            }

        # the warm-up warms both paths (templates, pools, minted tokens)
        runs = harness.passes(lambda: one_pass(args.requests), warm=lambda: one_pass(args.warmup_requests))
        for name in pages:
            harness.emit(
                [r[name] for r in runs],
                "page_p95_ms",
                "api_p95_ms",
                "page p95 ≤ twice the API p95; page < 100 kB",
                ratio="ratio_p95",
                case=name,
                api_calls=[url.removeprefix(api) for url, _ in pages[name][1]],
                weight=weights[name],
                proposals=args.proposals,
                seeded_by=args.seed,
                seeded_per_s=round(seeded_per_s, 1),
                admitted_after_s=round(admitted_after, 1),
                requests=args.requests,
                clients=1,
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--server-url", required=True, help="a PostgreSQL server URL; databases are created on it")
    parser.add_argument("--proposals", type=int, default=10_000, help="proposals in the listed process")
    parser.add_argument("--seed-clients", type=int, default=8, help="threads submitting them")
    parser.add_argument(
        "--seed",
        choices=("service", "http"),
        default="service",
        help="submit them through the service's use case in this process, or through its API",
    )
    parser.add_argument("--requests", type=int, default=1000, help="requests per page (and per API set) a pass")
    parser.add_argument("--warmup-requests", type=int, default=50, help="requests per page in a warm-up pass")
    parser.add_argument("--web-concurrency", default="2", help="worker processes of each service's API")
    args = options(parser).parse_args()
    if args.quick:
        args.proposals, args.requests, args.warmup_requests = 200, 30, 5
    run(Harness.start("portal_render", args), args)


if __name__ == "__main__":
    main()
