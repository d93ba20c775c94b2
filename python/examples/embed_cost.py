#!/usr/bin/env python3
"""What the encoder feed costs per page and per text on this machine.

    PYTHONPATH=build/python /usr/bin/python3 python/examples/embed_cost.py

For each embedder it stores --records old records (real text: the GPL-3
paragraphs Debian ships, or --text FILE), times flush_embeddings() on the
texts, compacts them onto pages with the store reopened without the
embedder (the pages stay queued), reopens it with the embedder and times
flush_embeddings() on the pages alone:
  trivial -- views each page through DLPack (numpy.from_dlpack, zero-copy)
             and returns zeros: the plumbing (pin into the vista pool,
             DLPack export, the Python call, storing and indexing vectors);
  torch   -- the seeded test module of seeded_embedder.py (a small conv
             net; skipped without torch);
  numpy   -- the numpy stand-in.
"in embedder" is the time inside the embedder's calls (stats embed_seconds,
from the reopen on: the pages only); the rest of the wall time is the
store's side. Median of --runs runs; torch runs on one thread.
"""
import argparse
import pathlib
import statistics
import sys
import tempfile
import time

import numpy as np

import mnemo

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import seeded_embedder  # noqa: E402

DAY, SECOND = 86_400_000_000, 1_000_000
NOW = 1_704_067_200_000_000  # 2024-01-01


class Trivial(mnemo.Embedder):
    name, dimension = "trivial", 64

    def embed_texts(self, texts):
        return np.zeros((len(texts), self.dimension), np.float32)

    def embed_pages(self, pages):
        for p in pages:
            np.from_dlpack(p)
        return np.zeros((len(pages), self.dimension), np.float32)


def load_texts(path, n):
    text = pathlib.Path(path).read_text(encoding="utf-8", errors="replace")
    paras = [" ".join(p.split()) for p in text.split("\n\n")]
    paras = [p for p in paras if len(p) > 80]
    if not paras:
        sys.exit(f"embed_cost: no paragraphs in {path}")
    return [f"{paras[i % len(paras)]} [{i}]" for i in range(n)]


def one_run(make, texts, tmp):
    db = f"{tmp}/db"
    opts = dict(cache_enabled=True, cache_budget_bytes=256 << 20)
    store = mnemo.Store.open(db, embedder=make(), **opts)
    store.put_batch([dict(tenant="t", agent="a", session="s", text=t,
                          event_time=NOW - 20 * DAY + i * SECOND)
                     for i, t in enumerate(texts)])
    t0 = time.perf_counter()
    store.flush_embeddings()
    text_wall = time.perf_counter() - t0
    texts_done = store.stats()["embed"]["texts_embedded"]
    store.close()
    # Compacted without the embedder (a store that has a model queues its
    # pages anyway), so the timed flush below embeds only the pages.
    with mnemo.Store.open(db, **opts) as store:
        store.compact(now=NOW)
    store = mnemo.Store.open(db, embedder=make(), **opts)
    t0 = time.perf_counter()
    store.flush_embeddings()
    page_wall = time.perf_counter() - t0
    after = store.stats()["embed"]
    store.close()
    pages = after["pages_embedded"]
    return dict(texts=texts_done, pages=pages,
                text_ms=1e3 * text_wall / max(1, texts_done),
                page_ms=1e3 * page_wall / max(1, pages),
                page_in_ms=1e3 * after["embed_seconds"] / max(1, pages))


def pin_cost(texts, tmp):
    """ms per page of pin_pages on a reopened store (decodes the PNGs into
    the vista pool) and again (already resident)."""
    db, opts = f"{tmp}/db", dict(cache_enabled=True,
                                 cache_budget_bytes=256 << 20)
    with mnemo.Store.open(db, **opts) as store:
        store.put_batch([dict(tenant="t", agent="a", session="s", text=t,
                              event_time=NOW - 20 * DAY + i * SECOND)
                         for i, t in enumerate(texts)])
        store.compact(now=NOW)
    with mnemo.Store.open(db, **opts) as store:
        ids = [p["page_id"] for p in store.list_pages("t", "a")]
        times = []
        for _ in range(2):
            t0 = time.perf_counter()
            pins = store.pin_pages("t", ids)
            times.append(1e3 * (time.perf_counter() - t0) / len(ids))
            for p in pins:
                p.release()
        return times


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=3000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--text", default="/usr/share/common-licenses/GPL-3")
    args = ap.parse_args()
    texts = load_texts(args.text, args.records)
    makers = {"trivial": Trivial, "numpy": seeded_embedder.NumpyEmbedder}
    try:
        import torch
        torch.set_num_threads(1)  # comparable on a shared machine
        makers["torch"] = seeded_embedder.torch_embedder
    except ImportError as e:
        print(f"torch: skipped ({e})")
    print(f"{args.records} records from {args.text}, median of {args.runs}")
    with tempfile.TemporaryDirectory() as tmp:
        cold, warm = pin_cost(texts, tmp)
    print(f"pin_pages alone: {cold:.2f} ms/page cold (PNG decoded into the "
          f"vista pool), {warm:.3f} ms/page resident")
    print(f"{'embedder':8} {'pages':>5} {'ms/page':>8} {'in embedder':>12} "
          f"{'store side':>10} {'ms/text':>8}")
    for name, make in makers.items():
        runs = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                runs.append(one_run(make, texts, tmp))
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(f"{name:8} {med['pages']:5.0f} {med['page_ms']:8.2f} "
              f"{med['page_in_ms']:12.2f} "
              f"{med['page_ms'] - med['page_in_ms']:10.2f} "
              f"{med['text_ms']:8.3f}")


if __name__ == "__main__":
    main()
