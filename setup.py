"""Builds mnemo's Python extension (mnemo._mnemo) through CMake for pip.

Metadata lives in pyproject.toml. The CMake build tree is
  - $MNEMO_CMAKE_BUILD_DIR when set (an existing tree, e.g. `build`: only
    the extension target is brought up to date; it must have been configured
    for this interpreter's Python version), else
  - build-pip/cmake in the checkout, configured here (Release, no tests or
    benchmarks; ccache when installed), kept for the next install.
$MNEMO_BUILD_JOBS sets the parallel jobs (default 2).
"""
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


def _run(cmd, env=None):
    print("mnemo setup:", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, env=env)


def _configure(build_dir: Path, env) -> None:
    cmd = ["cmake", "-S", ROOT, "-B", build_dir,
           "-DCMAKE_BUILD_TYPE=Release", "-DMNEMO_BUILD_TESTS=OFF",
           "-DMNEMO_BUILD_BENCH=OFF", "-DMNEMO_BUILD_PYTHON=ON",
           f"-DPython3_EXECUTABLE={sys.executable}"]
    if shutil.which("ninja"):
        cmd += ["-G", "Ninja"]
    if shutil.which("ccache"):
        cmd += ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache",
                "-DCMAKE_C_COMPILER_LAUNCHER=ccache"]
    _run(cmd, env)


class CMakeBuild(build_ext):
    """build_ext that builds the CMake target mnemo_python and copies it."""

    def build_extension(self, ext: Extension) -> None:
        if shutil.which("cmake") is None:
            sys.exit("mnemo setup: cmake not found (tools/install_deps.sh)")
        env = dict(os.environ)
        # ccache keys on paths relative to the checkout.
        env.setdefault("CCACHE_BASEDIR", str(ROOT))
        env.setdefault("CCACHE_NOHASHDIR", "1")
        given = os.environ.get("MNEMO_CMAKE_BUILD_DIR")
        build_dir = Path(given).resolve() if given else ROOT / "build-pip" / "cmake"
        if given and not (build_dir / "CMakeCache.txt").is_file():
            sys.exit(f"mnemo setup: MNEMO_CMAKE_BUILD_DIR={given}: "
                     "not a configured CMake build tree")
        if not given:
            _configure(build_dir, env)
        jobs = os.environ.get("MNEMO_BUILD_JOBS", "2")
        _run(["cmake", "--build", build_dir, "-j", jobs,
              "--target", "mnemo_python"], env)
        suffix = sysconfig.get_config_var("EXT_SUFFIX")
        built = build_dir / "python" / "mnemo" / f"_mnemo{suffix}"
        if not built.is_file():
            sys.exit(f"mnemo setup: {built} missing: the build tree was made "
                     f"for another Python (this one wants *{suffix}) or "
                     "without pybind11-dev/python3-dev")
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, target)


setup(ext_modules=[Extension("mnemo._mnemo", sources=[])],
      cmdclass={"build_ext": CMakeBuild})
