"""The WSGI app ``python -m notifications serve`` runs under Granian (meemaken_kit.serve)."""

from notifications.bootstrap import SERVICE

app = SERVICE.wsgi_app()
