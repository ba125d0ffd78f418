"""Ballots through the gateway (login once, then cast) beside the same ballots straight to proposals.

Runs proposals and the gateway as deployed (Granian + worker each, PostgreSQL databases, the real
broker; proposals verifies tokens against the gateway's published JWKS), an in-process OpenID provider
(oidc-provider-mock) with `--voters` residents, and opens a budget round. Every voter logs in once
through the real code flow with PKCE (a server-side session at the gateway, its CSRF token from the
account page). Then, in `--repeat` passes, `--clients` threads cast ballots in a closed loop on each path
for `--seconds`, the two paths taking turns of `--seconds / --slices` (so that load from outside the
benchmark falls on both alike):

- direct: PUT /api/v1/rounds/{id}/ballot on proposals, with a token signed as the gateway signs them;
- gateway: PUT /api/proposals/v1/rounds/{id}/ballot on the gateway (Granian), with the session cookie
  and CSRF header a browser sends; the first ballot of a session in each gateway worker goes the full
  way (session row, CSRF check), the next ones take the fast lane (gateway.proxy.lane): the same rate
  limits and cached token, no Flask, no database read.

Both paths share one lean keep-alive client (urllib3), so the load generator costs them the same.

Every voter has cast once before measuring (the warm-up), so both paths replace ballots (200). Figures
per path: min / median / max of ballots/s, p50 / p99 latency and CPU ms per ballot over the passes, the
ratio gateway/direct pass by pass (goal >= 0.8), and the load average before and after (bench/figures.py).

    python bench/gateway_ballots.py --bootstrap 127.0.0.1:9092 --server-url postgresql+psycopg://...
    python bench/gateway_ballots.py ... --quick     # 20 voters, passes of 2 s
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from ballot_intake import PROJECTS, THREADS, open_round
from deploy import gateway_env as gateway_env  # city_vote's gateways are this benchmark's
from deploy import provider as deployed_provider
from deploy import stack
from figures import Figures, Harness, cpu_seconds, options, percentile

from meemaken_kit.serve import GRANIAN_THREADS, GRANIAN_WORKERS
from meemaken_testkit.tokens import token

ATTRS = {"birthdate": "1985-05-05", "municipality": "bench", "district": "centrum", "roles": ["resident"]}
JSON = {"Content-Type": "application/json"}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def provider(voters: list[str]) -> tuple[str, Any]:
    """The mock OpenID provider with `voters`, each a resident of the bench municipality (bench/deploy.py)."""
    return deployed_provider(voters, ATTRS)


def client() -> requests.Session:
    """A keep-alive HTTP client; a connection the server closed while idle is opened again (a ballot
    PUT replaces the voter's ballot: sending it twice is harmless)."""
    session = requests.Session()
    retry = urllib3.Retry(total=2, connect=2, read=1, status=0, allowed_methods=None, raise_on_status=False)
    session.mount("http://", requests.adapters.HTTPAdapter(max_retries=retry, pool_maxsize=4))
    return session


def log_in(gateway: str, sub: str) -> dict[str, str]:
    """The code flow as a browser does it; the headers a logged-in browser's ballot carries."""
    browser = client()
    start = browser.get(f"{gateway}/login?next=/account", allow_redirects=False, timeout=10)
    chosen = requests.post(start.headers["Location"], data={"sub": sub}, allow_redirects=False, timeout=10)
    assert chosen.status_code == 302, (
        f"the provider refused the login of {sub}: {chosen.status_code} {chosen.text[:300]}"
    )
    back = urlsplit(chosen.headers["Location"])
    landed = browser.get(f"{gateway}{back.path}?{back.query}", timeout=10)
    found = CSRF.search(landed.text)
    assert landed.status_code == 200 and found, f"login of {sub} failed: {landed.status_code}"
    # what a browser sends with each ballot afterwards: its session cookie and the page's CSRF token
    return {"Cookie": f"meemaken={browser.cookies['meemaken']}", "X-CSRFToken": found.group(1)}


def ballot(rng: random.Random) -> dict[str, Any]:
    return {"projects": [f"p{i}" for i in rng.sample(range(1, PROJECTS + 1), rng.randint(1, 6))]}


Cast = tuple[dict[str, str], str]  # a voter's request headers and the ballot's URL


@dataclass
class Tally:
    """One path's ballots over the slices of a pass: latencies (ms), failures, seconds and CPU seconds."""

    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    elapsed: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)

    def figures(self) -> dict[str, float]:
        done = sorted(self.latencies)
        found = {"per_s": len(done) / self.elapsed, "p50_ms": percentile(done, 50), "p99_ms": percentile(done, 99)}
        found["failures"] = float(self.failures)
        for name, seconds in self.cpu.items():  # CPU milliseconds per ballot of each part (the API processes only)
            found[f"cpu_ms_{name}"] = seconds * 1000 / max(len(done), 1)
        return found


def closed_loop(casts: list[Cast], seconds: float, threads: int, tally: Tally | None = None) -> Tally:
    """`threads` clients, each cycling through its share of the voters, for `seconds`; added to `tally`.
    Both paths share one lean keep-alive client (urllib3), so the load generator costs each path the same."""
    tally = tally or Tally()
    http = urllib3.PoolManager(maxsize=threads, retries=urllib3.Retry(total=2, connect=2, read=1, status=0))
    stop = time.monotonic() + seconds
    latencies: list[list[float]] = [[] for _ in range(threads)]
    failures = [0] * threads

    def run(i: int) -> None:
        rng = random.Random(i)
        mine = casts[i::threads]
        n = 0
        while time.monotonic() < stop:
            headers, url = mine[n % len(mine)]
            n += 1
            body = json.dumps(ballot(rng)).encode()
            began = time.perf_counter()
            status = http.request("PUT", url, body=body, headers=headers | JSON, timeout=10).status
            if status in (200, 201):
                latencies[i].append((time.perf_counter() - began) * 1000)
            else:
                failures[i] += 1

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(run, range(threads)))
    tally.elapsed += time.monotonic() - began
    tally.latencies += [x for per in latencies for x in per]
    tally.failures += sum(failures)
    return tally


def each_once(casts: list[Cast], threads: int) -> None:
    """Every voter casts one ballot (the warm-up): the next ones replace it, on both paths alike."""
    http = urllib3.PoolManager(maxsize=threads, retries=urllib3.Retry(total=2, connect=2, read=1, status=0))

    def run(i: int) -> None:
        rng = random.Random(i)
        for headers, url in casts[i::threads]:
            http.request("PUT", url, body=json.dumps(ballot(rng)).encode(), headers=headers | JSON, timeout=10)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(run, range(threads)))


def profile(pid: int, svg: Path, casts: list[Cast], args: argparse.Namespace) -> None:
    """A flame graph (py-spy) of a Granian master and its workers while ballots go through them;
    the ballots cast meanwhile on stderr, to compare samples per ballot between graphs."""
    svg.parent.mkdir(parents=True, exist_ok=True)
    seconds = str(int(args.seconds))
    spy = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("py-spy")),  # installed with the dev requirements
            "record",
            "--subprocesses",
            "--pid",
            str(pid),
            "--duration",
            seconds,
            "--rate",
            "200",
            "--output",
            str(svg),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    cast = len(closed_loop(casts, args.seconds, args.clients).latencies)
    spy.wait(timeout=120)
    print(f"{svg.name}: {cast} ballots in {args.seconds:g} s", file=sys.stderr)


def run(harness: Harness, args: argparse.Namespace) -> None:
    env = {"LOG_LEVEL": "WARNING", "WEB_CONCURRENCY": args.web_concurrency, "PROPOSALS_THREADS": args.threads_per}
    workers = args.gateway_workers  # by default as served (meemaken_kit.serve): one process, its threads waiting
    subjects = [f"voter-{i}" for i in range(args.voters)]
    threads = {"GATEWAY_THREADS": args.gateway_threads, "WEB_CONCURRENCY": workers}
    with stack("gw", args, subjects, ATTRS, env, threads) as deployed:
        gateway, gateway_url, proposals = deployed.gateway, deployed.gateway_url, deployed.proposals
        assert proposals is not None
        rid = open_round(f"{proposals.url}/api/v1")
        logged_in = time.monotonic()
        sessions = [log_in(gateway_url, s) for s in subjects]  # the mock provider is not thread-safe
        login_seconds = time.monotonic() - logged_in
        via_gateway = [(s, f"{gateway_url}/api/proposals/v1/rounds/{rid}/ballot") for s in sessions]
        direct = []
        for _ in subjects:
            same = {"age": 41, "municipality": "bench", "resident": True, "district": ATTRS["district"]}
            signed = token("proposals", "resident", attrs=same, seconds=3600)  # what the gateway's token says
            direct.append(({"Authorization": f"Bearer {signed}"}, f"{proposals.url}/api/v1/rounds/{rid}/ballot"))
        masters = {"gateway": gateway.processes[0].pid, "proposals": proposals.processes[0].pid}

        def one_pass() -> Figures:
            """Both paths in turns of `--seconds / --slices`, so that load from outside the benchmark falls on
            both alike; CPU of each part counted per turn."""
            tallies = {"direct": Tally(), "gateway": Tally()}
            for _ in range(args.slices):
                for name, casts in (("direct", direct), ("gateway", via_gateway)):
                    tally = tallies[name]
                    before = {n: cpu_seconds(pid) for n, pid in masters.items()} | {"client": time.process_time()}
                    closed_loop(casts, args.seconds / args.slices, args.clients, tally)
                    after = {n: cpu_seconds(pid) for n, pid in masters.items()} | {"client": time.process_time()}
                    for n in after:
                        tally.cpu[n] = tally.cpu.get(n, 0.0) + after[n] - before[n]
            d, g = tallies["direct"].figures(), tallies["gateway"].figures()
            paths = {f"direct_{k}": v for k, v in d.items()} | {f"gateway_{k}": v for k, v in g.items()}
            return paths | {"ratio_gateway_to_direct": g["per_s"] / d["per_s"]}

        def warm() -> None:  # everyone casts once: every measured ballot replaces one
            for casts in (direct, via_gateway):
                each_once(casts, args.clients)

        if args.profile:  # after every voter has cast once, as the passes
            warm()
            profile(proposals.processes[0].pid, args.profile / "proposals-ballot-direct.svg", direct, args)
            profile(gateway.processes[0].pid, args.profile / "gateway-ballot-pass-through.svg", via_gateway, args)
            profile(proposals.processes[0].pid, args.profile / "proposals-ballot-via-gateway.svg", via_gateway, args)
        runs = harness.passes(one_pass, warm=warm)
        harness.emit(
            runs,
            "gateway_per_s",
            "direct_per_s",
            "ratio ≥ 0.8",
            ratio="ratio_gateway_to_direct",
            case=f"{workers} gateway workers",
            voters=args.voters,
            login_per_s=round(args.voters / login_seconds, 1),
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--server-url", required=True, help="a PostgreSQL server URL; databases are created on it")
    parser.add_argument("--voters", type=int, default=400)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=16, help="client threads")
    parser.add_argument("--slices", type=int, default=5, help="turns of each path within a pass (default 5)")
    parser.add_argument("--web-concurrency", default="2", help="API processes of proposals")
    parser.add_argument("--threads-per", default=THREADS, help="threads per API process of proposals")
    parser.add_argument(
        "--gateway-threads", default=GRANIAN_THREADS, help="app threads per Granian worker of the gateway"
    )
    parser.add_argument("--gateway-workers", default=GRANIAN_WORKERS["gateway"], help="the gateway's Granian workers")
    parser.add_argument("--profile", type=Path, help="a folder for py-spy flame graphs of both paths (not measured)")
    args = options(parser).parse_args()
    if args.quick:
        args.voters, args.seconds, args.slices = 20, 2.0, 2
    run(Harness.start("gateway_ballots", args), args)


if __name__ == "__main__":
    main()
