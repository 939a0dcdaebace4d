package org.penrose.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.penrose.blas.BlasBackend;
import org.penrose.check.CollinearRegression;
import org.penrose.check.DistributedGradCheck;
import org.penrose.check.GradCheck;
import org.penrose.check.NistCertification;
import org.penrose.check.ParametrizedMatrix;
import org.penrose.check.RandomMatrices;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.ml.LeastSquaresFit;
import org.penrose.ml.LeastSquaresRegression;
import org.penrose.ml.LeastSquaresRegressionModel;
import org.penrose.ml.RidgePath;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code penrose demo}: the tour. On generated and bundled data only, it fits a tall
 * rank-deficient regression (collinear feature groups), the eleven NIST StRD problems (Penrose
 * against Spark's {@code LinearRegression}), checks the lstsq gradient against finite differences
 * (locally and through the distributed engine), and writes {@code report.json}, {@code report.md} and
 * PNG plots to an output folder.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Rank-deficient regression on generated data, NIST certified accuracy, gradient checks; writes a "
        + "report with plots.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--rows", defaultValue = "2000000",
      description = "Rows of the generated regression (default ${DEFAULT-VALUE}).")
  long rows;

  @Option(names = "--output", defaultValue = "demo-output", paramLabel = "DIR",
      description = "Folder for report.json, report.md and the plots (default ${DEFAULT-VALUE}).")
  Path output;

  @Mixin GeneratedPartitions partitions;

  @Option(names = "--seed", defaultValue = "2026", description = "Random seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--no-spark-comparison", description = "Skip Spark's LinearRegression on the NIST problems (faster).")
  boolean noSparkComparison;

  /** Independent features; each of the next DEPENDENT is the sum of two of them. */
  static final int INDEPENDENT = 40;

  static final int DEPENDENT = 20;

  /** Finite differences with one Richardson step reach about 1e-10 on these problems. */
  static final double GRADCHECK_TOLERANCE = 1e-8;

  @Override
  public Integer call() throws Exception {
    OutputPaths.requireFolder(output); // before any work
    if (rows < 100) {
      throw new IllegalArgumentException("--rows must be at least 100, got " + rows);
    }
    Files.createDirectories(output);
    Report report = new Report();
    Map<String, Object> summary = new LinkedHashMap<>();
    try (SparkJob.Session session = SparkJob.session("penrose demo")) {
      SparkSession spark = session.spark();
      int parts = partitions.resolve(spark);
      System.out.printf("Penrose demo on %s (%d cores, BLAS/LAPACK %s); output in %s%n", spark.sparkContext().master(),
          spark.sparkContext().defaultParallelism(), BlasBackend.describe(), output.toAbsolutePath());

      // 1. A tall regression whose design has collinear groups
      int p = INDEPENDENT + DEPENDENT;
      System.out.printf("[1/5] regression on %,d rows x %d features (%d of them sums of two others), %d partitions%n",
          rows, p, DEPENDENT, parts);
      Dataset<Row> data = CollinearRegression.generate(spark, rows, parts, seed, INDEPENDENT, DEPENDENT);
      LeastSquaresRegressionModel model = report.time("fit", () -> new LeastSquaresRegression().fit(data));
      LeastSquaresFit fit = model.summary();
      System.out.printf("      rank %d of %d (intercept included), R^2 %.6f, %d dependent columns found: %s%n",
          fit.rank(), p + 1, fit.r2(), fit.dependentColumns().size(), abbreviate(fit.dependentColumns()));
      List<Row> sample = report.time("residuals", () -> model.transform(data).select("prediction", "label").limit(3000)
          .collectAsList());
      double[] fitted = new double[sample.size()];
      double[] residuals = new double[sample.size()];
      for (int i = 0; i < sample.size(); i++) {
        fitted[i] = sample.get(i).getDouble(0);
        residuals[i] = sample.get(i).getDouble(1) - fitted[i];
      }
      Plots.spectrum(output.resolve("spectrum.png"),
          String.format("Singular values of the equilibrated %d-column design"
          + " (rank %d)", p + 1, fit.rank()), fit.singularValues(), fit.threshold());
      Plots.scatter(output.resolve("residuals.png"), "Residuals of the rank-deficient fit (first " + sample.size()
          + " rows)",
          "fitted value", "residual", fitted, residuals);
      Map<String, Object> regression = new LinkedHashMap<>();
      regression.put("rows", fit.rows());
      regression.put("features", p);
      regression.put("rank", fit.rank());
      regression.put("dependent_columns", fit.dependentColumns());
      regression.put("r2", fit.r2());
      regression.put("residual_sum_of_squares", fit.residualSumOfSquares());
      regression.put("threshold", fit.threshold());
      regression.put("singular_values", fit.singularValues());
      regression.put("intercept", fit.intercept());
      regression.put("coefficients", fit.coefficients());
      summary.put("rank_deficient_regression", regression);

      // 2. NIST StRD certified values: Penrose and Spark's LinearRegression in the same run
      System.out.println("[2/5] NIST StRD linear regression, certified digits (LRE, min over coefficients)");
      NistCertification nist = NistCertification.embedded();
      List<Map<String, Object>> table = report.time("nist", () -> nistTable(spark, nist, !noSparkComparison));
      System.out.printf("      %-9s %8s %8s %8s %8s%n", "dataset", "Penrose", "refined", "normal", "l-bfgs");
      for (Map<String, Object> row : table) {
        System.out.printf("      %-9s %8.1f %8.1f %8s %8s%n", row.get("dataset"), row.get("penrose"),
            row.get("penrose_refined"),
            format(row.get("spark_normal")), format(row.get("spark_lbfgs")));
      }
      summary.put("nist", table);

      // 3. Ridge on Longley (16 rows, six collinear columns): the whole path from one pass
      System.out.println("[3/5] ridge on NIST Longley: GCV and leave-one-out over "
          + LeastSquaresRegression.DEFAULT_PATH_SIZE
          + " penalties, one pass for the path and one for the leverages");
      LeastSquaresFit ridge = report.time("ridge", () -> new LeastSquaresRegression().setRegParamSelection("loo")
          .fit(nist.frame(spark, "Longley", 1)).summary());
      List<RidgePath.Solution> path = ridge.regularizationPath();
      double[] grid = new double[path.size()];
      double[] gcv = new double[path.size()];
      double[] loo = new double[path.size()];
      for (int i = 0; i < path.size(); i++) {
        grid[i] = path.get(i).regParam();
        gcv[i] = path.get(i).gcv();
        loo[i] = path.get(i).leaveOneOut();
      }
      RidgePath.Solution byGcv = RidgePath.least(
          path.toArray(new RidgePath.Solution[0]), RidgePath.Solution::gcv);
      System.out.printf("      regParam by leave-one-out %.3g (effective df %.2f of 7), by GCV %.3g (df %.2f)%n",
          ridge.regParam(), ridge.effectiveDegreesOfFreedom(), byGcv.regParam(), byGcv.effectiveDegreesOfFreedom());
      Map<String, double[]> criteria = new LinkedHashMap<>();
      criteria.put("GCV", gcv);
      criteria.put("leave-one-out", loo);
      Plots.path(output.resolve("ridge_path.png"), "Ridge on NIST Longley: prediction error along the path", grid,
          criteria,
          ridge.regParam());
      Map<String, Object> ridgeSummary = new LinkedHashMap<>();
      ridgeSummary.put("reg_param_loo", ridge.regParam());
      ridgeSummary.put("effective_df", ridge.effectiveDegreesOfFreedom());
      ridgeSummary.put("reg_param_gcv", byGcv.regParam());
      ridgeSummary.put("coefficients", ridge.coefficients());
      ridgeSummary.put("intercept", ridge.intercept());
      summary.put("ridge_longley", ridgeSummary);

      // 4. Gradients: lstsq VJP/JVP against finite differences, locally and distributed
      System.out.println("[4/5] gradient checks (central differences with a Richardson step)");
      Map<String, Object> gradients = report.time("gradients", () -> gradientChecks(spark, seed));
      summary.put("gradient_checks", gradients);

      // 5. Report
      System.out.println("[5/5] report");
      summary.put("blas", BlasBackend.describe());
      summary.put("master", spark.sparkContext().master());
      report.put("demo", summary);
      report.write(output.resolve("report.json"));
      writeMarkdown(output.resolve("report.md"), summary, report);
      System.out.printf("wrote %s, %s, %s, %s, %s%n", output.resolve("report.json"), output.resolve("report.md"),
          output.resolve("spectrum.png"), output.resolve("residuals.png"), output.resolve("ridge_path.png"));
      boolean passed = Boolean.TRUE.equals(gradients.get("passed"));
      if (!passed) {
        throw new IllegalStateException("a gradient check failed: " + gradients);
      }
    }
    return 0;
  }

  /** Each NIST problem (82 rows at most) as one partition: Penrose one-pass, refined twice, and Spark's solvers. */
  private static List<Map<String, Object>> nistTable(SparkSession spark, NistCertification nist, boolean withSpark) {
    List<Map<String, Object>> table = new ArrayList<>();
    for (String dataset : NistCertification.DATASETS) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("dataset", dataset);
      row.put("penrose", round(nist.penrose(spark, dataset, 1).digits));
      row.put("penrose_refined", round(nist.penroseRefined(spark, dataset, 1, 2).digits));
      row.put("spark_normal", withSpark ? round(nist.spark(spark, dataset, "normal", 1).digits) : null);
      row.put("spark_lbfgs", withSpark ? round(nist.spark(spark, dataset, "l-bfgs", 1).digits) : null);
      table.add(row);
    }
    return table;
  }

  private static String format(Object digits) {
    return digits == null ? "-" : String.format(Locale.ROOT, "%.1f", (Double) digits);
  }

  private static double round(double digits) {
    return Math.round(digits * 10) / 10.0;
  }

  private static Map<String, Object> gradientChecks(SparkSession spark, long seed) {
    Random random = new Random(seed);
    Map<String, Object> out = new LinkedHashMap<>();
    // local: theta = (X, Y), A = X Y^T of rank 3 (30 x 8), B fixed
    ParametrizedMatrix product = ParametrizedMatrix.outerProduct(30, 8, 3);
    ParametrizedMatrix fixedB = ParametrizedMatrix.constant(RandomMatrices.gaussian(30, 2, random),
        product.parameterCount());
    GradCheck.Result local = GradCheck.lstsq(product, fixedB,
        RandomMatrices.gaussian(product.parameterCount(), 1, random).values(), RankCutoff.DEFAULT);
    System.out.printf("      local lstsq on a 30 x 8 rank-3 X Y^T: JVP rel. error %.1e, VJP rel. error %.1e%n",
        local.jvpRelativeError(), local.vjpRelativeError());
    out.put("local_jvp_relative_error", local.jvpRelativeError());
    out.put("local_vjp_relative_error", local.vjpRelativeError());

    // distributed: A(h) = (X + h dX)(Y + h dY)^T (20000 x 30, rank 10) in 4 row blocks
    int m = 20_000;
    int n = 30;
    int r = 10;
    DistributedGradCheck.Curve curve = DistributedGradCheck.Curve.random(m, n, r, 1, random);
    DoubleMatrix gx = RandomMatrices.gaussian(n, 1, random);
    GradCheck.Result distributed = DistributedGradCheck.lstsq(
        JavaSparkContext.fromSparkContext(spark.sparkContext()), curve, 4, RankCutoff.DEFAULT, 1e-4, gx);
    System.out.printf("      distributed lstsq on a %d x %d rank-%d X Y^T (rank %d found): JVP rel. error %.1e,"
        + " VJP rel. error %.1e%n", m, n, r, distributed.rank(), distributed.jvpRelativeError(),
        distributed.vjpRelativeError());
    out.put("distributed_rank", distributed.rank());
    out.put("distributed_jvp_relative_error", distributed.jvpRelativeError());
    out.put("distributed_vjp_relative_error", distributed.vjpRelativeError());
    out.put("tolerance", GRADCHECK_TOLERANCE);
    boolean passed = local.passed(GRADCHECK_TOLERANCE) && distributed.rank() == r
        && distributed.passed(GRADCHECK_TOLERANCE);
    out.put("passed", passed);
    System.out.println("      " + (passed ? "PASS" : "FAIL"));
    return out;
  }

  private static String abbreviate(List<String> names) {
    return names.size() <= 6 ? names.toString()
        : names.subList(0, 3) + " ... " + names.subList(names.size() - 2, names.size());
  }

  @SuppressWarnings("unchecked")
  private static void writeMarkdown(Path file, Map<String, Object> summary, Report report) throws IOException {
    Map<String, Object> regression = (Map<String, Object>) summary.get("rank_deficient_regression");
    Map<String, Object> gradients = (Map<String, Object>) summary.get("gradient_checks");
    StringBuilder md = new StringBuilder();
    md.append("# Penrose demo\n\n");
    md.append(String.format(Locale.ROOT, "Spark master `%s`, BLAS/LAPACK `%s`.%n%n", summary.get("master"),
        summary.get("blas")));
    md.append("## Rank-deficient regression\n\n");
    md.append(String.format(Locale.ROOT, "%,d rows, %d features: %d independent Gaussians and %d sums of two of them,"
        + " plus an intercept. Fitted with `LeastSquaresRegression` (TSQR, one pass, equilibrated) in %.1f s.%n%n",
        (Long) regression.get("rows"), (Integer) regression.get("features"), INDEPENDENT, DEPENDENT,
        report.seconds("fit")));
    md.append(String.format(Locale.ROOT, "* rank **%d** of %d; dependent columns found: %s%n", regression.get("rank"),
        (Integer) regression.get("features") + 1, regression.get("dependent_columns")));
    md.append(String.format(Locale.ROOT, "* R^2 = %.6f, residual sum of squares %.6g%n%n", regression.get("r2"),
        regression.get("residual_sum_of_squares")));
    md.append("![singular value spectrum](spectrum.png)\n\n![residuals](residuals.png)\n\n");
    md.append("## NIST StRD certified accuracy\n\nCorrect significant digits (LRE, minimum over the coefficients),"
        + " measured in this run: Penrose's estimator with its defaults (equilibrated, one TSQR pass, refined"
        + " automatically while the estimated error exceeds 1e-13), the same with `refinementSteps = 2` (exactly"
        + " two more passes), and Spark's `LinearRegression` with its `normal` and `l-bfgs` solvers (no"
        + " regularization).\n\n");
    md.append("| dataset | Penrose | Penrose refined | Spark normal | Spark l-bfgs |\n|---|---|---|---|---|\n");
    for (Map<String, Object> row : (List<Map<String, Object>>) summary.get("nist")) {
      md.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %s | %s |%n", row.get("dataset"), row.get("penrose"),
          row.get("penrose_refined"), format(row.get("spark_normal")), format(row.get("spark_lbfgs"))));
    }
    Map<String, Object> ridge = (Map<String, Object>) summary.get("ridge_longley");
    md.append(String.format(Locale.ROOT,
        "%n## Ridge path (NIST Longley)%n%nGCV and leave-one-out error for %d penalties"
        + " from one TSQR pass (and one more for the leverages): regParam %.3g by leave-one-out (effective degrees of"
        + " freedom %.2f of 7), %.3g by GCV.%n%n![ridge path](ridge_path.png)%n",
            LeastSquaresRegression.DEFAULT_PATH_SIZE,
        ridge.get("reg_param_loo"), ridge.get("effective_df"), ridge.get("reg_param_gcv")));
    md.append("\n## Gradient checks\n\n");
    md.append(String.format(Locale.ROOT, "lstsq JVP and VJP against central finite differences (one Richardson step),"
        + " along rank-preserving curves `(X + h dX)(Y + h dY)^T`: local (30 x 8, rank 3) JVP %.1e, VJP %.1e;"
        + " distributed (20,000 x 30, rank 10, 4 row blocks) JVP %.1e, VJP %.1e; tolerance %.0e: **%s**.%n%n",
        gradients.get("local_jvp_relative_error"), gradients.get("local_vjp_relative_error"),
        gradients.get("distributed_jvp_relative_error"), gradients.get("distributed_vjp_relative_error"),
        gradients.get("tolerance"), Boolean.TRUE.equals(gradients.get("passed")) ? "pass" : "FAIL"));
    md.append("## Phase times (s)\n\n");
    for (Map.Entry<String, Double> e : report.seconds().entrySet()) {
      md.append(String.format(Locale.ROOT, "* %s: %.2f%n", e.getKey(), e.getValue()));
    }
    Files.writeString(file, md.toString(), StandardCharsets.UTF_8);
  }
}
