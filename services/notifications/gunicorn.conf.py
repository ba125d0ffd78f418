"""gunicorn settings for the notifications API (override any of them with GUNICORN_CMD_ARGS)."""

import os
import tempfile

# Before anything imports prometheus_client: the workers' metrics are summed through this folder.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="meemaken-notifications-metrics-"))

from meemaken_kit.gunicorn import child_exit, json_logconfig

bind = os.environ.get("NOTIFICATIONS_BIND", "127.0.0.1:8104")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
accesslog = None  # request metrics and JSON logs come from the app itself
logconfig_dict = json_logconfig("notifications")
wsgi_app = "notifications.entrypoints.wsgi:app"
__all__ = ["child_exit"]  # gunicorn calls it when a worker exits
