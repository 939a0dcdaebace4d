"""The package's own contract: its versions are the pom's, configure() adds Penrose to a builder without
dropping what is there, and the environment checks fail with a clear message."""

import os
import re
import xml.etree.ElementTree as ElementTree

import pytest
from pyspark.sql import SparkSession

import penrose
from penrose import _version

POM = os.path.join(os.path.dirname(__file__), "..", "..", "pom.xml")


def pom():
    root = ElementTree.parse(POM).getroot()
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    return root.find("m:version", ns).text, root.find("m:properties/m:spark.version", ns).text


def test_versions_are_the_poms():
    jar_version, spark_version = pom()
    assert _version.JAR_VERSION == jar_version and _version.SPARK_VERSION == spark_version
    # PEP 440 spelling of the Maven version: 0.1.0-SNAPSHOT -> 0.1.0.dev0
    assert penrose.__version__ == re.sub(r"-SNAPSHOT$", ".dev0", jar_version)
    assert os.path.basename(penrose.jar_path()) == f"penrose-{jar_version}.jar"


def test_configure_adds_the_jar_the_extension_and_the_plugin_and_keeps_what_is_set():
    builder = SparkSession.Builder()  # a fresh builder: the session fixture's is not touched
    builder.config("spark.jars", "/opt/other.jar").config("spark.sql.extensions", "com.example.Extensions")
    options = penrose.configure(builder)._options
    assert options["spark.jars"] == f"/opt/other.jar,{penrose.jar_path()}"
    assert options["spark.sql.extensions"] == f"com.example.Extensions,{penrose.EXTENSION}"
    assert options["spark.plugins"] == penrose.BLAS_PLUGIN
    assert options[penrose.QUIET_INPUT_ERRORS] == "true"
    again = penrose.configure(builder)._options  # idempotent
    assert again["spark.jars"].count(penrose.jar_path()) == 1


def test_a_connect_builder_is_left_as_it_is():
    builder = SparkSession.Builder().remote("sc://localhost:15002")
    assert "spark.jars" not in penrose.configure(builder)._options


def test_environment_checks_name_the_problem(monkeypatch, tmp_path):
    import pyspark

    assert penrose.check_environment()[1] >= 17
    monkeypatch.setattr(pyspark, "__version__", "3.5.1")
    with pytest.raises(penrose.PenroseError, match=r"built for Spark 4.2.x but PySpark is 3.5.1: pip install 'pyspark==4.2.0'"):
        penrose.check_environment()
    monkeypatch.setenv("PENROSE_JAR", str(tmp_path / "nope.jar"))
    with pytest.raises(penrose.MissingFileError, match="PENROSE_JAR=.*nope.jar is not a file"):
        penrose.jar_path()
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(penrose.PenroseError, match=r"Java 17 or later is needed \(JAVA_HOME=.* has no bin/java\)"):
        penrose._java_release()
