package org.penrose.ml;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.penrose.adapters.DatasetRows;
import org.penrose.adapters.MatrixFiles;
import org.penrose.adapters.RowVectors;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.io.FileFormat;
import org.penrose.matrix.InvalidInputException;

/**
 * A regression table read from a file, ready for {@link LeastSquaresRegression}: the column
 * {@link #featuresColumn} holds the feature vector (named after its columns, as {@code VectorAssembler}
 * names them) and {@link #labelColumn} the label, plus the weight column when one is named.
 *
 * <ul>
 *   <li>CSV (header row, schema inferred) and Parquet: {@code label} and optional {@code features}
 *       name columns; by default every other numeric column (but the weight) is a feature.
 *   <li>{@code .npy} and Matrix Market: a matrix; {@code label} is a 0-based column index (default the
 *       last column) and every other column is a feature, named {@code x<j>}.
 * </ul>
 */
public final class RegressionTable {
  /** The assembled feature vector's column: {@code features}, or this when the input has a {@code features} column. */
  public static final String FEATURES = "__features";

  private final Dataset<Row> data;
  private final String featuresColumn;
  private final String labelColumn;
  private final String labelName;

  private RegressionTable(Dataset<Row> data, String featuresColumn, String labelColumn, String labelName) {
    this.data = data;
    this.featuresColumn = featuresColumn;
    this.labelColumn = labelColumn;
    this.labelName = labelName;
  }

  /** The rows: {@link #featuresColumn}, {@link #labelColumn} and the weight column if any. */
  public Dataset<Row> data() {
    return data;
  }

  /** The feature vector's column in {@link #data} (named for the user, as errors quote it). */
  public String featuresColumn() {
    return featuresColumn;
  }

  /** The label's column in {@link #data}: the input's own name ({@code x<j>} for a matrix file). */
  public String labelColumn() {
    return labelColumn;
  }

  /** The label as the user knows it: the column's name, or {@code "column j"} for a matrix file. */
  public String labelName() {
    return labelName;
  }

  /**
   * Reads {@code path} (format by {@link FileFormat}).
   *
   * @param label the label column (for matrix files a 0-based index, default the last column)
   * @param features feature columns, or null for every other numeric column
   * @param weight an optional weight column, or null
   */
  public static RegressionTable read(SparkSession spark, String path, String label, List<String> features,
      String weight) throws IOException {
    FileFormat format = FileFormat.of(spark.sparkContext().hadoopConfiguration(), path);
    if (format == FileFormat.NPY || format == FileFormat.MTX) {
      if (features != null || weight != null) {
        throw new InvalidInputException("--features and --weight name columns of CSV or Parquet inputs; a matrix"
            + " input (" + path + ") uses every column but the label as a feature");
      }
      return fromMatrix(new MatrixFiles(spark).read(path), path, label, spark);
    }
    Dataset<Row> df = format == FileFormat.CSV
        ? spark.read().option("header", "true").option("inferSchema", "true").csv(path)
        : spark.read().parquet(path);
    return fromTable(df, label, features, weight);
  }

  /** A DataFrame with named columns (CSV, Parquet, or any other). */
  public static RegressionTable fromTable(Dataset<Row> df, String label, List<String> features, String weight) {
    if (label == null) {
      throw new InvalidInputException("--label is required for CSV and Parquet inputs (columns: "
          + String.join(", ", df.schema().fieldNames()) + ")");
    }
    RowVectors.field(df.schema(), label);
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
      throw new InvalidInputException("no feature columns: give --features (columns: "
          + String.join(", ", df.schema().fieldNames()) + ")");
    }
    for (String f : chosen) {
      StructField field = RowVectors.field(df.schema(), f);
      if (!(field.dataType() instanceof NumericType)) {
        throw new InvalidInputException("feature column '" + f + "' has type "
            + field.dataType().simpleString() + "; expected a number");
      }
    }
    if (weight != null) {
      RowVectors.field(df.schema(), weight);
    }
    String vector = Arrays.asList(df.columns()).contains("features") ? FEATURES : "features";
    // NULL cells (missing, or not numbers) become NaN, which the estimator names by position
    Dataset<Row> assembled = new VectorAssembler().setInputCols(chosen.toArray(new String[0])).setOutputCol(vector)
        .setHandleInvalid("keep").transform(df);
    List<Column> out = new ArrayList<>(List.of(functions.col(vector), functions.col(label)));
    if (weight != null) {
      out.add(functions.col(weight));
    }
    return new RegressionTable(assembled.select(out.toArray(new Column[0])), vector, label, label);
  }

  /** A matrix whose column {@code label} (an index; default the last) is the label, the others the features. */
  static RegressionTable fromMatrix(RowBlockMatrix matrix, String path, String label, SparkSession spark) {
    int width = matrix.cols();
    int labelIndex;
    try {
      labelIndex = label == null ? width - 1 : Integer.parseInt(label.trim());
    } catch (NumberFormatException e) {
      throw new InvalidInputException("--label must be a 0-based column index for a matrix input (" + path
          + "), got '" + label + "'");
    }
    if (labelIndex < 0 || labelIndex >= width || width < 2) {
      throw new InvalidInputException("--label " + labelIndex + " is not a column of the " + width + "-column " + path);
    }
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
    String labelColumn = "x" + labelIndex;
    featureColumns.add(values.getItem(labelIndex).as(labelColumn));
    Dataset<Row> columns = DatasetRows.toDataset(spark, matrix).select(featureColumns.toArray(new Column[0]));
    return new RegressionTable(new VectorAssembler().setInputCols(names).setOutputCol("features").transform(columns)
        .select("features", labelColumn), "features", labelColumn, "column " + labelIndex);
  }
}
