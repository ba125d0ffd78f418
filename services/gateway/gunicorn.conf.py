"""gunicorn settings for the gateway API (override any of them with GUNICORN_CMD_ARGS)."""

import os
import tempfile

# Before anything imports prometheus_client: the workers' metrics are summed through this folder.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="meemaken-gateway-metrics-"))

import gunicorn.http.wsgi

from meemaken_kit.gunicorn import child_exit, json_logconfig

# gunicorn names itself in every response's Server header ("gunicorn"; its version in SERVER_SOFTWARE):
# the public door says nothing about the software behind it.
gunicorn.http.wsgi.SERVER = "meemaken"
gunicorn.http.wsgi.SERVER_SOFTWARE = "meemaken"

bind = os.environ.get("GATEWAY_BIND", "127.0.0.1:8100")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# The gateway mostly waits for the services it passes requests to: more threads than a service has.
threads = int(os.environ.get("GATEWAY_THREADS", os.environ.get("GUNICORN_THREADS", "16")))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
accesslog = None  # request metrics and JSON logs come from the app itself
logconfig_dict = json_logconfig("gateway")
wsgi_app = "gateway.entrypoints.wsgi:app"
__all__ = ["child_exit"]  # gunicorn calls it when a worker exits
