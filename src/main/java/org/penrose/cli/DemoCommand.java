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
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.penrose.distributed.DistributedLstsq;
import org.penrose.distributed.RowBlockMatrix;
import org.penrose.linalg.DoubleMatrix;
import org.penrose.linalg.GradCheck;
import org.penrose.linalg.Lapack;
import org.penrose.linalg.ParametrizedMatrix;
import org.penrose.linalg.RankCutoff;
import org.penrose.ml.LeastSquaresFit;
import org.penrose.ml.LeastSquaresRegression;
import org.penrose.ml.LeastSquaresRegressionModel;
import org.penrose.ml.NistCertification;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code penrose demo}: the tour. On generated and bundled data only, it fits a tall
 * rank-deficient regression (collinear feature groups), the eleven NIST StRD problems (Penrose
 * against Spark's {@code LinearRegression}), checks the lstsq gradient against finite differences
 * (locally and through the distributed engine), and writes {@code report.json}, {@code report.md} and
 * PNG plots to an output folder.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Rank-deficient regression on generated data, NIST certified accuracy, gradient checks; writes a report with plots.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--rows", defaultValue = "2000000", description = "Rows of the generated regression (default ${DEFAULT-VALUE}).")
  long rows;

  @Option(names = "--output", defaultValue = "demo-output", paramLabel = "DIR",
      description = "Folder for report.json, report.md and the plots (default ${DEFAULT-VALUE}).")
  Path output;

  @Option(names = "--partitions", description = "Partitions of the generated data (default: twice spark.default.parallelism).")
  Integer partitions;

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
    if (rows < 100) {
      throw new IllegalArgumentException("--rows must be at least 100, got " + rows);
    }
    Files.createDirectories(output);
    Report report = new Report();
    Map<String, Object> summary = new LinkedHashMap<>();
    try (SparkJob.Session session = SparkJob.session("penrose demo")) {
      SparkSession spark = session.spark;
      int parts = partitions != null ? partitions : 2 * spark.sparkContext().defaultParallelism();
      System.out.printf("Penrose demo on %s (%d cores, BLAS/LAPACK %s); output in %s%n", spark.sparkContext().master(),
          spark.sparkContext().defaultParallelism(), Lapack.backend(), output.toAbsolutePath());

      // 1. A tall regression whose design has collinear groups
      int p = INDEPENDENT + DEPENDENT;
      System.out.printf("[1/4] regression on %,d rows x %d features (%d of them sums of two others), %d partitions%n",
          rows, p, DEPENDENT, parts);
      Dataset<Row> data = generate(spark, rows, parts, seed);
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
      Plots.spectrum(output.resolve("spectrum.png"), String.format("Singular values of the equilibrated %d-column design"
          + " (rank %d)", p + 1, fit.rank()), fit.singularValues(), fit.threshold());
      Plots.scatter(output.resolve("residuals.png"), "Residuals of the rank-deficient fit (first " + sample.size() + " rows)",
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
      System.out.println("[2/4] NIST StRD linear regression, certified digits (LRE, min over coefficients)");
      NistCertification nist = NistCertification.embedded();
      List<Map<String, Object>> table = report.time("nist", () -> nistTable(spark, nist, !noSparkComparison));
      System.out.printf("      %-9s %8s %8s %8s %8s%n", "dataset", "Penrose", "refined", "normal", "l-bfgs");
      for (Map<String, Object> row : table) {
        System.out.printf("      %-9s %8.1f %8.1f %8s %8s%n", row.get("dataset"), row.get("penrose"), row.get("penrose_refined"),
            format(row.get("spark_normal")), format(row.get("spark_lbfgs")));
      }
      summary.put("nist", table);

      // 3. Gradients: lstsq VJP/JVP against finite differences, locally and distributed
      System.out.println("[3/4] gradient checks (central differences with a Richardson step)");
      Map<String, Object> gradients = report.time("gradients", () -> gradientChecks(spark, seed));
      summary.put("gradient_checks", gradients);

      // 4. Report
      System.out.println("[4/4] report");
      summary.put("blas", Lapack.backend());
      summary.put("master", spark.sparkContext().master());
      report.put("demo", summary);
      report.write(output.resolve("report.json"));
      writeMarkdown(output.resolve("report.md"), summary, report);
      System.out.printf("wrote %s, %s, %s, %s%n", output.resolve("report.json"), output.resolve("report.md"),
          output.resolve("spectrum.png"), output.resolve("residuals.png"));
      boolean passed = Boolean.TRUE.equals(gradients.get("passed"));
      if (!passed) {
        throw new IllegalStateException("a gradient check failed: " + gradients);
      }
    }
    return 0;
  }

  /**
   * {@code rows} rows of 60 features: 40 independent Gaussians and 20 sums of two of them;
   * {@code y = 1.5 + sum_j beta_j x_j + 0.1 noise}. Each partition draws its rows from its own seed.
   */
  static Dataset<Row> generate(SparkSession spark, long rows, int parts, long seed) {
    double[] beta = new double[INDEPENDENT];
    Random random = new Random(seed);
    for (int j = 0; j < INDEPENDENT; j++) {
      beta[j] = Math.rint(random.nextGaussian() * 100) / 100;
    }
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < parts; i++) {
      ids.add(i);
    }
    JavaRDD<Row> generated = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(ids, parts).flatMap(id -> {
      long first = rows * id / parts;
      long last = rows * (id + 1) / parts;
      Random r = new Random(seed * 1_000_003L + id);
      List<Row> out = new ArrayList<>((int) (last - first));
      for (long i = first; i < last; i++) {
        double[] x = new double[INDEPENDENT + DEPENDENT];
        double y = 1.5;
        for (int j = 0; j < INDEPENDENT; j++) {
          x[j] = r.nextGaussian();
          y += beta[j] * x[j];
        }
        for (int k = 0; k < DEPENDENT; k++) {
          x[INDEPENDENT + k] = x[2 * k] + x[2 * k + 1]; // collinear: a sum of two independent features
        }
        out.add(RowFactory.create(Vectors.dense(x), y + 0.1 * r.nextGaussian()));
      }
      return out.iterator();
    });
    return spark.createDataFrame(generated, new StructType().add("features", SQLDataTypes.VectorType()).add("label", "double"));
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
    ParametrizedMatrix fixedB = ParametrizedMatrix.constant(GenerateCommand.gaussian(30, 2, random), product.parameterCount());
    GradCheck.Result local = GradCheck.lstsq(product, fixedB, GenerateCommand.gaussian(product.parameterCount(), 1, random).values(),
        RankCutoff.DEFAULT);
    System.out.printf("      local lstsq on a 30 x 8 rank-3 X Y^T: JVP rel. error %.1e, VJP rel. error %.1e%n",
        local.jvpRelativeError(), local.vjpRelativeError());
    out.put("local_jvp_relative_error", local.jvpRelativeError());
    out.put("local_vjp_relative_error", local.vjpRelativeError());

    // distributed: A(h) = (X + h dX)(Y + h dY)^T (20000 x 30, rank 10) in 4 row blocks
    int m = 20_000;
    int n = 30;
    int r = 10;
    DoubleMatrix x = GenerateCommand.gaussian(m, r, random);
    DoubleMatrix y = GenerateCommand.gaussian(n, r, random);
    DoubleMatrix dx = GenerateCommand.gaussian(m, r, random);
    DoubleMatrix dy = GenerateCommand.gaussian(n, r, random);
    DoubleMatrix b = GenerateCommand.gaussian(m, 1, random);
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    double h = 1e-4;
    DoubleMatrix[] solutions = new DoubleMatrix[4];
    double[] steps = {h, -h, h / 2, -h / 2};
    for (int k = 0; k < 4; k++) {
      DoubleMatrix a = x.plusScaled(steps[k], dx).timesTranspose(y.plusScaled(steps[k], dy));
      solutions[k] = DistributedLstsq.solve(RowBlockMatrix.fromLocal(sc, a, 4), RowBlockMatrix.fromLocal(sc, b, 4),
          RankCutoff.DEFAULT).solution();
    }
    DoubleMatrix fd = DoubleMatrix.zeros(n, 1);
    for (int i = 0; i < n; i++) {
      double dH = (solutions[0].get(i, 0) - solutions[1].get(i, 0)) / (2 * h);
      double dHalf = (solutions[2].get(i, 0) - solutions[3].get(i, 0)) / h;
      fd.set(i, 0, (4 * dHalf - dH) / 3);
    }
    DoubleMatrix a0 = x.timesTranspose(y);
    DoubleMatrix tangent = dx.timesTranspose(y).plusScaled(1, x.timesTranspose(dy));
    DistributedLstsq ls = DistributedLstsq.solve(RowBlockMatrix.fromLocal(sc, a0, 4), RowBlockMatrix.fromLocal(sc, b, 4),
        RankCutoff.DEFAULT);
    DoubleMatrix dX = ls.jvp(RowBlockMatrix.fromLocal(sc, tangent, 4), null);
    double jvpError = dX.plusScaled(-1, fd).maxAbs() / fd.maxAbs();
    DoubleMatrix gx = GenerateCommand.gaussian(n, 1, random);
    double vjpSide = ls.vjp(gx).a().collectLocal().dot(tangent); // <grad_A, dA>
    double fdSide = gx.dot(fd); // <gX, dX> by finite differences
    double vjpError = Math.abs(vjpSide - fdSide) / Math.abs(fdSide);
    System.out.printf("      distributed lstsq on a %d x %d rank-%d X Y^T (rank %d found): JVP rel. error %.1e,"
        + " VJP rel. error %.1e%n", m, n, r, ls.rank(), jvpError, vjpError);
    out.put("distributed_rank", ls.rank());
    out.put("distributed_jvp_relative_error", jvpError);
    out.put("distributed_vjp_relative_error", vjpError);
    out.put("tolerance", GRADCHECK_TOLERANCE);
    boolean passed = local.passed(GRADCHECK_TOLERANCE) && ls.rank() == r && jvpError <= GRADCHECK_TOLERANCE
        && vjpError <= GRADCHECK_TOLERANCE;
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
    md.append(String.format(Locale.ROOT, "Spark master `%s`, BLAS/LAPACK `%s`.%n%n", summary.get("master"), summary.get("blas")));
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
    md.append("## NIST StRD certified accuracy\n\nCorrect significant digits (LRE, minimum over the coefficients), measured"
        + " in this run: Penrose's estimator with its defaults (equilibrated, one TSQR pass), the same with"
        + " `refinementSteps = 2` (two more passes, compensated residuals), and Spark's `LinearRegression` with its"
        + " `normal` and `l-bfgs` solvers (no regularization).\n\n");
    md.append("| dataset | Penrose | Penrose refined | Spark normal | Spark l-bfgs |\n|---|---|---|---|---|\n");
    for (Map<String, Object> row : (List<Map<String, Object>>) summary.get("nist")) {
      md.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %s | %s |%n", row.get("dataset"), row.get("penrose"),
          row.get("penrose_refined"), format(row.get("spark_normal")), format(row.get("spark_lbfgs"))));
    }
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
