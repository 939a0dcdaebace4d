package org.penrose.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.ml.ExponentialSum;
import org.penrose.ml.SeparableModel;
import org.penrose.ml.VariableProjection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code penrose varpro}: variable projection on generated data. Fits a sum of three decaying
 * exponentials to noisy points, then the same data family with a basis that repeats one
 * exponential (a rank-deficient {@code Phi}); checks that the true rates are recovered within the
 * noise, prints the Levenberg–Marquardt iterations and writes plots and a report.
 */
@Command(name = "varpro", mixinStandardHelpOptions = true,
    description = "Separable nonlinear least squares (variable projection with the Golub-Pereyra Jacobian) on "
        + "generated data.")
final class VarproCommand implements Callable<Integer> {
  @Option(names = "--points", defaultValue = "1000000", description = "Noisy points to fit (default ${DEFAULT-VALUE}).")
  long points;

  @Option(names = "--noise", defaultValue = "0.01",
      description = "Standard deviation of the noise (default ${DEFAULT-VALUE}).")
  double noise;

  @Option(names = "--output", defaultValue = "varpro-output", paramLabel = "DIR",
      description = "Folder for report.json and the plots (default ${DEFAULT-VALUE}).")
  Path output;

  @Mixin GeneratedPartitions partitions;

  @Option(names = "--max-iterations", defaultValue = "100",
      description = "Levenberg-Marquardt iterations at most (default ${DEFAULT-VALUE}).")
  int maxIterations;

  @Option(names = "--seed", defaultValue = "1973", description = "Random seed (default ${DEFAULT-VALUE}).")
  long seed;

  /** Parameters count as recovered when within this many standard errors of the truth. */
  static final double RECOVERY_STANDARD_ERRORS = 4;

  /** Points shown in the plots. */
  private static final int PLOTTED_POINTS = 2000;

  /** One generated problem: the data's model and parameters, and the model fitted to them. */
  private record Case(String name, String title, SeparableModel truth, double[] alpha, double[] coefficients,
      SeparableModel fitted, double[] start) { }

  @Override
  public Integer call() throws Exception {
    OutputPaths.requireFolder(output); // before any work
    if (points < 100) {
      throw new IllegalArgumentException("--points must be at least 100, got " + points);
    }
    if (!(noise > 0) || Double.isInfinite(noise)) {
      throw new IllegalArgumentException("--noise must be positive and finite, got " + noise);
    }
    List<Case> cases = List.of(
        new Case("three_exponentials", "3 exp(-0.5 t) + 2 exp(-1.5 t) + exp(-4 t)", new ExponentialSum(0, 1, 2),
            new double[] {0.5, 1.5, 4.0}, new double[] {3, 2, 1}, new ExponentialSum(0, 1, 2),
                new double[] {0.3, 1.0, 3.0}),
        new Case("rank_deficient_basis", "3 exp(-0.5 t) + 2 exp(-2 t), fitted with exp(-a0 t) twice",
            new ExponentialSum(0, 1), new double[] {0.5, 2.0}, new double[] {3, 2}, new ExponentialSum(0, 0, 1),
            new double[] {0.3, 1.0}));
    Files.createDirectories(output);
    Report report = new Report();
    List<Map<String, Object>> results = new ArrayList<>();
    boolean allRecovered = true;
    try (SparkJob.Session session = SparkJob.session("penrose varpro")) {
      SparkSession spark = session.spark();
      JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      int parts = partitions.resolve(spark);
      System.out.printf("Penrose varpro on %s: %,d points per case, noise %.3g, %d partitions; output in %s%n",
          spark.sparkContext().master(), points, noise, parts, output.toAbsolutePath());
      for (int index = 0; index < cases.size(); index++) {
        Case c = cases.get(index);
        System.out.printf("[%d/%d] %s: data %s; model %s; start alpha %s%n", index + 1, cases.size(), c.name, c.title,
            c.fitted.describe(), Arrays.toString(c.start));
        RowBlockMatrix data = VariableProjection.simulate(sc, c.truth, c.alpha, c.coefficients, points, parts, 0, 5,
            noise,
            seed + index).persist();
        VariableProjection.Options options = new VariableProjection.Options().maxIterations(maxIterations)
            .progress(it -> System.out.printf(Locale.ROOT,
                "      iteration %2d  alpha %s  RSS %.10e  lambda %.1e  rank %d%n",
                it.number, format(it.alpha), it.residualSumOfSquares, it.lambda, it.rank));
        VariableProjection.Result fit = report.time(c.name, () -> VariableProjection.fit(data, c.fitted, c.start,
            options));
        Map<String, Object> result = summarize(c, fit);
        allRecovered &= Boolean.TRUE.equals(result.get("recovered"));
        System.out.printf(Locale.ROOT,
            "      %s after %d iterations: alpha %s (true %s, standard errors %s), rank %d, c %s%n",
            Boolean.TRUE.equals(result.get("recovered")) ? "recovered" : "NOT recovered", fit.iterations.size(),
            format(fit.alpha), format(c.alpha), format(fit.alphaStandardErrors), fit.rank, format(fit.coefficients));
        Path plot = output.resolve(c.name + ".png");
        plot(plot, c, fit, data);
        result.put("plot", plot.getFileName().toString());
        results.add(result);
        data.unpersist();
      }
      report.put("varpro", Map.of("points", points, "noise", noise, "partitions", parts, "cases", results));
      report.write(output.resolve("report.json"));
      System.out.printf("wrote %s and %d plots%n", output.resolve("report.json"), cases.size());
    }
    if (!allRecovered) {
      throw new IllegalStateException("a fit did not converge to the true parameters within "
          + RECOVERY_STANDARD_ERRORS + " standard errors; see " + output.resolve("report.json"));
    }
    return 0;
  }

  private static Map<String, Object> summarize(Case c, VariableProjection.Result fit) {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("case", c.name);
    result.put("data", c.title);
    result.put("model", c.fitted.describe());
    result.put("true_alpha", c.alpha);
    result.put("start_alpha", c.start);
    result.put("alpha", fit.alpha);
    result.put("alpha_standard_errors", fit.alphaStandardErrors);
    double worst = 0;
    for (int k = 0; k < c.alpha.length; k++) {
      worst = Math.max(worst, Math.abs(fit.alpha[k] - c.alpha[k]) / fit.alphaStandardErrors[k]);
    }
    result.put("max_error_in_standard_errors", worst);
    result.put("coefficients", fit.coefficients);
    result.put("rank", fit.rank);
    result.put("residual_sum_of_squares", fit.residualSumOfSquares);
    result.put("points", fit.points);
    result.put("converged", fit.converged);
    result.put("iterations", fit.iterations.size());
    List<Map<String, Object>> history = new ArrayList<>();
    for (VariableProjection.Iteration it : fit.iterations) {
      Map<String, Object> step = new LinkedHashMap<>();
      step.put("alpha", it.alpha);
      step.put("residual_sum_of_squares", it.residualSumOfSquares);
      step.put("lambda", it.lambda);
      step.put("rank", it.rank);
      history.add(step);
    }
    result.put("history", history);
    result.put("recovered", fit.converged && worst <= RECOVERY_STANDARD_ERRORS);
    return result;
  }

  /** The first points of the first block and the fitted curve on a grid. */
  private static void plot(Path file, Case c, VariableProjection.Result fit, RowBlockMatrix data) throws IOException {
    DoubleMatrix first = data.blocks().first().values();
    int shown = Math.min(PLOTTED_POINTS, first.rows());
    double[] t = new double[shown];
    double[] y = new double[shown];
    double[] fitted = new double[shown];
    for (int i = 0; i < shown; i++) {
      t[i] = first.get(i, 0);
      y[i] = first.get(i, 1);
      fitted[i] = VariableProjection.predict(c.fitted, fit.alpha, fit.coefficients, t[i]);
    }
    int grid = 400;
    double[] curveT = new double[grid];
    double[] curveY = new double[grid];
    for (int i = 0; i < grid; i++) {
      curveT[i] = 5.0 * i / (grid - 1);
      curveY[i] = VariableProjection.predict(c.fitted, fit.alpha, fit.coefficients, curveT[i]);
    }
    Plots.dataAndFit(file, String.format(Locale.ROOT, "%s: alpha = %s (rank %d, %d of %,d points shown)", c.name,
        format(fit.alpha), fit.rank, shown, fit.points), "t", "y", t, y, fitted, curveT, curveY);
  }

  private static String format(double[] values) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < values.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.6g", values[i]));
    }
    return sb.append(']').toString();
  }
}
