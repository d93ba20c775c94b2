#!/bin/sh
# Runs sdk_session_test.mjs against `mnemo mcp` with the official MCP
# TypeScript SDK, installed with npm into CACHE_DIR on first use.
# Exits 77 (ctest SKIP_RETURN_CODE) with the reason when Node.js, npm or the
# package cannot be had (e.g. no network in CI).
# Usage: run_sdk_test.sh MNEMO_BINARY CACHE_DIR
set -u
mnemo=$1 cache=$2
here=$(cd "$(dirname "$0")" && pwd)
skip() { echo "SKIP: $*"; exit 77; }
# A build of some targets only (the TSAN stage of .ci/run) has no mnemo.
[ -x "$mnemo" ] || skip "$mnemo was not built in this build tree"
command -v node >/dev/null 2>&1 || skip "node not found"
command -v npm >/dev/null 2>&1 || skip "npm not found"
mkdir -p "$cache" || skip "cannot create $cache"
if [ ! -f "$cache/node_modules/@modelcontextprotocol/sdk/package.json" ]; then
  if ! timeout 300 npm install --no-audit --no-fund --loglevel=error \
      --fetch-retries=1 --fetch-timeout=60000 \
      --prefix "$cache" "@modelcontextprotocol/sdk@^1" >"$cache/npm.log" 2>&1; then
    cat "$cache/npm.log"
    skip "npm install @modelcontextprotocol/sdk failed (no registry access?)"
  fi
fi
echo "SDK $(node -p "require('$cache/node_modules/@modelcontextprotocol/sdk/package.json').version"), node $(node --version)"
# ESM resolves packages from the script's directory: run a copy in the cache.
cp "$here/sdk_session_test.mjs" "$cache/" || exit 1
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
node "$cache/sdk_session_test.mjs" "$mnemo" "$work"
