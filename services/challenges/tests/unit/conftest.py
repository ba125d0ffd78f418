import pytest


@pytest.fixture(params=["flanders", "netherlands", "uk"])
def profile_code(request):
    return request.param
