"""The examples under python/examples run and do what they say: the agent
host loop, the Visualized-BGE adapter's message when the model is absent,
and the desktop agent's MCP config driving a real `mnemo mcp`."""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

import mnemo

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"


def run_example(*args, timeout=300):
    return subprocess.run([sys.executable, "-B", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


def test_agent_loop_recalls_and_builds_a_vlm_prompt(tmp_path):
    proc = run_example(EXAMPLES / "agent_loop.py", tmp_path / "memory")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "embedder seeded-" in out and " 0 failed" in out
    assert "page images)" in out and " 0 page images" not in out
    # The store it left behind holds the turns, pages and their vectors.
    with mnemo.Store.open(str(tmp_path / "memory")) as store:
        assert store.stats()["embed"]["model"].startswith("seeded-")
        assert store.tier_stats("acme")["pixels"]["pages"] >= 1


def test_vista_embedder_says_what_is_missing(tmp_path):
    proc = run_example(EXAMPLES / "vista_embedder.py", "--weights",
                       tmp_path / "absent.pth")
    assert proc.returncode == 2
    assert "weights not found" in proc.stderr
    assert str(tmp_path / "absent.pth") in proc.stderr
    weights = tmp_path / "Visualized_base_en_v1.5.pth"
    weights.write_bytes(b"not a checkpoint")
    proc = run_example(EXAMPLES / "vista_embedder.py", "--weights", weights)
    assert proc.returncode == 2, proc.stdout
    # Without the model code: what to install; with it, the bad checkpoint.
    assert ("Visualized-BGE is not installed" in proc.stderr or
            "Visualized_base" in proc.stderr), proc.stderr


def mnemo_cli():
    """The mnemo binary: $MNEMO_CLI (ctest sets it), else `mnemo` on PATH."""
    cli = os.environ.get("MNEMO_CLI") or shutil.which("mnemo")
    if not cli:
        pytest.skip("no mnemo binary (set MNEMO_CLI or put mnemo on PATH)")
    return cli


def test_desktop_agent_mcp_config_starts_the_server(tmp_path):
    config = json.loads((EXAMPLES / "mcp" / "desktop-agent.json").read_text())
    (name, server), = config["mcpServers"].items()
    assert server["command"] == "mnemo" and server["args"][0] == "mcp"
    args = list(server["args"])
    db = tmp_path / "desktop-agent"
    args[args.index("--db") + 1] = str(db)  # the user's path, here a tmp one
    tenant = args[args.index("--tenant") + 1]
    requests = [
        {"method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "desktop-agent-config-test",
                           "version": "1"}}},
        {"method": "tools/list"},
        {"method": "tools/call", "params": {"name": "remember", "arguments": {
            "agent": "desktop", "session": "s1",
            "text": "the user's printer is on the third floor"}}},
        {"method": "tools/call", "params": {"name": "recall", "arguments": {
            "query": "printer floor"}}},
    ]
    lines = "".join(json.dumps({"jsonrpc": "2.0", "id": i, **r}) + "\n"
                    for i, r in enumerate(requests))
    proc = subprocess.run([mnemo_cli(), *args], input=lines,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    replies = [json.loads(ln) for ln in proc.stdout.splitlines()]
    assert [r["id"] for r in replies] == [0, 1, 2, 3], replies
    assert all("error" not in r for r in replies), replies
    assert replies[0]["result"]["serverInfo"]["name"]
    tools = {t["name"] for t in replies[1]["result"]["tools"]}
    assert {"remember", "recall", "context"} <= tools
    recall = replies[3]["result"]
    assert not recall["isError"] and "third floor" in json.dumps(recall)
    with mnemo.Store.open(str(db)) as store:  # written under --tenant
        assert store.list_namespaces() == [(tenant, "desktop", "s1")]
