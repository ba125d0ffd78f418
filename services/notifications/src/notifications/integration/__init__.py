"""Which incoming event makes which messages (the notifications service publishes nothing yet)."""
