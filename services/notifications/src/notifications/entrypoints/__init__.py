"""HTTP API (residents' messages) and the WSGI entry."""
