"""mnemo.Embedder: the protocol of a host's multimodal embedder.

Register one when opening a store::

    store = mnemo.Store.open(path, cache_enabled=True, embedder=MyModel())

The store then embeds every record's text and every page image it renders
(compaction, re-rendering, decay) behind ingest, on its background thread,
and indexes the vectors: ``vector_search`` and ``hybrid_search`` rank hot
and warm records by their text vectors and pixel-tier records by their
pages' vectors, with one query vector. ``store.flush_embeddings()`` waits
until the feed has caught up; ``store.stats()["embed"]`` counts its work.

Any object with these attributes works; subclassing mnemo.Embedder only
documents the intent and checks that the two calls are defined.
"""
import abc
from typing import Any, List, Optional, Sequence


class Embedder(abc.ABC):
    """Embeds texts and page images into one vector space.

    Attributes read once, when the store opens:
      name: str -- names the model and its weights; a store keeps the name
        and dimension of the embedder that filled it, and opening it with
        another raises mnemo.InvalidArgument naming both.
      dimension: int -- length of every vector (1..4096).
      max_text_batch / max_page_batch: int, optional -- most inputs per
        call (default 32 texts, 8 pages).

    Calls come from one store thread at a time, with the GIL taken. They
    return an array-like of shape (len(inputs), dimension): a NumPy array,
    a torch tensor (CPU or CUDA, grad or not), or nested lists; values are
    converted to float32 and must be finite.

    Errors: a result of the wrong shape, a non-finite value, or a
    ValueError raised by the call refuses the batch's inputs (counted in
    stats()["embed"]["failed"], offered again when the store reopens);
    any other exception leaves the batch queued and is retried with
    back-off (flush_embeddings raises mnemo.Aborted carrying its text when
    it keeps failing). The store stays usable either way.
    """

    name: str = ""
    dimension: int = 0
    max_text_batch: Optional[int] = None
    max_page_batch: Optional[int] = None

    @abc.abstractmethod
    def embed_texts(self, texts: List[str]) -> Any:
        """Vectors of UTF-8 texts (record texts, or a query text for
        hybrid_search(vector=None)): shape (len(texts), dimension)."""

    @abc.abstractmethod
    def embed_pages(self, pages: Sequence[Any]) -> Any:
        """Vectors of page images: shape (len(pages), dimension).

        Each page is a mnemo.PinnedPage: 8-bit gray pixels (height, width),
        row-major, pinned in the hot cache's vista pool. ``torch.from_dlpack
        (page)`` / ``numpy.from_dlpack(page)`` view them without a copy (a
        CUDA tensor when the cache runs on the GPU). The page objects are
        released when the call returns; a tensor exported from one holds
        its own pin and stays valid.
        """
