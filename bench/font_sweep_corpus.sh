#!/usr/bin/env bash
# Gathers the mnemo-font-sweep corpus from texts nobody in this project wrote:
#   tech-*.txt   Markdown READMEs of npm packages (URLs, code, identifiers),
#                Debian changelogs (versions, addresses, bug numbers), a man
#                page, dpkg log lines, sha256 hashes with paths, package.json
#   prose-*.txt  the GPL-3 and Apache-2.0 license texts (running prose)
#   emoji_lines.txt  emoji-bearing README/CHANGELOG lines (not swept: OCR
#                cannot read emoji; render it with --render to look at it)
# Usage: bench/font_sweep_corpus.sh OUT_DIR   (needs npm for the READMEs;
# without it the tech class is the Debian texts alone)
set -euo pipefail
out=${1:?usage: font_sweep_corpus.sh OUT_DIR}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if command -v npm >/dev/null; then
  (cd "$tmp" && npm pack --silent zx vitest release-it ora consola >/dev/null 2>&1) || true
  for t in "$tmp"/*.tgz; do
    [ -e "$t" ] || continue
    name=$(basename "$t" .tgz)
    mkdir -p "$tmp/$name" && tar xzf "$t" -C "$tmp/$name"
    [ -f "$tmp/$name/package/README.md" ] &&
      head -c 20000 "$tmp/$name/package/README.md" > "$out/tech-readme-$name.txt"
    [ -f "$tmp/$name/package/package.json" ] &&
      cp "$tmp/$name/package/package.json" "$out/tech-json-$name.txt"
  done
  cat "$tmp"/*/package/{README,CHANGELOG}.md 2>/dev/null |
    grep -P '[\x{1F000}-\x{1FAFF}\x{2600}-\x{27BF}]' > "$out/emoji_lines.txt" || true
fi
zcat /usr/share/doc/libzstd1/changelog.Debian.gz /usr/share/doc/git/changelog.Debian.gz \
  2>/dev/null | head -c 20000 > "$out/tech-changelog.txt" || true
MANWIDTH=100 man -P cat tar 2>/dev/null | head -c 20000 > "$out/tech-man-tar.txt" || true
tail -n 300 /var/log/dpkg.log > "$out/tech-dpkg-log.txt" 2>/dev/null || true
find /usr/share/doc -maxdepth 2 -name copyright | sort | head -120 |
  xargs sha256sum > "$out/tech-sha256.txt"
sed -n '/Preamble/,$p' /usr/share/common-licenses/GPL-3 | head -c 30000 > "$out/prose-gpl3.txt"
sed -n '/TERMS AND CONDITIONS/,$p' /usr/share/common-licenses/Apache-2.0 | head -c 20000 \
  > "$out/prose-apache2.txt"
find "$out" -empty -delete
ls -l "$out"
