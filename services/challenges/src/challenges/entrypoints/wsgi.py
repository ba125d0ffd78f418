"""The WSGI app ``python -m challenges serve`` runs under Granian (meemaken_kit.serve)."""

from challenges.bootstrap import SERVICE

app = SERVICE.wsgi_app()
