package org.penrose.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.penrose.ml.LeastSquaresFit;
import org.penrose.ml.LeastSquaresRegression;
import org.penrose.ml.LeastSquaresRegressionModel;
import org.penrose.ml.RegressionTable;
import org.penrose.ml.RidgePath;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code penrose regress}: fits {@link LeastSquaresRegression} on a CSV (with a header row), Parquet or
 * {@code .npy} table and writes the fit as JSON (and optionally the model).
 */
@Command(name = "regress", mixinStandardHelpOptions = true,
    description = "Linear regression by minimum-norm least squares (TSQR, one pass) on a CSV, Parquet, .npy or Matrix "
        + "Market table.")
final class RegressCommand implements Callable<Integer> {
  @Option(names = "--input", required = true, paramLabel = "FILE",
      description = "A CSV file or folder (header row), Parquet, or a .npy / .mtx matrix (the last column is the "
          + "label unless --label is an index).")
  String input;

  @Option(names = "--label", paramLabel = "COL",
      description = "The label column (for .npy/.mtx: a 0-based column index; default the last).")
  String label;

  @Option(names = "--features", paramLabel = "a,b,c", split = ",",
      description = "Feature columns (default: every other numeric column).")
  List<String> features;

  @Option(names = "--weight", paramLabel = "COL", description = "Optional weight column (>= 0).")
  String weight;

  @Option(names = "--no-intercept", description = "Fit without an intercept.")
  boolean noIntercept;

  @Option(names = "--no-equilibrate", description = "Decide the rank on the raw columns instead of unit-norm ones.")
  boolean noEquilibrate;

  @Option(names = "--refinement-steps", paramLabel = "K",
      description = "Exactly K extra passes refining the coefficients in compensated arithmetic (0: one pass; default:"
          + " automatic, while the estimated error exceeds 1e-13, at most 3).")
  Integer refinementSteps;

  @Option(names = "--reg-param", paramLabel = "L|gcv|loo",
      description = "Ridge (L2) penalty lambda as Spark's LinearRegression (elasticNetParam 0); gcv: the penalty of"
          + " least generalized cross-validation on a path, from the same pass; loo: of least leave-one-out error"
          + " (one more pass). Default: 0, least squares.")
  String regParam;

  @Option(names = "--no-standardization",
      description = "Penalize the raw coefficients, not those of standardized features.")
  boolean noStandardization;

  @Option(names = "--partitions", paramLabel = "N", description = "Repartition the input into N partitions first.")
  Integer partitions;

  @Mixin CutoffOptions cutoff;

  @Mixin SolverOption solver;

  @Option(names = "--report", required = true, paramLabel = "report.json",
      description = "Where to write the fit as JSON.")
  Path reportPath;

  @Option(names = "--model-output", paramLabel = "DIR", description = "Save the fitted model (spark.ml format) here.")
  String modelOutput;

  private static double parseRegParam(String text) {
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--reg-param takes a number >= 0, gcv or loo, got '" + text + "'");
    }
  }

  @Override
  public Integer call() throws Exception {
    OutputPaths.requireFolder(modelOutput); // before any work
    if (solver.choice == SolverOption.Choice.lsmr) {
      throw new IllegalArgumentException("--solver lsmr is lstsq's for now; regress fits with auto, tsqr or truncated");
    }
    Report report = new Report();
    try (SparkJob.Session session = SparkJob.session("penrose regress")) {
      SparkSession spark = session.spark();
      RegressionTable read = report.time("read", () -> RegressionTable.read(spark, input, label, features, weight));
      Dataset<Row> table = read.data();
      if (partitions != null) {
        table = table.repartition(SparkJob.requirePartitions(partitions));
      }
      LeastSquaresRegression lsq = new LeastSquaresRegression().setFeaturesCol(read.featuresColumn())
          .setLabelCol(read.labelColumn())
          .setFitIntercept(!noIntercept).setEquilibrate(!noEquilibrate).setSolver(solver.param());
      if (refinementSteps != null) {
        lsq.setRefinementSteps(refinementSteps);
      }
      if (cutoff.rtol != null) {
        lsq.setRtol(cutoff.rtol);
      }
      if (cutoff.atol != null) {
        lsq.setAtol(cutoff.atol);
      }
      if (weight != null) {
        lsq.setWeightCol(weight);
      }
      lsq.setStandardization(!noStandardization);
      if ("gcv".equals(regParam) || "loo".equals(regParam)) {
        lsq.setRegParamSelection(regParam);
      } else if (regParam != null) {
        lsq.setRegParam(parseRegParam(regParam));
      }
      Dataset<Row> prepared = table;
      LeastSquaresRegressionModel model = report.time("fit", () -> lsq.fit(prepared));
      LeastSquaresFit fit = model.summary();
      if (modelOutput != null) {
        model.write().overwrite().save(modelOutput);
      }
      System.out.printf("regress: %d rows, %d features%s: rank %d, R^2 %s, residual sum of squares %.6g%s%n",
          fit.rows(),
          fit.featureNames().size(), noIntercept ? "" : " and an intercept", fit.rank(),
          fit.r2() == null ? "n/a" : String.format("%.6f", fit.r2()), fit.residualSumOfSquares(),
          Double.isNaN(fit.estimatedDigits()) ? "" : String.format("; %d refinement pass%s, about %.1f correct digits",
              fit.refinementSteps(), fit.refinementSteps() == 1 ? "" : "es", fit.estimatedDigits()));
      if (!fit.dependentColumns().isEmpty()) {
        System.out.println("regress: dependent columns (minimum-norm solution): "
            + String.join(", ", fit.dependentColumns()));
      }
      report.put("command", "regress").put("input", input).put("label", read.labelName())
          .put("features", fit.featureNames()).put("coefficients", fit.coefficients()).put("intercept", fit.intercept())
          .put("rank", fit.rank()).put("singular_values", fit.singularValues()).put("threshold", fit.threshold())
          .put("residual_sum_of_squares", fit.residualSumOfSquares()).put("r2", fit.r2()).put("rows", fit.rows())
          .put("standard_errors", fit.standardErrors()).put("intercept_standard_error", fit.interceptStandardError())
          .put("dependent_columns", fit.dependentColumns()).put("equilibrate", !noEquilibrate)
          .put("refinement_steps", fit.refinementSteps())
          .put("estimated_digits", Double.isNaN(fit.estimatedDigits()) ? null : fit.estimatedDigits())
          .put("reg_param", fit.regParam())
          .put("effective_df", fit.effectiveDegreesOfFreedom()).put("standardization", !noStandardization);
      if (!fit.regularizationPath().isEmpty()) {
        List<double[]> gcvPath = new ArrayList<>();
        List<double[]> looPath = new ArrayList<>();
        List<double[]> dfPath = new ArrayList<>();
        for (RidgePath.Solution point : fit.regularizationPath()) {
          gcvPath.add(new double[] {point.regParam(), point.gcv()});
          looPath.add(new double[] {point.regParam(), point.leaveOneOut()});
          dfPath.add(new double[] {point.regParam(), point.effectiveDegreesOfFreedom()});
        }
        report.put("gcv_path", gcvPath).put("effective_df_path", dfPath);
        if ("loo".equals(regParam)) {
          report.put("loo_path", looPath);
        }
        System.out.printf("regress: regParam %.6g chosen by %s among %d values, effective degrees of freedom %.4g%n",
            fit.regParam(), "loo".equals(regParam) ? "leave-one-out" : "GCV", gcvPath.size(),
            fit.effectiveDegreesOfFreedom());
      }
      report.write(reportPath);
    }
    return 0;
  }
}
