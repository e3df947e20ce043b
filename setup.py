"""Builds the tegenmacht Python package: CMake compiles tegenmacht._core against
the running interpreter, setuptools packages it with the pure-Python modules."""

import os
import pathlib
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = pathlib.Path(__file__).resolve().parent


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = pathlib.Path(self.build_temp).resolve() / "cmake"
        package_dir = build_dir / "python"
        env = dict(os.environ, CCACHE_BASEDIR=str(ROOT))
        subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release",
                        "-DTEGENMACHT_PYTHON=ON", "-DTEGENMACHT_TESTS=OFF", "-DTEGENMACHT_BENCH=OFF",
                        f"-DPython3_EXECUTABLE={sys.executable}", f"-DTEGENMACHT_PYTHON_DIR={package_dir}"],
                       check=True, env=env)
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "tegenmacht_python",
                        "-j", str(os.cpu_count() or 1)], check=True, env=env)
        built = next((package_dir / "tegenmacht").glob("_core*.so"))
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, target)
        # the shipped scenarios travel with the package (tgm.Scenario.builtin, tgm.scenarios)
        shutil.copytree(ROOT / "scenarios", target.parent / "scenarios", dirs_exist_ok=True)


setup(
    packages=["tegenmacht"],
    package_dir={"tegenmacht": "bindings/python/tegenmacht"},
    package_data={"tegenmacht": ["py.typed", "*.pyi"]},
    ext_modules=[CMakeExtension("tegenmacht._core")],
    cmdclass={"build_ext": CMakeBuild},
    zip_safe=False,
)
