"""The `mnemo` command line's main verbs, run through the Python bindings.

    python3 -m mnemo put --db DIR --tenant T --agent A --text "..."
    python3 -m mnemo search --db DIR --tenant T --query "..."

Errors go to stderr as ``mnemo: ...``; the exit status is 1 for a failed
store call and 2 for a usage error, as with the C++ tool.
"""
import argparse
import datetime
import json
import sys
from typing import Any, Dict, Iterable, List, Optional, TextIO

from . import _mnemo as m

_PUT_FIELDS = ("tenant", "agent", "session", "text", "role", "kind",
               "metadata", "event_time", "importance", "expires_at")


def _jsonable(value: Any) -> Any:
    """Makes stats dicts JSON-safe (tuple keys become 'tenant/agent')."""
    if isinstance(value, dict):
        return {("/".join(k) if isinstance(k, tuple) else k): _jsonable(v)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _time(text: str) -> int:
    """RFC 3339 ('2024-01-01T00:00:00Z') or integer microseconds."""
    if text.isdigit():
        return int(text)
    try:
        stamp = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an RFC 3339 time or microseconds: {text!r}") from None
    if stamp.tzinfo is None:
        raise argparse.ArgumentTypeError(f"time without a zone: {text!r}")
    return m.micros(stamp)


def _print_json(value: Any, out: TextIO = sys.stdout) -> None:
    out.write(json.dumps(_jsonable(value), ensure_ascii=False) + "\n")


def _print_record(rec: Dict[str, Any]) -> None:
    for key, value in rec.items():
        print(f"{key}: {value}")


def cmd_put(store: m.Store, a: argparse.Namespace) -> int:
    rid = store.put(tenant=a.tenant, agent=a.agent, session=a.session,
                    text=a.text, role=a.role, kind=a.kind,
                    importance=a.importance)
    print(rid)
    return 0


def cmd_get(store: m.Store, a: argparse.Namespace) -> int:
    rec = store.get(a.tenant, a.id).to_dict()
    if a.json:
        _print_json(rec)
    else:
        _print_record(rec)
    return 0


def cmd_search(store: m.Store, a: argparse.Namespace) -> int:
    filters = {k: getattr(a, k) for k in ("agent", "session", "role", "kind")
               if getattr(a, k) is not None}
    hits = store.search(a.tenant, a.query, k=a.k, offset=a.offset, **filters)
    if a.json:
        _print_json([{"id": h.id, "score": h.score, "snippet": h.snippet,
                      "tier": h.record.tier} for h in hits])
        return 0
    for h in hits:
        print(f"{h.id}\t{h.score:.4f}\t{h.record.tier}\t{h.snippet}")
    return 0


def cmd_compact(store: m.Store, a: argparse.Namespace) -> int:
    policy: Optional[str] = None
    if a.policy:
        with open(a.policy, encoding="utf-8") as f:
            policy = f.read()
    result = store.compact(now=a.now, policy=policy, threads=a.threads)
    if a.json:
        _print_json(result)
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    return 0


def cmd_stats(store: m.Store, a: argparse.Namespace) -> int:
    stats = store.stats()
    if a.json:
        _print_json(stats)
    else:
        for key, value in _jsonable(stats).items():
            print(f"{key}: {value}")
    return 0


def _dump_records(store: m.Store, a: argparse.Namespace) -> Iterable[Dict]:
    for tenant, agent, session in store.list_namespaces(a.tenant or ""):
        if (a.agent and agent != a.agent) or (a.session and
                                              session != a.session):
            continue
        for rec in store.scan(tenant, agent, session=session):
            yield rec.to_dict()


def cmd_dump(store: m.Store, a: argparse.Namespace) -> int:
    out = open(a.out, "w", encoding="utf-8") if a.out else sys.stdout
    try:
        for rec in _dump_records(store, a):
            _print_json(rec, out)
    finally:
        if a.out:
            out.close()
    return 0


def cmd_import(store: m.Store, a: argparse.Namespace) -> int:
    records: List[Dict[str, Any]] = []
    with open(a.input, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{a.input}:{n}: not JSON: {e}") from None
            if not isinstance(rec, dict):
                raise ValueError(f"{a.input}:{n}: not a JSON object")
            records.append({k: v for k, v in rec.items() if k in _PUT_FIELDS})
    ids = store.put_batch(records)
    print(f"imported {len(ids)} records")
    return 0


def cmd_delete(store: m.Store, a: argparse.Namespace) -> int:
    store.delete(a.tenant, a.id)
    return 0


def cmd_verify(store: m.Store, a: argparse.Namespace) -> int:
    report = store.verify(deep=a.deep, repair=a.repair)
    _print_json(report) if a.json else print(
        f"ok: {report['ok']}, problems: {report['problem_count']}")
    return 0 if report["ok"] else 1


# verb -> (help, runner, how it opens the store: "read" (read-only),
# "write", or "create" (the only verbs that create a missing store))
_VERBS: Dict[str, Any] = {
    "put": ("Store one record and print its id", cmd_put, "create"),
    "get": ("Print one record by id", cmd_get, "read"),
    "search": ("BM25 search over every tier", cmd_search, "read"),
    "compact": ("Move due records down tiers (pages)", cmd_compact, "write"),
    "stats": ("Print store statistics", cmd_stats, "read"),
    "dump": ("Write records as JSON lines", cmd_dump, "read"),
    "import": ("Store records from a JSON-lines file", cmd_import, "create"),
    "delete": ("Delete one record", cmd_delete, "write"),
    "verify": ("Check checksums and indexes", cmd_verify, "write"),
}


def _add_options(verb: str, p: argparse.ArgumentParser) -> None:
    """The options of each verb, named as in the C++ tool."""
    p.add_argument("--db", required=True, help="Store directory")
    tenant_required = verb in ("put", "get", "search", "delete")
    if verb in ("put", "get", "search", "delete", "dump"):
        p.add_argument("--tenant", required=tenant_required, help="Tenant")
    if verb in ("get", "delete"):
        p.add_argument("--id", type=int, required=True, help="Record id")
    if verb in ("put", "search", "dump"):
        p.add_argument("--agent", required=verb == "put", help="Agent")
        p.add_argument("--session", default="default" if verb == "put"
                       else None, help="Session")
    if verb == "put":
        p.add_argument("--text", required=True, help="Record text")
        p.add_argument("--role", default="user", help="Role")
        p.add_argument("--kind", default="message", help="Kind")
        p.add_argument("--importance", type=float, default=0.5,
                       help="0..1, slows aging")
    if verb == "search":
        p.add_argument("--query", required=True, help="Words to search for")
        p.add_argument("--role", help="Only this role")
        p.add_argument("--kind", help="Only this kind")
        p.add_argument("--k", type=int, default=10, help="Hits (1..1000)")
        p.add_argument("--offset", type=int, default=0, help="Skip hits")
    if verb == "compact":
        p.add_argument("--now", type=_time, help="Clock: RFC 3339 time or "
                       "microseconds since the epoch (default: now)")
        p.add_argument("--policy", help="Compaction policy (JSON file)")
        p.add_argument("--threads", type=int, default=1, help="Threads")
    if verb == "dump":
        p.add_argument("--out", help="Write to FILE instead of stdout")
    if verb == "import":
        p.add_argument("--in", dest="input", required=True,
                       help="JSON-lines file (dump output or put fields)")
    if verb == "verify":
        p.add_argument("--deep", action="store_true", help="Decode pages")
        p.add_argument("--repair", action="store_true", help="Fix indexes")
    if verb in ("get", "search", "compact", "stats", "verify"):
        p.add_argument("--json", action="store_true", help="Print JSON")


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``python3 -m mnemo``."""
    p = argparse.ArgumentParser(
        prog="mnemo", description="mnemo: embedded memory store for AI "
        "agents (the C++ tool's main verbs, through the Python bindings)")
    p.add_argument("--version", action="version",
                   version=f"mnemo {m.__version__}")
    sub = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    for verb, (help_text, _, _) in _VERBS.items():
        _add_options(verb, sub.add_parser(verb, help=help_text,
                                          description=help_text))
    return p


def main(argv: Optional[List[str]] = None) -> int:
    """Runs one verb; returns the exit status (0, 1 runtime, 2 usage)."""
    args = parser().parse_args(argv)
    _, run, mode = _VERBS[args.verb]
    try:
        with m.Store.open(args.db, read_only=mode == "read",
                          create_if_missing=mode == "create") as store:
            return run(store, args)
    except m.Error as e:
        print(f"mnemo: {e}", file=sys.stderr)
        return 1
    except (OSError, ValueError, TypeError) as e:
        print(f"mnemo: {e}", file=sys.stderr)
        return 1
