"""Status codes map to the mnemo.Error hierarchy with their message."""
import pytest

import mnemo


def test_hierarchy():
    names = ["NotFound", "InvalidArgument", "Corruption", "IOError", "Busy",
             "NotSupported", "FailedPrecondition", "ResourceExhausted",
             "Aborted", "AlreadyExists"]
    for name in names:
        assert issubclass(getattr(mnemo, name), mnemo.Error), name
    assert issubclass(mnemo.Error, Exception)
    assert issubclass(mnemo.InvalidArgument, ValueError)
    assert issubclass(mnemo.IOError, OSError)


def test_not_found_carries_message(store):
    with pytest.raises(mnemo.NotFound) as e:
        store.get("t", 12345)
    assert "12345" in str(e.value)
    with pytest.raises(mnemo.NotFound):
        store.delete("t", 12345)
    with pytest.raises(mnemo.NotFound):
        store.get_page("t", 99)


def test_tenant_isolation_reads_as_not_found(store):
    rid = store.put(tenant="t", agent="a", session="s", text="secret")
    with pytest.raises(mnemo.NotFound):
        store.get("other", rid)


def test_invalid_argument(store):
    with pytest.raises(mnemo.InvalidArgument) as e:
        store.put(tenant="", agent="a", session="s", text="x")
    assert str(e.value)
    with pytest.raises(ValueError):
        store.put(tenant="t", agent="a", session="s", text="x",
                  importance=2.0)
    with pytest.raises(mnemo.InvalidArgument) as e:
        store.compact(policy={"no_such_key": 1})
    assert "no_such_key" in str(e.value)
    with pytest.raises(mnemo.InvalidArgument):
        list(store.scan("t", "a", tier="lukewarm"))


def test_python_type_errors(store):
    with pytest.raises(TypeError):
        store.put(tenant="t", agent="a", session="s", text="x", bogus=1)
    with pytest.raises(TypeError):
        mnemo.Store.open("/tmp/x", no_such_option=True)
    with pytest.raises(TypeError):
        mnemo.micros("yesterday")


def test_busy_and_already_exists(tmp_path, store):
    with pytest.raises(mnemo.Busy):
        mnemo.Store.open(store.path)
    with pytest.raises(mnemo.AlreadyExists):
        mnemo.Store.open(store.path, error_if_exists=True)


def test_failed_precondition(tmp_path):
    path = str(tmp_path / "db")
    mnemo.Store.open(path).close()
    ro = mnemo.Store.open(path, read_only=True)
    with pytest.raises(mnemo.FailedPrecondition):
        ro.put(tenant="t", agent="a", session="s", text="x")
    with pytest.raises(mnemo.FailedPrecondition):
        ro.pin_pages("t", [1])  # cache not enabled
    ro.close()
    with pytest.raises(mnemo.FailedPrecondition) as e:
        ro.get("t", 1)
    assert "closed" in str(e.value)


def test_missing_store_without_create(tmp_path):
    with pytest.raises(mnemo.Error):
        mnemo.Store.open(str(tmp_path / "none"), create_if_missing=False)
