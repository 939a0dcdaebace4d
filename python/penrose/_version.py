"""Versions: Penrose's own (the jar's, in PEP 440 spelling) and the Spark it is built against."""

__version__ = "0.1.0.dev0"
#: The jar's Maven version (pom.xml).
JAR_VERSION = "0.1.0-SNAPSHOT"
#: The Spark release the jar is compiled against (pom.xml's spark.version): PySpark must match its minor version.
SPARK_VERSION = "4.2.0"
#: The lowest Java release Spark 4 and Penrose run on.
JAVA_RELEASE = 17
