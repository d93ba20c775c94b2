#!/usr/bin/env python3
# Copyright (c) mnemo authors.
"""Raw JSON-RPC test of `mnemo mcp`: malformed frames, unknown methods,
invalid params, batches, oversized lines, notifications and responses from
the client. Checks each answer, that the server stays up throughout, that
stdout carries only protocol lines, and that it exits 0 at EOF.

Usage: raw_jsonrpc_test.py MNEMO_BINARY
"""

import json
import os
import subprocess
import sys
import tempfile
import threading

MAX_LINE = 4 << 20  # kMaxMessageBytes in tools/mcp_server.h


class Server:
    def __init__(self, mnemo, db, tenant="t1"):
        self.proc = subprocess.Popen(
            [mnemo, "mcp", "--db", db, "--tenant", tenant],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # A hung server fails the test instead of hanging ctest.
        self.watchdog = threading.Timer(120, self.proc.kill)
        self.watchdog.daemon = True
        self.watchdog.start()

    def send(self, raw):
        self.proc.stdin.write(raw if isinstance(raw, bytes) else raw.encode())
        self.proc.stdin.flush()

    def reply(self):
        line = self.proc.stdout.readline()
        assert line.endswith(b"\n"), f"no reply (server exited? rc={self.proc.poll()})"
        return json.loads(line)

    def ask(self, raw):
        self.send(raw + (b"\n" if isinstance(raw, bytes) else "\n"))
        return self.reply()

    def request(self, method, params=None, id=1):
        msg = {"jsonrpc": "2.0", "id": id, "method": method}
        if params is not None:
            msg["params"] = params
        return self.ask(json.dumps(msg))

    def close(self):
        self.proc.stdin.close()
        rest = self.proc.stdout.read()
        rc = self.proc.wait()
        self.watchdog.cancel()
        err = self.proc.stderr.read().decode(errors="replace")
        return rc, rest, err


def expect_error(reply, code, fragment, id=None):
    err = reply.get("error")
    assert err and err["code"] == code and fragment in err["message"], reply
    assert reply["id"] == id and reply["jsonrpc"] == "2.0", reply


def check_framing(s):
    expect_error(s.ask("{bad"), -32700, "parse error")
    expect_error(s.ask(b'{"jsonrpc":"2.0","id":1,"method":"ping","x":"\xff\xfe"}'),
                 -32700, "parse error")
    expect_error(s.ask('{"jsonrpc":"2.0","id":1,"method":"ping"'), -32700, "parse error")
    expect_error(s.ask("[]"), -32600, "batches are not supported")
    expect_error(s.ask('[{"jsonrpc":"2.0","id":1,"method":"ping"}]'), -32600, "batches")
    for scalar in ("42", '"ping"', "null", "true"):
        expect_error(s.ask(scalar), -32600, "must be a JSON object")
    expect_error(s.ask('{"jsonrpc":"1.0","id":7,"method":"ping"}'), -32600, "jsonrpc", id=7)
    expect_error(s.ask('{"id":7,"method":"ping"}'), -32600, "jsonrpc", id=7)
    expect_error(s.ask('{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}'), -32600, "id must")
    expect_error(s.ask('{"jsonrpc":"2.0","id":1.5,"method":"ping"}'), -32600, "id must")
    expect_error(s.ask('{"jsonrpc":"2.0","id":8}'), -32600, "method is required", id=8)
    expect_error(s.ask('{"jsonrpc":"2.0","id":9,"method":5}'), -32600, "method must", id=9)
    # Deep nesting is refused before parsing (copies of JSON values recurse).
    deep = "[" * 1000000 + "]" * 1000000
    expect_error(s.ask(deep), -32600, "nests deeper than 128 levels")
    expect_error(s.ask('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get",'
                       '"arguments":{"id":' + deep + '}}}'), -32600, "nests deeper")
    # Blank lines, notifications (known or not) and client responses get no
    # answer: the next reply is the ping's.
    s.send('\n  \n{"jsonrpc":"2.0","method":"notifications/initialized"}\n'
           '{"jsonrpc":"2.0","method":"no/such/notification","params":[1]}\n'
           '{"jsonrpc":"2.0","id":99,"result":{}}\n'
           '{"jsonrpc":"2.0","id":98,"error":{"code":1,"message":"x"}}\n')
    assert s.request("ping", id="after") == {"jsonrpc": "2.0", "id": "after", "result": {}}
    # CRLF line ends are accepted.
    assert s.ask('{"jsonrpc":"2.0","id":"crlf","method":"ping"}\r')["result"] == {}


def check_oversized(s):
    # A valid request just over the limit, and a line of garbage 3x the limit.
    big = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                      "params": {"name": "remember", "arguments": {
                          "agent": "a", "session": "s", "text": "x" * MAX_LINE}}})
    expect_error(s.ask(big), -32600, "longer than 4194304 bytes")
    expect_error(s.ask(b"y" * (3 * MAX_LINE)), -32600, "longer than")
    # Just under the limit is read (and parsed) normally.
    expect_error(s.ask(b"[" + b" " * (MAX_LINE - 10) + b"]"), -32600, "batches")
    assert s.request("ping", id=2)["result"] == {}


def check_methods(s):
    expect_error(s.request("no/such/method", id="m"), -32601, "no/such/method", id="m")
    expect_error(s.ask('{"jsonrpc":"2.0","id":3,"method":"tools/list","params":[1]}'),
                 -32602, "params must be an object", id=3)
    expect_error(s.request("initialize", {}, id=4), -32602, "protocolVersion", id=4)
    for asked, answered in (("2024-11-05", "2024-11-05"), ("2025-03-26", "2025-03-26"),
                            ("2025-06-18", "2025-06-18"), ("1999-01-01", "2025-11-25")):
        r = s.request("initialize", {"protocolVersion": asked, "capabilities": {},
                                     "clientInfo": {"name": "raw", "version": "0"}})
        assert r["result"]["protocolVersion"] == answered, (asked, r)
    tools = s.request("tools/list")["result"]["tools"]
    assert sorted(t["name"] for t in tools) == [
        "context", "forget", "get", "list_sessions", "recall", "remember"], tools
    expect_error(s.request("tools/call", {}), -32602, "params.name", id=1)
    expect_error(s.request("tools/call", {"name": 5}), -32602, "params.name", id=1)
    expect_error(s.request("tools/call", {"name": "get", "arguments": "x"}), -32602,
                 "arguments must be an object", id=1)
    expect_error(s.request("tools/call", {"name": "nope", "arguments": {}}), -32602,
                 "unknown tool: nope", id=1)
    expect_error(s.request("resources/read", {}), -32602, "params.uri", id=1)
    expect_error(s.request("resources/read", {"uri": "mnemo://page/abc"}), -32602, "not a page uri",
                 id=1)
    expect_error(s.request("resources/read", {"uri": "mnemo://page/12345"}), -32002, "not found",
                 id=1)
    assert s.request("resources/list")["result"] == {"resources": []}


def tool(s, name, args):
    r = s.request("tools/call", {"name": name, "arguments": args})["result"]
    text = r["content"][0]["text"]
    return r["isError"], (text if r["isError"] else json.loads(text))


def check_tools(s):
    # Brackets inside strings do not count as nesting.
    text = "quoted \"text\", tab\t, ünïcode 🦀 and a\nnew line " + "[{" * 1000 + "\\"
    err, r = tool(s, "remember", {"agent": "a", "session": "s", "text": text})
    assert not err, r
    err, got = tool(s, "get", {"id": r["id"]})
    assert not err and got["text"] == text, got
    err, got = tool(s, "get", {"id": int(r["id"])})  # integer ids are taken too
    assert not err and got["id"] == r["id"], got
    for bad in ({"id": "0"}, {"id": "1e3"}, {"id": "99999999999999999999"}, {"id": None},
                {"id": -1}, {"id": 1.5}, {"id": [1]}):
        err, msg = tool(s, "get", bad)
        assert err and "'id' must be a record id" in msg, (bad, msg)
    err, msg = tool(s, "remember", {"agent": "a", "session": "", "text": "x"})
    assert err and "'session' must not be empty" in msg, msg
    err, msg = tool(s, "recall", {"query": "x", "tenant": "t2"})
    assert err and "unknown argument 'tenant'" in msg, msg
    err, msg = tool(s, "recall", {"query": "x", "limit": 101})
    assert err and "'limit' must be an integer from 1 to 100" in msg, msg


def main():
    mnemo = sys.argv[1]
    if not os.access(mnemo, os.X_OK):
        # A build of some targets only (the TSAN stage of .ci/run).
        print(f"SKIP: {mnemo} was not built in this build tree")
        sys.exit(77)
    with tempfile.TemporaryDirectory() as tmp:
        rc = subprocess.run([mnemo, "mcp", "--db", tmp + "/db", "--tenant", ""],
                            capture_output=True, stdin=subprocess.DEVNULL)
        assert rc.returncode == 2 and b"--tenant must not be empty" in rc.stderr, rc
        s = Server(mnemo, tmp + "/db")
        for part in (check_framing, check_oversized, check_methods, check_tools):
            part(s)
            assert s.proc.poll() is None, f"server died in {part.__name__}"
        # A last request without a line end is still answered at EOF.
        s.send('{"jsonrpc":"2.0","id":"last","method":"ping"}')
        rc, rest, err = s.close()
        assert rc == 0, (rc, err)
        assert json.loads(rest) == {"jsonrpc": "2.0", "id": "last", "result": {}}, rest
        assert err == "", err
    print("mcp raw JSON-RPC test passed")


if __name__ == "__main__":
    main()
