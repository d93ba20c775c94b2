#!/usr/bin/env python3
"""A mnemo.Embedder over Visualized-BGE (VISTA), a multimodal embedder that
puts texts and images into one space (BGE text encoder + EVA-CLIP vision
tokens). Its weights are not shipped with mnemo; get them yourself:

  - the model code: the FlagEmbedding package (FlagEmbedding.visual) or the
    research/visual_bge folder of its repository (module visual_bge),
    plus torchvision, timm, einops and ftfy;
  - the weights: Visualized_base_en_v1.5.pth (768-d, with
    BAAI/bge-base-en-v1.5) or Visualized_m3.pth (1024-d, with BAAI/bge-m3)
    from the BAAI/bge-visualized model page; the BGE tokenizer/config must
    be loadable by transformers (cached or a local path).

Use:

    from vista_embedder import VistaEmbedder
    emb = VistaEmbedder("/models/Visualized_base_en_v1.5.pth", device="cuda")
    store = mnemo.Store.open(path, cache_enabled=True, use_gpu=True,
                             embedder=emb)

or try it on a store:  vista_embedder.py --weights PATH --db DIR [--query Q]

Pages arrive as mnemo.PinnedPage (8-bit gray, height x width): the adapter
views them with torch.from_dlpack (zero-copy; on the GPU when the cache
runs there), letterboxes each page (or each of `tiles` horizontal bands)
to a white square, resizes it to the model's 224x224 input and normalizes
it as CLIP does, all on the model's device. At 224 px a whole page shows
its layout, headings and large text, not body text: tiles=3..4 keeps more
of the words at 3..4x the cost.
"""
import argparse
import sys

import mnemo

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
MODELS = {  # weight file stem -> (BGE text model, dimension)
    "base": ("BAAI/bge-base-en-v1.5", 768),
    "m3": ("BAAI/bge-m3", 1024),
}


def load_visualized_bge():
    """The Visualized_BGE class; RuntimeError saying what to install."""
    errors = []
    for module in ("FlagEmbedding.visual.modeling", "visual_bge.modeling"):
        try:
            mod = __import__(module, fromlist=["Visualized_BGE"])
            return mod.Visualized_BGE
        except ImportError as e:
            errors.append(f"{module}: {e}")
    raise RuntimeError(
        "Visualized-BGE is not installed (" + "; ".join(errors) + "). "
        "Install the FlagEmbedding package (FlagEmbedding.visual) or the "
        "visual_bge module with torchvision, timm, einops and ftfy; the "
        "weights (Visualized_base_en_v1.5.pth or Visualized_m3.pth) are not "
        "shipped with mnemo.")


class VistaEmbedder(mnemo.Embedder):
    """Visualized-BGE behind the mnemo.Embedder protocol."""

    max_text_batch = 32
    max_page_batch = 16

    def __init__(self, weights, variant="base", device="cpu", tiles=1):
        import os
        if not os.path.isfile(weights):
            raise FileNotFoundError(f"Visualized-BGE weights not found: "
                                    f"{weights}")
        import torch
        if variant not in MODELS:
            raise ValueError(f"variant must be one of {sorted(MODELS)}")
        bge_name, self.dimension = MODELS[variant]
        self.name = f"visualized-bge-{variant}:{os.path.basename(weights)}"
        if tiles > 1:
            self.name += f":tiles{tiles}"
        self.torch, self.tiles = torch, tiles
        self.device = torch.device(device)
        cls = load_visualized_bge()
        self.model = cls(model_name_bge=bge_name, model_weight=weights)
        self.model.to(self.device).eval()
        self.mean = torch.tensor(CLIP_MEAN, device=self.device)[:, None, None]
        self.std = torch.tensor(CLIP_STD, device=self.device)[:, None, None]

    def _tokens(self, texts):
        t = self.model.tokenizer(texts, return_tensors="pt", padding=True,
                                 truncation=True, max_length=512)
        return {k: v.to(self.device) for k, v in t.items()}

    def embed_texts(self, texts):
        with self.torch.no_grad():
            return self.model.encode_text(self._tokens(texts))

    def _square(self, gray):
        """(h, w) float in 0..1 -> (3, 224, 224) normalized, white padded."""
        F = self.torch.nn.functional
        h, w = gray.shape
        side = max(h, w)
        pad = (0, side - w, 0, side - h)  # left, right, top, bottom
        img = F.pad(gray[None, None], pad, value=1.0)
        img = F.interpolate(img, size=(224, 224), mode="bicubic",
                            align_corners=False, antialias=True)
        return (img[0].clamp(0, 1).expand(3, -1, -1) - self.mean) / self.std

    def embed_pages(self, pages):
        torch = self.torch
        with torch.no_grad():
            squares = []
            for page in pages:
                pixels = torch.from_dlpack(page)  # zero-copy view of the pin
                gray = pixels.to(self.device, torch.float32) / 255.0
                for band in gray.tensor_split(self.tiles, dim=0):
                    squares.append(self._square(band))
            batch = torch.stack(squares)
            # encode_image with the empty prompt moved to the model's device
            empty = self._tokens([""] * len(squares))
            reps = self.model.encode_mm(batch, empty)
            reps = reps.view(len(pages), self.tiles, -1).mean(dim=1)
            return torch.nn.functional.normalize(reps, dim=-1)


def main():
    ap = argparse.ArgumentParser(description="Embed a store's records and "
                                 "pages with Visualized-BGE and search it.")
    ap.add_argument("--weights", required=True,
                    help="Visualized_base_en_v1.5.pth or Visualized_m3.pth")
    ap.add_argument("--variant", default="base", choices=sorted(MODELS))
    ap.add_argument("--db", help="store directory (its cache is enabled)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--tenant", default="default")
    ap.add_argument("--query", default="")
    args = ap.parse_args()
    try:
        emb = VistaEmbedder(args.weights, args.variant, args.device)
    except (RuntimeError, FileNotFoundError, ImportError) as e:
        print(f"vista_embedder: {e}", file=sys.stderr)
        return 2
    if not args.db:
        print(f"loaded {emb.name} ({emb.dimension}-d)")
        return 0
    with mnemo.Store.open(args.db, cache_enabled=True,
                          use_gpu=args.device.startswith("cuda"),
                          embedder=emb) as store:
        store.flush_embeddings()
        print(store.stats()["embed"])
        if args.query:
            for hit in store.hybrid_search(args.tenant, args.query, k=5):
                print(f"{hit.score:.4f} [{hit.record.tier}] "
                      f"{hit.record.text[:80]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
