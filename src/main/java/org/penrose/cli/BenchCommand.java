package org.penrose.cli;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.feature.LabeledPoint;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.ml.regression.LinearRegressionModel;
import org.apache.spark.mllib.linalg.Matrix;
import org.apache.spark.mllib.linalg.QRDecomposition;
import org.apache.spark.mllib.linalg.SingularValueDecomposition;
import org.apache.spark.mllib.linalg.Vector;
import org.apache.spark.mllib.linalg.Vectors;
import org.apache.spark.mllib.linalg.distributed.RowMatrix;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.penrose.distributed.DistributedLstsq;
import org.penrose.distributed.DistributedPinv;
import org.penrose.distributed.RowBlock;
import org.penrose.distributed.RowBlockMatrix;
import org.penrose.linalg.DoubleMatrix;
import org.penrose.linalg.Lapack;
import org.penrose.linalg.RankCutoff;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code penrose bench}: Penrose's distributed lstsq, pinv and their VJPs on a generated, cached
 * tall matrix, against Spark MLlib's own least-squares routes on the same cached data, in the same
 * run, with ratios. A second section runs a rank-deficient problem (columns duplicated) to show
 * what each route returns there.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmark distributed lstsq/pinv/VJP against MLlib's LinearRegression, computeSVD and tallSkinnyQR on the same cached data.")
final class BenchCommand implements Callable<Integer> {
  @Option(names = "--rows", defaultValue = "1000000", description = "Rows m (default ${DEFAULT-VALUE}).")
  int rows;

  @Option(names = "--cols", defaultValue = "100", description = "Columns n (default ${DEFAULT-VALUE}).")
  int cols;

  @Option(names = "--partitions", defaultValue = "8", description = "Row blocks (default ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--deficient-rows", defaultValue = "200000",
      description = "Rows of the rank-deficient problem (n columns, the second half copying the first; default ${DEFAULT-VALUE}; 0 skips it).")
  int deficientRows;

  @Option(names = "--skip-mllib", description = "Time Penrose only.")
  boolean skipMllib;

  @Option(names = "--repeat", defaultValue = "3", description = "Runs of each route; the median is reported (default ${DEFAULT-VALUE}).")
  int repeat;

  @Option(names = "--report", paramLabel = "bench.json", description = "Write the measurements as JSON.")
  java.nio.file.Path reportPath;

  /** The same generated problem in the three shapes the routes want, all cached. */
  private static final class Problem {
    RowBlockMatrix a;
    RowBlockMatrix b;
    JavaRDD<RowBlock[]> blocks;
    JavaRDD<Vector> rowVectors;
    JavaRDD<Double> labels;
    Dataset<Row> frame;
    double[] beta;

    void unpersist() {
      blocks.unpersist(false);
      if (rowVectors != null) {
        rowVectors.unpersist(false);
        labels.unpersist(false);
        frame.unpersist();
      }
    }
  }

  /** Peak used heap of this JVM (the driver and, in local mode, the executors). */
  private static final class HeapSampler implements AutoCloseable {
    private final AtomicLong peak = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    HeapSampler() {
      MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
      thread = new Thread(() -> {
        while (running) {
          peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
          try {
            Thread.sleep(20);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "heap-sampler");
      thread.setDaemon(true);
      thread.start();
    }

    long peakBytes() {
      return peak.get();
    }

    @Override
    public void close() {
      running = false;
      thread.interrupt();
    }
  }

  @Override
  public Integer call() throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    try (SparkJob.Session session = SparkJob.session("penrose bench")) {
      SparkSession spark = session.spark;
      System.out.printf("bench: %d x %d, %d row blocks, master %s, %d cores, BLAS/LAPACK %s%n", rows, cols, partitions,
          spark.sparkContext().master(), spark.sparkContext().defaultParallelism(), Lapack.backend());
      out.put("m", rows);
      out.put("n", cols);
      out.put("partitions", partitions);
      out.put("master", spark.sparkContext().master());
      out.put("blas", Lapack.backend());

      long t0 = System.nanoTime();
      Problem p = generate(spark, rows, cols, partitions, false, !skipMllib);
      System.out.printf("  generated and cached in %.1f s%n", (System.nanoTime() - t0) / 1e9);

      Map<String, Double> seconds = new LinkedHashMap<>();
      DistributedLstsq ls;
      long peak;
      try (HeapSampler heap = new HeapSampler()) {
        ls = time(seconds, "penrose lstsq", () -> DistributedLstsq.solve(p.a, p.b, RankCutoff.DEFAULT));
        DistributedPinv pinv = time(seconds, "penrose pinv", () -> {
          DistributedPinv f = DistributedPinv.factor(p.a, RankCutoff.DEFAULT);
          materialize(f.pinvTranspose());
          return f;
        });
        DoubleMatrix gx = DoubleMatrix.column(randomVector(cols, 3));
        time(seconds, "penrose lstsq VJP", () -> {
          DistributedLstsq.Gradient g = ls.vjp(gx);
          materialize(g.a());
          return materialize(g.b());
        });
        // cotangent of P: G = gx b^T, given as G^T = b gx^T (m x n, aligned with A), generated by the tasks
        RowBlockMatrix gT = RowBlockMatrix.fromBlocks(
            p.b.blocks().map(block -> block.withValues(block.values().timesTranspose(gx))), p.a.blockStarts(), cols);
        time(seconds, "penrose pinv VJP", () -> materialize(pinv.vjp(gT)));
        peak = heap.peakBytes();
      }
      double tsqrFlops = 2.0 * rows * (double) (cols + 1) * (cols + 1);
      double lstsqSeconds = seconds.get("penrose lstsq");
      out.put("penrose_rank", ls.rank());
      out.put("tsqr_gflops", tsqrFlops / lstsqSeconds / 1e9);
      out.put("peak_heap_bytes", peak);
      out.put("driver_tsqr_bytes", (long) 8 * (cols + 1) * (cols + 1) * 8);
      System.out.printf("  TSQR pass: %.1f GFLOP/s (2 m (n+1)^2 flops); peak JVM heap %.2f GiB (driver and local executors);"
          + " driver holds at most 8 triangles of (n+1)^2 doubles = %.1f MiB%n",
          tsqrFlops / lstsqSeconds / 1e9, peak / 1073741824.0, 8.0 * (cols + 1) * (cols + 1) * 8 / 1048576.0);

      Map<String, Double> errors = new LinkedHashMap<>();
      if (!skipMllib) {
        double[] xNormal = time(seconds, "mllib LinearRegression normal", () -> linearRegression(p.frame));
        double[] xSvd = time(seconds, "mllib computeSVD + solve", () -> svdSolve(p));
        double[] xQr = time(seconds, "mllib tallSkinnyQR + solve", () -> qrSolve(p));
        errors.put("mllib LinearRegression normal", relativeDifference(xNormal, ls.solution()));
        errors.put("mllib computeSVD + solve", relativeDifference(xSvd, ls.solution()));
        errors.put("mllib tallSkinnyQR + solve", relativeDifference(xQr, ls.solution()));
      }
      System.out.println();
      System.out.printf("  %-32s %10s %12s%n", "route (" + rows + " x " + cols + ")", "seconds", "/ lstsq");
      for (Map.Entry<String, Double> e : seconds.entrySet()) {
        System.out.printf("  %-32s %10.2f %12.2f%n", e.getKey(), e.getValue(), e.getValue() / lstsqSeconds);
      }
      double pinvRatio = seconds.get("penrose pinv VJP") / seconds.get("penrose pinv");
      double lstsqRatio = seconds.get("penrose lstsq VJP") / lstsqSeconds;
      System.out.printf("  VJP / forward: pinv %.2f, lstsq %.2f%n", pinvRatio, lstsqRatio);
      out.put("pinv_vjp_over_forward", pinvRatio);
      out.put("lstsq_vjp_over_forward", lstsqRatio);
      if (!skipMllib) {
        double fastest = Math.min(seconds.get("mllib LinearRegression normal"),
            Math.min(seconds.get("mllib computeSVD + solve"), seconds.get("mllib tallSkinnyQR + solve")));
        System.out.printf("  fastest MLlib route / Penrose lstsq: %.2f%n", fastest / lstsqSeconds);
        out.put("fastest_mllib_over_penrose_lstsq", fastest / lstsqSeconds);
      }
      for (Map.Entry<String, Double> e : errors.entrySet()) {
        System.out.printf("  %s: max |x - x_penrose| / max |x_penrose| = %.1e%n", e.getKey(), e.getValue());
      }
      out.put("seconds", seconds);
      out.put("mllib_difference_from_penrose", errors);
      p.unpersist();

      if (deficientRows > 0) {
        out.put("rank_deficient", rankDeficient(spark));
      }
    }
    if (reportPath != null) {
      new com.fasterxml.jackson.databind.ObjectMapper()
          .enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
          .writeValue(reportPath.toFile(), out);
    }
    return 0;
  }

  /** The rank-deficient section: columns n/2+1..n copy 1..n/2, b = A_1 beta, min-norm x = (beta/2, beta/2). */
  private Map<String, Object> rankDeficient(SparkSession spark) throws Exception {
    int half = cols / 2;
    System.out.printf("%nrank-deficient: %d x %d, columns %d..%d copy 1..%d (rank %d), b = A_1 beta;"
        + " the minimum-norm solution is (beta/2, beta/2)%n", deficientRows, 2 * half, half + 1, 2 * half, half, half);
    Problem p = generate(spark, deficientRows, 2 * half, partitions, true, !skipMllib);
    double[] expected = new double[2 * half];
    for (int j = 0; j < half; j++) {
      expected[j] = p.beta[j] / 2;
      expected[j + half] = p.beta[j] / 2;
    }
    Map<String, Object> result = new LinkedHashMap<>();
    List<String[]> table = new ArrayList<>();
    DistributedLstsq ls = DistributedLstsq.solve(p.a, p.b, RankCutoff.DEFAULT);
    table.add(row("penrose lstsq", ls.solution().values(), expected, "rank " + ls.rank()));
    result.put("penrose_rank", ls.rank());
    if (!skipMllib) {
      table.add(row("mllib LinearRegression normal", linearRegression(p.frame), expected, ""));
      table.add(row("mllib computeSVD + solve", svdSolve(p), expected, ""));
      table.add(row("mllib tallSkinnyQR + solve", qrSolve(p), expected, ""));
    }
    System.out.printf("  %-32s %14s %14s  %s%n", "route", "rel. error", "max |x|", "");
    Map<String, Object> errors = new LinkedHashMap<>();
    for (String[] r : table) {
      System.out.printf("  %-32s %14s %14s  %s%n", r[0], r[1], r[2], r[3]);
      errors.put(r[0], Map.of("relative_error", Double.parseDouble(r[1]), "max_abs_x", Double.parseDouble(r[2])));
    }
    result.put("routes", errors);
    p.unpersist();
    return result;
  }

  private static String[] row(String name, double[] x, double[] expected, String note) {
    double err = 0;
    double scale = 0;
    double max = 0;
    for (int j = 0; j < x.length; j++) {
      err = Math.max(err, Math.abs(x[j] - expected[j]));
      scale = Math.max(scale, Math.abs(expected[j]));
      max = Math.max(max, Math.abs(x[j]));
    }
    return new String[] {name, String.format("%.2e", err / scale), String.format("%.2e", max), note};
  }

  private interface Timed<T> {
    T run() throws Exception;
  }

  /** Runs {@code work} {@code repeat} times and records the median wall time. */
  private <T> T time(Map<String, Double> seconds, String name, Timed<T> work) throws Exception {
    double[] runs = new double[Math.max(1, repeat)];
    T result = null;
    for (int i = 0; i < runs.length; i++) {
      long start = System.nanoTime();
      result = work.run();
      runs[i] = (System.nanoTime() - start) / 1e9;
    }
    double[] sorted = runs.clone();
    java.util.Arrays.sort(sorted);
    double median = sorted[sorted.length / 2];
    seconds.put(name, median);
    StringBuilder all = new StringBuilder();
    for (double r : runs) {
      all.append(String.format(" %.2f", r));
    }
    System.out.printf("  %-32s %8.2f s  (median of%s)%n", name, median, all);
    return result;
  }

  private static long materialize(RowBlockMatrix m) {
    return m.blocks().map(b -> (long) b.values().values().length).reduce(Long::sum);
  }

  private static double[] randomVector(int n, long seed) {
    Random r = new Random(seed);
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = r.nextGaussian();
    }
    return v;
  }

  /**
   * Generates {@code A} ({@code m x n}) and {@code b = A beta + 0.1 noise} in the tasks, cached as
   * row blocks, and (unless Penrose-only) as MLlib row vectors and a (features, label) DataFrame.
   */
  private static Problem generate(SparkSession spark, int m, int n, int parts, boolean duplicated, boolean mllib) {
    Problem p = new Problem();
    int independent = duplicated ? n / 2 : n;
    p.beta = randomVector(independent, 1);
    double[] beta = p.beta;
    long[] starts = RowBlockMatrix.balancedStarts(m, parts);
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < parts; i++) {
      ids.add(i);
    }
    p.blocks = new org.apache.spark.api.java.JavaSparkContext(spark.sparkContext()).parallelize(ids, parts).map(id -> {
      int b = (int) (starts[id + 1] - starts[id]);
      Random r = new Random(7919L * (id + 1));
      DoubleMatrix a = DoubleMatrix.zeros(b, n);
      DoubleMatrix rhs = DoubleMatrix.zeros(b, 1);
      for (int i = 0; i < b; i++) {
        double dot = 0;
        for (int j = 0; j < independent; j++) {
          double v = r.nextGaussian();
          a.set(i, j, v);
          if (duplicated) {
            a.set(i, j + independent, v);
          }
          dot += v * beta[j];
        }
        rhs.set(i, 0, duplicated ? dot : dot + 0.1 * r.nextGaussian());
      }
      return new RowBlock[] {new RowBlock(starts[id], a), new RowBlock(starts[id], rhs)};
    }).persist(StorageLevel.MEMORY_AND_DISK());
    p.a = RowBlockMatrix.fromBlocks(p.blocks.map(x -> x[0]), starts, n);
    p.b = RowBlockMatrix.fromBlocks(p.blocks.map(x -> x[1]), starts, 1);
    p.blocks.count();
    if (mllib) {
      p.rowVectors = p.blocks.flatMap(x -> {
        DoubleMatrix a = x[0].values();
        List<Vector> rowsOut = new ArrayList<>(a.rows());
        for (int i = 0; i < a.rows(); i++) {
          double[] row = new double[a.cols()];
          for (int j = 0; j < row.length; j++) {
            row[j] = a.get(i, j);
          }
          rowsOut.add(Vectors.dense(row));
        }
        return rowsOut.iterator();
      }).persist(StorageLevel.MEMORY_AND_DISK());
      p.labels = p.blocks.flatMap(x -> {
        List<Double> values = new ArrayList<>();
        for (double v : x[1].values().values()) {
          values.add(v);
        }
        return values.iterator();
      }).persist(StorageLevel.MEMORY_AND_DISK());
      JavaRDD<LabeledPoint> points = p.rowVectors.zip(p.labels)
          .map(t -> new LabeledPoint(t._2(), t._1().asML()));
      p.frame = spark.createDataFrame(points, LabeledPoint.class).persist(StorageLevel.MEMORY_AND_DISK());
      p.rowVectors.count();
      p.labels.count();
      p.frame.count();
    }
    return p;
  }

  /** Spark's LinearRegression with the normal-equation solver, no intercept, no regularization. */
  private static double[] linearRegression(Dataset<Row> frame) {
    LinearRegressionModel model = new LinearRegression().setSolver("normal").setFitIntercept(false)
        .setRegParam(0.0).setStandardization(false).fit(frame);
    return model.coefficients().toArray();
  }

  /** x = V S^-1 U^T b with RowMatrix.computeSVD(n, computeU = true) (its default rCond 1e-9). */
  private double[] svdSolve(Problem p) {
    RowMatrix matrix = new RowMatrix(p.rowVectors.rdd());
    SingularValueDecomposition<RowMatrix, Matrix> svd = matrix.computeSVD(matrix.numCols() > 0 ? (int) matrix.numCols() : 1, true, 1e-9);
    double[] utb = transposeTimesLabels(svd.U().rows().toJavaRDD(), p.labels);
    double[] s = svd.s().toArray();
    Matrix v = svd.V();
    double[] x = new double[v.numRows()];
    for (int k = 0; k < s.length; k++) {
      double c = utb[k] / s[k];
      for (int i = 0; i < x.length; i++) {
        x[i] += v.apply(i, k) * c;
      }
    }
    return x;
  }

  /** x = R^-1 Q^T b with RowMatrix.tallSkinnyQR(computeQ = true) and back substitution. */
  private double[] qrSolve(Problem p) {
    QRDecomposition<RowMatrix, Matrix> qr = new RowMatrix(p.rowVectors.rdd()).tallSkinnyQR(true);
    double[] qtb = transposeTimesLabels(qr.Q().rows().toJavaRDD(), p.labels);
    Matrix r = qr.R();
    int n = r.numCols();
    double[] x = new double[n];
    for (int i = n - 1; i >= 0; i--) {
      double sum = qtb[i];
      for (int j = i + 1; j < n; j++) {
        sum -= r.apply(i, j) * x[j];
      }
      x[i] = sum / r.apply(i, i);
    }
    return x;
  }

  /** sum_i u_i b_i for rows u_i aligned with the labels (same partitioning and order). */
  private static double[] transposeTimesLabels(JavaRDD<Vector> rowsOfU, JavaRDD<Double> labels) {
    return rowsOfU.zip(labels).map(t -> {
      double[] u = t._1().toArray();
      for (int k = 0; k < u.length; k++) {
        u[k] *= t._2();
      }
      return u;
    }).reduce((x, y) -> {
      double[] s = x.clone();
      for (int k = 0; k < s.length; k++) {
        s[k] += y[k];
      }
      return s;
    });
  }

  private static double relativeDifference(double[] x, DoubleMatrix reference) {
    double err = 0;
    double scale = 0;
    for (int j = 0; j < x.length; j++) {
      err = Math.max(err, Math.abs(x[j] - reference.values()[j]));
      scale = Math.max(scale, Math.abs(reference.values()[j]));
    }
    return err / scale;
  }
}
