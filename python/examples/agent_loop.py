#!/usr/bin/env python3
"""An agent loop on mnemo: store turns, compact old memory onto pages, and
build a VLM prompt (text parts + page images) within a token budget.

    PYTHONPATH=build/python /usr/bin/python3 python/examples/agent_loop.py
"""
import base64
import datetime
import sys
import tempfile

import mnemo

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


def main(path):
    now = datetime.datetime.now(datetime.timezone.utc)
    with mnemo.Store.open(path) as store:
        simulate_history(store, now)
        question = "What happened with order #1012?"
        remember(store, "chat-today", "user", question, now)
        result = store.compact()  # old turns become warm text and pages
        print(f"compacted: {result['records_paged']} records onto "
              f"{result['pages_written']} pages")
        hits = store.search(TENANT, "order 1012", agent=AGENT, k=3)
        for hit in hits:
            print(f"  hit {hit.score:.2f} [{hit.record.tier}] {hit.snippet}")
        ctx = store.context(TENANT, AGENT, query="order 1012",
                            token_budget=2000)
        messages = to_vlm_messages(ctx, question)
        print(f"context: {len(ctx.parts)} parts, {ctx.text_tokens} text + "
              f"{ctx.vision_tokens} vision tokens "
              f"({len(messages[0]['content'])} message parts)")
        tiers = store.tier_stats(TENANT)
        print("tiers:", {t: tiers[t]["records"]
                         for t in ("hot", "warm", "pixels", "decayed")})


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        main(sys.argv[1] if len(sys.argv) > 1 else tmp + "/memory")
