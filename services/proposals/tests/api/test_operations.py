"""The proposals service is alive, ready, measured, documented, and answers unknown routes with a problem."""

from meemaken_testkit.service_checks import assert_operations
from proposals.bootstrap import SERVICE


def test_the_service_answers_its_operations_endpoints(tmp_path):
    assert_operations(SERVICE, tmp_path)
