"""Compaction, pages as PNG bytes and NumPy arrays, search and context."""
import io

import numpy as np
import pytest

import mnemo
from conftest import make_pages

try:
    from PIL import Image
except ImportError:  # Pillow is optional
    Image = None


def test_compact_moves_records_to_pages(store):
    ids = make_pages(store)
    assert ids
    tiers = store.tier_stats("t1")
    assert tiers["pixels"]["records"] == 60
    assert tiers["pixels"]["pages"] == len(ids)
    first = next(iter(store.scan("t1", "a")))
    assert first.tier == "pixels" and first.page in ids
    assert first.text.startswith("line 0 ")  # exact text is kept
    loc = store.locate("t1", first.id)
    assert loc["page_id"] == first.page and loc["rects"]
    assert store.compact(now=1_704_067_200_000_000)["changed"] is False


def test_page_png_and_manifest(store):
    page_id = make_pages(store)[0]
    page = store.get_page("t1", page_id)
    assert page.png[:8] == b"\x89PNG\r\n\x1a\n"
    assert bytes(page) == page.png
    assert page.page_id == page_id and page.info["tier"] == "pixels"
    assert "line 0" in page.manifest_json
    assert isinstance(page.manifest, dict)


def test_page_array_equals_decoded_png(store):
    page_id = make_pages(store)[0]
    page = store.get_page("t1", page_id)
    arr = store.page_array("t1", page_id)
    assert arr.dtype == np.uint8 and arr.shape == (page.height, page.width)
    assert not arr.flags.owndata  # a view over the decoded image
    assert np.array_equal(arr, mnemo.decode_png(page.png))
    assert np.array_equal(arr, page.array())
    assert arr.min() < 128 < arr.max()  # ink on paper
    if Image is not None:
        pil = np.asarray(Image.open(io.BytesIO(page.png)).convert("L"))
        assert np.array_equal(arr, pil)


def test_decode_png_rejects_garbage():
    with pytest.raises(mnemo.Corruption):
        mnemo.decode_png(b"\x89PNG\r\n\x1a\nnot really")


def test_policy_as_dict_or_json(store):
    store.put(tenant="t", agent="a", session="s", text="old",
              event_time=1_000_000)
    r = store.compact(now=1_000_000 + 7_200_000_000,
                      policy='{"warm_after": "1h", "pixels_after": "30d"}')
    assert r["records_warmed"] == 1
    assert next(iter(store.scan("t", "a"))).tier == "warm"


def test_search_and_context(store):
    make_pages(store)
    store.put(tenant="t1", agent="a", session="s",
              text="the user prefers green tea in the morning")
    hits = store.search("t1", "green tea", agent="a", k=5)
    assert hits and "green tea" in hits[0].record.text
    assert hits[0].score > 0 and hits[0].snippet
    ctx = store.context("t1", "a", query="line 3", token_budget=3000)
    assert ctx.parts and ctx.total_tokens <= 3000
    kinds = {p.kind for p in ctx.parts}
    assert kinds <= {"text", "page"}
    for p in ctx.parts:
        if p.kind == "page":
            assert p.png[:4] == b"\x89PNG" and p.page_id
        else:
            assert p.text


def test_vector_search(store):
    ids = [store.put(tenant="t", agent="a", session="s", text=f"v{i}")
           for i in range(3)]
    for i, rid in enumerate(ids):
        vec = [0.0, 0.0, 0.0]
        vec[i] = 1.0
        store.put_embedding("t", rid, vec)
    hits = store.vector_search("t", [0.0, 1.0, 0.1], agent="a", k=2)
    assert hits[0].id == ids[1]
    hybrid = store.hybrid_search("t", "v2", [0.0, 0.0, 1.0], agent="a", k=1)
    assert hybrid[0].id == ids[2]
