"""`make bench`: every benchmark on this machine, each beside its ceiling, figures as JSON lines.

Starts its own PostgreSQL cluster and Kafka broker (or uses DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS),
then runs each benchmark (bench/figures.py's harness: a warm-up, `--repeat` passes, min / median / max,
the load average around them and whether the machine had load from elsewhere), collects their JSON lines
and rewrites the table of latest medians in bench/README.md, between its marker comments, with the commit
they were measured on (rows of benchmarks not run this time stay as they were). `--quick` runs each with
small sizes to check that it works, and leaves the README alone; `--only pipeline,latency` runs some;
`--table FILE` rewrites the table from JSON lines saved earlier, running nothing. The benchmarks:

- pipeline.py: events/s through outbox → relay → Kafka → consumer → inbox, beside the raw
  kafka-python produce→consume rate measured in the same run (target: ratio ≥ 0.5);
- latency.py: p50/p99 from POST to the author's notification at 50 and at 200 submissions/s (a row each),
  beside the POST's own answer time, with each step's share (target: p99 < 100 ms; < 250 ms at 200/s);
- right_to_challenge.py: challenges/s through submit → gates → assessment → decision → notice, over HTTP,
  and p50/p99 from a decision to its event downstream, beside the pipeline moving as many events;
- right_to_challenge.py --driver backlog: the chain's automatic links alone (relay → gate consumer → relay)
  on challenges submitted before the worker starts, beside the pipeline moving as many events; the relay and the
  gate consumer in a process each (`--workers split`), as the pipeline's relay and consumer are;
- budget_rules.py: greedy and Method of Equal Shares with add1 on Łódź 2023 and a synthetic 150,000-voter
  round, beside pabutools on the same instances (target: identical outcomes, MES at least 100 times faster);
- pb_sweep.py: `meemaken-pb check` over the Pabulib files in ../shared/data/pabulib (files/s, share
  reproduced, every file not reproduced with its reason) and over 1,750 synthetic files sized like the
  public data set (target: all reproduced; the whole set in minutes), beside parsing alone;
- submissions_load.py: proposal submissions by 8 and 32 clients in a closed loop on the embedded SQLite
  default beside PostgreSQL in the same run: submissions/s, p50/p99 and the count of 5xx (target: 0);
- ballot_intake.py: ballots accepted per second through the proposals API (Granian, PostgreSQL) at a
  steady 300/s with p50/p99, beside the closed-loop ceiling of the same stack on /healthz (target: 300/s,
  p99 < 100 ms);
- gateway_ballots.py: ballots/s and p50/p99 through the gateway (each voter logged in once through the
  code flow; session, CSRF, rate limits, token, pass-through) beside the same ballots straight to the
  proposals service, alternating passes in the same run (target: ratio >= 0.8);
- portal_render.py: server-side render time (p50/p95 of 1,000 requests) of the portal's home page, the
  proposal list (10,000 proposals in the process) and the ballot page (signed in), beside the API calls
  each page makes, alternating in the same run (target: page p95 <= 2 x its API calls' p95), and each
  page's weight, HTML + CSS + JS (target < 100 kB);
- work_queue.py: the officials' work queue with 50,000 open items: p50/p95 render of the default and a
  filtered view beside the same view's SQL (target: p95 < 200 ms), and the lag from an event published at
  200/s to its item in the queue beside the broker's own delivery (target: p99 < 1 s);
- notifications_fanout.py: a budget-results fan-out to 150,000 voters: e-mails handed to a real SMTP
  server per second, time until the last (target < 120 s), and a concurrent challenge e-mail's lag, beside
  plain smtplib into a sink of its own;
- city_vote.py: a city-scale budget vote (150,000 residents, the peak hour of a two-week vote) through the
  gateway on a 3-broker Kafka cluster of its own, with 1 then 2 replicas of the gateway and proposals:
  ballots/s, p99, consumer lag, CPU per part beside the rate the cores allow; the recovery after the ballot
  topic's partition leader is SIGKILLed (target < 30 s), with nothing lost or doubled;
- sortition.py: seconds and minimum probability of our LEXIMIN/MAXIMIN beside the reference
  sortition-algorithms MAXIMIN (HiGHS, CBC) on 150/22 ... 2000/150 pools (BENCH_SORTITION_SIZES).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from figures import outside_load_of

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
START = "<!-- latest-medians: start (bench/run.py rewrites this table) -->"
END = "<!-- latest-medians: end -->"
HEADER = (
    "| benchmark | case | figure | median (min - max) | ceiling, median | ratio, median (min - max) | goal "
    "| load avg: probe / before → after | outside load | commit |\n|---|---|---|---|---|---|---|---|---|---|"
)

Argv = Callable[[str, str], list[str]]  # the benchmark's arguments, given the broker and the database server


def benchmarks() -> dict[str, Argv]:
    env = os.environ.get
    return {
        "pipeline": lambda kafka, db: [
            "--bootstrap",
            kafka,
            "--database-url",
            _database(db, "bench_pipeline"),
            "--events",
            env("BENCH_EVENTS", "20000"),
        ],
        "pipeline_scaling": lambda kafka, db: [
            "--bootstrap",
            kafka,
            "--database-url",
            _database(db, "bench_pipeline_scaling"),
            "--events",
            env("BENCH_EVENTS", "20000"),
            "--scale",
            "1,2,4",
        ],
        "latency": lambda kafka, db: [
            *_services(kafka, db),
            "--rate",
            env("BENCH_RATE", "50,200"),  # a row per rate
            "--seconds",
            env("BENCH_SECONDS", "30"),
        ],
        "right_to_challenge": lambda kafka, db: [
            *_services(kafka, db),
            "--challenges",
            env("BENCH_CHALLENGES", "200"),
        ],
        "right_to_challenge_backlog": lambda kafka, db: [
            *_services(kafka, db),
            "--challenges",
            env("BENCH_BACKLOG", "3000"),
            "--driver",
            "backlog",
            "--workers",  # relay and gate consumer in a process each, as the pipeline it is held against
            env("BENCH_BACKLOG_WORKERS", "split"),
        ],
        "budget_rules": lambda kafka, db: [],
        "pb_sweep": lambda kafka, db: [],
        "submissions_load": _services,
        "ballot_intake": lambda kafka, db: [*_services(kafka, db), "--rate", env("BENCH_BALLOT_RATE", "600")],
        "gateway_ballots": _services,
        "portal_render": _services,
        "work_queue": _services,
        "notifications_fanout": lambda kafka, db: [*_services(kafka, db), "--voters", env("BENCH_VOTERS", "150000")],
        "city_vote": lambda kafka, db: ["--server-url", db],  # on a 3-broker cluster of its own
        "sortition": lambda kafka, db: [
            "--sizes",
            env("BENCH_SORTITION_SIZES", "150/22,500/75,1000/100,2000/150"),
        ],
    }


def _services(kafka: str, db: str) -> list[str]:
    return ["--bootstrap", kafka, "--server-url", db]


def _database(server: str, name: str) -> str:
    from meemaken_testkit.postgres import create_database

    return create_database(server, f"{name}_{int(time.time())}")


def script(name: str) -> Path:
    return HERE / f"{name.removesuffix('_backlog').removesuffix('_scaling')}.py"


def run_one(argv: list[str]) -> tuple[int, list[dict[str, Any]]]:
    """Runs a benchmark, echoing its output; its JSON lines."""
    lines: list[dict[str, Any]] = []
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        for text in process.stdout:
            print(text, end="", flush=True)
            lines += parsed([text])
    return process.returncode, lines


def parsed(texts: Iterable[str]) -> list[dict[str, Any]]:
    """The benchmarks' figure lines among `texts` (JSON objects with a "bench" and a "headline")."""
    found = []
    for text in texts:
        if not text.lstrip().startswith("{"):
            continue
        try:
            line = json.loads(text)
        except ValueError:
            continue
        if isinstance(line, dict) and "bench" in line and "headline" in line:
            found.append(line)
    return found


def number(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def spread_text(spread: dict[str, float] | None) -> str:
    if not spread:
        return "-"
    return f"{number(spread['median'])} ({number(spread['min'])} - {number(spread['max'])})"


def row(line: dict[str, Any]) -> str:
    """One table row: the headline figure's spread, its ceiling's median, the ratio, the load."""
    figures, headline = line["figures"], line["headline"]
    ceiling = figures.get(headline.get("ceiling") or "")
    load = f"{line['probe']['loadavg_start'][0]} / {line['loadavg_before'][0]} → {line['loadavg_after'][0]}"
    why = outside_load_of(line)  # by today's rule, for lines measured before it changed
    outside = f"yes: {why[0]}" if why else "no"
    cells = [
        f"`{line['bench']}`",
        str(line.get("case") or "-"),
        f"`{headline['figure']}`",
        spread_text(figures.get(headline["figure"])),
        f"{number(ceiling['median'])} (`{headline['ceiling']}`)" if ceiling else "-",
        spread_text(figures.get(headline.get("ratio") or "")),
        headline.get("goal") or "-",
        load,
        outside,
        f"`{line['commit']}`",
    ]
    return "| " + " | ".join(cell.replace("|", "/") for cell in cells) + " |"


def rewrite_table(readme: str, lines: list[dict[str, Any]]) -> str:
    """The README with the rows of `lines` put in the table between the markers: a row per benchmark and
    case, replacing the row of the same benchmark and case; rows of benchmarks not in `lines` are kept."""
    if START not in readme or END not in readme:
        raise ValueError(f"the README lacks the table's markers {START!r} and {END!r}")
    before, rest = readme.split(START, 1)
    table, after = rest.split(END, 1)
    rows: dict[tuple[str, str], str] = {}
    for text in table.strip().splitlines()[2:]:  # the header and its rule first
        cells = [c.strip() for c in text.strip().strip("|").split("|")]
        if len(cells) > 2:
            rows[(cells[0], cells[1])] = text.strip()
    for line in lines:
        if not line.get("quick"):
            rows[(f"`{line['bench']}`", str(line.get("case") or "-"))] = row(line)
    body = "\n".join([HEADER, *rows.values()])
    return f"{before}{START}\n{body}\n{END}{after}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="make bench: every benchmark, the README's table of medians")
    parser.add_argument("--quick", action="store_true", help="small sizes: check each benchmark runs; no README")
    parser.add_argument("--repeat", type=int, help="measured passes of each benchmark (default 3)")
    parser.add_argument("--only", help=f"comma-separated subset of {','.join(benchmarks())}")
    parser.add_argument("--table", type=Path, help="rewrite the README's table from these JSON lines, run nothing")
    args = parser.parse_args(argv)
    if args.table:
        README.write_text(rewrite_table(README.read_text(), parsed(args.table.read_text().splitlines())))
        return 0
    chosen = {name: argv for name, argv in benchmarks().items() if not args.only or name in args.only.split(",")}
    from meemaken_testkit import LocalKafka, LocalPostgres, create_topics
    from meemaken_testkit.kafka import declared_topics
    from meemaken_testkit.postgres import databases, drop_database

    kafka = postgres = None
    failed: list[str] = []
    lines: list[dict[str, Any]] = []
    try:
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        if not bootstrap:
            kafka = LocalKafka().start()
            bootstrap = kafka.bootstrap
        create_topics(bootstrap, declared_topics())
        server = os.environ.get("DATABASE_URL")
        if not server:
            postgres = LocalPostgres().start()
            server = postgres.url()
        for name, arguments in chosen.items():
            before = databases(server)
            command = [sys.executable, str(script(name)), *arguments(bootstrap, server)]
            command += ["--quick"] if args.quick else []
            command += ["--repeat", str(args.repeat)] if args.repeat else []
            code, found = run_one(command)
            lines += found
            if code != 0:
                failed.append(name)
            # the next benchmark starts without this one's databases: left behind, their pages slowed the passes
            # after them (bench/README.md, fifteenth session); only the ones it made, on a server of one's own too
            for made in sorted(databases(server) - before):
                if made.startswith("bench_"):
                    drop_database(server, made)
        if not args.quick:
            README.write_text(rewrite_table(README.read_text(), lines))
    finally:
        if kafka is not None:
            kafka.destroy()
        if postgres is not None:
            postgres.destroy()
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
