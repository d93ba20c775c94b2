"""API round trip: put/get/update/history/delete and namespaces."""
import datetime

import mnemo
from conftest import JAN_2024


def test_put_get_round_trip(store):
    rid = store.put(tenant="t", agent="a", session="s", text="héllo",
                    role="assistant", kind="fact", metadata={"k": "v"},
                    event_time=JAN_2024, importance=0.9)
    r = store.get("t", rid)
    assert isinstance(r, mnemo.Record)
    assert (r.id, r.tenant, r.agent, r.session) == (rid, "t", "a", "s")
    assert (r.role, r.kind, r.text) == ("assistant", "fact", "héllo")
    assert r.metadata == {"k": "v"}
    assert r.event_time == JAN_2024
    assert abs(r.importance - 0.9) < 1e-6
    assert r.tier == "hot" and r.page is None and r.version == 1
    d = r.to_dict()
    assert d["id"] == rid and d["tier"] == "hot"


def test_put_accepts_record_dict_and_datetime(store):
    when = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    rec = mnemo.Record(tenant="t", agent="a", session="s", text="x",
                       event_time=when)
    assert rec.event_time == JAN_2024
    naive = datetime.datetime(2024, 1, 1)  # naive: taken as UTC
    assert mnemo.micros(naive) == JAN_2024
    id1 = store.put(rec)
    id2 = store.put({"tenant": "t", "agent": "a", "session": "s",
                     "text": "y", "event_time": naive})
    assert id1 < id2
    assert store.get("t", id2).event_time == JAN_2024


def test_put_batch_update_history_delete(store):
    ids = store.put_batch([
        mnemo.Record(tenant="t", agent="a", session="s", text=f"t{i}")
        for i in range(5)
    ])
    assert len(ids) == 5 and ids == sorted(ids)
    updated = store.update("t", ids[0], text="changed", importance=0.1)
    assert updated.text == "changed" and updated.version == 2
    versions = store.history("t", ids[0])
    assert [v.text for v in versions] == ["t0", "changed"]
    store.delete("t", ids[0])
    assert len(list(store.scan("t", "a"))) == 4


def test_namespaces_and_bulk_deletes(store):
    for agent, session in [("a", "s1"), ("a", "s2"), ("b", "s1")]:
        store.put(tenant="t", agent=agent, session=session, text="x")
    store.put(tenant="u", agent="a", session="s1", text="x")
    assert store.list_namespaces("t") == [
        ("t", "a", "s1"), ("t", "a", "s2"), ("t", "b", "s1")]
    assert len(store.list_namespaces()) == 4
    assert store.delete_session("t", "a", "s1") == 1
    assert store.delete_agent("t", "a") == 1
    assert store.delete_agent("t", "nobody") == 0
    assert store.list_namespaces("t") == [("t", "b", "s1")]


def test_stats_verify_and_context_manager(tmp_path):
    with mnemo.Store.open(str(tmp_path / "db")) as s:
        s.put(tenant="t", agent="a", session="s", text="hello world")
        stats = s.stats()
        assert stats["records"] == 1
        assert stats["records_per_tier"]["hot"] == 1
        assert s.verify()["ok"]
        assert s.tier_stats("t")["hot"]["records"] == 1
        assert s.path.endswith("db")
    assert s.closed
