"""The session every test runs on: classic local[2] (built the way README tells users to), or, with
``--session connect``, a Spark Connect session to a ``jobs/penrose connect-server`` on loopback that
this run starts and stops. pyspark switches to Connect for the whole process once a remote session
exists, so the two kinds run in two pytest processes (python/test.sh)."""

import os
import re
import subprocess
import sys
import time

import numpy as np
import pytest

os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # Python workers run this interpreter
try:
    import penrose  # noqa: F401  (the installed package)
except ImportError:  # a source tree without `pip install ./python`
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def pytest_addoption(parser):
    parser.addoption("--session", choices=("classic", "connect"), default="classic",
                     help="run the tests on a classic session or over Spark Connect")


@pytest.fixture(scope="session")
def session_kind(request):
    return request.config.getoption("--session")


@pytest.fixture(scope="session")
def spark(session_kind, tmp_path_factory):
    from pyspark.sql import SparkSession

    import penrose

    if session_kind == "classic":
        session = (penrose.configure(SparkSession.builder.master("local[2]"))
                   .config("spark.ui.enabled", "false")
                   .config("spark.sql.shuffle.partitions", "4")
                   .config("spark.driver.extraJavaOptions", "-Xss16m")
                   .getOrCreate())
        session.sparkContext.setLogLevel("ERROR")
        yield session
        session.stop()
        return
    session = penrose.configure(SparkSession.builder.remote(request_url(tmp_path_factory))).getOrCreate()
    yield session
    session.stop()


_SERVER = {}


def request_url(tmp_path_factory):
    """sc://localhost:PORT of a jobs/penrose connect-server this run starts (once) and stops at exit."""
    if "url" not in _SERVER:
        log = tmp_path_factory.mktemp("connect") / "server.log"
        with open(log, "w") as out:
            server = subprocess.Popen([os.path.join(ROOT, "jobs", "penrose"), "--master", "local[2]",
                                       "connect-server", "--port", "0"], stdout=out, stderr=subprocess.STDOUT,
                                      cwd=ROOT)
        _SERVER["process"] = server
        _SERVER["url"] = f"sc://localhost:{_wait_for_port(server, log)}"
    return _SERVER["url"]


def pytest_sessionfinish(session, exitstatus):
    server = _SERVER.get("process")
    if server is not None:
        server.terminate()
        server.wait(timeout=60)


@pytest.fixture(scope="session")
def connect_url(spark, session_kind, tmp_path_factory):
    """The Connect server's URL (connect runs only)."""
    if session_kind != "connect":
        pytest.skip("runs over Spark Connect (pytest --session connect)")
    return request_url(tmp_path_factory)


def _wait_for_port(server, log, seconds=180):
    deadline = time.time() + seconds
    while time.time() < deadline:
        text = log.read_text()
        found = re.search(r"listening on sc://[^:]+:(\d+)", text)
        if found:
            return int(found.group(1))
        if server.poll() is not None:
            raise RuntimeError(f"connect-server exited with {server.returncode}:\n{text[-3000:]}")
        time.sleep(0.5)
    raise RuntimeError(f"connect-server did not start in {seconds} s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def classic_only(session_kind):
    """For tests that reach into the JVM (Py4J): they have no Connect counterpart."""
    if session_kind != "classic":
        pytest.skip("needs the JVM in this process (a classic session)")


def rank_deficient(m, n, r, seed):
    """A = X Y^T (m x n, rank r) and a rank-preserving direction dA = dX Y^T + X dY^T, with A(t)."""
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal((m, r)), rng.standard_normal((n, r))
    dx, dy = rng.standard_normal((m, r)), rng.standard_normal((n, r))

    def at(t):
        return (x + t * dx) @ (y + t * dy).T

    return at(0.0), dx @ y.T + x @ dy.T, at


def central_difference(f, h=1e-6):
    """(f(h) - f(-h)) / 2h."""
    return (f(h) - f(-h)) / (2 * h)
