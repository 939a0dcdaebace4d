package org.penrose.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.mllib.linalg.Vector;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.penrose.adapters.MatrixFiles;
import org.penrose.adapters.MllibMatrices;
import org.penrose.bench.MllibBaselines;
import org.penrose.engine.DeterministicReduce;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.truncated.TruncatedSvd;
import org.penrose.truncated.TruncatedSvdOptions;

/**
 * The bench's truncated section: Penrose's certified truncated SVD against MLlib's
 * {@code RowMatrix.computeSVD(k)} on the same cached matrix (a sparse Matrix Market file, such as
 * {@code debian_packages}), in the same JVM: medians of the runs, their ratio, and the singular
 * values' errors against a stored reference when one is given.
 */
final class TruncatedBench {
  private TruncatedBench() {}

  static Map<String, Object> run(SparkSession spark, String path, int k, String referencePath, int partitions,
      Repetitions repetitions, boolean skipMllib) throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    RowBlockMatrix a = new MatrixFiles(spark).read(path, partitions).persist();
    a.blocks().count();
    JavaRDD<Vector> rows = MllibMatrices.toIndexedRowMatrix(a).rows().toJavaRDD().map(r -> r.vector())
        .persist(StorageLevel.MEMORY_AND_DISK());
    rows.count();
    System.out.printf("%ntruncated SVD: %s (%s), rank %d, %d row blocks, both cached%n", path, a.shape(), k,
        a.numBlocks());
    Repetitions.Timing<TruncatedSvd> penrose = time(repetitions, a, k, new TruncatedSvdOptions());
    TruncatedSvd svd = penrose.result();
    System.out.printf("  %-36s %8.2f s  (median of%s)  certificate %.2e, %d steps, %s%n", "penrose truncated SVD",
        penrose.median(), penrose.runs(), svd.certificate(), svd.steps(), svd.iteration().label());
    if (a.blocks().context().isLocal()) {
      // the same iteration with every step as a Spark job, as on a cluster (same bits)
      Repetitions.Timing<TruncatedSvd> jobs = time(repetitions, a, k, new TruncatedSvdOptions().driverSteps(false));
      System.out.printf("  %-36s %8.2f s  (median of%s)%n", "penrose, each step a Spark job", jobs.median(),
          jobs.runs());
      // what Spark adds to a step (scheduling, the broadcast of W, the partial sums' transfer): the two medians'
      // difference over the block steps (the finishing passes run in the driver in the first route only)
      double overhead = (jobs.median() - penrose.median()) / Math.max(1, svd.steps());
      System.out.printf("  Spark's share of a step: %.0f ms ((%.2f - %.2f) s / %d steps)%n", 1000 * overhead,
          jobs.median(), penrose.median(), svd.steps());
      // the floor of that share: as many jobs as steps over the same cached blocks, each reducing a 1 x 1 matrix per
      // block in the same tree (scheduling and task launch without the product, the broadcast or the transfers)
      double floor = emptyJobSeconds(a, svd.steps()) / Math.max(1, svd.steps());
      System.out.printf("  an empty job over the same blocks, reduced the same way: %.0f ms%n", 1000 * floor);
      out.put("spark_overhead_per_step_seconds", overhead);
      out.put("spark_empty_job_seconds", floor);
      out.put("penrose_spark_job_steps_seconds", jobs.median());
      out.put("penrose_spark_job_steps_runs", jobs.seconds());
    }
    out.put("input", path);
    out.put("shape", a.shape());
    out.put("rank", k);
    out.put("penrose_seconds", penrose.median());
    out.put("penrose_runs", penrose.seconds());
    out.put("certificate", svd.certificate());
    out.put("u_orthogonality", svd.uOrthogonality());
    out.put("v_orthogonality", svd.vOrthogonality());
    out.put("block_steps", svd.steps());
    out.put("iteration", svd.iteration().label());
    double[] mllib = null;
    if (!skipMllib) {
      Repetitions.Timing<double[]> timing = repetitions.time(() -> MllibBaselines.computeSvd(rows, k));
      mllib = timing.result();
      System.out.printf("  %-36s %8.2f s  (median of%s)%n", "mllib RowMatrix.computeSVD", timing.median(),
          timing.runs());
      System.out.printf("  computeSVD / Penrose: %.2f%s%n", timing.median() / penrose.median(),
          out.containsKey("penrose_spark_job_steps_seconds") ? String.format(" (%.2f with each step a Spark job)",
              timing.median() / (double) out.get("penrose_spark_job_steps_seconds")) : "");
      out.put("mllib_seconds", timing.median());
      out.put("mllib_runs", timing.seconds());
      out.put("mllib_over_penrose", timing.median() / penrose.median());
    }
    if (referencePath != null) {
      JsonNode ref = new ObjectMapper().readTree(new File(referencePath)).get("singular_values");
      double[] s = svd.singularValues();
      out.put("penrose_max_sv_error_over_s1", maxError(s, ref, k));
      System.out.printf("  max |s - reference| / s_1: Penrose %.2e", maxError(s, ref, k));
      if (mllib != null) {
        out.put("mllib_max_sv_error_over_s1", maxError(mllib, ref, Math.min(k, mllib.length)));
        System.out.printf(", computeSVD %.2e", maxError(mllib, ref, Math.min(k, mllib.length)));
      }
      System.out.println();
    }
    rows.unpersist(false);
    a.unpersist();
    return out;
  }

  private static Repetitions.Timing<TruncatedSvd> time(Repetitions repetitions, RowBlockMatrix a, int k,
      TruncatedSvdOptions options) throws Exception {
    return repetitions.time(() -> {
      TruncatedSvd svd = TruncatedSvd.compute(a, k, options);
      svd.u().unpersist();
      return svd;
    });
  }

  /** Wall time of {@code jobs} Spark jobs, each reducing one {@code 1 x 1} matrix per block of {@code a} in order. */
  private static double emptyJobSeconds(RowBlockMatrix a, int jobs) {
    long start = System.nanoTime();
    for (int j = 0; j < jobs; j++) {
      DeterministicReduce.reduce(a.blocks().map(b -> DoubleMatrix.zeros(1, 1)), DeterministicReduce::sum);
    }
    return (System.nanoTime() - start) / 1e9;
  }

  private static double maxError(double[] s, JsonNode reference, int k) {
    double worst = 0;
    for (int i = 0; i < k; i++) {
      worst = Math.max(worst, Math.abs(s[i] - reference.get(i).asDouble()));
    }
    return worst / reference.get(0).asDouble();
  }
}
