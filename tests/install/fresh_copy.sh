#!/usr/bin/env bash
# ctest install_fresh_copy (fixture of install_add_subdirectory and
# python_pip_fresh): copies what a fresh clone of the checkout holds (its
# tracked files plus new unignored ones, no build trees) to DEST.
#   fresh_copy.sh SOURCE_DIR DEST
# Outside a git checkout (an unpacked tarball) it copies the tree without
# its build trees (/build*/, as .gitignore names them) and egg-info.
# Both users build in DEST/build-pip/<name> with the same flags (Release),
# so with ccache the second compiles nothing the first did.
set -euo pipefail
src=$1 dest=$2
rm -rf "$dest"
mkdir -p "$dest"
if git -C "$src" rev-parse >/dev/null 2>&1; then
  (cd "$src" && git ls-files -co --exclude-standard -z |
     xargs -0 tar -cf - --ignore-failed-read) | tar -xf - -C "$dest"
else
  (cd "$src" && tar -cf - --exclude='./build*' --exclude='*.egg-info' \
     --exclude=./.git .) | tar -xf - -C "$dest"
fi
echo "fresh copy: $(find "$dest" -type f | wc -l) files in $dest"
