"""The WSGI app ``python -m proposals serve`` runs under Granian (meemaken_kit.serve)."""

from proposals.bootstrap import SERVICE

app = SERVICE.wsgi_app()
