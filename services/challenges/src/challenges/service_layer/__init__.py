"""Use cases: commands -> unit of work -> events (to come)."""
