"""The shipped profiles and criteria sets, read from ``challenges/rules/*.json``."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from challenges.domain.rules import CriteriaSet, Profile, criteria_set_from, profile_from
from meemaken_kit import deadlines


@cache
def profiles() -> dict[str, Profile]:
    found = {}
    known_sets = criteria_sets()
    for entry in resources.files("challenges.rules").iterdir():
        if entry.name.startswith("profile-") and entry.name.endswith(".json"):
            profile = profile_from(json.loads(entry.read_text("utf-8")))
            for duration in vars(profile.deadlines).values():
                deadlines.check(duration)
            grounds = {g.code for g in profile.grounds}
            for gate in profile.gates:
                if gate.ground not in grounds:
                    raise ValueError(f"profile {profile.code}: gate {gate.code} has unknown ground {gate.ground}")
            unknown = [code for code in profile.criteria_sets if code not in known_sets]
            if unknown or not profile.criteria_sets:
                raise ValueError(f"profile {profile.code}: names no criteria set, or unknown ones: {unknown}")
            if profile.closed_list_of_grounds and any(known_sets[code].weighted for code in profile.criteria_sets):
                # a score below a pass mark is no ground on a closed list: such a profile's sets are not scored
                raise ValueError(f"profile {profile.code}: a closed list of grounds goes with considered criteria")
            found[profile.code] = profile
    return found


@cache
def criteria_sets() -> dict[str, CriteriaSet]:
    found = {}
    for entry in resources.files("challenges.rules").iterdir():
        if entry.name.startswith("criteria-") and entry.name.endswith(".json"):
            criteria = criteria_set_from(json.loads(entry.read_text("utf-8")))
            found[criteria.code] = criteria
    return found
