"""Who is asking: login with the municipality's identity provider, sessions, pseudonymous ids,
verified attributes, and the signed tokens the services trust (see docs/identity.md)."""
