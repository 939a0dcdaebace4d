package org.penrose.cli;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.sql.SparkSession;
import org.penrose.bench.BenchProblem;
import org.penrose.bench.MllibBaselines;
import org.penrose.blas.BlasBackend;
import org.penrose.distributed.DistributedLstsq;
import org.penrose.distributed.DistributedPinv;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.engine.Tsqr;
import org.penrose.factor.PinvFactorization;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code penrose bench}: Penrose's distributed lstsq, pinv and their VJPs on a generated, cached
 * tall matrix, against Spark MLlib's own least-squares routes on the same cached data, in the same
 * run, with ratios. A second section runs a rank-deficient problem (columns duplicated) to show
 * what each route returns there.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmark distributed lstsq/pinv/VJP against MLlib's LinearRegression, computeSVD and tallSkinnyQR "
        + "on the same cached data.")
final class BenchCommand implements Callable<Integer> {
  @Option(names = "--rows", defaultValue = "1000000", description = "Rows m (default ${DEFAULT-VALUE}).")
  int rows;

  @Option(names = "--cols", defaultValue = "100", description = "Columns n (default ${DEFAULT-VALUE}).")
  int cols;

  @Option(names = "--partitions", defaultValue = "8", description = "Row blocks (default ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--deficient-rows", defaultValue = "200000",
      description = "Rows of the rank-deficient problem (n columns, the second half copying the first; default "
          + "${DEFAULT-VALUE}; 0 skips it).")
  int deficientRows;

  @Option(names = "--skip-mllib", description = "Time Penrose only.")
  boolean skipMllib;

  @Option(names = "--pinv-first", description = "Time pinv before the other routes (its first run then is the JVM's"
      + " first Penrose work) and print that cold run against the median of the later, warm ones (--repeat 2 or"
      + " more).")
  boolean pinvFirst;

  @Mixin Repetitions repetitions;

  @Option(names = "--truncated", paramLabel = "A.mtx",
      description = "Also time the truncated SVD of this (sparse) matrix against MLlib's computeSVD on the same "
          + "cached data.")
  String truncated;

  @Option(names = "--truncated-rank", paramLabel = "K", defaultValue = "100",
      description = "Rank of the truncated section (default ${DEFAULT-VALUE}).")
  int truncatedRank;

  @Option(names = "--truncated-reference", paramLabel = "ref.json",
      description = "Reference singular values (a reference_truncated.py JSON) for the truncated section's errors.")
  String truncatedReference;

  @Option(names = "--skip-dense", description = "Skip the dense sections (run only --truncated or --one-hot).")
  boolean skipDense;

  @Option(names = "--one-hot", description = "Also fit a generated one-hot regression by the estimator's LSMR route"
      + " against Spark's LinearRegression (L-BFGS) to the same accuracy.")
  boolean oneHot;

  @Option(names = "--one-hot-rows", defaultValue = "1000000", description = "Its rows (default ${DEFAULT-VALUE}).")
  long oneHotRows;

  @Option(names = "--one-hot-columns", defaultValue = "100000",
      description = "Its feature columns (default ${DEFAULT-VALUE}).")
  int oneHotColumns;

  @Option(names = "--one-hot-accuracy", defaultValue = "1e-6",
      description = "The coefficients' relative error both fits must reach (default ${DEFAULT-VALUE}).")
  double oneHotAccuracy;

  @Option(names = "--report", paramLabel = "bench.json", description = "Write the measurements as JSON.")
  Path reportPath;

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
      SparkSession spark = session.spark();
      System.out.printf("bench: %d x %d, %d row blocks, master %s, %d cores, BLAS/LAPACK %s%n", rows, cols, partitions,
          spark.sparkContext().master(), spark.sparkContext().defaultParallelism(), BlasBackend.describe());
      out.put("m", rows);
      out.put("n", cols);
      out.put("partitions", partitions);
      out.put("master", spark.sparkContext().master());
      out.put("blas", BlasBackend.describe());

      if (!skipDense) {
        denseSections(spark, out);
        if (deficientRows > 0) {
          out.put("rank_deficient", rankDeficient(spark));
        }
      }
      if (oneHot) {
        out.put("lsmr_one_hot", LsmrBench.run(spark, oneHotRows, oneHotColumns, partitions, oneHotAccuracy, repetitions,
            skipMllib));
      }
      if (truncated != null) {
        out.put("truncated", TruncatedBench.run(spark, truncated, truncatedRank, truncatedReference, partitions,
            repetitions,
            skipMllib));
      }
    }
    if (reportPath != null) {
      Report.writeJson(reportPath, out);
    }
    return 0;
  }

  /** The dense sections: Penrose's routes and MLlib's on a generated, cached {@code m x n} problem. */
  private void denseSections(SparkSession spark, Map<String, Object> out) throws Exception {
    long t0 = System.nanoTime();
    BenchProblem p = BenchProblem.generate(spark, rows, cols, partitions, false, !skipMllib);
    System.out.printf("  generated and cached in %.1f s%n", (System.nanoTime() - t0) / 1e9);

    Map<String, Double> seconds = new LinkedHashMap<>();
    DistributedLstsq ls;
    long peak;
    try (HeapSampler heap = new HeapSampler()) {
      Repetitions.Work<DistributedPinv> pinvRoute = () -> {
        DistributedPinv f = DistributedPinv.factor(p.a, RankCutoff.DEFAULT);
        RowBlockMatrix pinvTranspose = f.pinvTranspose();
        materialize(pinvTranspose);
        pinvTranspose.unpersist();
        return f;
      };
      DistributedPinv coldPinv = pinvFirst ? coldAndWarm(seconds, out, pinvRoute) : null;
      ls = time(seconds, "penrose lstsq", () -> DistributedLstsq.solve(p.a, p.b, RankCutoff.DEFAULT));
      time(seconds, "penrose lstsq, Householder leaves", () -> PinvFactorization.fromTriangle(
          Tsqr.householderTriangle(p.a, p.b, Tsqr.DEFAULT_FAN_IN), cols, RankCutoff.DEFAULT));
      DistributedPinv pinv = pinvFirst ? coldPinv : time(seconds, "penrose pinv", pinvRoute);
      DoubleMatrix gx = DoubleMatrix.column(BenchProblem.randomVector(cols, 3));
      time(seconds, "penrose lstsq VJP", () -> {
        DistributedLstsq.LowRankGradient g = ls.vjp(gx);
        materialize(g.a());
        return materialize(g.b());
      });
      // cotangent of P: G = gx b^T, given as G^T = b gx^T (m x n, aligned with A), generated by the tasks
      RowBlockMatrix gT = p.cotangentTranspose(gx);
      time(seconds, "penrose pinv VJP", () -> materialize(pinv.vjp(gT).a()));
      peak = heap.peakBytes();
    }
    double tsqrFlops = 2.0 * rows * (double) (cols + 1) * (cols + 1);
    double lstsqSeconds = seconds.get("penrose lstsq");
    out.put("penrose_rank", ls.rank());
    out.put("tsqr_gflops", tsqrFlops / lstsqSeconds / 1e9);
    out.put("peak_heap_bytes", peak);
    out.put("driver_tsqr_bytes", (long) 8 * (cols + 1) * (cols + 1) * 8);
    double householderSeconds = seconds.get("penrose lstsq, Householder leaves");
    out.put("tsqr_householder_leaves_gflops", tsqrFlops / householderSeconds / 1e9);
    System.out.printf("  TSQR pass: %.1f GFLOP/s Householder-equivalent (2 m (n+1)^2 flops; the leaves of this"
        + " well-conditioned A come from its Gram matrix, m n^2 flops), %.1f GFLOP/s with Householder leaves; peak JVM"
        + " heap %.2f GiB (driver and local executors); driver holds at most 8 triangles of (n+1)^2 doubles = %.1f "
            + "MiB%n",
        tsqrFlops / lstsqSeconds / 1e9, tsqrFlops / householderSeconds / 1e9, peak / 1073741824.0,
        8.0 * (cols + 1) * (cols + 1) * 8 / 1048576.0);

    Map<String, Double> errors = new LinkedHashMap<>();
    if (!skipMllib) {
      double[] xNormal = time(seconds, "mllib LinearRegression normal", () -> MllibBaselines.linearRegressionNormal(p));
      double[] xSvd = time(seconds, "mllib computeSVD + solve", () -> MllibBaselines.computeSvdSolve(p));
      double[] xQr = time(seconds, "mllib tallSkinnyQR + solve", () -> MllibBaselines.tallSkinnyQrSolve(p));
      double[] x = ls.solution().values();
      errors.put("mllib LinearRegression normal", MllibBaselines.relativeDifference(xNormal, x));
      errors.put("mllib computeSVD + solve", MllibBaselines.relativeDifference(xSvd, x));
      errors.put("mllib tallSkinnyQR + solve", MllibBaselines.relativeDifference(xQr, x));
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
  }

  /** The rank-deficient section: columns n/2+1..n copy 1..n/2, b = A_1 beta, min-norm x = (beta/2, beta/2). */
  private Map<String, Object> rankDeficient(SparkSession spark) throws Exception {
    int half = cols / 2;
    System.out.printf("%nrank-deficient: %d x %d, columns %d..%d copy 1..%d (rank %d), b = A_1 beta;"
        + " the minimum-norm solution is (beta/2, beta/2)%n", deficientRows, 2 * half, half + 1, 2 * half, half, half);
    BenchProblem p = BenchProblem.generate(spark, deficientRows, 2 * half, partitions, true, !skipMllib);
    double[] expected = p.duplicatedSolution();
    Map<String, Object> result = new LinkedHashMap<>();
    List<String[]> table = new ArrayList<>();
    DistributedLstsq ls = DistributedLstsq.solve(p.a, p.b, RankCutoff.DEFAULT);
    table.add(row("penrose lstsq", ls.solution().values(), expected, "rank " + ls.rank()));
    result.put("penrose_rank", ls.rank());
    if (!skipMllib) {
      table.add(row("mllib LinearRegression normal", MllibBaselines.linearRegressionNormal(p), expected, ""));
      table.add(row("mllib computeSVD + solve", MllibBaselines.computeSvdSolve(p), expected, ""));
      table.add(row("mllib tallSkinnyQR + solve", MllibBaselines.tallSkinnyQrSolve(p), expected, ""));
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

  /** Runs {@code work} {@code --repeat} times and records the median wall time. */
  private <T> T time(Map<String, Double> seconds, String name, Repetitions.Work<T> work) throws Exception {
    return timed(seconds, name, work).result();
  }

  /** {@link #time}, with every run's time. */
  private <T> Repetitions.Timing<T> timed(Map<String, Double> seconds, String name, Repetitions.Work<T> work)
      throws Exception {
    Repetitions.Timing<T> timing = repetitions.time(work);
    seconds.put(name, timing.median());
    System.out.printf("  %-32s %8.2f s  (median of%s)%n", name, timing.median(), timing.runs());
    return timing;
  }

  /**
   * The pinv route timed first in the JVM: its median as {@link #time} records it, and its first (cold) run
   * against the median of the later (warm) ones.
   */
  private DistributedPinv coldAndWarm(Map<String, Double> seconds, Map<String, Object> out,
      Repetitions.Work<DistributedPinv> route) throws Exception {
    Repetitions.Timing<DistributedPinv> timing = timed(seconds, "penrose pinv", route);
    double[] runs = timing.seconds();
    if (runs.length > 1) {
      double warmMedian = new Repetitions.Timing<>(Arrays.copyOfRange(runs, 1, runs.length), null).median();
      System.out.printf("  pinv cold / warm: %.2f (first run %.2f s, median of the later runs %.2f s)%n",
          runs[0] / warmMedian, runs[0], warmMedian);
      out.put("pinv_cold_seconds", runs[0]);
      out.put("pinv_warm_seconds", warmMedian);
    }
    return timing.result();
  }

  private static long materialize(RowBlockMatrix m) {
    return m.blocks().map(b -> (long) b.values().values().length).reduce(Long::sum);
  }
}
