package org.penrose.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.penrose.io.NpyFile;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.testing.OracleCase;

/**
 * {@code lstsq} run in the driver JVM without Spark ({@link InDriver}): what {@code jobs/penrose} does on a
 * local master for small {@code .npy} inputs. Checked against the oracle case (numpy's answer) and, bit for
 * bit, against the same command run on a Spark session with the same master; the decision's rules.
 */
class InDriverTest {
  @TempDir Path dir;

  /** The oracle case and its A, B and cotangent gX, saved as .npy files before each test. */
  private final OracleCase c = rankDeficientCase();
  private Path a;
  private Path b;
  private Path gx;

  @BeforeEach
  void saveTheCase() throws IOException {
    assertTrue(SparkSession.getActiveSession().isEmpty(), "no Spark session may be running before this test");
    a = save("A.npy", c.a);
    b = save("B.npy", c.b);
    gx = save("GX.npy", c.gx);
  }

  private static OracleCase rankDeficientCase() {
    return OracleCase.all().stream().filter(c -> c.name.equals("rank3_tall_160x10_int")).findFirst().orElseThrow();
  }

  /** {@code body} with the launcher's {@code spark.master} (and {@code extra} settings) as system properties. */
  private static <T> T withLauncherSettings(String master, List<String[]> extra, Callable<T> body) throws Exception {
    List<String[]> settings = new ArrayList<>(extra);
    settings.add(new String[] {"spark.master", master});
    List<String> previous = new ArrayList<>();
    for (String[] s : settings) {
      previous.add(System.getProperty(s[0]));
      System.setProperty(s[0], s[1]);
    }
    try {
      return body.call();
    } finally {
      for (int i = 0; i < settings.size(); i++) {
        if (previous.get(i) == null) {
          System.clearProperty(settings.get(i)[0]);
        } else {
          System.setProperty(settings.get(i)[0], previous.get(i));
        }
      }
    }
  }

  /** A {@code local[2]} session as the tests' ({@code SparkTestSession}), started and stopped by one test. */
  private static SparkSession startSpark() {
    SparkSession spark = SparkSession.builder().master("local[2]").appName("InDriverTest")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .config("spark.kryo.unsafe", "true").getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    return spark;
  }

  /** {@code command} run on a {@code local[2]} session started and stopped around it: it must succeed. */
  private static void onASparkSession(Callable<CliRun> command) throws Exception {
    SparkSession spark = startSpark();
    try {
      CliRun run = command.call();
      assertEquals(0, run.status(), run.err());
    } finally {
      spark.stop();
    }
  }

  private Path save(String name, DoubleMatrix m) throws IOException {
    Path p = dir.resolve(name);
    NpyFile.writeRowMajor(p, m);
    return p;
  }

  private JsonNode report(String name) throws IOException {
    return new ObjectMapper().readTree(dir.resolve(name).toFile());
  }

  private String[] lstsq(Path a, Path b, String x, String report) {
    return new String[] {"lstsq", "--partitions", "3", "--input", a.toString(), "--rhs", b.toString(),
        "--output", dir.resolve(x).toString(), "--report", dir.resolve(report).toString()};
  }

  private String[] pinv(Path a, String p, String report) {
    return new String[] {"pinv", "--partitions", "3", "--input", a.toString(), "--output", dir.resolve(p).toString(),
        "--report", dir.resolve(report).toString()};
  }

  @Test
  void lstsqAndPinvInTheDriverMatchTheOracleAndSparksBits() throws Exception {
    Path b1 = dir.resolve("b1.npy");
    NpyFile.writeVector(b1, c.b.columns(0, 1));
    String[] gradients = {"--cotangent", gx.toString(), "--grad-a-output", dir.resolve("GA.npy").toString(),
        "--grad-b-output", dir.resolve("GB.npy").toString()};
    CliRun driver = withLauncherSettings("local[2]", List.of(),
        () -> CliRun.of(CliRun.concat(lstsq(a, b, "X.npy", "r.json"), gradients)));
    assertEquals(0, driver.status(), driver.err());
    assertTrue(driver.out().contains("in the driver JVM"), driver.out());
    CliRun vector = withLauncherSettings("local[2]", List.of(), () -> CliRun.of(lstsq(a, b1, "x1.npy", "r1.json")));
    CliRun pinv = withLauncherSettings("local[2]", List.of(), () -> CliRun.of(pinv(a, "P.npy", "p.json")));
    // a well-conditioned A: certified Gram leaves, P^T without a refinement pass
    DoubleMatrix gaussian = DoubleMatrix.zeros(400, 8);
    java.util.Random random = new java.util.Random(7);
    for (int e = 0; e < gaussian.values().length; e++) {
      gaussian.values()[e] = random.nextGaussian();
    }
    Path g = save("gaussian.npy", gaussian);
    CliRun pinvG = withLauncherSettings("local[2]", List.of(), () -> CliRun.of(pinv(g, "PG.npy", "pg.json")));
    assertEquals(0, pinvG.status(), pinvG.err());
    assertEquals(0, pinv.status(), pinv.err());
    assertEquals("driver", report("p.json").get("engine").asText());
    double errP = c.relativeError("pinv", NpyFile.read(dir.resolve("P.npy")));
    assertTrue(errP <= c.tolerance("pinv"), "P against numpy: " + errP);
    assertEquals(0, vector.status(), vector.err());
    assertEquals("driver", report("r.json").get("engine").asText());
    assertEquals(1, NpyFile.header(dir.resolve("x1.npy")).shape().length);
    for (String[] field : new String[][] {{"lstsq_x", "X.npy"}, {"lstsq_grad_A", "GA.npy"}, {"lstsq_grad_b", "GB.npy"}}) {
      double err = c.relativeError(field[0], NpyFile.read(dir.resolve(field[1])));
      assertTrue(err <= c.tolerance(field[0]), field[0] + " against numpy: " + err);
    }
    assertEquals(c.rank, report("r.json").get("rank").asInt());

    SparkSession spark = startSpark();
    try {
      // the launcher's settings, but a running session: the command uses it
      String[] gradientsOnSpark = {"--cotangent", gx.toString(), "--grad-a-output", dir.resolve("GAs.npy").toString(),
          "--grad-b-output", dir.resolve("GBs.npy").toString()};
      CliRun onSpark = withLauncherSettings("local[2]", List.of(),
          () -> CliRun.of(CliRun.concat(lstsq(a, b, "Xs.npy", "rs.json"), gradientsOnSpark)));
      assertEquals(0, onSpark.status(), onSpark.err());
      CliRun vectorOnSpark = CliRun.of(lstsq(a, b1, "x1s.npy", "r1s.json"));
      assertEquals(0, vectorOnSpark.status(), vectorOnSpark.err());
      CliRun pinvOnSpark = CliRun.of(pinv(a, "Ps.npy", "ps.json"));
      assertEquals(0, pinvOnSpark.status(), pinvOnSpark.err());
      CliRun pinvGOnSpark = CliRun.of(pinv(g, "PGs.npy", "pgs.json"));
      assertEquals(0, pinvGOnSpark.status(), pinvGOnSpark.err());
    } finally {
      spark.stop();
    }
    assertEquals("spark", report("rs.json").get("engine").asText());
    assertArrayEquals(Files.readAllBytes(dir.resolve("Xs.npy")), Files.readAllBytes(dir.resolve("X.npy")));
    assertArrayEquals(Files.readAllBytes(dir.resolve("GAs.npy")), Files.readAllBytes(dir.resolve("GA.npy")));
    assertArrayEquals(Files.readAllBytes(dir.resolve("GBs.npy")), Files.readAllBytes(dir.resolve("GB.npy")));
    assertArrayEquals(Files.readAllBytes(dir.resolve("x1s.npy")), Files.readAllBytes(dir.resolve("x1.npy")));
    assertEquals("spark", report("ps.json").get("engine").asText());
    assertArrayEquals(Files.readAllBytes(dir.resolve("Ps.npy")), Files.readAllBytes(dir.resolve("P.npy")));
    assertArrayEquals(Files.readAllBytes(dir.resolve("PGs.npy")), Files.readAllBytes(dir.resolve("PG.npy")));
    // P A = I for a full-rank A (an independent check of the in-driver P)
    DoubleMatrix identityError = NpyFile.read(dir.resolve("PG.npy")).times(gaussian)
        .plusScaled(-1, DoubleMatrix.identity(8));
    assertTrue(identityError.maxAbs() < 1e-13, "P A - I: " + identityError.maxAbs());
    assertEquals(report("ps.json").get("singular_values"), report("p.json").get("singular_values"));
    for (String field : List.of("singular_values", "threshold", "residual_sum_of_squares", "rank", "partitions")) {
      assertEquals(report("rs.json").get(field), report("r.json").get(field), field);
    }
  }

  /** The launcher's settings for a command that may start Spark, without its UI or a public address. */
  private static final List<String[]> QUIET = List.<String[]>of(new String[] {"spark.ui.enabled", "false"},
      new String[] {"spark.driver.host", "127.0.0.1"}, new String[] {"spark.driver.bindAddress", "127.0.0.1"});

  /**
   * An svd of a Matrix Market file runs in the driver; a command that needs Spark reads a local A on the driver
   * while Spark starts. The same blocks either way, so the same bits as Spark's own read and steps (svd; lstsq
   * of a .npy with the gradient at A's stored entries, a .mtx file, which the in-driver route does not write).
   */
  @Test
  void svdInTheDriverAndReadingWhileSparkStartsGiveSparksBits() throws Exception {
    Path mtx = dir.resolve("A.mtx");
    DoubleMatrix sparse = randomSparse(600, 150, 5);
    writeCoordinate(mtx, sparse);
    String[] svd = {"svd", "--rank", "3", "--partitions", "3", "--input", mtx.toString(), "--output-dir"};
    String[] gradients = {"--cotangent", gx.toString(), "--grad-a-output", "GA", "--grad-b-output", "GB"};
    for (String run : List.of("overlapped", "spark")) {
      Callable<CliRun> commands = () -> {
        CliRun s = CliRun.of(CliRun.concat(svd, dir.resolve("svd-" + run).toString(), "--report",
            dir.resolve("svd-" + run + ".json").toString()));
        assertEquals(0, s.status(), s.err());
        String[] lstsq = CliRun.concat(lstsq(a, b, "X-" + run + ".npy", "r-" + run + ".json"), gradients);
        lstsq[lstsq.length - 3] = dir.resolve("GA-" + run + ".mtx").toString(); // at stored entries: Spark
        lstsq[lstsq.length - 1] = dir.resolve("GB-" + run + ".npy").toString();
        return CliRun.of(lstsq);
      };
      CliRun l;
      if (run.equals("overlapped")) {
        l = withLauncherSettings("local[2]", QUIET, commands);
      } else {
        SparkSession spark = startSpark();
        try {
          l = commands.call();
        } finally {
          spark.stop();
        }
      }
      assertEquals(0, l.status(), l.err());
      String expected = run.equals("overlapped") ? "driver" : "spark";
      assertEquals(expected, report("svd-" + run + ".json").get("engine").asText());
      assertEquals("spark", report("r-" + run + ".json").get("engine").asText());
      assertEquals(expected, report("r-" + run + ".json").get("a_read_by").asText());
    }
    assertTrue(c.relativeError("lstsq_grad_A", org.penrose.io.MatrixMarketFile.read(dir.resolve("GA-overlapped.mtx")))
        <= c.tolerance("lstsq_grad_A"));
    for (String file : List.of("svd-%s/U.npy", "svd-%s/S.npy", "svd-%s/V.npy", "X-%s.npy", "GA-%s.mtx", "GB-%s.npy")) {
      assertArrayEquals(Files.readAllBytes(dir.resolve(String.format(file, "spark"))),
          Files.readAllBytes(dir.resolve(String.format(file, "overlapped"))), file);
    }
    // and the triplets against an independent SVD (LAPACK's, of the dense A): S, and |u_i^T u'_i| = 1
    double[] s = NpyFile.read(dir.resolve("svd-overlapped/S.npy")).values();
    org.penrose.matrix.Lapack.Svd reference = org.penrose.matrix.Lapack.svd(sparse.transpose()); // A^T = V S U^T
    DoubleMatrix u = NpyFile.read(dir.resolve("svd-overlapped/U.npy"));
    for (int i = 0; i < 3; i++) {
      assertEquals(reference.s[i], s[i], 1e-12 * reference.s[0], "s_" + (i + 1));
      double cosine = Math.abs(u.columns(i, i + 1).transposeTimes(reference.v.columns(i, i + 1)).get(0, 0));
      assertEquals(1, cosine, 1e-10, "u_" + (i + 1));
    }
  }

  /**
   * An svd whose smallest wanted singular values are beyond the normal-operator iteration's reach: the
   * in-driver run gives up as Spark's would and continues with Golub–Kahan in Spark, from the blocks it read;
   * the same bits as a run on a Spark session.
   */
  @Test
  void svdBeyondTheNormalOperatorContinuesInSpark() throws Exception {
    DoubleMatrix graded = DoubleMatrix.zeros(80, 12);
    java.util.Random random = new java.util.Random(3);
    for (int j = 0; j < 12; j++) {
      for (int i = 0; i < 80; i++) {
        graded.set(i, j, random.nextGaussian() * Math.pow(10, -j)); // singular values about 1 down to 1e-11
      }
    }
    Path g = save("graded.npy", graded);
    Callable<CliRun> svd = () -> CliRun.of("svd", "--rank", "10", "--partitions", "2", "--input", g.toString(),
        "--output-dir", dir.resolve(SparkSession.getActiveSession().isEmpty() ? "fallback" : "session").toString());
    CliRun fallback = withLauncherSettings("local[2]", QUIET, svd);
    assertEquals(0, fallback.status(), fallback.err());
    assertTrue(fallback.out().contains("continuing with Golub-Kahan"), fallback.out());
    assertTrue(fallback.out().contains("golub-kahan"), fallback.out());
    onASparkSession(svd);
    for (String file : List.of("U.npy", "S.npy", "V.npy")) {
      assertArrayEquals(Files.readAllBytes(dir.resolve("session").resolve(file)),
          Files.readAllBytes(dir.resolve("fallback").resolve(file)), file);
    }
    double[] s = NpyFile.read(dir.resolve("fallback/S.npy")).values();
    double[] reference = org.penrose.matrix.Lapack.svd(graded.transpose()).s;
    for (int i = 0; i < 10; i++) {
      assertEquals(reference[i], s[i], 1e-10 * reference[0], "s_" + (i + 1));
    }
  }

  /** A full-rank {@code rows x cols} matrix with about a third of its entries nonzero (Gaussian). */
  private static DoubleMatrix randomSparse(int rows, int cols, long seed) {
    DoubleMatrix sparse = DoubleMatrix.zeros(rows, cols);
    java.util.Random random = new java.util.Random(seed);
    for (int e = 0; e < sparse.values().length; e++) {
      sparse.values()[e] = random.nextInt(3) == 0 ? random.nextGaussian() : 0;
    }
    return sparse;
  }

  /**
   * {@code lstsq --method lsmr} of a local Matrix Market A runs in the driver: the bits of a run on a Spark
   * session, and a solution of the damped normal equations {@code (A^T A + damp^2 I) x = A^T b}.
   */
  @Test
  void lsmrInTheDriverGivesSparksBits() throws Exception {
    DoubleMatrix sparse = randomSparse(300, 40, 9);
    Path mtx = dir.resolve("L.mtx");
    writeCoordinate(mtx, sparse);
    DoubleMatrix rhs = DoubleMatrix.zeros(300, 1);
    java.util.Random random = new java.util.Random(4);
    for (int i = 0; i < 300; i++) {
      rhs.set(i, 0, random.nextGaussian());
    }
    Path b1 = dir.resolve("l.npy");
    NpyFile.writeVector(b1, rhs);
    Callable<CliRun> lsmr = () -> {
      String run = SparkSession.getActiveSession().isEmpty() ? "driver" : "session";
      return CliRun.of("lstsq", "--method", "lsmr", "--damp", "0.5", "--atol", "1e-12", "--btol", "1e-12",
          "--partitions", "3", "--input", mtx.toString(), "--rhs", b1.toString(), "--output",
          dir.resolve("x-" + run + ".npy").toString(), "--report", dir.resolve("l-" + run + ".json").toString());
    };
    CliRun driver = withLauncherSettings("local[2]", QUIET, lsmr);
    assertEquals(0, driver.status(), driver.err());
    assertTrue(driver.out().contains("in the driver JVM (no Spark job)"), driver.out());
    onASparkSession(lsmr);
    assertEquals("driver", report("l-driver.json").get("engine").asText());
    assertEquals("spark", report("l-session.json").get("engine").asText());
    assertEquals(report("l-session.json").get("iterations"), report("l-driver.json").get("iterations"));
    assertArrayEquals(Files.readAllBytes(dir.resolve("x-session.npy")),
        Files.readAllBytes(dir.resolve("x-driver.npy")));
    DoubleMatrix x = NpyFile.read(dir.resolve("x-driver.npy"));
    assertEquals(1, NpyFile.header(dir.resolve("x-driver.npy")).shape().length, "1-D like b");
    DoubleMatrix x2 = x.rows() == 40 ? x : x.transpose();
    DoubleMatrix normal = sparse.transpose().times(sparse.times(x2).plusScaled(-1, rhs)).plusScaled(0.25, x2);
    double scale = sparse.transpose().times(rhs).maxAbs();
    assertTrue(normal.maxAbs() <= 1e-9 * scale, "A^T (A x - b) + damp^2 x: " + normal.maxAbs() + " of " + scale);
  }

  /** {@code m}'s nonzero entries as a coordinate Matrix Market file (values printed to round-trip exactly). */
  private static void writeCoordinate(Path path, DoubleMatrix m) throws IOException {
    StringBuilder entries = new StringBuilder();
    int count = 0;
    for (int i = 0; i < m.rows(); i++) {
      for (int j = 0; j < m.cols(); j++) {
        if (m.get(i, j) != 0) {
          entries.append(i + 1).append(' ').append(j + 1).append(' ').append(m.get(i, j)).append('\n');
          count++;
        }
      }
    }
    Files.writeString(path, "%%MatrixMarket matrix coordinate real general\n" + m.rows() + " " + m.cols() + " "
        + count + "\n" + entries);
  }


  @Test
  void badInputInTheDriverIsOneLineAsOnSpark() throws Exception {
    DoubleMatrix a = DoubleMatrix.identity(3);
    a.set(1, 2, Double.NaN);
    Path nan = save("nan.npy", a);
    Path b3 = save("b3.npy", DoubleMatrix.zeros(3, 1));
    CliRun bad = withLauncherSettings("local[2]", List.of(), () -> CliRun.of("lstsq", "--input", nan.toString(),
        "--rhs", b3.toString(), "--output", dir.resolve("X.npy").toString()));
    assertEquals(1, bad.status());
    assertTrue(bad.err().startsWith("penrose: error: " + nan + ": row 1 has a non-finite value NaN in column 2"),
        bad.err());
    assertEquals(1, bad.err().lines().count(), bad.err());
    assertFalse(Files.exists(dir.resolve("X.npy")), "no output for a failed run");

    Path b4 = save("b4.npy", DoubleMatrix.zeros(4, 1));
    CliRun mismatch = withLauncherSettings("local[2]", List.of(), () -> CliRun.of("lstsq", "--input",
        save("A3.npy", DoubleMatrix.identity(3)).toString(), "--rhs", b4.toString(), "--output",
        dir.resolve("X.npy").toString()));
    assertEquals(1, mismatch.status());
    assertTrue(mismatch.err().contains("b4.npy is 4 x 1") && mismatch.err().contains("A, which is 3 x 3"),
        mismatch.err());

    Path folder = Files.createDirectories(dir.resolve("out.npy"));
    CliRun intoFolder = withLauncherSettings("local[2]", List.of(), () -> CliRun.of("lstsq", "--input",
        dir.resolve("A3.npy").toString(), "--rhs", b3.toString(), "--output", folder.toString()));
    assertEquals(1, intoFolder.status());
    assertTrue(intoFolder.err().contains(folder + " is a folder; give a file name ending in .npy"), intoFolder.err());
    assertFalse(intoFolder.out().contains("lstsq:"), "said before any work: " + intoFolder.out());

    Path file = Files.writeString(dir.resolve("a-file"), "");
    CliRun intoFile = withLauncherSettings("local[2]", List.of(), () -> CliRun.of("svd", "--input",
        dir.resolve("A3.npy").toString(), "--rank", "1", "--output-dir", file.toString()));
    assertEquals(1, intoFile.status());
    assertTrue(intoFile.err().contains("penrose: error: already exists and is not a folder: " + file), intoFile.err());
    assertFalse(intoFile.out().contains("svd:"), "said before any work: " + intoFile.out());
    CliRun underFile = withLauncherSettings("local[2]", List.of(), () -> CliRun.of("lstsq", "--input",
        dir.resolve("A3.npy").toString(), "--rhs", b3.toString(), "--output", file.resolve("X.npy").toString()));
    assertEquals(1, underFile.status());
    assertEquals("penrose: error: already exists and is not a folder: " + file, underFile.err().strip());
    assertFalse(underFile.out().contains("lstsq:"), "said before any work: " + underFile.out());
    // a derivative's output too, before Spark would start for it
    CliRun vjpUnderFile = withLauncherSettings("local[2]", List.of(), () -> CliRun.of("pinv", "--input",
        dir.resolve("A3.npy").toString(), "--output", dir.resolve("P.npy").toString(), "--cotangent",
        dir.resolve("A3.npy").toString(), "--vjp-output", file.resolve("GA.npy").toString()));
    assertEquals(1, vjpUnderFile.status());
    assertEquals("penrose: error: already exists and is not a folder: " + file, vjpUnderFile.err().strip());
    assertFalse(Files.exists(dir.resolve("P.npy")), "nothing written");
    for (String command : List.of("demo", "varpro")) { // long jobs writing a folder: said before Spark starts
      CliRun folderIsAFile = CliRun.of(command, "--output", file.toString());
      assertEquals(1, folderIsAFile.status(), command);
      assertEquals("penrose: error: already exists and is not a folder: " + file, folderIsAFile.err().strip());
    }
    Path generated = Files.createDirectories(dir.resolve("generated/dA.npy")).getParent(); // its second file a folder
    CliRun generate = CliRun.of("generate", "--rows", "20", "--cols", "3", "--output-dir", generated.toString());
    assertEquals(1, generate.status());
    assertEquals("penrose: error: " + generated.resolve("dA.npy") + " is a folder; give a file name ending in .npy",
        generate.err().strip());
    assertFalse(Files.exists(generated.resolve("A.npy")), "said before any file is written");

    CliRun setting = withLauncherSettings("local[2]", List.<String[]>of(new String[] {InDriver.SETTING, "maybe"}),
        () -> CliRun.of("lstsq", "--input", dir.resolve("A3.npy").toString(), "--rhs", b3.toString(), "--output",
            dir.resolve("X.npy").toString()));
    assertEquals(1, setting.status());
    assertTrue(setting.err().contains("spark.penrose.inDriver must be auto or false, got 'maybe'"), setting.err());
  }

  @Test
  void onlyALocalMasterRunsInTheDriver() throws Exception {
    int cores = Runtime.getRuntime().availableProcessors();
    assertEquals(1, InDriver.localThreads("local"));
    assertEquals(3, InDriver.localThreads("local[3]"));
    assertEquals(cores, InDriver.localThreads("local[*]"));
    assertEquals(2, InDriver.localThreads("local[2,4]"));
    assertEquals(0, InDriver.localThreads("local-cluster[2,1,1024]"));
    assertEquals(0, InDriver.localThreads("spark://host:7077"));
    assertEquals(0, InDriver.localThreads("yarn"));
    assertEquals(0, InDriver.localThreads(null));
    Path identity = save("I3.npy", DoubleMatrix.identity(3));
    Path csv = dir.resolve("A.csv");
    Files.writeString(csv, "x\n1\n");
    List<String> out = List.of(dir.resolve("X.npy").toString());
    assertEquals(2, withLauncherSettings("local[2]", List.of(), () -> InDriver.parallelism(List.of(identity.toString()), out)));
    assertEquals(2, withLauncherSettings("local[2]", List.of(),
        () -> InDriver.parallelism(List.of(dir.toString()), out)), "a folder of .npy files");
    assertEquals(0, withLauncherSettings("local[2]", List.of(), () -> InDriver.parallelism(List.of(csv.toString()),
        out)), "not .npy");
    assertEquals(0, withLauncherSettings("local[2]", List.of(),
        () -> InDriver.parallelism(List.of("file:" + identity), out)), "a path with a scheme goes through Hadoop");
    assertEquals(0, withLauncherSettings("local[2]", List.of(),
        () -> InDriver.parallelism(List.of(identity.toString()), List.of("hdfs:///tmp/X.npy"))), "a remote output");
    assertEquals(0, withLauncherSettings("local[2]", List.<String[]>of(new String[] {InDriver.SETTING, "false"}),
        () -> InDriver.parallelism(List.of(identity.toString()), out)), "spark.penrose.inDriver=false");
    assertEquals(0, withLauncherSettings("spark://host:7077", List.of(),
        () -> InDriver.parallelism(List.of(identity.toString()), out)), "a cluster master");
    // a command reading one matrix A (svd): a local .npy or Matrix Market file
    Path mtx = dir.resolve("I3.mtx");
    writeCoordinate(mtx, DoubleMatrix.identity(3));
    List<String> folder = List.of(dir.resolve("svd").toString());
    List<String> both = List.of(mtx.toString(), identity.toString());
    assertEquals(2, withLauncherSettings("local[2]", List.of(), () -> InDriver.parallelismReading(both, folder)));
    assertEquals(2, withLauncherSettings("local[2]", List.of(),
        () -> InDriver.parallelismReading(List.of(identity.toString()), folder)));
    assertEquals(0, withLauncherSettings("local[2]", List.of(),
        () -> InDriver.parallelismReading(List.of(mtx.toString(), csv.toString()), folder)), "not a matrix file");
    assertEquals(0, withLauncherSettings("local[2]", List.of(),
        () -> InDriver.parallelismReading(both, List.of("hdfs:///tmp/svd"))), "a remote output");
    assertEquals(0, withLauncherSettings("yarn", List.of(), () -> InDriver.parallelismReading(both, folder)),
        "a cluster master");
  }
}
