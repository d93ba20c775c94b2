#!/usr/bin/env python3
"""An agent host on mnemo: registers a multimodal embedder, remembers
turns, compacts old memory onto pages (which the embedder then sees as
images), recalls by meaning across the hot and pixel tiers, and builds a
VLM prompt (text parts + page images) within a token budget.

    PYTHONPATH=build/python /usr/bin/python3 python/examples/agent_loop.py

The embedder is the seeded torch module of seeded_embedder.py when torch
is importable, else its numpy stand-in; a real host plugs in its model the
same way (vista_embedder.py: Visualized-BGE).
"""
import base64
import datetime
import pathlib
import sys
import tempfile

import mnemo

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import seeded_embedder  # noqa: E402

TENANT, AGENT = "acme", "support-bot"
DAY = datetime.timedelta(days=1)


def remember(store, session, role, text, when):
    return store.put(tenant=TENANT, agent=AGENT, session=session, role=role,
                     text=text, event_time=when)


def simulate_history(store, now):
    """Thirty days of past conversations, one session a day."""
    for day in range(30, 0, -1):
        when = now - day * DAY
        session = f"chat-{when:%Y%m%d}"
        remember(store, session, "user",
                 f"Day {day}: my order #{1000 + day} has not arrived.", when)
        remember(store, session, "assistant",
                 f"Order #{1000 + day} ships tomorrow; tracking sent.", when)


def to_vlm_messages(context, question):
    """OpenAI-style content parts: text for records, images for pages."""
    content = []
    for part in context.parts:
        if part.kind == "text":
            content.append({"type": "text", "text": part.text})
        else:
            url = "data:image/png;base64," + base64.b64encode(
                part.png).decode()
            content.append({"type": "image_url", "image_url": {"url": url}})
    content.append({"type": "text", "text": question})
    return [{"role": "user", "content": content}]


def make_embedder():
    try:
        return seeded_embedder.torch_embedder()
    except ImportError as e:
        print(f"torch not importable ({e}); using the numpy embedder")
        return seeded_embedder.NumpyEmbedder()


def main(path):
    now = datetime.datetime.now(datetime.timezone.utc)
    embedder = make_embedder()
    with mnemo.Store.open(path, cache_enabled=True, embedder=embedder,
                          cache_budget_bytes=64 << 20) as store:
        simulate_history(store, now)
        question = "What happened with order #1012?"
        remember(store, "chat-today", "user", question, now)
        result = store.compact()  # old turns become warm text and pages
        print(f"compacted: {result['records_paged']} records onto "
              f"{result['pages_written']} pages")
        store.flush_embeddings()  # the feed embeds new texts and pages
        emb = store.stats()["embed"]
        print(f"embedder {emb['model']}: {emb['texts_embedded']} texts, "
              f"{emb['pages_embedded']} pages, {emb['failed']} failed")
        # vector=None: the store embeds the query with the same embedder.
        hits = store.hybrid_search(TENANT, "order 1012", agent=AGENT, k=3)
        for hit in hits:
            print(f"  hit {hit.score:.4f} [{hit.record.tier}] "
                  f"{hit.record.text[:60]}")
        ctx = store.context(TENANT, AGENT, query="order 1012",
                            token_budget=2000)
        messages = to_vlm_messages(ctx, question)
        images = sum(p["type"] == "image_url" for p in messages[0]["content"])
        print(f"context: {len(ctx.parts)} parts, {ctx.text_tokens} text + "
              f"{ctx.vision_tokens} vision tokens "
              f"({len(messages[0]['content'])} message parts, {images} "
              f"page images)")
        tiers = store.tier_stats(TENANT)
        print("tiers:", {t: tiers[t]["records"]
                         for t in ("hot", "warm", "pixels", "decayed")})
        if not hits or "1012" not in hits[0].record.text:
            print("agent_loop: order 1012 was not recalled first",
                  file=sys.stderr)
            return 1
        if emb["pages_embedded"] == 0 or images == 0:
            print("agent_loop: no page was embedded or put in the prompt",
                  file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else tmp + "/memory"))
