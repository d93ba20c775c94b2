"""Untrusted input through the Python bindings: a compaction policy nested
deeper than the JSON depth limit is refused (not a crash), and a namespace
with a NUL and a terminal escape comes back escaped in the message."""
import pytest

import mnemo


def test_deeply_nested_policy_is_refused(store):
    deep = '{"overrides":' + "[" * 80_000 + "]" * 80_000 + "}"
    with pytest.raises(mnemo.InvalidArgument) as e:
        store.compact(policy=deep)
    assert "nests deeper than 64 levels" in str(e.value)


def test_namespace_with_nul_and_escape_is_quoted(store):
    with pytest.raises(mnemo.InvalidArgument) as e:
        store.put(tenant="t\0x\x1b[31mred", agent="a", session="s", text="x")
    message = str(e.value)
    assert "\0" not in message and "\x1b" not in message
    assert r"'t\x00x\x1b[31mred'" in message
