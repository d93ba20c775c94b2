#!/usr/bin/env bash
# ctest python_pip_reuse / python_pip_fresh: `pip install .` into a venv and
# use the INSTALLED package (not build/python).
#   pip_install.sh reuse PYTHON SOURCE_DIR BUILD_DIR
#       pip builds from the checkout reusing BUILD_DIR
#       (MNEMO_CMAKE_BUILD_DIR), then the whole pytest suite runs against
#       the installed package;
#   pip_install.sh fresh PYTHON SOURCE_DIR BUILD_DIR
#       pip builds BUILD_DIR/install-tests/clone, the fresh copy of the
#       checkout that ctest install_fresh_copy made (its tracked and
#       unignored files, as a clone has), with no build tree given, then
#       imports it and runs `python -m mnemo --help`.
# Exit 77 (ctest: skipped) with the reason when a tool is missing.
set -euo pipefail
mode=$1 python=$2 src=$3 build=$4
work="$build/install-tests/pip-$mode"
skip() { echo "SKIPPED: $*"; exit 77; }

"$python" -c "import venv, ensurepip" 2>/dev/null ||
  skip "$python has no venv/ensurepip (apt-get install python3-venv)"
"$python" -c "import setuptools, wheel, pip" 2>/dev/null ||
  skip "$python lacks setuptools/wheel/pip (apt-get install python3-setuptools python3-wheel python3-pip)"
command -v cmake >/dev/null || skip "cmake not found"

rm -rf "$work"
mkdir -p "$work"
t0=$SECONDS
"$python" -m venv --system-site-packages "$work/venv"
venv_py="$work/venv/bin/python"
pip=("$venv_py" -m pip install --no-build-isolation --no-index --no-deps
     --disable-pip-version-check -q)

if [[ $mode == reuse ]]; then
  MNEMO_CMAKE_BUILD_DIR="$build" "${pip[@]}" "$src"
else
  # The fresh copy of the checkout made by ctest install_fresh_copy.
  clone="$build/install-tests/clone"
  [[ -f $clone/setup.py ]] || skip "no fresh copy in $clone (ctest install_fresh_copy)"
  rm -rf "$clone/build-pip/cmake" "$clone/build-pip/setuptools"
  CCACHE_BASEDIR="$clone" CCACHE_NOHASHDIR=1 "${pip[@]}" "$clone"
fi
echo "pip install ($mode): $((SECONDS - t0)) s"

cd "$work"  # away from the source tree: only the installed package is found
env -u PYTHONPATH "$venv_py" - "$work/venv" <<'PY'
import sys, pathlib, mnemo
where = pathlib.Path(mnemo.__file__).resolve()
assert str(where).startswith(str(pathlib.Path(sys.argv[1]).resolve())), where
pkg = where.parent
for f in ("py.typed", "_mnemo.pyi", "cli.py", "__main__.py"):
    assert (pkg / f).is_file(), f"installed package lacks {f}"
print("import mnemo:", where)
PY
env -u PYTHONPATH "$venv_py" -m mnemo --help | grep -q "search" ||
  { echo "python -m mnemo --help does not list the verbs"; exit 1; }

if [[ $mode == reuse ]]; then
  env -u PYTHONPATH MNEMO_EXPECT_INSTALLED="$work/venv" \
    "$venv_py" -B -m pytest -q -p no:cacheprovider "$src/python/tests"
fi
echo "pip_install $mode: ok ($((SECONDS - t0)) s)"
