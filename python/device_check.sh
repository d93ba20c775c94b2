#!/usr/bin/env bash
# python/device_check.sh: on a GPU machine, build the mnemo Python module
# with the CUDA backend and run the Python tests, so the CUDA DLPack tests
# and, when torch is installed (python3-torch), the encoder feed test on
# CUDA (test_embedder.py's [cuda] case: pinned pages fed to a torch module
# as CUDA tensors) run instead of skipping.
# Needs the full build's packages (tools/install_deps.sh) and nvcc; exits 2
# after the probe when they are missing (as on the current device image,
# which lacks librocksdb-dev, pybind11-dev, libdlpack-dev and torch).
#   usage: python/device_check.sh [build-dir]   (default build-py-device)
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build-py-device}
export PATH=/usr/local/cuda/bin:$PATH
echo "== probe"
nvidia-smi --query-gpu=name --format=csv,noheader 2>&1 | head -1
/usr/bin/python3 -c "import torch; print('torch', torch.__version__,
  torch.cuda.is_available())" 2>&1 | tail -1
missing=0
for h in rocksdb/db.h pybind11/pybind11.h dlpack/dlpack.h; do
  [[ -e /usr/include/$h ]] || { echo "missing /usr/include/$h"; missing=1; }
done
[[ $missing -eq 0 ]] || exit 2
GEN=()
command -v ninja >/dev/null && GEN=(-G Ninja)
T0=$SECONDS
cmake -S . -B "$BUILD" "${GEN[@]}" -DMNEMO_BUILD_BENCH=OFF \
  -DMNEMO_BUILD_TESTS=OFF -DMNEMO_WITH_CUDA=ON 2>&1 |
  grep -E "mnemo|Error" || true
cmake --build "$BUILD" -j16 --target mnemo_python 2>&1 | tail -3
echo "build: $((SECONDS - T0)) s"
PYTHONPATH=$BUILD/python timeout 120 /usr/bin/python3 -B -m pytest -q \
  -p no:cacheprovider -rs python/tests
rc=$?
echo "== encoder feed on CUDA (a skip says why it did not run)"
PYTHONPATH=$BUILD/python timeout 120 /usr/bin/python3 -B -m pytest -q \
  -p no:cacheprovider -rs "python/tests/test_embedder.py::test_texts_and_pages_end_to_end"
exit $(( rc != 0 ? rc : $? ))
