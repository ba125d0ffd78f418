"""The local broker and cluster themselves: data survives a clean stop, a kill and a restart."""

from __future__ import annotations

import os
import subprocess
import time

import psycopg
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from meemaken_testkit import LocalKafka, LocalPostgres, create_topics
from meemaken_testkit.plugin import unique_topic
from meemaken_testkit.postgres import libpq_url

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

local_only = pytest.mark.skipif(
    bool(os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or os.environ.get("DATABASE_URL")),
    reason="starts its own broker and cluster",
)


def read_all(bootstrap: str, topic: str, partitions: int, expected: int) -> list[bytes]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=1000)
    try:
        consumer.assign([TopicPartition(topic, p) for p in range(partitions)])
        consumer.seek_to_beginning()
        values: list[bytes] = []
        deadline = time.monotonic() + 30
        while len(values) < expected and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                values.extend(r.value for r in records)
        return values
    finally:
        consumer.close()


@local_only
def test_records_survive_a_stop_and_a_kill_of_the_local_broker():
    kafka = LocalKafka()
    try:
        started = time.monotonic()
        kafka.start()
        print(f"broker started in {time.monotonic() - started:.1f}s")
        topic = unique_topic("infra")
        create_topics(kafka.bootstrap, [(topic, 3)])
        create_topics(kafka.bootstrap, [(topic, 3)])  # idempotent
        producer = KafkaProducer(bootstrap_servers=kafka.bootstrap, acks="all")
        for i in range(10):
            producer.send(topic, key=str(i).encode(), value=f"event {i}".encode())
        producer.flush()
        producer.close()
        expected = sorted(f"event {i}".encode() for i in range(10))
        assert sorted(read_all(kafka.bootstrap, topic, 3, 10)) == expected

        port, pid = kafka.port, kafka.pid
        kafka.stop()
        assert kafka.pid is None
        started = time.monotonic()
        kafka.start()
        print(f"broker restarted in {time.monotonic() - started:.1f}s")
        assert kafka.port == port and kafka.pid != pid
        assert sorted(read_all(kafka.bootstrap, topic, 3, 10)) == expected

        kafka.kill()  # acks=all records were fsynced... or at least in the page cache, which a kill keeps
        kafka.start()
        assert sorted(read_all(kafka.bootstrap, topic, 3, 10)) == expected
    finally:
        pid = kafka.pid
        kafka.destroy()
    assert not kafka.data_dir.exists()
    assert pid is None or subprocess.run(["kill", "-0", str(pid)], capture_output=True).returncode != 0


@local_only
def test_databases_survive_a_restart_of_the_local_cluster():
    server = LocalPostgres()
    try:
        server.start()
        url = server.create_database("infra_check")
        assert url == server.url("infra_check")
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
            conn.execute("create table t (v int)")
            conn.execute("insert into t values (42)")
        server.restart()
        with psycopg.connect(libpq_url(url)) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
            assert conn.execute("select v from t").fetchone() == (42,)
            assert conn.execute("show max_connections").fetchone() == ("200",)
    finally:
        server.destroy()
    assert not server.directory.exists()


def test_fixtures_give_a_fresh_database_and_topics(database_url, make_topics, kafka_bootstrap, topic):
    with psycopg.connect(libpq_url(database_url)) as conn:
        assert conn.execute("select count(*) from pg_tables where schemaname = 'public'").fetchone() == (0,)
    assert make_topics(topic, (f"{topic}.dlq", 1)) == [topic, f"{topic}.dlq"]
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    producer.send(f"{topic}.dlq", b"x").get(timeout=30)
    producer.close()
    assert read_all(kafka_bootstrap, f"{topic}.dlq", 1, 1) == [b"x"]


def test_a_reaper_cleans_up_after_a_test_process_that_was_killed(tmp_path):
    script = (
        "import os, signal, sys\n"
        "from meemaken_testkit import LocalPostgres\n"
        "pg = LocalPostgres().start()\n"
        "print(pg.directory, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run(
        [os.sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False, timeout=120
    )
    directory = done.stdout.strip()
    assert directory, done.stderr
    deadline = time.monotonic() + 60
    while os.path.exists(directory) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not os.path.exists(directory)
    leftovers = subprocess.run(["pgrep", "-f", f"postgres -D {directory}"], capture_output=True, text=True)
    assert leftovers.stdout == ""


@pytest.mark.postgres
def test_a_scratch_database_is_there_for_its_with_and_gone_after_it_even_after_an_error(postgres_server_url):
    from meemaken_testkit.postgres import databases as on_server
    from meemaken_testkit.postgres import scratch_database

    def databases() -> set[str]:
        return on_server(postgres_server_url)

    with pytest.raises(RuntimeError), scratch_database(postgres_server_url, "scratch") as url:
        name = url.rsplit("/", 1)[-1]
        held = psycopg.connect(libpq_url(url), autocommit=True)  # left open: it does not keep the database
        held.execute("create table t (x int)")
        assert name.startswith("scratch_") and name in databases()
        raise RuntimeError("the pass failed")
    assert name not in databases()
    held.close()
