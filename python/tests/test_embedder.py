"""The encoder feed end to end with a real torch module (seeded weights):
texts and DLPack page tensors embedded behind ingest and compaction, and
vector/hybrid search over the hot and pixel tiers with its query vectors.
Runs on the CPU, and again on CUDA when a GPU and the CUDA cache backend
are present (python/device_check.sh)."""
import builtins
import faulthandler
import gc
import io
import pathlib
import sys
import threading
import time

import numpy as np
import pytest

import mnemo
from conftest import DAY, JAN_2024, SECOND

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] /
                       "examples"))
import seeded_embedder  # noqa: E402

try:
    import torch
except ImportError as e:  # Debian: apt-get install python3-torch
    torch = None
    TORCH_MISSING = f"torch is not importable ({e})"

try:
    from PIL import Image
except ImportError:
    Image = None

T, A = "acme", "agent"
GPL = pathlib.Path("/usr/share/common-licenses/GPL-3")


def paragraphs(n):
    """n distinct real paragraphs nobody here wrote: the GPL-3 text Debian
    ships in every install (base-files), else the docstrings of Python's
    built-in types and functions."""
    if GPL.is_file():
        chunks = GPL.read_text(encoding="utf-8").split("\n\n")
    else:
        chunks = [getattr(o, "__doc__", None) or ""
                  for owner in (builtins, str, bytes, list, dict, set, int)
                  for o in vars(owner).values()]
    paras = list(dict.fromkeys(" ".join(c.split()) for c in chunks))
    paras = [p for p in paras if len(seeded_embedder.words(p)) >= 12]
    assert len(paras) >= n, f"only {len(paras)} paragraphs of text"
    return paras[:n]


def open_store(path, embedder, device="cpu", **kw):
    return mnemo.Store.open(str(path), cache_enabled=True,
                            use_gpu=(device == "cuda"),
                            cache_budget_bytes=64 << 20,
                            cache_host_tier_bytes=8 << 20,
                            embedder=embedder, **kw)


def device_or_skip(device):
    if torch is None:
        pytest.skip(TORCH_MISSING)
    if device == "cuda" and not torch.cuda.is_available():
        pytest.skip("no CUDA device (torch.cuda.is_available() is False)")


def fill(store, old, hot):
    """`old` 20-day-old records (compaction pages them) and `hot` fresh ones;
    returns (old ids, hot ids, texts by id)."""
    texts = paragraphs(old + hot)
    recs = [dict(tenant=T, agent=A, session="s", text=texts[i],
                 event_time=(JAN_2024 - 20 * DAY if i < old else JAN_2024)
                 + i * SECOND) for i in range(old + hot)]
    ids = store.put_batch(recs)
    return ids[:old], ids[old:], dict(zip(ids, texts))


def second_half(text):
    w = text.split()
    return " ".join(w[len(w) // 2:])


@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_texts_and_pages_end_to_end(tmp_path, device):
    device_or_skip(device)
    emb = seeded_embedder.torch_embedder(device)
    store = open_store(tmp_path / "db", emb, device)
    if device == "cuda" and not store.cache_report()["backend"].startswith(
            "cuda"):
        store.close()
        pytest.skip("mnemo built without the CUDA cache backend")
    old_ids, hot_ids, texts = fill(store, old=40, hot=12)
    store.flush_embeddings()
    stats = store.stats()["embed"]
    assert stats["model"] == "seeded-torch-v1" and stats["dimension"] == 64
    assert stats["texts_embedded"] == 52 and stats["texts_pending"] == 0
    assert stats["failed"] == 0

    # A text query from the same module finds its record (half its words).
    target = hot_ids[5]
    q = emb.embed_texts([second_half(texts[target])])[0].cpu().tolist()
    assert store.vector_search(T, q, agent=A, k=3)[0].id == target

    # Compact the old records onto pages; the feed embeds the pages.
    assert store.compact(now=JAN_2024 + SECOND * 60)["pages_written"] > 0
    store.flush_embeddings()
    pages = store.list_pages(T, A)
    stats = store.stats()["embed"]
    assert stats["pages_embedded"] == len(pages) >= 1
    assert stats["pages_pending"] == 0 and stats["failed"] == 0

    # What the module received: zero-copy views of the pinned pixels, equal
    # to the page as get_page decodes it.
    assert {r[0] for r in emb.received} == {p["page_id"] for p in pages}
    for page_id, lease_ptr, tensor_ptr, pixels in emb.received:
        assert lease_ptr != 0 and tensor_ptr == lease_ptr
        expected = store.page_array(T, page_id)
        assert pixels.dtype == torch.uint8
        assert np.array_equal(pixels.numpy(), expected)

    # A query equal to a page's embedding, computed independently from its
    # PNG bytes, ranks that page's records first.
    page = store.get_page(T, pages[-1]["page_id"])
    if Image is not None:
        pixels = np.asarray(Image.open(io.BytesIO(page.png)).convert("L"))
    else:
        pixels = mnemo.decode_png(page.png)
    page_vec = emb.embed_image(pixels).tolist()
    # The kv pool holds what the module returned for that very page.
    stored = np.frombuffer(store.get_kv(T, page.page_id,
                                        "embedding:seeded-torch-v1"),
                           np.float32)
    assert np.allclose(stored, page_vec, rtol=1e-3, atol=1e-4)
    on_page = {rid for rid in old_ids  # records with a rectangle on it
               if any(rect[0] == page.page_id
                      for rect in store.locate(T, rid)["rects"])}
    assert on_page
    hits = store.vector_search(T, page_vec, agent=A, k=len(on_page) + 5)
    assert {h.id for h in hits[:len(on_page)]} == on_page
    assert hits[0].score > 0.999 and hits[len(on_page)].score < 0.99
    assert hits[0].record.tier == "pixels"

    # Hybrid: the text of a hot record and a page's vector reach both tiers.
    hot = hot_ids[2]
    hybrid = store.hybrid_search(T, second_half(texts[hot]), page_vec,
                                 agent=A, k=10)
    tiers = {h.id: h.record.tier for h in hybrid}
    assert hot in tiers and tiers[hot] == "hot"
    assert on_page & set(tiers) and "pixels" in tiers.values()
    # vector=None: the store embeds the query text with the module.
    by_store = store.hybrid_search(T, second_half(texts[hot]), agent=A, k=3)
    assert by_store[0].id == hot
    emb.received.clear()
    store.close()


def test_reopen_keeps_vectors_and_checks_the_model(tmp_path):
    device_or_skip("cpu")
    emb = seeded_embedder.torch_embedder()
    store = open_store(tmp_path / "db", emb)
    _, hot_ids, texts = fill(store, old=0, hot=20)
    store.flush_embeddings()
    store.close()
    other = seeded_embedder.NumpyEmbedder()
    with pytest.raises(mnemo.InvalidArgument, match="seeded-torch-v1"):
        open_store(tmp_path / "db", other)
    store = open_store(tmp_path / "db", seeded_embedder.torch_embedder())
    q = emb.embed_texts([second_half(texts[hot_ids[7]])])[0].tolist()
    assert store.vector_search(T, q, agent=A, k=1)[0].id == hot_ids[7]
    assert store.stats()["embed"]["texts_pending"] == 0
    store.close()


class WrongShape(mnemo.Embedder):
    name, dimension = "wrong-shape", 8

    def embed_texts(self, texts):
        return np.zeros((len(texts), 9), np.float32)

    def embed_pages(self, pages):
        return np.zeros((len(pages) + 1, 8), np.float32)


class Raising(mnemo.Embedder):
    name, dimension = "raising", 8

    def __init__(self, error):
        self.error, self.calls = error, 0

    def embed_texts(self, texts):
        self.calls += 1
        raise self.error("model exploded on purpose")

    def embed_pages(self, pages):
        raise self.error("pages exploded on purpose")


def store_is_usable(store):
    rid = store.put(tenant=T, agent=A, session="s",
                    text="the store still answers after a bad embedder")
    assert store.get(T, rid).text.startswith("the store still")
    assert store.search(T, "bad embedder", agent=A)[0].id == rid


def test_wrong_shape_is_refused_and_counted(tmp_path):
    store = open_store(tmp_path / "db", WrongShape())
    store.put_batch([dict(tenant=T, agent=A, text=t) for t in paragraphs(5)])
    store.flush_embeddings()  # every text refused: nothing left to do
    stats = store.stats()["embed"]
    assert stats["failed"] == 5 and stats["texts_embedded"] == 0
    store_is_usable(store)
    # The shape the store expected is named in the query-embedding error.
    with pytest.raises(mnemo.InvalidArgument, match=r"shape \(1, 9\); "
                       r"expected \(1, 8\)"):
        store.hybrid_search(T, "anything", agent=A)
    store.close()


def test_value_error_refuses_the_inputs(tmp_path):
    store = open_store(tmp_path / "db", Raising(ValueError))
    store.put_batch([dict(tenant=T, agent=A, text=t) for t in paragraphs(3)])
    store.flush_embeddings()
    assert store.stats()["embed"]["failed"] == 3
    store_is_usable(store)
    store.close()


def test_exception_keeps_the_batch_queued(tmp_path):
    emb = Raising(RuntimeError)
    store = open_store(tmp_path / "db", emb)
    store.put_batch([dict(tenant=T, agent=A, text=t) for t in paragraphs(3)])
    with pytest.raises(mnemo.Error, match="RuntimeError: model exploded"):
        store.flush_embeddings()
    stats = store.stats()["embed"]
    assert stats["failed"] == 0 and stats["texts_pending"] >= 3
    assert emb.calls >= 1
    store_is_usable(store)
    store.close()  # no deadlock with the feed retrying in the background


def test_bad_embedder_objects_are_rejected_at_open(tmp_path):
    class NoName:
        dimension = 4

        def embed_texts(self, texts):
            return []

        def embed_pages(self, pages):
            return []

    with pytest.raises(TypeError, match="'name'"):
        open_store(tmp_path / "a", NoName())
    bad_dim = WrongShape()
    bad_dim.dimension = 0
    with pytest.raises(ValueError, match="dimension must be 1..4096"):
        open_store(tmp_path / "b", bad_dim)
    with pytest.raises(mnemo.InvalidArgument, match="cache.enabled"):
        mnemo.Store.open(str(tmp_path / "c"), embedder=WrongShape())
    with pytest.raises(mnemo.FailedPrecondition):
        with mnemo.Store.open(str(tmp_path / "d")) as plain:
            plain.flush_embeddings()
    with pytest.raises(TypeError):
        mnemo.Embedder()  # abstract: embed_texts and embed_pages


def test_numpy_embedder_without_torch(tmp_path):
    emb = seeded_embedder.NumpyEmbedder()
    store = open_store(tmp_path / "db", emb)
    old_ids, hot_ids, texts = fill(store, old=30, hot=5)
    store.compact(now=JAN_2024 + 60 * SECOND)
    store.flush_embeddings()
    stats = store.stats()["embed"]
    assert stats["pages_embedded"] == len(store.list_pages(T, A)) >= 1
    q = emb.embed_texts([second_half(texts[hot_ids[1]])])[0].tolist()
    assert store.vector_search(T, q, agent=A, k=1)[0].id == hot_ids[1]
    store.close()


class Slow(mnemo.Embedder):
    """Takes the GIL for a while in every call, like a real model."""

    name, dimension = "slow", 8

    def __init__(self):
        self.kept = []  # tensors kept past the call (hold pins)
        self.keep = False
        self.started = threading.Event()

    def embed_texts(self, texts):
        self.started.set()
        time.sleep(0.02)  # the feed thread wants the GIL back after this
        return np.ones((len(texts), 8), np.float32)

    def embed_pages(self, pages):
        if self.keep:
            self.kept.append(np.from_dlpack(pages[0]))
        return np.ones((len(pages), 8), np.float32)


def test_store_dropped_while_the_feed_runs(tmp_path):
    # Closing with the GIL held while the feed thread waits for it would
    # hang: end the run with tracebacks instead of waiting for ctest.
    faulthandler.dump_traceback_later(120, exit=True)
    for _ in range(3):
        emb = Slow()
        store = open_store(tmp_path / "db", emb)
        store.put_batch([dict(tenant=T, agent=A, text=f"turn {i}")
                         for i in range(300)])
        assert emb.started.wait(30)
        del store  # closes without close() while the feed is in a call
        gc.collect()
    faulthandler.cancel_dump_traceback_later()
    store = open_store(tmp_path / "db", Slow())  # the lock was released
    store.flush_embeddings()
    assert store.stats()["embed"]["texts_pending"] == 0
    store.close()


def test_tensor_kept_by_the_host_keeps_the_store_open(tmp_path):
    emb = Slow()
    emb.keep = True
    store = open_store(tmp_path / "db", emb)
    fill(store, old=30, hot=0)
    store.compact(now=JAN_2024 + 60 * SECOND)
    store.flush_embeddings()
    assert emb.kept and emb.kept[0].dtype == np.uint8
    first = store.page_array(T, store.list_pages(T, A)[0]["page_id"])
    store.close()
    with pytest.raises(mnemo.Error):  # still open: a tensor holds its pin
        mnemo.Store.open(str(tmp_path / "db"))
    assert np.array_equal(emb.kept[0], first)  # still valid pixels
    emb.kept.clear()  # the last pin goes: the store closes
    mnemo.Store.open(str(tmp_path / "db")).close()


def test_threads_search_while_the_feed_embeds(tmp_path):
    store = open_store(tmp_path / "db", Slow())
    errors = []

    def writer(n):
        try:
            for i in range(100):
                store.put(tenant=T, agent=A, text=f"thread {n} turn {i}")
                if i % 25 == 0:
                    store.hybrid_search(T, f"turn {i}", agent=A, k=3)
        except Exception as e:  # noqa: BLE001  (reported below)
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    store.flush_embeddings()
    assert store.stats()["embed"]["texts_embedded"] == 300
    store.close()


class Gate(mnemo.Embedder):
    """Holds its first embed_pages call until the test opens the gate."""

    name, dimension = "gate", 8

    def __init__(self):
        self.in_pages, self.go = threading.Event(), threading.Event()

    def embed_texts(self, texts):
        return np.ones((len(texts), 8), np.float32)

    def embed_pages(self, pages):
        self.in_pages.set()
        self.go.wait(30)
        return np.ones((len(pages), 8), np.float32)


def test_close_during_a_page_call_closes_after_it(tmp_path):
    """close() while the feed thread is inside embed_pages: the call's page
    objects hold the last references, dropped on the feed thread itself,
    which must not close its own store (a reaper thread does)."""
    emb = Gate()
    store = open_store(tmp_path / "db", emb)
    fill(store, old=30, hot=0)
    store.compact(now=JAN_2024 + 60 * SECOND)
    assert emb.in_pages.wait(30), "the feed never offered a page"
    store.close()
    emb.go.set()
    deadline = time.monotonic() + 30
    while True:  # the reaper closes the store soon after the call returns
        try:
            mnemo.Store.open(str(tmp_path / "db")).close()
            break
        except mnemo.Error:
            assert time.monotonic() < deadline, "the store never closed"
            time.sleep(0.05)
