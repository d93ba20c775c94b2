"""Small multimodal embedders with fixed seeded weights, for examples,
tests and cost measurements (they rank by shared words and page layout,
not by meaning: a stand-in for a real VISTA model, see vista_embedder.py).

TorchEmbedder: an nn.EmbeddingBag over hashed words (texts) and a small
conv net over the page pixels (pages), both projecting into one space; it
consumes the pinned pages through DLPack, zero-copy, on the CPU or CUDA.
NumpyEmbedder: the same idea without torch (word hashing and an 8x8 ink
grid through fixed random projections).
"""
import re
import zlib

import numpy as np

import mnemo

_WORD = re.compile(r"[a-z0-9]{3,}")


def words(text):
    """Distinct lowercased words of 3+ letters/digits, in a stable order."""
    return sorted(set(_WORD.findall(text.lower())))


def bucket(word, buckets):
    """A stable hash (not Python's salted hash()) into `buckets`."""
    return zlib.crc32(word.encode()) % buckets


class NumpyEmbedder(mnemo.Embedder):
    """Texts: mean of seeded random word vectors; pages: an 8x8 grid of ink
    density through a seeded random projection. No torch needed."""

    name = "seeded-numpy-v1"

    def __init__(self, dimension=64, buckets=1 << 14, seed=1234):
        self.dimension = dimension
        rng = np.random.default_rng(seed)
        self._words = rng.standard_normal((buckets, dimension), np.float32)
        self._pages = rng.standard_normal((64, dimension), np.float32)

    def embed_texts(self, texts):
        out = np.zeros((len(texts), self.dimension), np.float32)
        for i, text in enumerate(texts):
            ids = [bucket(w, len(self._words)) for w in words(text)]
            if ids:
                out[i] = self._words[ids].mean(axis=0)
        return out

    def embed_pages(self, pages):
        return np.stack([self.embed_image(np.from_dlpack(p)) for p in pages])

    def embed_image(self, pixels):
        """The vector of one uint8 (height, width) page image."""
        ink = 1.0 - pixels.astype(np.float32) / 255.0
        h, w = ink.shape
        grid = ink[: h - h % 8, : w - w % 8].reshape(8, h // 8, 8, w // 8)
        grid = grid.mean(axis=(1, 3)).reshape(64)
        return (grid - grid.mean()) @ self._pages


def torch_embedder(device="cpu", dimension=64, seed=1234):
    """A TorchEmbedder on `device`; ImportError when torch is missing."""
    import torch

    class TorchEncoder(torch.nn.Module):
        def __init__(self, buckets=1 << 14):
            super().__init__()
            torch.manual_seed(seed)
            self.buckets = buckets
            self.words = torch.nn.EmbeddingBag(buckets, dimension, mode="mean")
            self.conv = torch.nn.Sequential(
                torch.nn.Conv2d(1, 8, 5, stride=2, padding=2),
                torch.nn.ReLU(),
                torch.nn.MaxPool2d(2),
                torch.nn.Conv2d(8, 16, 3, stride=2, padding=1),
                torch.nn.ReLU(),
                torch.nn.AdaptiveAvgPool2d((16, 16)))
            self.project = torch.nn.Linear(16 * 16 * 16, dimension)

        @torch.no_grad()
        def texts(self, texts):
            ids, offsets = [], []
            for text in texts:
                offsets.append(len(ids))
                ids.extend(bucket(w, self.buckets) for w in words(text))
            dev = self.project.weight.device
            return self.words(torch.tensor(ids, dtype=torch.long, device=dev),
                              torch.tensor(offsets, dtype=torch.long,
                                           device=dev))

        @torch.no_grad()
        def image(self, pixels):
            """(height, width) uint8 tensor -> (dimension,) float32."""
            ink = 1.0 - pixels.to(torch.float32) / 255.0
            features = self.conv(ink[None, None]).flatten(2)
            # Each channel's layout pattern, not the page's overall ink
            # (which every page of text shares).
            features = features - features.mean(dim=2, keepdim=True)
            features = features / (features.std(dim=2, keepdim=True) + 1e-6)
            return self.project(features.flatten(1))[0]

    class TorchEmbedder(mnemo.Embedder):
        """Seeded torch encoder; `received` logs what embed_pages got."""

        name = "seeded-torch-v1"
        max_page_batch = 4

        def __init__(self):
            self.dimension = dimension
            self.device = torch.device(device)
            self.model = TorchEncoder().to(self.device).eval()
            # Per page received: (page_id, page.data_ptr, the tensor's
            # data_ptr, a copy of its pixels); the tensors themselves are
            # not kept (each holds a pin and keeps the store open).
            self.received = []

        def embed_texts(self, texts):
            return self.model.texts(texts)

        def embed_pages(self, pages):
            out = []
            for page in pages:
                tensor = torch.from_dlpack(page)  # zero-copy view of the pin
                self.received.append((page.page_id, page.data_ptr,
                                      tensor.data_ptr(), tensor.cpu().clone()))
                out.append(self.model.image(tensor.to(self.device)))
            return torch.stack(out)

        def embed_image(self, pixels):
            """The vector of one uint8 (height, width) array or tensor."""
            t = torch.as_tensor(np.array(pixels)).to(self.device)
            return self.model.image(t).cpu().numpy()

    return TorchEmbedder()
