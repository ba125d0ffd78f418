"""Reading the quotas and the pool from CSV text (the Sortition Foundation and replication formats)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from panels.domain.sortition.errors import SortitionInputError
from panels.domain.sortition.instance import Feature, Person, Quota

FORMATS = {  # header -> (feature column, value column)
    "feature": ("feature", "value"),
    "category": ("category", "feature"),
}


def _int(row: dict[str, str], column: str, line: int) -> int:
    text = (row.get(column) or "").strip()
    try:
        return int(text)
    except ValueError:
        raise SortitionInputError(
            f"quotas row {line}: {column} must be a whole number, got {text!r}", {"row": line, "column": column}
        )


def read_quotas(text: str) -> list[Feature]:
    """`feature,value,min,max[,min_flex,max_flex]` or `category,feature,min,max` (category = feature name)."""
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    reader.fieldnames = header
    kind = "feature" if "value" in header else "category"
    feature_col, value_col = FORMATS[kind]
    missing = [c for c in (feature_col, value_col, "min", "max") if c not in header]
    if missing:
        raise SortitionInputError(
            f"quotas file lacks column(s) {', '.join(missing)}; "
            "expected feature,value,min,max or category,feature,min,max",
            {"columns": header},
        )
    values: dict[str, dict[str, Quota]] = {}
    for line, row in enumerate(reader, start=2):
        if None in row or any(row.get(c) is None for c in (feature_col, value_col, "min", "max")):
            raise SortitionInputError(f"quotas row {line} has the wrong number of fields", {"row": line})
        feature, value = row[feature_col].strip(), row[value_col].strip()
        if not feature or not value:
            raise SortitionInputError(f"quotas row {line}: empty feature or value", {"row": line})
        flex = {c: _int(row, c, line) if (row.get(c) or "").strip() else None for c in ("min_flex", "max_flex")}
        quota = Quota(_int(row, "min", line), _int(row, "max", line), flex["min_flex"], flex["max_flex"])
        if value in values.setdefault(feature, {}):
            raise SortitionInputError(f"quotas row {line}: {feature}={value} is declared twice", {"row": line})
        values[feature][value] = quota
    if not values:
        raise SortitionInputError("the quotas file declares no feature", {})
    return [Feature(name, quota) for name, quota in values.items()]


def read_people(
    text: str, features: Sequence[Feature], id_column: str = "id", address_columns: Sequence[str] = ()
) -> list[Person]:
    """One person a row: the id column (else the row number from 0), one column per feature, household from the
    address columns joined (empty address: no household). Extra columns are ignored."""
    reader = csv.reader(io.StringIO(text))
    header = [name.strip() for name in next(reader, [])]
    needed = [f.name for f in features] + list(address_columns)
    missing = [c for c in needed if c not in header]
    if missing:
        raise SortitionInputError(f"people file lacks column(s) {', '.join(missing)}", {"columns": header})
    column = {name: position for position, name in enumerate(header)}
    people = []
    for number, fields in enumerate(reader):
        line = number + 2
        if not fields:
            continue
        if len(fields) != len(header):
            raise SortitionInputError(
                f"people row {line} has {len(fields)} fields, the header has {len(header)}", {"row": line}
            )
        pid = fields[column[id_column]].strip() if id_column in column else str(number)
        if not pid:
            raise SortitionInputError(f"people row {line} has an empty {id_column}", {"row": line})
        address = [fields[column[c]].strip().lower() for c in address_columns]
        household = "|".join(address) if any(address) else None
        people.append(Person(pid, {f.name: fields[column[f.name]].strip() for f in features}, household))
    return people
