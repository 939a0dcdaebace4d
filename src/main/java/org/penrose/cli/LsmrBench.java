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
 * 1e-14}. Penrose's {@code tol} goes from 1e-6 down by factors of 100 until the target holds, then one factor of
 * 10 back if that holds too; Spark's {@code maxIter} doubles from 25 (its {@code tol} 1e-15, so that {@code
 * maxIter} decides) until the target holds, then is bisected down to the fewest iterations that reach it. Each
 * side is timed, as medians of {@code --repeat} runs, at the cheapest setting that reaches the target.
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
    // Penrose: tol from 1e-6 down by 100 until the coefficients are within the target, then the tol 10x looser
    // than the rung that reached it, if that reaches it too
    List<Map<String, Object>> penroseLadder = new ArrayList<>();
    Map<String, Object> reached = null;
    for (double tol = 1e-6; tol >= 1e-12 && reached == null; tol /= 100) {
      Map<String, Object> rung = penroseRung(p, tol, exact, repetitions);
      penroseLadder.add(rung);
      if ((double) rung.get("error") <= accuracy) {
        reached = rung;
        if (tol < 1e-6) {
          Map<String, Object> looser = penroseRung(p, tol * 10, exact, repetitions);
          penroseLadder.add(looser);
          reached = (double) looser.get("error") <= accuracy ? looser : rung;
        }
      }
    }
    if (reached != null) {
      out.put("penrose_tol", reached.get("tol"));
      out.put("penrose_seconds", reached.get("seconds"));
      out.put("penrose_runs", reached.get("runs"));
      out.put("penrose_iterations", reached.get("iterations"));
      out.put("penrose_error", reached.get("error"));
    }
    out.put("penrose_ladder", penroseLadder);
    if (!skipSpark) {
      sparkLadder(p, exact, accuracy, repetitions, out);
    }
    p.unpersist();
    return out;
  }

  /** Penrose's fit at {@code tol}, timed: its tol, iterations, median seconds, runs and error. */
  private static Map<String, Object> penroseRung(OneHotProblem p, double tol, double[] exact, Repetitions repetitions)
      throws Exception {
    Repetitions.Timing<LeastSquaresRegressionModel> timing = repetitions.time(() -> lsmr(tol).fit(p.frame));
    LeastSquaresRegressionModel fitted = timing.result();
    double error = relativeDifference(withIntercept(fitted.coefficients().toArray(), fitted.intercept()), exact);
    int iterations = fitted.summary().iterative().iterations();
    System.out.printf("  %-40s %8.2f s  (median of%s)  %d iterations, error %.1e%n", "penrose LSMR, tol " + tol,
        timing.median(), timing.runs(), iterations, error);
    return Map.of("tol", tol, "iterations", iterations, "seconds", timing.median(), "runs", timing.seconds(),
        "error", error);
  }

  /**
   * Spark's fit: {@code maxIter} doubling from 25 ({@code tol} 1e-15, so that {@code maxIter} decides) until
   * within the target, then bisected between the last rung outside it and the first within it, so that Spark is
   * timed at the fewest iterations that reach the target; that {@code maxIter} is timed as a median.
   */
  private static void sparkLadder(OneHotProblem p, double[] exact, double accuracy, Repetitions repetitions,
      Map<String, Object> out) throws Exception {
    List<Map<String, Object>> ladder = new ArrayList<>();
    int outside = 0;
    Integer within = null;
    double withinError = Double.NaN;
    for (int iterations = 25; iterations <= MAX_SPARK_ITERATIONS && within == null; iterations *= 2) {
      Map<String, Object> rung = sparkRung(p, iterations, exact);
      ladder.add(rung);
      if ((double) rung.get("error") <= accuracy) {
        within = iterations;
        withinError = (double) rung.get("error");
      } else if ((int) rung.get("iterations") < iterations) {
        System.out.printf("  spark stopped by its own test at %d iterations, outside the target%n",
            (int) rung.get("iterations"));
        break;
      } else {
        outside = iterations;
      }
    }
    out.put("spark_ladder", ladder);
    if (within == null) {
      System.out.printf("  spark did not reach the target within maxIter %d%n", MAX_SPARK_ITERATIONS);
      out.put("spark_reached_accuracy", false);
      return;
    }
    while (within - outside > 1) {
      int middle = (outside + within) / 2;
      Map<String, Object> rung = sparkRung(p, middle, exact);
      ladder.add(rung);
      if ((double) rung.get("error") <= accuracy) {
        within = middle;
        withinError = (double) rung.get("error");
      } else {
        outside = middle;
      }
    }
    int fewest = within;
    Repetitions.Timing<LinearRegressionModel> timing = repetitions.time(() -> spark(fewest).fit(p.frame));
    out.put("spark_max_iter", fewest);
    out.put("spark_seconds", timing.median());
    out.put("spark_runs", timing.seconds());
    out.put("spark_error", withinError);
    out.put("spark_reached_accuracy", true);
    System.out.printf("  spark at maxIter %d (the fewest within the target): %.2f s (median of%s)%n", fewest,
        timing.median(), timing.runs());
    if (out.containsKey("penrose_seconds")) {
      double ratio = timing.median() / (double) out.get("penrose_seconds");
      out.put("spark_over_penrose", ratio);
      System.out.printf("  spark / penrose at the target: %.2f%n", ratio);
    }
  }

  /** One untimed-median Spark fit at {@code maxIter}: its maxIter, iterations run, seconds and error. */
  private static Map<String, Object> sparkRung(OneHotProblem p, int maxIter, double[] exact) {
    long started = System.nanoTime();
    LinearRegressionModel model = spark(maxIter).fit(p.frame);
    double seconds = (System.nanoTime() - started) / 1e9;
    double error = relativeDifference(withIntercept(model.coefficients().toArray(), model.intercept()), exact);
    int ran = model.summary().totalIterations();
    System.out.printf("  %-40s %8.2f s  %d iterations run, error %.1e%n", "spark LinearRegression l-bfgs, maxIter "
        + maxIter, seconds, ran, error);
    return Map.of("max_iter", maxIter, "iterations", ran, "seconds", seconds, "error", error);
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
