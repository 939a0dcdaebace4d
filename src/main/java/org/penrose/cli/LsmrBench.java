package org.penrose.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.ml.regression.LinearRegressionModel;
import org.apache.spark.sql.SparkSession;
import org.penrose.bench.OneHotProblem;
import org.penrose.ml.LeastSquaresRegression;
import org.penrose.ml.LeastSquaresRegressionModel;

/**
 * The bench's LSMR section: a generated one-hot regression ({@link OneHotProblem}) fitted by the estimator's
 * LSMR route and by Spark's {@code LinearRegression} (L-BFGS, the solver it uses past 4096 features) on the
 * same cached DataFrame in the same JVM, to the same accuracy: the coefficients within {@code --one-hot-accuracy}
 * (relative 2-norm of {@code [coefficients, intercept]}) of a reference, Penrose's LSMR fit at {@code tol =
 * 1e-14}. Penrose's {@code tol} goes from 1e-6 down by factors of 100, Spark's {@code maxIter} doubles from 25
 * (its {@code tol} 1e-15, so that {@code maxIter} decides), each until the target holds; the rungs that reach it
 * are timed as medians of {@code --repeat} runs.
 */
final class LsmrBench {
  /** Spark's L-BFGS is given at most this many iterations. */
  private static final int MAX_SPARK_ITERATIONS = 3200;

  private LsmrBench() {}

  static Map<String, Object> run(SparkSession spark, long rows, int columns, int partitions, double accuracy,
      Repetitions repetitions, boolean skipSpark) throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    long t0 = System.nanoTime();
    OneHotProblem p = OneHotProblem.generate(spark, rows, columns, partitions);
    System.out.printf("%nlsmr: one-hot regression %d x %d (two dummy-coded features and %d numeric), %d partitions,"
        + " generated and cached in %.1f s; target: coefficients within %.0e of the reference%n", rows, columns,
        OneHotProblem.NUMERIC, partitions, (System.nanoTime() - t0) / 1e9, accuracy);
    LeastSquaresRegressionModel reference = lsmr(1e-14).fit(p.frame);
    double[] exact = withIntercept(reference.coefficients().toArray(), reference.intercept());
    System.out.printf("  reference: LSMR at tol 1e-14, %d iterations (%s)%n",
        reference.summary().iterative().iterations(), reference.summary().iterative().stop());
    out.put("rows", rows);
    out.put("columns", columns);
    out.put("accuracy", accuracy);
    out.put("reference_iterations", reference.summary().iterative().iterations());
    // Penrose: tol from 1e-6 down by 100 until the coefficients are within the target
    List<Map<String, Object>> penroseLadder = new ArrayList<>();
    for (double tol = 1e-6; tol >= 1e-12; tol /= 100) {
      double rungTol = tol;
      Repetitions.Timing<LeastSquaresRegressionModel> timing = repetitions.time(() -> lsmr(rungTol).fit(p.frame));
      LeastSquaresRegressionModel fitted = timing.result();
      double error = relativeDifference(withIntercept(fitted.coefficients().toArray(), fitted.intercept()), exact);
      int iterations = fitted.summary().iterative().iterations();
      System.out.printf("  %-40s %8.2f s  (median of%s)  %d iterations, error %.1e%n", "penrose LSMR, tol " + tol,
          timing.median(), timing.runs(), iterations, error);
      penroseLadder.add(Map.of("tol", tol, "iterations", iterations, "seconds", timing.median(), "error", error));
      if (error <= accuracy) {
        out.put("penrose_tol", tol);
        out.put("penrose_seconds", timing.median());
        out.put("penrose_runs", timing.seconds());
        out.put("penrose_iterations", iterations);
        out.put("penrose_error", error);
        break;
      }
    }
    out.put("penrose_ladder", penroseLadder);
    if (!skipSpark) {
      // Spark: maxIter doubling from 25 (tol 1e-15, so that maxIter decides) until within the target
      List<Map<String, Object>> ladder = new ArrayList<>();
      for (int iterations = 25; iterations <= MAX_SPARK_ITERATIONS; iterations *= 2) {
        long started = System.nanoTime();
        LinearRegressionModel model = spark(iterations).fit(p.frame);
        double seconds = (System.nanoTime() - started) / 1e9;
        double error = relativeDifference(withIntercept(model.coefficients().toArray(), model.intercept()), exact);
        int ran = model.summary().totalIterations();
        System.out.printf("  %-40s %8.2f s  %d iterations run, error %.1e%n", "spark LinearRegression l-bfgs, maxIter "
            + iterations, seconds, ran, error);
        ladder.add(Map.of("max_iter", iterations, "iterations", ran, "seconds", seconds, "error", error));
        if (error <= accuracy || ran < iterations) {
          int reached = iterations;
          Repetitions.Timing<LinearRegressionModel> timing = repetitions.time(() -> spark(reached).fit(p.frame));
          out.put("spark_max_iter", reached);
          out.put("spark_seconds", timing.median());
          out.put("spark_runs", timing.seconds());
          out.put("spark_error", error);
          out.put("spark_reached_accuracy", error <= accuracy);
          System.out.printf("  spark at maxIter %d: %.2f s (median of%s), %s%n", reached, timing.median(),
              timing.runs(), error <= accuracy ? "within the target" : "stopped by its own test outside the target");
          if (out.containsKey("penrose_seconds")) {
            double ratio = timing.median() / (double) out.get("penrose_seconds");
            out.put("spark_over_penrose", ratio);
            System.out.printf("  spark / penrose at the target: %.2f%n", ratio);
          }
          break;
        }
      }
      out.put("spark_ladder", ladder);
      if (!out.containsKey("spark_seconds")) {
        System.out.printf("  spark did not reach the target within maxIter %d%n", MAX_SPARK_ITERATIONS);
      }
    }
    p.unpersist();
    return out;
  }

  private static LeastSquaresRegression lsmr(double tol) {
    return new LeastSquaresRegression().setSolver("lsmr").setTol(tol).setMaxIter(1_000_000);
  }

  private static LinearRegression spark(int maxIter) {
    return new LinearRegression().setSolver("l-bfgs").setRegParam(0).setElasticNetParam(0).setTol(1e-15)
        .setMaxIter(maxIter);
  }

  private static double[] withIntercept(double[] coefficients, double intercept) {
    double[] all = Arrays.copyOf(coefficients, coefficients.length + 1);
    all[coefficients.length] = intercept;
    return all;
  }

  private static double relativeDifference(double[] x, double[] reference) {
    double diff = 0;
    double norm = 0;
    for (int j = 0; j < x.length; j++) {
      diff = Math.hypot(diff, x[j] - reference[j]);
      norm = Math.hypot(norm, reference[j]);
    }
    return diff / norm;
  }
}
