"""Calling conventions: put() defaults match `mnemo import`, wrong types
raise TypeError naming the argument, and help() documents the fields."""
import pytest

import mnemo


def test_put_without_session_uses_default_like_the_cli(store):
    rid = store.put(tenant="t", agent="a", text="no session given")
    r = store.get("t", rid)
    assert (r.session, r.role, r.kind) == ("default", "user", "message")
    assert abs(r.importance - 0.5) < 1e-6
    rid = store.put({"tenant": "t", "agent": "a", "text": "dict"})
    assert store.get("t", rid).session == "default"
    rid = store.put(mnemo.Record(tenant="t", agent="a", text="record"))
    assert store.get("t", rid).session == "default"
    ids = store.put_batch([{"tenant": "t", "agent": "a", "text": "batch"}])
    assert store.get("t", ids[0]).session == "default"
    assert ("t", "a", "default") in store.list_namespaces("t")


def test_put_rejects_record_and_fields_together(store):
    with pytest.raises(TypeError, match="not both"):
        store.put({"tenant": "t", "agent": "a", "text": "x"}, session="s")


@pytest.mark.parametrize("field,value,expected", [
    ("text", 5, "text must be str, got 5 (int)"),
    ("session", ["s"], "session must be str"),
    ("importance", "high", "importance must be float, got 'high' (str)"),
    ("metadata", {"k": 1}, "metadata must be dict of str to str"),
    ("event_time", "yesterday",
     "event_time must be int microseconds or datetime"),
    ("expires_at", 2 ** 70, "expires_at must be int"),
])
def test_wrong_field_types_raise_type_error_naming_the_field(
        store, field, value, expected):
    fields = dict(tenant="t", agent="a", text="x")
    fields[field] = value
    for call in (lambda: store.put(**fields),
                 lambda: store.put(fields),
                 lambda: store.put_batch([fields]),
                 lambda: mnemo.Record(**fields)):
        with pytest.raises(TypeError) as e:
            call()
        assert expected in str(e.value)
        assert "Unable to cast" not in str(e.value)
    assert store.list_namespaces("t") == []  # nothing stored


def test_wrong_option_and_filter_types_name_the_keyword(store, tmp_path):
    cases = [
        (lambda: mnemo.Store.open(str(tmp_path / "x"), read_only="yes"),
         "read_only must be bool"),
        (lambda: mnemo.Store.open(str(tmp_path / "x"), max_record_bytes=-1),
         "max_record_bytes must be a non-negative int, got -1"),
        (lambda: list(store.scan("t", "a", limit="ten")),
         "limit must be a non-negative int"),
        (lambda: list(store.scan("t", "a", role=3)), "role must be str"),
        (lambda: store.search("t", "q", k="ten"),
         "k must be a non-negative int"),
        (lambda: store.search("t", "q", start_time=[1]),
         "start_time must be int microseconds or datetime"),
        (lambda: store.update("t", 1, text=7),
         "text must be str"),
        (lambda: mnemo.micros("yesterday"),
         "value must be int microseconds or datetime"),
    ]
    for call, expected in cases:
        with pytest.raises(TypeError) as e:
            call()
        assert expected in str(e.value)


def test_help_lists_put_fields_and_defaults():
    doc = mnemo.Store.put.__doc__
    for field in ("tenant", "agent", "session", "text", "role", "kind",
                  "metadata", "event_time", "importance", "expires_at"):
        assert field + ":" in doc or field + "=" in doc, field
    assert '"default"' in doc
    assert "TypeError" in doc
    assert "count_access" in mnemo.Store.get.__doc__
    assert "importance" in mnemo.Store.update.__doc__
