#!/usr/bin/env python3
"""Gathers text nobody in this project wrote, by content class, as JSONL.

    gather_calibration_text.py OUT.jsonl [--locomo PATH]

Each line is {"source": CLASS, "file": PATH, "text": CHUNK}. Sources are read
from the machine at run time (Debian docs, man pages, logs, headers, gnupg
help translations, the LoCoMo file when given) and never copied into the
repository. The output feeds mnemo-token-calibrate and the tokenizer
comparison; classes with no files on this machine are skipped.
"""
import glob
import gzip
import json
import os
import subprocess
import sys

CHUNK = 1500  # characters per sample: the size of a typical memory record


def read(path):
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rt", encoding="utf-8", errors="strict") as f:
                return f.read()
        with open(path, encoding="utf-8", errors="strict") as f:
            return f.read()
    except (OSError, UnicodeDecodeError, EOFError):
        return ""


def chunks(text, size=CHUNK, limit=40):
    out, cur = [], ""
    for para in text.split("\n\n"):
        if cur and len(cur) + len(para) > size:
            out.append(cur)
            cur = ""
        cur += para + "\n\n"
        if len(out) >= limit:
            break
    if cur.strip() and len(out) < limit:
        out.append(cur)
    return [c for c in out if len(c.strip()) > 200]


def files(pattern, n):
    return sorted(glob.glob(pattern, recursive=True))[:n]


def man_pages(names):
    for name in names:
        try:
            r = subprocess.run(["man", "-P", "cat", name], capture_output=True,
                               text=True, timeout=20,
                               env=dict(os.environ, MANWIDTH="80"))
            if r.returncode == 0:
                yield "man:" + name, r.stdout
        except (OSError, subprocess.TimeoutExpired):
            pass


def locomo(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    chat, prose = [], []
    for conv in data:
        c = conv.get("conversation", {})
        for key, turns in c.items():
            if key.startswith("session_") and isinstance(turns, list):
                chat.append("\n".join(f'{t.get("speaker")}: {t.get("text")}'
                                      for t in turns))
        for summ in conv.get("session_summary", {}).values():
            if isinstance(summ, str):
                prose.append(summ)
    return chat, prose


def main():
    out_path = sys.argv[1]
    locomo_path = None
    if "--locomo" in sys.argv:
        locomo_path = sys.argv[sys.argv.index("--locomo") + 1]
    samples = []

    def add(source, path, text, limit=40):
        for c in chunks(text, limit=limit):
            samples.append({"source": source, "file": path, "text": c})

    for p in files("/usr/share/doc/**/*.md*", 60):
        add("markdown", p, read(p), 6)
    for p in files("/usr/share/doc/*/changelog.Debian.gz", 80):
        add("changelog", p, read(p), 4)
    for p in files("/usr/share/doc/dpkg/spec/*.txt", 10) + \
            files("/usr/share/common-licenses/*", 10):
        add("docs", p, read(p), 6)
    for name, text in man_pages(["ls", "tar", "git", "ssh", "bash", "grep",
                                 "find", "rsync", "curl", "gcc"]):
        add("man", name, text, 10)
    for p in files("/usr/include/*.h", 200)[::5]:
        add("code", p, read(p), 3)
    for p in files("/usr/lib/python3.11/*.py", 200)[::5]:
        add("code", p, read(p), 3)
    for p in ["/var/log/dpkg.log", "/var/log/alternatives.log",
              "/var/log/apt/history.log", "/var/log/fontconfig.log"]:
        add("logs", p, read(p).replace("\n", "\n\n"), 30)
    for p in files("/usr/share/**/*.json", 400)[::10]:
        add("json", p, read(p), 3)
    for p in files("/usr/share/gnupg/help.*.txt", 40):
        lang = p.split("help.")[-1][:-4]
        cls = "cjk" if lang in ("ja", "zh_CN", "zh_TW") else "translations"
        add(cls, p, read(p), 8)
    if locomo_path and os.path.exists(locomo_path):
        chat, prose = locomo(locomo_path)
        for i, t in enumerate(chat[::3]):
            add("chat", f"{locomo_path}#chat{i}", t, 2)
        add("prose", locomo_path + "#summaries", "\n\n".join(prose), 120)
        raw = read(locomo_path)
        for i in range(0, min(len(raw), 600000), 10000):  # JSON with ids
            samples.append({"source": "json", "file": locomo_path,
                            "text": raw[i:i + CHUNK]})
    with open(out_path, "w", encoding="utf-8") as f:
        for s in samples:
            f.write(json.dumps(s, ensure_ascii=False) + "\n")
    by = {}
    for s in samples:
        by[s["source"]] = by.get(s["source"], 0) + 1
    print(json.dumps(by), file=sys.stderr)


if __name__ == "__main__":
    main()
