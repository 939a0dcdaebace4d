package org.penrose.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.penrose.io.NpyFile;
import org.penrose.matrix.DoubleMatrix;

/**
 * Hostile inputs through {@code jobs/penrose} itself, stderr to a file as in a batch job: each is
 * exactly one line, {@code penrose: error: ...} naming the problem, exit status 1, and no output
 * file; Spark's task-failure logs (executor stack traces, lost tasks, block-manager notes) do not
 * appear. A good run prints nothing on stderr and a few plain lines on stdout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LauncherIT {
  @TempDir static Path dir;

  private static final String NPY = "src/test/resources/npy/";

  @BeforeAll
  void inputs() throws IOException {
    DoubleMatrix nan = DoubleMatrix.zeros(100, 5);
    for (int i = 0; i < 100; i++) {
      for (int j = 0; j < 5; j++) {
        nan.set(i, j, Math.sin(i + 7.0 * j));
      }
    }
    nan.set(3, 2, Double.NaN);
    NpyFile.write(dir.resolve("nan.npy"), nan);
    NpyFile.write(dir.resolve("A3.npy"), DoubleMatrix.identity(3));
    NpyFile.write(dir.resolve("B4.npy"), DoubleMatrix.zeros(4, 1));
    NpyFile.write(dir.resolve("zero.npy"), DoubleMatrix.zeros(4, 3));
    Files.writeString(dir.resolve("inf.mtx"), "%%MatrixMarket matrix coordinate real general\n3 2 2\n1 1 1.0\n2 2 inf\n");
    Files.writeString(dir.resolve("bad.mtx"), "%%MatrixMarket matrix coordinate real general\n3 2 2\n1 1 1.0\n2 x 2.0\n");
    Files.writeString(dir.resolve("huge.mtx"), "%%MatrixMarket matrix coordinate real general\n3 1000000000 2\n1 1 1.0\n2 5 2.0\n");
    Files.writeString(dir.resolve("ragged.csv"), "x1,x2,y\n1,2,3\n4,5\n7,8,9\n");
    Files.writeString(dir.resolve("empty-cell.csv"), "x1,x2,y\n1,2,3\n4,,6\n7,8,9\n1,1,1\n");
    Files.writeString(dir.resolve("empty.npy"), "");
    NpyFile.write(dir.resolve("b3.npy"), DoubleMatrix.zeros(3, 1));
  }

  Stream<Arguments> hostileInputs() {
    String d = dir + "/";
    return Stream.of(
        Arguments.of("NaN in a row", List.of("pinv", "--input", d + "nan.npy", "--output", d + "P.npy"),
            "nan.npy: row 3 has a non-finite value NaN in column 2"),
        Arguments.of("Inf in a Matrix Market entry", List.of("pinv", "--input", d + "inf.mtx", "--output", d + "P.npy"),
            "inf.mtx, line 4: not a finite decimal number: 'inf'"),
        Arguments.of("corrupt Matrix Market entry", List.of("pinv", "--input", d + "bad.mtx", "--output", d + "P.npy"),
            "bad.mtx, line 4: column index is not an integer: 'x'"),
        Arguments.of("wrong dtype", List.of("pinv", "--input", NPY + "bad_complex.npy", "--output", d + "P.npy"),
            "unsupported dtype '<c16'"),
        Arguments.of("truncated .npy", List.of("lstsq", "--input", NPY + "bad_truncated.npy", "--rhs", d + "b3.npy",
            "--output", d + "P.npy"), "truncated .npy data"),
        Arguments.of("corrupt .npy header", List.of("pinv", "--input", NPY + "bad_header_syntax.npy", "--output", d + "P.npy"),
            "corrupt .npy header"),
        Arguments.of("absurd .npy shape", List.of("pinv", "--input", NPY + "bad_absurd_shape.npy", "--output", d + "P.npy"),
            "1000000000000"),
        Arguments.of("empty file", List.of("pinv", "--input", d + "empty.npy", "--output", d + "P.npy"),
            "empty.npy: not a .npy file (only 0 bytes, no complete header)"),
        Arguments.of("misaligned right-hand side", List.of("lstsq", "--input", d + "A3.npy", "--rhs", d + "B4.npy",
            "--output", d + "P.npy"), "shape mismatch: " + d + "B4.npy is 4 x 1 but must have as many rows as A, which is 3 x 3"),
        Arguments.of("absurd Matrix Market size line", List.of("lstsq", "--input", d + "huge.mtx", "--rhs", d + "b3.npy",
            "--output", d + "P.npy"), "LSMR over 1000000000 columns keeps about"),
        Arguments.of("ragged CSV row", List.of("regress", "--input", d + "ragged.csv", "--label", "y", "--report", d + "P.npy"),
            "the label column 'y' has a NULL value"),
        Arguments.of("empty CSV cell", List.of("regress", "--input", d + "empty-cell.csv", "--label", "y", "--report",
            d + "P.npy"), "the features column 'features' has a non-finite value NaN at position 1 ('x2')"),
        Arguments.of("a label that is not a column", List.of("regress", "--input", "data/tabular/CASP.csv",
            "--label", "RMSD", "--report", d + "P.npy"), "no column 'RMSD' (columns: y, F1"),
        Arguments.of("absurd --partitions", List.of("pinv", "--input", d + "A3.npy", "--partitions", "2000000000",
            "--output", d + "P.npy"), "--partitions must be between 1 and 1048576, got 2000000000"),
        Arguments.of("SQL cell of 20000 x 20000", List.of("sql", "-e", "SELECT pinv(array_repeat(array_repeat(1D, 20000), 20000))"),
            "pinv: A is 20000 x 20000 (400000000 entries), more than the 4194304 one SQL cell may hold"),
        Arguments.of("lstsq_agg over 20000 features", List.of("sql", "-e",
            "SELECT lstsq_agg(array_repeat(1D, 20000), 1D) FROM range(4)"), "lstsq_agg: 20000 features need about"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileInputs")
  void oneClearLineAndNoOutput(String name, List<String> args, String expected) throws Exception {
    Files.deleteIfExists(dir.resolve("P.npy"));
    Launcher.Result r = Launcher.penrose(dir, args.toArray(String[]::new));
    assertEquals(1, r.status(), r.err());
    assertEquals(1, r.errLines().size(), "one line on stderr, got:\n" + r.err());
    assertTrue(r.err().startsWith("penrose: error: ") && r.err().contains(expected), r.err());
    assertFalse(Files.exists(dir.resolve("P.npy")), "nothing written");
  }

  @Test
  void verboseKeepsTheTraces() throws Exception {
    // read by Spark's tasks (spark.penrose.inDriver=false): the task's own lines are kept
    Launcher.Result r = Launcher.penrose(dir, "--verbose", "--conf", "spark.penrose.inDriver=false", "pinv", "--input",
        dir + "/nan.npy", "--output", dir + "/P.npy");
    assertEquals(1, r.status());
    assertTrue(r.err().contains("Exception in task") && r.err().contains("\tat org.penrose.io.NpyFileSet"), r.err());
    // read in the driver (the default for a small local file): the stack trace
    Launcher.Result driver = Launcher.penrose(dir, "--verbose", "pinv", "--input", dir + "/nan.npy", "--output",
        dir + "/P.npy");
    assertEquals(1, driver.status());
    assertTrue(driver.err().contains("\tat org.penrose.io.NpyFileSet"), driver.err());
  }

  /**
   * The driver JVM's heap, read off the command line the launcher builds (a stand-in {@code java} that prints its
   * arguments): the maximum as spark-submit takes it ({@code --driver-memory}, else {@code spark.driver.memory} from
   * {@code --conf}), and, for a local master, an initial heap of a quarter of it.
   */
  @Test
  void theDriversHeapIsSetAsSparkSubmitSetsItAndStartsAtAQuarter() throws Exception {
    Path java = dir.resolve("printing-jdk/bin/java");
    Files.createDirectories(java.getParent());
    Files.writeString(java, "#!/bin/sh\n[ \"$1\" = -version ] && echo 'stand-in version \"17\"' && exit 0\n"
        + "for a in \"$@\"; do echo \"$a\"; done\n");
    assertTrue(java.toFile().setExecutable(true));
    String run = "JAVA_HOME=" + java.getParent().getParent() + " jobs/penrose ";
    assertEquals(List.of("-Xmx12g", "-Xms3145728k"), heapArguments(run + "--driver-memory 12g --version"));
    assertEquals(List.of("-Xmx2g", "-Xms524288k"), heapArguments(run + "--conf spark.driver.memory=2g --version"));
    assertEquals(List.of("-Xmx3g", "-Xms786432k"),
        heapArguments(run + "--conf spark.driver.memory=2g --driver-memory=3g --version"));
    assertEquals(List.of("-XX:InitialRAMPercentage=6.25"), heapArguments(run + "--version"));
    assertEquals(List.of("-Xmx128m"), heapArguments(run + "--driver-memory 128m --version"), "under 64 MiB: no -Xms");
    assertEquals(List.of("-Xmx2g"), heapArguments(run + "--master spark://nowhere:7077 --conf spark.driver.memory=2g"
        + " --version"), "a cluster master: spark-submit's maximum only");
  }

  /**
   * A command that runs in the driver JVM does not look for a running Spark session (a JVM started for one command
   * has none), so Spark SQL's classes and Scala's collections are never loaded (the class-load log, without the
   * class-data archive, whose making run starts Spark).
   */
  @Test
  void aCommandInTheDriverLoadsNoSparkSession() throws Exception {
    Launcher.Result r = Launcher.bash("PENROSE_CDS=0 JAVA_TOOL_OPTIONS=-Xlog:class+load jobs/penrose lstsq --input "
        + dir + "/A3.npy --rhs " + dir + "/b3.npy --output " + dir + "/x3.npy", dir, 2);
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("in the driver JVM (no Spark job)"), r.out());
    assertTrue(r.out().contains(" org.penrose.cli.InDriverLstsq "), "the class-load log is there");
    assertFalse(r.out().contains(" org.apache.spark.sql.SparkSession "), "SparkSession loaded");
  }

  /**
   * On a newer JDK (24 on: one under /usr/lib/jvm, when the machine has one) a command prints nothing on stderr —
   * the JVM's warnings about native code and sun.misc.Unsafe, and about packages opened that JDK 25 no longer has,
   * are not a user's to read — in the driver and as Spark jobs, and gives the bits it gives on the default JDK.
   */
  @Test
  void aNewerJdkRunsWithoutWarningsAndGivesTheSameBits() throws Exception {
    Path newer = newerJdk();
    Assumptions.assumeTrue(newer != null, "no JDK 24 or later under /usr/lib/jvm");
    String d = dir + "/";
    String args = " lstsq --input " + d + "A3.npy --rhs " + d + "b3.npy --output ";
    Launcher.Result reference = Launcher.bash("jobs/penrose" + args + d + "x-default.npy", dir, 5);
    assertEquals(0, reference.status(), reference.err());
    for (String conf : List.of("", " --conf spark.penrose.inDriver=false", "")) { // the first may make its archive
      Launcher.Result r = Launcher.bash("JAVA_HOME=" + newer + " jobs/penrose" + conf + args + d + "x-newer.npy", dir,
          5);
      assertEquals(0, r.status(), r.err());
      assertEquals("", r.err(), "nothing on stderr with " + newer + conf);
      assertEquals(-1L, Files.mismatch(dir.resolve("x-default.npy"), dir.resolve("x-newer.npy")), "the same bits");
    }
  }

  /** A JDK of feature version 24 or later under /usr/lib/jvm (from its release file), or null. */
  private static Path newerJdk() throws IOException {
    Path jvms = Path.of("/usr/lib/jvm");
    if (!Files.isDirectory(jvms)) {
      return null;
    }
    try (Stream<Path> homes = Files.list(jvms)) {
      for (Path home : homes.sorted().toList()) {
        Path release = home.resolve("release");
        if (!Files.isRegularFile(release) || !Files.isExecutable(home.resolve("bin/java"))) {
          continue;
        }
        for (String line : Files.readAllLines(release)) {
          java.util.regex.Matcher m = java.util.regex.Pattern.compile("^JAVA_VERSION=\"(\\d+)").matcher(line);
          if (m.find() && Integer.parseInt(m.group(1)) >= 24) {
            return home;
          }
        }
      }
    }
    return null;
  }

  /** The heap arguments ({@code -Xm*}, {@code -XX:*RAMPercentage*}) of the JVM command line {@code script} prints. */
  private static List<String> heapArguments(String script) throws Exception {
    Launcher.Result r = Launcher.bash(script, dir, 2);
    assertEquals(0, r.status(), r.err());
    return r.out().lines().filter(a -> a.startsWith("-Xm") || a.contains("RAMPercentage")).toList();
  }

  @Test
  void aZeroMatrixHasRankZeroAndAZeroPseudoInverse() throws Exception {
    Launcher.Result r = Launcher.penrose(dir, "pinv", "--input", dir + "/zero.npy", "--output", dir + "/Pz.npy");
    assertEquals(0, r.status(), r.err());
    assertEquals("", r.err(), "a good run prints nothing on stderr");
    assertTrue(r.out().contains("pinv: rank 0"), r.out());
    assertTrue(r.out().lines().count() <= 6, "a handful of plain lines:\n" + r.out());
    assertFalse(r.out().contains("\r"), "no progress bar in a log");
    DoubleMatrix p = NpyFile.read(dir.resolve("Pz.npy"));
    assertEquals("3 x 4", p.shape());
    for (double v : p.values()) {
      assertEquals(0.0, v);
    }
  }
}
