"""Shared fixtures of the mnemo Python tests.

Run from the build tree (ctest does this):
    PYTHONPATH=build/python /usr/bin/python3 -m pytest python/tests
"""
import pytest

import mnemo

JAN_2024 = 1_704_067_200_000_000  # 2024-01-01T00:00:00Z in microseconds
DAY = 86_400_000_000
SECOND = 1_000_000


@pytest.fixture
def store(tmp_path):
    s = mnemo.Store.open(str(tmp_path / "store"))
    yield s
    s.close()


def make_pages(store, tenant="t1", agent="a", n=60):
    """Stores n 20-day-old records and compacts them onto pages."""
    store.put_batch([
        dict(tenant=tenant, agent=agent, session="s",
             text=f"line {i} " + "w" * 300,
             event_time=JAN_2024 - 20 * DAY + i * SECOND)
        for i in range(n)
    ])
    result = store.compact(now=JAN_2024)
    assert result["pages_written"] > 0
    return [p["page_id"] for p in store.list_pages(tenant, agent)]
