"""meemaken gateway: the citizens' portal and the officials' case-handling UI.

Server-rendered, accessible, in Dutch, French and English; the one public entry to the
service APIs.
"""
