#!/usr/bin/env bash
# Installs the Debian 12 packages mnemo needs to build, test and benchmark.
# Idempotent; run as root (or with sudo available).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ccache
  librocksdb-dev rocksdb-tools
  libzstd-dev libfreetype-dev libpng-dev libdeflate-dev zlib1g-dev
  fonts-dejavu-core fonts-dejavu-extra fonts-wqy-microhei
  fonts-symbola fonts-unifont
  fonts-noto-core fonts-noto-mono fonts-hack fonts-jetbrains-mono fonts-inter
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev nlohmann-json3-dev libdlpack-dev libstemmer-dev
  libsqlite3-dev libicu-dev
  tesseract-ocr tesseract-ocr-eng libtesseract-dev libleptonica-dev
  python3 python3-dev python3-pil python3-numpy python3-pytest pybind11-dev
  python3-venv python3-pip python3-setuptools python3-wheel
  python3-torch
  clang libclang-rt-14-dev
  # Cluster mode (issue 18): librados for the engine, a local test cluster.
  ceph-mon ceph-osd ceph-common libradospp-dev uuid-runtime
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present"
else
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Tokenizer vocabularies for real text-token counts: js-tiktoken 1.0.21 (MIT),
# the JavaScript port of tiktoken, ships dist/ranks/{o200k_base,cl100k_base,
# p50k_base,r50k_base,gpt2}.js, which codec::Tokenizer::Open reads; the tests
# also run it under node as the reference implementation. Installed into
# $MNEMO_VOCAB_DIR (default /var/cache/mnemo/vocab). A registry that cannot be
# reached costs the real-vocabulary tests (they skip) and nothing else.
VOCAB_DIR="${MNEMO_VOCAB_DIR:-/var/cache/mnemo/vocab}"
VOCAB_PKG="js-tiktoken@1.0.21"
if [ -f "$VOCAB_DIR/node_modules/js-tiktoken/dist/ranks/o200k_base.js" ]; then
  echo "setup: vocabularies present in $VOCAB_DIR"
elif command -v npm >/dev/null 2>&1; then
  $SUDO mkdir -p "$VOCAB_DIR"
  if $SUDO timeout 300 npm install --no-audit --no-fund --save-exact \
      --prefix "$VOCAB_DIR" "$VOCAB_PKG" >/dev/null 2>&1; then
    echo "setup: $VOCAB_PKG installed in $VOCAB_DIR"
  else
    echo "setup: WARNING: could not fetch $VOCAB_PKG; tokenizer tests that need a real vocabulary will skip"
  fi
else
  echo "setup: WARNING: npm missing (install Node.js with npm); no tokenizer vocabulary, tests skip"
fi
