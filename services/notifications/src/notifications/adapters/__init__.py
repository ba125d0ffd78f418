"""Tables and the message repository."""
