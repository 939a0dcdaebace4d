"""The JVM side of a classic session: Penrose's Python bridge (org.penrose.python.PythonBridge) and numpy buffers."""

import numpy as np

from penrose.errors import InvalidInputError, PenroseError

BRIDGE = "org.penrose.python.PythonBridge"


def is_connect(spark):
    """Whether ``spark`` is a Spark Connect session (no JVM in this process)."""
    return type(spark).__module__.startswith("pyspark.sql.connect")


def jvm(spark):
    """The JVM behind a classic session."""
    if is_connect(spark):
        raise PenroseError(
            "penrose.linalg needs a classic session (a JVM in this process); on Spark Connect use the SQL "
            "functions (penrose.functions) and penrose.ml, which run on the server"
        )
    return spark.sparkContext._jvm


def bridge(spark):
    """org.penrose.python.PythonBridge, checked to be on the driver's classpath."""
    j = jvm(spark)
    try:
        j.java.lang.Class.forName(BRIDGE, True, j.Thread.currentThread().getContextClassLoader())
    except Exception:
        raise PenroseError(
            "Penrose's jar is not on the driver's classpath: build the session with "
            "penrose.configure(SparkSession.builder) (or spark.jars=penrose.jar_path())"
        ) from None
    return _member(j, BRIDGE)


def active_bridge():
    """The bridge in the JVM of the active classic session, or None (for errors)."""
    from pyspark import SparkContext

    if SparkContext._jvm is None:
        return None
    return _member(SparkContext._jvm, BRIDGE)


def _member(j, name):
    member = j
    for part in name.split("."):
        member = getattr(member, part)
    return member


def to_bytes(array, name, ndim=(1, 2)):
    """A finite float64 numpy array as (bytes column-major, rows, cols); 1-D arrays are columns."""
    a = np.asarray(array)
    if a.dtype.kind not in "fiu":
        raise InvalidInputError(f"{name}: unsupported dtype {a.dtype} (expected a real number type)")
    if a.ndim not in ndim:
        raise InvalidInputError(f"{name}: expected a {' or '.join(f'{d}-D' for d in ndim)} array, got {a.ndim}-D")
    a = a.astype("<f8", copy=False)
    if not np.all(np.isfinite(a)):
        i = np.argwhere(~np.isfinite(a))[0]
        raise InvalidInputError(f"{name}: non-finite value {a[tuple(i)]} at {tuple(int(x) for x in i)}")
    matrix = a.reshape(-1, 1) if a.ndim == 1 else a
    return np.asfortranarray(matrix).tobytes(order="F"), matrix.shape[0], matrix.shape[1]
