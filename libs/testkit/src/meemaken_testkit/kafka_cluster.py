"""A throwaway 3-node Kafka cluster (infra/kafka/kafka.sh with KAFKA_BROKERS=3) for fault and security tests.

Each node is a KRaft broker and controller. As root, where network namespaces work, every node runs in a
namespace of its own, joined to the test's by a bridge (10.x.y.1 here, 10.x.y.1n the nodes): ``cut(n)``
takes a node's link down, the way a network partition cuts it off, and ``reconnect(n)`` brings it back.
Elsewhere the nodes listen on 127.0.0.1 and ``cut`` skips the test. No listener is PLAINTEXT: the nodes' own
(``bootstrap``: inter-broker, the admin tools) is SASL_PLAINTEXT with SCRAM-SHA-512, the controllers' SASL_PLAINTEXT
with PLAIN, both as the user ``broker``, the only super user, its SCRAM credentials made with the cluster's
metadata (kafka-storage's ``--add-scram``); ``admin_env()`` is what a client needs to use it. Every node also has
a SASL_SSL listener (SCRAM-SHA-512) with a CA and certificates made for this session (``client_env()``). Both
refuse what no ACL grants (StandardAuthorizer): ``topics`` grants every service's user (named after the service)
its own; ``create_topics.py --acls`` makes a service's user given its password.

The cluster is stopped, its namespaces and folder removed by ``destroy()``, at interpreter exit, or by a
reaper process if the tests die without cleaning up.
"""

from __future__ import annotations

import atexit
import datetime as dt
import ipaddress
import os
import random
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from meemaken_testkit import reaper
from meemaken_testkit.kafka import KAFKA_SH, TOPICS_FILE, kill_broker
from meemaken_testkit.ports import free_port
from meemaken_testkit.waiting import scaled

NODES = 3
PORT, CONTROLLER_PORT, SECURE_PORT = 9092, 9093, 9094


class KafkaCluster(reaper.LocalServer):
    def __init__(self, heap: str = "384m") -> None:
        self.data_dir = Path(tempfile.mkdtemp(prefix="meemaken-kafka-cluster-"))
        self.heap = heap
        self.tag = f"mk{os.getpid() % 100000}"
        self.isolated = _namespaces_usable()
        if self.isolated:
            subnet = _free_subnet()
            self.gateway = str(subnet[1])
            self.hosts = [str(subnet[10 + n]) for n in range(1, NODES + 1)]
            self.ports = [PORT] * NODES
            self.controller_ports = [CONTROLLER_PORT] * NODES
            self.secure_ports = [SECURE_PORT] * NODES
        else:
            used: list[int] = []
            for _ in range(3 * NODES):
                used.append(free_port(avoid=tuple(used)))
            self.hosts = ["127.0.0.1"] * NODES
            self.ports, self.controller_ports, self.secure_ports = (
                used[:NODES],
                used[NODES : 2 * NODES],
                used[2 * NODES :],
            )
        self.bootstrap = ",".join(f"{h}:{p}" for h, p in zip(self.hosts, self.ports, strict=True))
        self.secure_bootstrap = ",".join(f"{h}:{p}" for h, p in zip(self.hosts, self.secure_ports, strict=True))
        self.tls_dir = self.data_dir / "tls"
        self.ca_file = self.tls_dir / "ca.pem"
        self.user, self.password = "broker", secrets.token_urlsafe(24)
        cleanup = f"bash {shlex.quote(str(KAFKA_SH))} stop; {self._teardown_network_script()}"
        self._reaper: subprocess.Popen[bytes] | None = reaper.spawn(
            str(self.data_dir), ["bash", "-c", cleanup], env=self._env()
        )
        atexit.register(self.destroy)

    # --- the nodes ---------------------------------------------------------------------------------

    def _env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "KAFKA_BOOTSTRAP_SERVERS" and not k.startswith("KAFKA_SASL")}
        env.pop("KAFKA_SECURITY_PROTOCOL", None)
        env.update(
            KAFKA_BROKERS=str(NODES),
            KAFKA_DATA_DIR=str(self.data_dir),
            KAFKA_HOSTS=",".join(self.hosts),
            KAFKA_PORTS=",".join(map(str, self.ports)),
            KAFKA_CONTROLLER_PORTS=",".join(map(str, self.controller_ports)),
            KAFKA_SASL_SSL_PORTS=",".join(map(str, self.secure_ports)),
            KAFKA_TLS_DIR=str(self.tls_dir),
            KAFKA_BROKER_PASSWORD=self.password,
            KAFKA_HEAP=os.environ.get("KAFKA_HEAP", self.heap),
            # C1 only and the serial collector: about half the CPU to start, enough for tests
            KAFKA_JVM_OPTS=os.environ.get("KAFKA_TEST_JVM_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"),
            KAFKA_WAIT_SECONDS=os.environ.get("KAFKA_TEST_WAIT_SECONDS", "180"),  # more on a machine under load
            PYTHON=sys.executable,
        )
        if self.isolated:
            env["KAFKA_NETNS"] = ",".join(self._netns(n) for n in range(1, NODES + 1))
        env.update(extra)
        return env

    def _run(self, *command: str, **extra: str) -> None:
        subprocess.run(["bash", str(KAFKA_SH), *command], env=self._env(**extra), check=True)

    def start(self) -> KafkaCluster:
        """Certificates, network, then every node; returns once all three serve metadata and the declared
        topics exist with 3 replicas (min.insync.replicas 2) and 12 partitions each."""
        _write_tls(self.tls_dir, self.hosts)
        if self.isolated:
            self._setup_network()
        self._run("start")
        self._run("wait")
        self._run("topics", KAFKA_TOPICS_FILE=str(TOPICS_FILE))
        return self

    def start_node(self, node: int) -> None:
        """Start one stopped (or killed) node again, on its data."""
        self._run("start", KAFKA_NODE=str(node))

    def stop(self) -> None:
        self._run("stop")

    def pid(self, node: int) -> int | None:
        try:
            return int((self.data_dir / f"node-{node}" / "kafka.pid").read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def discard(self) -> None:
        """Every node killed: a clean stop of a cluster whose data goes next costs its controlled shutdowns."""
        for node in range(1, NODES + 1):
            self.kill(node)

    def kill(self, node: int) -> None:
        """SIGKILL, as a crash would; returns once the process is gone."""
        kill_broker(self.pid(node), self.data_dir / f"node-{node}" / "kafka.pid")

    def client_env(self, password: str | None = None, user: str | None = None) -> dict[str, str]:
        """The environment of a service that reaches the cluster by SASL_SSL as `user` (default: `broker`, the
        super user)."""
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.secure_bootstrap,
            "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "KAFKA_SASL_USERNAME": user or self.user,
            "KAFKA_SASL_PASSWORD": self.password if password is None else password,
            "KAFKA_SSL_CAFILE": str(self.ca_file),
        }

    def admin_env(self) -> dict[str, str]:
        """The environment of a client of the nodes' own listener (SASL_PLAINTEXT), as `broker`."""
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
            "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "KAFKA_SASL_USERNAME": self.user,
            "KAFKA_SASL_PASSWORD": self.password,
        }

    def client_options(self, user: str | None = None, password: str | None = None, tls: bool = True) -> dict[str, Any]:
        """kafka-python's options for a client as `user` (default `broker`) through the SASL_SSL listener, or
        (tls=False) the nodes' own."""
        options: dict[str, Any] = {
            "bootstrap_servers": (self.secure_bootstrap if tls else self.bootstrap).split(","),
            "security_protocol": "SASL_SSL" if tls else "SASL_PLAINTEXT",
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_plain_username": user or self.user,
            "sasl_plain_password": self.password if password is None else password,
        }
        return options | ({"ssl_cafile": str(self.ca_file), "ssl_check_hostname": True} if tls else {})

    def log(self, node: int) -> str:
        return (self.data_dir / f"node-{node}" / "server.log").read_text(errors="replace")

    @property
    def folder(self) -> Path:
        return self.data_dir

    def destroy(self) -> None:
        try:
            super().destroy()
        finally:
            if self.isolated:
                subprocess.run(["bash", "-c", self._teardown_network_script()], check=False)

    # --- what the tests look at --------------------------------------------------------------------

    def admin(self):  # type: ignore[no-untyped-def]
        from kafka.admin import KafkaAdminClient

        return KafkaAdminClient(**self.client_options(tls=False), request_timeout_ms=5000)

    def leader_of(self, topic: str, partition: int = 0) -> int:
        admin = self.admin()
        try:
            [described] = admin.describe_topics([topic])
            return int(next(p["leader_id"] for p in described["partitions"] if p["partition_index"] == partition))
        finally:
            admin.close()

    def under_replicated(self, topics: list[str]) -> int:
        """How many partitions of `topics` have fewer in-sync replicas than replicas."""
        admin = self.admin()
        try:
            described = admin.describe_topics(topics)
            return sum(len(p["isr_nodes"]) < len(p["replica_nodes"]) for t in described for p in t["partitions"])
        finally:
            admin.close()

    def wait_in_sync(self, topics: list[str], timeout: float = 90.0) -> None:
        """Until no partition of `topics` is under-replicated, at most `timeout` s times MEEMAKEN_TEST_TIME_FACTOR."""
        timeout = scaled(timeout)
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.under_replicated(topics) == 0:
                    return
            except Exception:  # a node still finding its feet: ask again
                if time.monotonic() > deadline:
                    raise
            if time.monotonic() > deadline:
                raise TimeoutError(f"partitions still under-replicated after {timeout:g} s")
            time.sleep(0.5)

    # --- the network ------------------------------------------------------------------------------

    def _netns(self, node: int) -> str:
        return f"{self.tag}n{node}"

    def _setup_network(self) -> None:
        bridge = f"{self.tag}br"
        commands = [
            f"ip link add {bridge} type bridge",
            f"ip addr add {self.gateway}/24 dev {bridge}",
            f"ip link set {bridge} up",
        ]
        for n, host in enumerate(self.hosts, start=1):
            ns, outside = self._netns(n), f"{self.tag}h{n}"
            commands += [
                f"ip netns add {ns}",
                f"ip link add {outside} type veth peer name {self.tag}i{n}",
                f"ip link set {self.tag}i{n} netns {ns}",
                f"ip link set {outside} master {bridge}",
                f"ip link set {outside} up",
                f"ip netns exec {ns} ip addr add {host}/24 dev {self.tag}i{n}",
                f"ip netns exec {ns} ip link set {self.tag}i{n} up",
                f"ip netns exec {ns} ip link set lo up",
            ]
        for command in commands:
            subprocess.run(shlex.split(command), check=True, capture_output=True)

    def _teardown_network_script(self) -> str:
        if not self.isolated:
            return "true"
        links = " ".join(f"{self.tag}h{n}" for n in range(1, NODES + 1))
        namespaces = " ".join(self._netns(n) for n in range(1, NODES + 1))
        return (
            f"for l in {links} {self.tag}br; do ip link del $l 2>/dev/null; done; "
            f"for n in {namespaces}; do ip netns del $n 2>/dev/null; done; true"
        )

    def cut(self, node: int) -> None:
        """The node's only link goes down: nobody reaches it, it reaches nobody (the process runs on)."""
        if not self.isolated:
            pytest.skip("cutting a node off needs network namespaces (root, iproute2)")
        subprocess.run(["ip", "link", "set", f"{self.tag}h{node}", "down"], check=True)

    def reconnect(self, node: int) -> None:
        """The link up again (nothing happens if it is up, or gone with the cluster)."""
        subprocess.run(["ip", "link", "set", f"{self.tag}h{node}", "up"], check=False, capture_output=True)


def _namespaces_usable() -> bool:
    """Root with iproute2 and network namespaces that can be made (not in every container)."""
    if os.geteuid() != 0 or shutil.which("ip") is None or os.environ.get("MEEMAKEN_TEST_NO_NETNS"):
        return False
    probe = f"mkprobe{os.getpid() % 100000}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True).returncode == 0
    if made:
        subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return made


def _free_subnet() -> ipaddress.IPv4Network:
    """A 10.x.y.0/24 no interface of this machine uses."""
    shown = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True, check=True).stdout
    used = [ipaddress.ip_interface(word).network for word in shown.split() if "/" in word and word[0].isdigit()]
    rng = random.Random()
    while True:
        subnet = ipaddress.IPv4Network(f"10.{rng.randint(200, 250)}.{rng.randint(0, 255)}.0/24")
        if not any(subnet.overlaps(u) for u in used):
            return subnet


def _write_tls(folder: Path, hosts: list[str]) -> None:
    """A CA and, per node, its key and a certificate for its address (PEM, as Kafka's PEM keystore reads)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "meemaken test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    for n, host in enumerate(hosts, start=1):
        key = ec.generate_private_key(ec.SECP256R1())
        names = [x509.IPAddress(ipaddress.ip_address(host)), x509.DNSName("localhost")]
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"kafka-{n}")]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        private = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        path = folder / f"node-{n}.pem"
        path.write_bytes(private + cert.public_bytes(pem) + ca.public_bytes(pem))
        path.chmod(0o600)
