"""Penrose for PySpark: the Moore-Penrose pseudo-inverse and minimum-norm least squares of distributed
matrices, with exact derivatives (JVP and VJP) that stay correct for rank-deficient matrices.

    from pyspark.sql import SparkSession
    import penrose
    from penrose import linalg, functions as pf
    spark = penrose.configure(SparkSession.builder.master("local[2]")).getOrCreate()

``penrose.configure`` adds Penrose's jar (carried by this package), its SQL extension and the executor
BLAS plugin to a session builder; ``penrose.linalg`` solves distributed problems (numpy results),
``penrose.functions`` are Column functions on matrices held in rows, ``penrose.ml`` the spark.ml stages.
"""

import os
import re
import shutil
import subprocess

from penrose._version import JAR_VERSION, JAVA_RELEASE, SPARK_VERSION, __version__
from penrose.errors import InvalidInputError, MissingFileError, PenroseError

__all__ = [
    "configure", "jar_path", "check_environment", "PenroseError", "InvalidInputError", "MissingFileError",
    "__version__", "SPARK_VERSION",
]

EXTENSION = "org.penrose.sql.PenroseExtensions"
BLAS_PLUGIN = "org.penrose.engine.BlasPlugin"
QUIET_INPUT_ERRORS = "spark.penrose.quietInputErrors"  # org.penrose.engine.TaskErrorLogFilter.SETTING


def jar_path():
    """Penrose's jar: ``$PENROSE_JAR`` when set, else the one inside this package (a wheel or
    ``pip install`` carries it), else ``target/`` of the source tree this package sits in."""
    explicit = os.environ.get("PENROSE_JAR")
    if explicit:
        if not os.path.isfile(explicit):
            raise MissingFileError(f"PENROSE_JAR={explicit} is not a file")
        return os.path.abspath(explicit)
    here = os.path.dirname(os.path.abspath(__file__))
    name = f"penrose-{JAR_VERSION}.jar"
    for candidate in (os.path.join(here, "jars", name), os.path.join(here, "..", "..", "target", name)):
        if os.path.isfile(candidate):
            return os.path.abspath(candidate)
    raise MissingFileError(
        f"{name} is neither in this package ({os.path.join(here, 'jars')}) nor in the source tree's target/: "
        "build it with `mvn -B -DskipTests package` and reinstall (pip install ./python), or set PENROSE_JAR"
    )


def check_environment():
    """Checks the PySpark and Java versions Penrose's jar needs; returns (pyspark version, java release)."""
    import pyspark

    wanted = SPARK_VERSION.split(".")[:2]
    have = pyspark.__version__.split(".")[:2]
    if have != wanted:
        raise PenroseError(
            f"Penrose {__version__} is built for Spark {'.'.join(wanted)}.x but PySpark is {pyspark.__version__}: "
            f"pip install 'pyspark=={SPARK_VERSION}'"
        )
    return pyspark.__version__, _java_release()


def _java_release():
    java_home = os.environ.get("JAVA_HOME")
    java = os.path.join(java_home, "bin", "java") if java_home else shutil.which("java")
    if not java or not os.path.exists(java):
        where = f"JAVA_HOME={java_home} has no bin/java" if java_home else "no java on PATH and JAVA_HOME unset"
        raise PenroseError(f"Java {JAVA_RELEASE} or later is needed ({where})")
    out = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not match:
        raise PenroseError(f"cannot read the Java version of {java}: {out.strip()[:200]}")
    release = int(match.group(1)) if match.group(1) != "1" else int(match.group(2))
    if release < JAVA_RELEASE:
        raise PenroseError(f"Spark {SPARK_VERSION} and Penrose need Java {JAVA_RELEASE} or later; {java} is Java {release}")
    return release


def _appended(builder, key, value, separator=","):
    existing = getattr(builder, "_options", {}).get(key)
    if not existing:
        return value
    parts = [p.strip() for p in str(existing).split(separator)]
    return existing if value in parts else f"{existing}{separator}{value}"


def configure(builder, *, jar=None, extensions=True, blas_plugin=True, check=True):
    """Adds Penrose to a ``SparkSession.Builder`` and returns it (call ``.getOrCreate()`` on it).

    On a classic session: ``spark.jars`` += the jar (:func:`jar_path`), ``spark.sql.extensions`` +=
    ``org.penrose.sql.PenroseExtensions`` (the SQL functions and ``lstsq_agg``; with
    ``spark.penrose.quietInputErrors=true`` Spark's log lines about a task that failed on bad input are
    left out: the Python exception reports it), ``spark.plugins`` +=
    ``org.penrose.engine.BlasPlugin`` (the executors load the same BLAS/LAPACK as the driver). Settings
    already on the builder are kept. A Spark Connect builder (``.remote(...)``) is returned as it is:
    the server must have been started with Penrose (``jobs/penrose connect-server``).
    On a cluster, ship the same jar with ``--jars`` (``python -m penrose jar`` prints its path).
    """
    options = getattr(builder, "_options", {})
    if "spark.remote" in options or os.environ.get("SPARK_REMOTE"):
        return builder
    if check:
        check_environment()
    jar = jar or jar_path()
    builder = builder.config("spark.jars", _appended(builder, "spark.jars", jar))
    if extensions:
        builder = builder.config("spark.sql.extensions", _appended(builder, "spark.sql.extensions", EXTENSION))
        # a task's bad-input failure is reported once, by the Python exception, not also as Spark's task logs
        builder = builder.config(QUIET_INPUT_ERRORS, "true")
    if blas_plugin:
        builder = builder.config("spark.plugins", _appended(builder, "spark.plugins", BLAS_PLUGIN))
    return builder
