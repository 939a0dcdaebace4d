package org.penrose.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.penrose.ml.LeastSquaresFit;
import org.penrose.ml.LeastSquaresRegression;
import org.penrose.ml.LeastSquaresRegressionModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code penrose regress}: fits {@link LeastSquaresRegression} on a CSV (with a header row), Parquet or
 * {@code .npy} table and writes the fit as JSON (and optionally the model).
 */
@Command(name = "regress", mixinStandardHelpOptions = true,
    description = "Linear regression by minimum-norm least squares (TSQR, one pass) on a CSV, Parquet or .npy table.")
final class RegressCommand implements Callable<Integer> {
  @Option(names = "--input", required = true, paramLabel = "FILE",
      description = "A CSV file or folder (header row), Parquet, or .npy (the last column is the label unless --label is an index).")
  String input;

  @Option(names = "--label", paramLabel = "COL", description = "The label column (for .npy: a 0-based column index; default the last).")
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

  @Option(names = "--refinement-steps", paramLabel = "K", defaultValue = "0",
      description = "Extra passes refining the coefficients in compensated arithmetic (default ${DEFAULT-VALUE}: one pass).")
  int refinementSteps;

  @Option(names = "--partitions", paramLabel = "N", description = "Repartition the input into N partitions first.")
  Integer partitions;

  @Mixin CutoffOptions cutoff;

  @Option(names = "--report", required = true, paramLabel = "report.json", description = "Where to write the fit as JSON.")
  Path reportPath;

  @Option(names = "--model-output", paramLabel = "DIR", description = "Save the fitted model (spark.ml format) here.")
  String modelOutput;

  @Override
  public Integer call() throws Exception {
    Report report = new Report();
    try (SparkJob.Session session = SparkJob.session("penrose regress")) {
      SparkSession spark = session.spark;
      Dataset<Row> table = report.time("read", () -> load(spark));
      if (partitions != null) {
        table = table.repartition(partitions);
      }
      LeastSquaresRegression lsq = new LeastSquaresRegression().setFeaturesCol("__features").setLabelCol("__label")
          .setFitIntercept(!noIntercept).setEquilibrate(!noEquilibrate).setRefinementSteps(refinementSteps);
      if (cutoff.rtol != null) {
        lsq.setRtol(cutoff.rtol);
      }
      if (cutoff.atol != null) {
        lsq.setAtol(cutoff.atol);
      }
      if (weight != null) {
        lsq.setWeightCol(weight);
      }
      Dataset<Row> prepared = table;
      LeastSquaresRegressionModel model = report.time("fit", () -> lsq.fit(prepared));
      LeastSquaresFit fit = model.summary();
      if (modelOutput != null) {
        model.write().overwrite().save(modelOutput);
      }
      System.out.printf("regress: %d rows, %d features%s: rank %d, R^2 %s, residual sum of squares %.6g%n", fit.rows(),
          fit.featureNames().size(), noIntercept ? "" : " and an intercept", fit.rank(),
          fit.r2() == null ? "n/a" : String.format("%.6f", fit.r2()), fit.residualSumOfSquares());
      if (!fit.dependentColumns().isEmpty()) {
        System.out.println("regress: dependent columns (minimum-norm solution): " + String.join(", ", fit.dependentColumns()));
      }
      report.put("command", "regress").put("input", input).put("label", labelName)
          .put("features", fit.featureNames()).put("coefficients", fit.coefficients()).put("intercept", fit.intercept())
          .put("rank", fit.rank()).put("singular_values", fit.singularValues()).put("threshold", fit.threshold())
          .put("residual_sum_of_squares", fit.residualSumOfSquares()).put("r2", fit.r2()).put("rows", fit.rows())
          .put("standard_errors", fit.standardErrors()).put("intercept_standard_error", fit.interceptStandardError())
          .put("dependent_columns", fit.dependentColumns()).put("equilibrate", !noEquilibrate)
          .put("refinement_steps", refinementSteps);
      report.write(reportPath);
    }
    return 0;
  }

  private String labelName;

  /** The table with {@code __features} (a vector of the feature columns, named) and {@code __label}. */
  private Dataset<Row> load(SparkSession spark) {
    String lower = input.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".npy")) {
      return loadNpy(spark);
    }
    Dataset<Row> df = lower.endsWith(".csv") || lower.endsWith(".csv.gz") || lower.endsWith(".data") || lower.endsWith(".txt")
        ? spark.read().option("header", "true").option("inferSchema", "true").csv(input)
        : spark.read().parquet(input);
    if (label == null) {
      throw new IllegalArgumentException("--label is required for CSV and Parquet inputs (columns: "
          + String.join(", ", df.schema().fieldNames()) + ")");
    }
    requireColumn(df, label);
    List<String> chosen = features;
    if (chosen == null) {
      chosen = new ArrayList<>();
      for (StructField f : df.schema().fields()) {
        if (f.dataType() instanceof NumericType && !f.name().equals(label) && !f.name().equals(weight)) {
          chosen.add(f.name());
        }
      }
    }
    if (chosen.isEmpty()) {
      throw new IllegalArgumentException("no feature columns: give --features (columns: "
          + String.join(", ", df.schema().fieldNames()) + ")");
    }
    for (String f : chosen) {
      requireColumn(df, f);
      if (!(df.schema().apply(f).dataType() instanceof NumericType)) {
        throw new IllegalArgumentException("feature column '" + f + "' has type "
            + df.schema().apply(f).dataType().simpleString() + "; expected a number");
      }
    }
    if (weight != null) {
      requireColumn(df, weight);
    }
    labelName = label;
    Dataset<Row> assembled = new VectorAssembler().setInputCols(chosen.toArray(new String[0])).setOutputCol("__features")
        .setHandleInvalid("error").transform(df);
    List<Column> out = new ArrayList<>(List.of(functions.col("__features"), functions.col(label).as("__label")));
    if (weight != null) {
      out.add(functions.col(weight));
    }
    return assembled.select(out.toArray(new Column[0]));
  }

  private Dataset<Row> loadNpy(SparkSession spark) {
    Dataset<Row> df = spark.read().format("npy").load(input);
    Row first = df.select("vector").limit(1).collectAsList().stream().findFirst()
        .orElseThrow(() -> new IllegalArgumentException(input + " has no rows"));
    int width = ((org.apache.spark.ml.linalg.Vector) first.get(0)).size();
    int labelIndex;
    try {
      labelIndex = label == null ? width - 1 : Integer.parseInt(label.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--label must be a 0-based column index for a .npy input, got '" + label + "'");
    }
    if (labelIndex < 0 || labelIndex >= width || width < 2) {
      throw new IllegalArgumentException("--label " + labelIndex + " is not a column of the " + width + "-column " + input);
    }
    if (features != null || weight != null) {
      throw new IllegalArgumentException("--features and --weight name columns of CSV or Parquet inputs; a .npy input"
          + " uses every column but the label as a feature");
    }
    labelName = "column " + labelIndex;
    Column values = org.apache.spark.ml.functions.vector_to_array(functions.col("vector"), "float64");
    List<Column> featureColumns = new ArrayList<>();
    String[] names = new String[width - 1];
    int k = 0;
    for (int j = 0; j < width; j++) {
      if (j != labelIndex) {
        names[k] = "x" + j;
        featureColumns.add(values.getItem(j).as(names[k]));
        k++;
      }
    }
    featureColumns.add(values.getItem(labelIndex).as("__label"));
    Dataset<Row> columns = df.select(featureColumns.toArray(new Column[0]));
    return new VectorAssembler().setInputCols(names).setOutputCol("__features").transform(columns)
        .select("__features", "__label");
  }

  private static void requireColumn(Dataset<Row> df, String name) {
    if (!Arrays.asList(df.schema().fieldNames()).contains(name)) {
      throw new IllegalArgumentException("no column '" + name + "' (columns: " + String.join(", ", df.schema().fieldNames()) + ")");
    }
  }
}
