"""The WSGI app ``python -m gateway serve`` runs under Granian (meemaken_kit.serve)."""

from gateway.bootstrap import SERVICE

app = SERVICE.wsgi_app()
