"""Scans follow cursors across pages."""
import mnemo
from conftest import JAN_2024, SECOND


def _fill(store, n=250):
    store.put_batch([
        dict(tenant="t", agent="a", session=f"s{i % 3}", text=f"turn {i}",
             role="user" if i % 2 else "assistant",
             event_time=JAN_2024 + i * SECOND)
        for i in range(n)
    ])


def test_scan_iterates_across_cursor_pages(store):
    _fill(store)
    texts = [r.text for r in store.scan("t", "a", limit=7)]
    assert texts == [f"turn {i}" for i in range(250)]
    newest = [r.text for r in store.scan("t", "a", limit=13, reverse=True)]
    assert newest == texts[::-1]


def test_scan_filters(store):
    _fill(store, 60)
    s1 = list(store.scan("t", "a", session="s1", limit=5))
    assert len(s1) == 20 and all(r.session == "s1" for r in s1)
    users = list(store.scan("t", "a", role="user", limit=4))
    assert len(users) == 30
    window = list(store.scan("t", "a", start_time=JAN_2024 + 10 * SECOND,
                             end_time=JAN_2024 + 20 * SECOND))
    assert [r.text for r in window] == [f"turn {i}" for i in range(10, 20)]
    assert len(list(store.scan("t", "a", tier="hot"))) == 60
    assert list(store.scan("t", "nobody")) == []


def test_scan_page_and_resume(store):
    _fill(store, 25)
    records, cursor = store.scan_page("t", "a", limit=10)
    assert len(records) == 10 and isinstance(cursor, bytes)
    rest = list(store.scan("t", "a", limit=10, cursor=cursor))
    assert [r.text for r in records + rest] == [f"turn {i}" for i in range(25)]
    it = store.scan("t", "a", limit=5)
    first = [next(it) for _ in range(5)]
    assert it.cursor is not None
    assert len(first) + len(list(it)) == 25
    assert it.cursor is None


def test_scan_after_close_raises(tmp_path):
    s = mnemo.Store.open(str(tmp_path / "db"))
    _fill(s, 20)
    it = s.scan("t", "a", limit=5)
    next(it)
    s.close()
    assert [r.text for r in [next(it) for _ in range(4)]][-1] == "turn 4"
    try:
        next(it)
        assert False, "expected FailedPrecondition"
    except mnemo.FailedPrecondition:
        pass
