"""`make bench`: every benchmark on this machine, each beside its ceiling, figures as JSON lines.

Starts its own PostgreSQL cluster and Kafka broker (or uses DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS),
then runs:

- pipeline.py: events/s through outbox → relay → Kafka → consumer → inbox, beside the raw
  kafka-python produce→consume rate measured in the same run (target: ratio ≥ 0.25);
- latency.py: p50/p99 from POST to the author's notification at 50 submissions/s (target: p99 < 250 ms);
- right_to_challenge.py: challenges/s through submit → gates → assessment → decision → notice, over HTTP
  and through the use cases in-process, and p50/p99 from a decision to its event downstream;
- right_to_challenge.py --driver backlog: the chain's automatic links alone (relay → gate consumer → relay)
  on challenges submitted before the worker starts, beside the pipeline rate;
- budget_rules.py: greedy and Method of Equal Shares with add1 on Łódź 2023 and a synthetic 150,000-voter
  round, beside pabutools on the same instances (target: identical outcomes, MES at least 20 times faster);
- pb_sweep.py: `meemaken-pb check` over the Pabulib files in ../shared/data/pabulib (files/s, share
  reproduced, every file not reproduced with its reason) and over 1,750 synthetic files sized like the
  public data set (target: all reproduced; the whole set in minutes), beside parsing alone;
- submissions_load.py: proposal submissions by 8 and 32 clients in a closed loop on the embedded SQLite
  default beside PostgreSQL in the same run: submissions/s, p50/p99 and the count of 5xx (target: 0);
- ballot_intake.py: ballots accepted per second through the proposals API (gunicorn, PostgreSQL) at a
  steady 300/s with p50/p99, beside the closed-loop ceiling of the same stack on /healthz (target: 300/s,
  p99 < 100 ms);
- gateway_ballots.py: ballots/s and p50/p99 through the gateway (each voter logged in once through the
  code flow; session, CSRF, rate limits, token, pass-through) beside the same ballots straight to the
  proposals service, alternating passes in the same run (target: ratio >= 0.8);
- portal_render.py: server-side render time (p50/p95 of 1,000 requests) of the portal's home page, the
  proposal list (10,000 proposals in the process) and the ballot page (signed in), beside the API calls
  each page makes, alternating in the same run (target: page p95 <= 2 x its API calls' p95), and each
  page's weight, HTML + CSS + JS (target < 100 kB);
- notifications_fanout.py: a budget-results fan-out to 150,000 voters: e-mails handed to a real SMTP
  server per second, time until the last (target < 10 min), and a concurrent challenge e-mail's lag;
- sortition.py: seconds and minimum probability of our LEXIMIN/MAXIMIN beside the reference
  sortition-algorithms MAXIMIN (HiGHS, CBC) on 150/22 ... 2000/150 pools (BENCH_SORTITION_SIZES).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from meemaken_testkit import LocalKafka, LocalPostgres  # noqa: E402
from meemaken_testkit.kafka import declared_topics  # noqa: E402
from meemaken_testkit.postgres import create_database  # noqa: E402


def main() -> int:
    kafka = postgres = None
    try:
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        if not bootstrap:
            kafka = LocalKafka().start()
            bootstrap = kafka.bootstrap
        kafka_topics = declared_topics()
        from meemaken_testkit import create_topics

        create_topics(bootstrap, kafka_topics)
        server = os.environ.get("DATABASE_URL")
        if not server:
            postgres = LocalPostgres().start()
            server = postgres.url()
        events = os.environ.get("BENCH_EVENTS", "20000")
        pipeline_db = create_database(server, "bench_pipeline")
        subprocess.run(
            [
                sys.executable,
                str(HERE / "pipeline.py"),
                "--bootstrap",
                bootstrap,
                "--database-url",
                pipeline_db,
                "--events",
                events,
            ],
            check=True,
        )
        subprocess.run(
            [
                sys.executable,
                str(HERE / "latency.py"),
                "--bootstrap",
                bootstrap,
                "--server-url",
                server,
                "--rate",
                os.environ.get("BENCH_RATE", "50"),
                "--seconds",
                os.environ.get("BENCH_SECONDS", "30"),
            ],
            check=True,
        )
        for driver in ("http", "service"):
            subprocess.run(
                [
                    sys.executable,
                    str(HERE / "right_to_challenge.py"),
                    "--bootstrap",
                    bootstrap,
                    "--server-url",
                    server,
                    "--challenges",
                    os.environ.get("BENCH_CHALLENGES", "200"),
                    "--driver",
                    driver,
                ],
                check=True,
            )
        subprocess.run(
            [
                sys.executable,
                str(HERE / "right_to_challenge.py"),
                "--bootstrap",
                bootstrap,
                "--server-url",
                server,
                "--challenges",
                os.environ.get("BENCH_BACKLOG", "3000"),
                "--driver",
                "backlog",
            ],
            check=True,
        )
        subprocess.run([sys.executable, str(HERE / "budget_rules.py")], check=True)
        subprocess.run([sys.executable, str(HERE / "pb_sweep.py")], check=True)
        subprocess.run(
            [sys.executable, str(HERE / "submissions_load.py"), "--bootstrap", bootstrap, "--server-url", server],
            check=True,
        )
        subprocess.run(
            [
                sys.executable,
                str(HERE / "ballot_intake.py"),
                "--bootstrap",
                bootstrap,
                "--server-url",
                server,
                "--rate",
                os.environ.get("BENCH_BALLOT_RATE", "300"),
            ],
            check=True,
        )
        subprocess.run(
            [sys.executable, str(HERE / "gateway_ballots.py"), "--bootstrap", bootstrap, "--server-url", server],
            check=True,
        )
        subprocess.run(
            [sys.executable, str(HERE / "portal_render.py"), "--bootstrap", bootstrap, "--server-url", server],
            check=True,
        )
        subprocess.run(
            [
                sys.executable,
                str(HERE / "notifications_fanout.py"),
                "--bootstrap",
                bootstrap,
                "--server-url",
                server,
                "--voters",
                os.environ.get("BENCH_VOTERS", "150000"),
            ],
            check=True,
        )
        sortition_sizes = os.environ.get("BENCH_SORTITION_SIZES", "150/22,500/75,1000/100,2000/150")
        subprocess.run([sys.executable, str(HERE / "sortition.py"), "--sizes", sortition_sizes], check=True)
        return 0
    finally:
        if kafka is not None:
            kafka.destroy()
        if postgres is not None:
            postgres.destroy()


if __name__ == "__main__":
    raise SystemExit(main())
