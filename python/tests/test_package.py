"""The installable package: docstrings, type stubs, and `python -m mnemo`.

Runs against build/python (ctest python_tests) and against the package pip
installed into a venv (ctest python_pip_reuse sets MNEMO_EXPECT_INSTALLED to
the venv, and then the package must come from there).
"""
import ast
import inspect
import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

import mnemo
from mnemo import _mnemo

_SIGNATURE = re.compile(r"^(\d+\. )?\w+\(.*\)( -> .+)?$")


def _described(doc):
    """True when a docstring says more than pybind11's signature lines."""
    lines = [ln for ln in (doc or "").splitlines() if ln.strip()]
    return any(not _SIGNATURE.match(ln) and
               not ln.startswith("Overloaded function") for ln in lines)


def _public_calls():
    for name in sorted(mnemo.__all__):
        obj = getattr(mnemo, name)
        yield name, obj
        if inspect.isclass(obj):
            for attr, value in vars(obj).items():
                if not attr.startswith("_") and callable(value) or \
                        isinstance(value, staticmethod):
                    yield f"{name}.{attr}", getattr(obj, attr)


def test_installed_where_expected():
    expected = os.environ.get("MNEMO_EXPECT_INSTALLED")
    if not expected:
        pytest.skip("build-tree run (MNEMO_EXPECT_INSTALLED not set)")
    where = pathlib.Path(mnemo.__file__).resolve()
    assert str(where).startswith(str(pathlib.Path(expected).resolve()))


def test_every_public_call_has_a_docstring():
    missing = [n for n, obj in _public_calls() if not _described(obj.__doc__)]
    assert missing == [], f"no docstring: {missing}"


def test_stub_and_marker_ship_with_the_package():
    pkg = pathlib.Path(mnemo.__file__).parent
    assert (pkg / "py.typed").is_file()
    tree = ast.parse((pkg / "_mnemo.pyi").read_text())
    stubbed = {n.name: n for n in tree.body
               if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
    # Names from the package's own .py files (mnemo.Embedder) carry their
    # annotations there; the stub covers the compiled module.
    compiled = {n for n in mnemo.__all__ if hasattr(_mnemo, n)}
    assert compiled and compiled <= set(stubbed), \
        f"not in _mnemo.pyi: {compiled - set(stubbed)}"
    methods = {f.name for f in stubbed["Store"].body
               if isinstance(f, ast.FunctionDef)}
    public = {a for a in vars(_mnemo.Store) if not a.startswith("_")}
    assert public <= methods, f"Store calls not stubbed: {public - methods}"


def run_cli(*args, ok=True):
    proc = subprocess.run([sys.executable, "-m", "mnemo", *args],
                          capture_output=True, text=True, timeout=120)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_help_lists_the_main_verbs():
    out = run_cli("--help").stdout
    for verb in ("put", "get", "search", "compact", "stats", "dump",
                 "import", "delete", "verify"):
        assert re.search(rf"^\s+{verb}\s", out, re.M), verb


def test_cli_round_trip(tmp_path):
    db = str(tmp_path / "db")
    rid = int(run_cli("put", "--db", db, "--tenant", "t", "--agent", "a",
                      "--text", "the ferry leaves from the old harbour")
              .stdout)
    run_cli("put", "--db", db, "--tenant", "t", "--agent", "a",
            "--text", "lunch is at noon")
    got = json.loads(run_cli("get", "--db", db, "--tenant", "t", "--id",
                             str(rid), "--json").stdout)
    assert got["text"] == "the ferry leaves from the old harbour"
    hits = json.loads(run_cli("search", "--db", db, "--tenant", "t",
                              "--query", "harbour", "--json").stdout)
    assert [h["id"] for h in hits] == [rid]
    assert json.loads(run_cli("stats", "--db", db, "--json").stdout)[
        "records"] == 2
    compacted = json.loads(run_cli("compact", "--db", db, "--now",
                                   "2100-01-01T00:00:00Z", "--json").stdout)
    assert compacted["records_paged"] == 2

    dump = tmp_path / "dump.jsonl"
    run_cli("dump", "--db", db, "--out", str(dump))
    lines = [json.loads(ln) for ln in dump.read_text().splitlines()]
    assert sorted(r["text"] for r in lines) == [
        "lunch is at noon", "the ferry leaves from the old harbour"]
    other = str(tmp_path / "other")
    assert "imported 2" in run_cli("import", "--db", other, "--in",
                                   str(dump)).stdout
    assert json.loads(run_cli("verify", "--db", other, "--json")
                      .stdout)["ok"] is True

    run_cli("delete", "--db", db, "--tenant", "t", "--id", str(rid))
    gone = run_cli("get", "--db", db, "--tenant", "t", "--id", str(rid),
                   ok=False)
    assert gone.returncode == 1 and gone.stderr.startswith("mnemo: ")


def test_cli_errors_name_the_problem(tmp_path):
    usage = run_cli("get", "--db", str(tmp_path / "db"), ok=False)
    assert usage.returncode == 2 and "--id" in usage.stderr
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"tenant": "t", "agent": "a", "text": "x"}\nnot json\n')
    proc = run_cli("import", "--db", str(tmp_path / "db"), "--in", str(bad),
                   ok=False)
    assert proc.returncode == 1 and f"{bad}:2" in proc.stderr
    nowhere = tmp_path / "nowhere"
    for verb in ("stats", "verify", "compact"):
        missing = run_cli(verb, "--db", str(nowhere), ok=False)
        assert missing.returncode == 1 and missing.stderr.startswith("mnemo: ")
        assert not nowhere.exists(), f"{verb} created a store"
    bad_time = run_cli("compact", "--db", str(nowhere), "--now", "soon",
                       ok=False)
    assert bad_time.returncode == 2 and "soon" in bad_time.stderr
