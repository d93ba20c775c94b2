#!/usr/bin/env bash
# Installs the Debian 12 packages mnemo needs to build, test and benchmark.
# Idempotent; run as root (or with sudo available).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ccache
  librocksdb-dev rocksdb-tools
  libzstd-dev libfreetype-dev libpng-dev zlib1g-dev
  fonts-dejavu-core fonts-dejavu-extra fonts-wqy-microhei
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev nlohmann-json3-dev libdlpack-dev libstemmer-dev
  libsqlite3-dev libicu-dev
  tesseract-ocr tesseract-ocr-eng libtesseract-dev libleptonica-dev
  python3 python3-dev python3-pil python3-numpy python3-pytest pybind11-dev
  clang libclang-rt-14-dev
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present"
  exit 0
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
