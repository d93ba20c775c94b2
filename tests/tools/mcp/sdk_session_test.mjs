// Copyright (c) mnemo authors.
//
// Drives `mnemo mcp` with the official MCP TypeScript SDK client over the
// stdio transport, in three whole sessions on one store:
//   1. tenant t1: initialize, list tools, call every tool with good and bad
//      arguments, list resources (none yet);
//   then `mnemo compact` moves the old records onto pages;
//   2. tenant t1 again: list and read page resources (PNG blob, manifest),
//      context with page images, recall/get of records now on pages;
//   3. tenant t2: sees nothing of t1 (records, sessions, pages).
// Usage: node sdk_session_test.mjs MNEMO_BINARY WORK_DIR
// Run by run_sdk_test.sh, which installs the SDK beside this file.

import { execFileSync } from "node:child_process";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [mnemo, work] = process.argv.slice(2);
const db = `${work}/db`;
let checks = 0;

function check(cond, what, detail) {
  if (!cond) {
    throw new Error(`FAILED: ${what}` + (detail === undefined ? "" : `: ${JSON.stringify(detail)}`));
  }
  ++checks;
}

async function connect(tenant) {
  const transport = new StdioClientTransport({
    command: mnemo, args: ["mcp", "--db", db, "--tenant", tenant], stderr: "inherit"});
  const client = new Client({ name: "mnemo-sdk-test", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

// Calls a tool; returns [isError, parsed JSON of the first text part or the text].
async function call(client, name, args) {
  const r = await client.callTool({ name, arguments: args });
  const text = r.content[0]?.text ?? "";
  let value = text;
  if (!r.isError) value = JSON.parse(text);
  return [r.isError === true, value, r];
}

async function expectToolError(client, name, args, pattern) {
  const [isError, text] = await call(client, name, args);
  check(isError && pattern.test(text), `${name} ${JSON.stringify(args)} fails naming ${pattern}`, text);
}

async function expectRpcError(promise, code, what) {
  try {
    await promise;
  } catch (e) {
    check(e.code === code, `${what}: JSON-RPC error ${code}`, { code: e.code, message: e.message });
    return;
  }
  check(false, `${what}: rejected`);
}

function isPng(base64) {
  const bytes = Buffer.from(base64, "base64");
  return bytes.length > 8 && bytes.subarray(0, 8).equals(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
}

async function sessionOne() {
  const c = await connect("t1");
  check(c.getServerVersion()?.name === "mnemo", "serverInfo.name", c.getServerVersion());
  const caps = c.getServerCapabilities();
  check(caps?.tools && caps?.resources, "tools and resources capabilities", caps);
  const { tools } = await c.listTools();
  const names = tools.map((t) => t.name).sort();
  check(JSON.stringify(names) === JSON.stringify(
      ["context", "forget", "get", "list_sessions", "recall", "remember"]), "tool names", names);
  for (const t of tools) check(t.inputSchema?.type === "object", `${t.name} inputSchema`, t.inputSchema);

  // remember: 12 old records (they will be paged) and 2 recent ones.
  const ids = [];
  for (let i = 0; i < 12; ++i) {
    const [err, r] = await call(c, "remember", {
      agent: "coder", session: "s1", role: i % 2 ? "assistant" : "user",
      text: `old note ${i}: the lighthouse keeper logged wind from the north`,
      time: `2024-05-12T00:00:${String(i).padStart(2, "0")}Z`, importance: 0 });
    check(!err && /^[0-9]+$/.test(r.id), "remember returns an id", r);
    ids.push(r.id);
  }
  for (const text of ["fresh turn about the harbour", "fresh reply about the lighthouse"]) {
    const [err] = await call(c, "remember", { agent: "coder", session: "s2", text,
                                              time: "2024-05-31T23:00:00Z" });
    check(!err, "remember recent");
  }
  await expectToolError(c, "remember", { agent: "coder", session: "s1" }, /'text' is required/);
  await expectToolError(c, "remember", { agent: "coder", session: "s1", text: "x", importance: 2 }, /importance.*must be a number from 0 to 1/);
  await expectToolError(c, "remember", { agent: "coder", session: "s1", text: "x", importance: 1e300 }, /importance/);
  await expectToolError(c, "remember", { agent: "coder", session: "s1", text: "x", time: "yesterday" }, /'time'/);
  await expectToolError(c, "remember", { agent: "coder", session: "s1", text: 5 }, /'text' must be a string/);
  await expectToolError(c, "remember", { tenant: "t2", agent: "a", session: "s", text: "x" }, /tenant/);

  // recall with filters.
  // 13 records say it; the harbour turn matches through its neighbour, the
  // lighthouse reply of its session (neighbour context, RankingOptions).
  let [err, r] = await call(c, "recall", { query: "lighthouse" });
  check(!err && r.hits.length === 10 && r.matched === 14, "recall lighthouse: 10 of 14", r.matched);
  [err, r] = await call(c, "recall", { query: "lighthouse", session: "s2" });
  check(!err && r.hits.length === 2 && r.hits.every((h) => h.session === "s2") &&
        r.hits[0].text === "fresh reply about the lighthouse", "recall session filter", r);
  [err, r] = await call(c, "recall", { query: "lighthouse", limit: 3 });
  check(!err && r.hits.length === 3, "recall limit", r.hits.length);
  [err, r] = await call(c, "recall", { query: "lighthouse", since: "2024-05-20T00:00:00Z" });
  check(!err && r.hits.length === 2 && r.hits.every((h) => h.time === "2024-05-31T23:00:00Z"),
        "recall since", r);
  [err, r] = await call(c, "recall", { query: "lighthouse", until: "2024-05-12T00:00:05Z" });
  check(!err && r.hits.length === 5, "recall until", r.hits.length);
  [err, r] = await call(c, "recall", { query: "lighthouse", agent: "nobody" });
  check(!err && r.hits.length === 0, "recall other agent", r);
  await expectToolError(c, "recall", {}, /'query' is required/);
  await expectToolError(c, "recall", { query: "x", limit: 0 }, /'limit' must be an integer from 1 to 100/);
  await expectToolError(c, "recall", { query: "x", since: "soon" }, /'since'/);

  // get / forget.
  [err, r] = await call(c, "get", { id: ids[3] });
  check(!err && r.id === ids[3] && r.text.startsWith("old note 3:") && r.tier === "hot", "get", r);
  await expectToolError(c, "get", { id: "abc" }, /'id' must be a record id/);
  await expectToolError(c, "get", { id: "-1" }, /'id' must be a record id/);
  await expectToolError(c, "get", {}, /'id' is required/);
  await expectToolError(c, "get", { id: "999999" }, /NotFound.*record 999999/);
  const [, extra] = await call(c, "remember", { agent: "coder", session: "s1", text: "to be forgotten" });
  [err, r] = await call(c, "forget", { id: extra.id });
  check(!err && r.forgotten === extra.id, "forget", r);
  await expectToolError(c, "get", { id: extra.id }, /NotFound/);
  await expectToolError(c, "forget", { id: extra.id }, /NotFound/);

  // list_sessions.
  [err, r] = await call(c, "list_sessions", {});
  check(!err && JSON.stringify(r.sessions.map((s) => s.session)) === '["s1","s2"]', "list_sessions", r);
  [err, r] = await call(c, "list_sessions", { agent: "other" });
  check(!err && r.sessions.length === 0, "list_sessions agent filter", r);
  await expectToolError(c, "list_sessions", { agent: 7 }, /'agent' must be a string/);

  // context before compaction: text only, within budget.
  [err, r] = await call(c, "context", { agent: "coder", query: "lighthouse", budget: 2000 });
  check(!err && r.total_tokens > 0 && r.total_tokens <= 2000, "context within budget", r);
  await expectToolError(c, "context", { query: "x" }, /'agent' is required/);
  await expectToolError(c, "context", { agent: "coder", budget: 0 }, /'budget'/);
  await expectToolError(c, "context", { agent: "coder", profile: "no-such-profile" }, /profile/i);

  await expectRpcError(c.callTool({ name: "no_such_tool", arguments: {} }), -32602, "unknown tool");
  const { resources } = await c.listResources();
  check(resources.length === 0, "no pages before compaction", resources);
  await c.ping();
  await c.close();
  return ids;
}

function compact() {
  // The closed server may still be releasing the store's lock: retry briefly.
  for (let attempt = 0; ; ++attempt) {
    try {
      execFileSync(mnemo, ["compact", "--db", db, "--now", "2024-06-01T00:00:00Z"], { stdio: "pipe" });
      return;
    } catch (e) {
      if (attempt >= 50) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
}

async function sessionTwo(ids) {
  const c = await connect("t1");
  const { resources } = await c.listResources();
  check(resources.length >= 1, "pages after compaction", resources);
  const page = resources[0];
  check(/^mnemo:\/\/page\/[0-9]+$/.test(page.uri) && page.mimeType === "image/png", "page resource", page);
  const read = await c.readResource({ uri: page.uri });
  const blob = read.contents[0];
  check(blob.mimeType === "image/png" && isPng(blob.blob), "page blob is a PNG", blob.mimeType);
  const manifest = await c.readResource({ uri: `${page.uri}/manifest` });
  check(manifest.contents[0].text.includes("lighthouse keeper"), "page manifest holds the text");
  const { resourceTemplates } = await c.listResourceTemplates();
  check(resourceTemplates.some((t) => t.uriTemplate === "mnemo://page/{id}"), "page template", resourceTemplates);
  await expectRpcError(c.readResource({ uri: "mnemo://page/999999999" }), -32002, "missing page");
  await expectRpcError(c.readResource({ uri: "file:///etc/passwd" }), -32602, "foreign uri");

  let [err, r] = await call(c, "get", { id: ids[0] });
  check(!err && (r.tier === "pixels" || r.tier === "decayed") && r.page?.startsWith("mnemo://page/"),
        "old record is on a page", r);
  [err, r] = await call(c, "recall", { query: "lighthouse", session: "s1", limit: 20 });
  check(!err && r.hits.length === 12 && r.hits.every((h) => h.page), "recall finds paged records", r.matched);

  let raw;
  [err, r, raw] = await call(c, "context", { agent: "coder", query: "lighthouse keeper wind", budget: 20000 });
  const images = raw.content.filter((p) => p.type === "image");
  check(!err && images.length >= 1 && images.every((p) => p.mimeType === "image/png" && isPng(p.data)),
        "context carries page images", r);
  check(r.vision_tokens > 0 && r.total_tokens <= 20000, "context counts vision tokens", r);
  [err, r, raw] = await call(c, "context", { agent: "coder", query: "lighthouse", text_only: true });
  check(!err && raw.content.every((p) => p.type === "text") && r.vision_tokens === 0, "text_only context", r);
  await c.close();
}

async function sessionOtherTenant(ids) {
  const c = await connect("t2");
  let [err, r] = await call(c, "list_sessions", {});
  check(!err && r.sessions.length === 0, "t2 sees no sessions", r);
  [err, r] = await call(c, "recall", { query: "lighthouse" });
  check(!err && r.hits.length === 0, "t2 finds nothing", r);
  await expectToolError(c, "get", { id: ids[0] }, /NotFound/);
  await expectToolError(c, "forget", { id: ids[0] }, /NotFound/);
  const { resources } = await c.listResources();
  check(resources.length === 0, "t2 sees no pages", resources);
  await expectRpcError(c.readResource({ uri: "mnemo://page/1" }), -32002, "t2 cannot read pages");
  await c.close();
}

const ids = await sessionOne();
compact();
await sessionTwo(ids);
await sessionOtherTenant(ids);
console.log(`mcp sdk session test: ${checks} checks passed`);
