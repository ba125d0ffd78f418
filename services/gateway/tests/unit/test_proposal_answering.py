"""The rules of the officials' proposal actions, without the web: one Idempotency-Key per proposal of a
batch, the chosen ids, a bulk answer's summary, a split's parts from the form's text."""

from __future__ import annotations

import uuid

from gateway.casework.answering import Outcome, idempotency_key, parts, proposal_ids, summary


def test_each_proposal_of_a_batch_has_its_own_key_and_the_same_batch_gives_the_same_keys():
    batch, a, b = (str(uuid.uuid4()) for _ in range(3))
    assert idempotency_key(batch, a) == idempotency_key(batch, a)  # the form sent twice: answered once
    assert idempotency_key(batch, a) != idempotency_key(batch, b)
    assert idempotency_key(str(uuid.uuid4()), a) != idempotency_key(batch, a)  # a new batch: a new answer


def test_the_chosen_ids_are_proposals_each_once_in_order():
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    assert proposal_ids([a, b, a.upper()]) == [a, b]
    assert proposal_ids([]) == []
    assert proposal_ids([a, "1; DROP TABLE"]) is None


def test_a_summary_keeps_the_order_and_tells_answered_from_refused():
    done, refused, down = Outcome("1", "A"), Outcome("2", "B", 403, "not yours"), Outcome("3", "C", 0, "no answer")
    assert summary([refused, done, down]) == ([done], [refused, down])
    assert done.answered and not refused.answered and not down.answered


def test_a_split_reads_blocks_separated_by_an_empty_line():
    text = "A crossing\r\nAt the school,\r\nsoon.\r\n\r\n\r\nA light\nAt the square.\n\n  \n"
    assert parts(text) == [("A crossing", "At the school, soon."), ("A light", "At the square.")]
    assert parts("Only a title") == [("Only a title", "")]
    assert parts("") == []
