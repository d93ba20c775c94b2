"""Pinned pages through DLPack: NumPy on the host backend, torch on CUDA."""
import numpy as np
import pytest

import mnemo
from conftest import make_pages


def _open_cached(path, use_gpu):
    return mnemo.Store.open(path, cache_enabled=True, use_gpu=use_gpu,
                            cache_budget_bytes=8 << 20,
                            cache_host_tier_bytes=1 << 20)


def test_numpy_from_dlpack_on_host_backend(tmp_path):
    store = _open_cached(str(tmp_path / "db"), use_gpu=False)
    page_id = make_pages(store)[0]
    expected = store.page_array("t1", page_id)
    (pinned,) = store.pin_pages("t1", [page_id])
    assert pinned.__dlpack_device__() == (1, 0)
    assert (pinned.height, pinned.width) == expected.shape
    assert pinned.nbytes == expected.size
    arr = np.from_dlpack(pinned)
    assert arr.dtype == np.uint8 and np.array_equal(arr, expected)
    view = pinned.numpy()
    assert np.array_equal(view, expected)
    pinned.release()  # the arrays hold their own pins
    assert not pinned.valid
    with pytest.raises(mnemo.FailedPrecondition):
        pinned.__dlpack__()
    assert np.array_equal(arr, expected) and np.array_equal(view, expected)
    assert store.cache_report()["backend"] == "host"
    store.close()
    del arr, view  # the last tensor closes the store
    reopened = mnemo.Store.open(str(tmp_path / "db"))
    reopened.close()


def test_unconsumed_capsule_is_freed(tmp_path):
    store = _open_cached(str(tmp_path / "db"), use_gpu=False)
    page_id = make_pages(store)[0]
    with store.pin_pages("t1", [page_id])[0] as pinned:
        capsule = pinned.__dlpack__()
        del capsule
    assert store.cache_report()["pinned"] == 0
    store.close()


def test_kv_payload_round_trip(tmp_path):
    store = _open_cached(str(tmp_path / "db"), use_gpu=False)
    page_id = make_pages(store)[0]
    emb = np.arange(64, dtype=np.float32)
    store.put_kv("t1", page_id, "embedding", emb)
    back = np.frombuffer(store.get_kv("t1", page_id, "embedding"), np.float32)
    assert np.array_equal(back, emb)
    with pytest.raises(mnemo.NotFound):
        store.pin_pages("t1", [987654])
    ranged = store.pin_range("t1", "a", limit=1000)
    assert {p.page_id for p in ranged} == {page_id} | {
        p["page_id"] for p in store.list_pages("t1", "a")}
    for p in ranged:
        p.release()
    store.close()


def test_cuda_backend_exports_device_capsules(tmp_path):
    store = _open_cached(str(tmp_path / "db"), use_gpu=True)
    if not store.cache_report()["backend"].startswith("cuda"):
        store.close()
        pytest.skip("no CUDA backend (host fallback)")
    page_id = make_pages(store)[0]
    (pinned,) = store.pin_pages("t1", [page_id])
    assert pinned.__dlpack_device__()[0] == 2  # kDLCUDA
    capsule = pinned.__dlpack__()
    del capsule
    with pytest.raises(mnemo.NotSupported):
        pinned.numpy()
    pinned.release()
    assert store.cache_report()["pinned"] == 0
    store.close()


def test_torch_from_dlpack_on_cuda(tmp_path):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    store = _open_cached(str(tmp_path / "db"), use_gpu=True)
    if not store.cache_report()["backend"].startswith("cuda"):
        store.close()
        pytest.skip("mnemo built without the CUDA backend")
    page_id = make_pages(store)[0]
    expected = torch.from_numpy(store.page_array("t1", page_id).copy())
    (pinned,) = store.pin_pages("t1", [page_id])
    assert pinned.__dlpack_device__()[0] == 2
    tensor = torch.from_dlpack(pinned)
    assert tensor.is_cuda and tensor.dtype == torch.uint8
    assert torch.equal(tensor.cpu(), expected)
    pinned.release()
    del tensor
    store.close()
