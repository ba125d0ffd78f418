"""Use cases: record the message an event calls for."""
