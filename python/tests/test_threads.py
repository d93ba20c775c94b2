"""Threads share one Store; storage calls release the GIL."""
import threading

from conftest import JAN_2024


def test_four_threads_put_and_get(store):
    errors = []
    per_thread = 200

    def work(t):
        try:
            ids = []
            for i in range(per_thread):
                ids.append(store.put(tenant="t", agent=f"a{t}", session="s",
                                     text=f"{t}:{i}",
                                     event_time=JAN_2024 + i))
                assert store.get("t", ids[-1]).text == f"{t}:{i}"
            batch = store.put_batch([
                dict(tenant="t", agent=f"a{t}", session="b", text=str(i))
                for i in range(50)])
            assert len(batch) == 50
        except Exception as e:  # surfaced in the main thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    for t in range(4):
        assert len(list(store.scan("t", f"a{t}", limit=64))) == per_thread + 50
    assert store.stats()["records"] == 4 * (per_thread + 50)

