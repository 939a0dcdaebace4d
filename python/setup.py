"""Puts Penrose's jar (built by `mvn -B -DskipTests package` in the repository root) into the package."""

import glob
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))


def _jar_version():
    namespace = {}
    with open(os.path.join(HERE, "penrose", "_version.py")) as f:
        exec(f.read(), namespace)
    return namespace["JAR_VERSION"]


class BuildWithJar(build_py):
    """build_py that puts ../target/penrose-<version>.jar into the built package's penrose/jars/ (a source
    distribution that already carries the jar in penrose/jars/ keeps it)."""

    def run(self):
        super().run()
        name = f"penrose-{_jar_version()}.jar"
        built = os.path.join(HERE, "..", "target", name)
        carried = os.path.join(HERE, "penrose", "jars", name)
        source = built if os.path.isfile(built) else carried
        if not os.path.isfile(source):
            raise SystemExit(f"penrose: {name} is not built: run `mvn -B -DskipTests package` in the repository "
                             "root first")
        jars = os.path.join(self.build_lib, "penrose", "jars")
        os.makedirs(jars, exist_ok=True)
        for old in glob.glob(os.path.join(jars, "*.jar")):
            os.remove(old)
        shutil.copy2(source, os.path.join(jars, name))


setup(cmdclass={"build_py": BuildWithJar})
