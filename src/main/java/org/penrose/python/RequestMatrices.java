package org.penrose.python;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.penrose.adapters.DatasetRows;
import org.penrose.adapters.MatrixFiles;
import org.penrose.adapters.RowVectors;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.InvalidInputException;

/**
 * The matrices of a {@link LinalgCall} request: each is {@code {"path": p}} (a file or folder read by
 * {@link MatrixFiles}, with {@code "partitions"} and {@code "column"}), {@code {"view": name}} (a
 * temporary view of rows, with {@code "column"} and {@code "index"}: {@link #fromDataFrame}), or
 * {@code {"numpy": base64, "rows": r, "cols": c}} (float64 little-endian, column-major), read as
 * {@code A} itself, in A's row blocks, transposed into them, or whole on the driver.
 */
final class RequestMatrices {
  private final SparkSession spark;
  private final MatrixFiles files;

  RequestMatrices(SparkSession spark) {
    this.spark = spark;
    this.files = new MatrixFiles(spark);
  }

  /** {@code A}: a path in its default (or the asked) number of row blocks, a view, or numpy split across tasks. */
  RowBlockMatrix a(JsonNode spec) throws IOException {
    requireSpec(spec, "A");
    int partitions = spec.path("partitions").asInt(0);
    if (spec.has("path")) {
      MatrixFiles reader = files.withColumn(text(spec, "column"));
      String path = spec.get("path").asText();
      return partitions > 0 ? reader.read(path, partitions) : reader.read(path);
    }
    if (spec.has("view")) {
      return fromDataFrame(spark.table(spec.get("view").asText()), text(spec, "column"), text(spec, "index"));
    }
    DoubleMatrix local = numpy(spec, "A");
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int parts = partitions > 0 ? partitions : sc.defaultParallelism();
    return RowBlockMatrix.fromLocal(sc, local, (int) Math.max(1, Math.min(parts, local.rows())));
  }

  /** A matrix with A's rows (a right-hand side, a tangent) in A's row blocks. */
  RowBlockMatrix aligned(JsonNode spec, RowBlockMatrix a, String name) throws IOException {
    requireSpec(spec, name);
    if (spec.has("path")) {
      return files.readAligned(spec.get("path").asText(), a);
    }
    RowBlockMatrix m;
    if (spec.has("view")) {
      m = fromDataFrame(spark.table(spec.get("view").asText()), text(spec, "column"), text(spec, "index"));
    } else {
      DoubleMatrix local = numpy(spec, name);
      if (local.rows() != a.rows()) {
        throw new InvalidInputException("shape mismatch: " + name + " is " + local.shape() + " but A is " + a.shape()
            + " (" + name + " needs " + a.rows() + " rows)");
      }
      return RowBlockMatrix.fromLocal(JavaSparkContext.fromSparkContext(spark.sparkContext()), local,
          a.blockStarts());
    }
    if (m.rows() != a.rows()) {
      throw new InvalidInputException("shape mismatch: " + name + " has " + m.rows() + " rows but A is " + a.shape());
    }
    return Arrays.equals(m.blockStarts(), a.blockStarts()) ? m : m.reblock(a.blockStarts());
  }

  /**
   * A pinv cotangent {@code G} ({@code n x m}) as {@code G^T} in A's row blocks: a path holds {@code G}
   * (read transposed); a view or a numpy array already holds {@code G^T} (Python transposes numpy).
   */
  RowBlockMatrix transposed(JsonNode spec, RowBlockMatrix a) throws IOException {
    requireSpec(spec, "the cotangent");
    if (spec.has("path")) {
      return files.readTransposed(spec.get("path").asText(), a);
    }
    return aligned(spec, a, "the cotangent's transpose G^T");
  }

  /** A small matrix whole on the driver (a cotangent {@code gX}), or null when the request has none. */
  DoubleMatrix local(JsonNode spec, String name) throws IOException {
    if (spec == null || spec.isNull()) {
      return null;
    }
    return spec.has("path") ? files.readLocal(spec.get("path").asText()) : numpy(spec, name);
  }

  /**
   * The rows of a DataFrame: {@code column} (null: the only vector or {@code array<double>} column) in
   * the order of {@code index} (null: a bigint/int column named {@code row} when there is one, else the
   * DataFrame's order).
   */
  static RowBlockMatrix fromDataFrame(Dataset<Row> data, String column, String index) {
    StructType schema = data.schema();
    String vectors = column != null ? column : onlyVectorColumn(schema);
    String rows = index;
    if (rows == null && !vectors.equals("row")) {
      for (StructField f : schema.fields()) {
        if (f.name().equals("row") && RowVectors.isIndexType(f.dataType())) {
          rows = "row";
        }
      }
    }
    return DatasetRows.fromDataset(data, vectors, rows);
  }

  private static String onlyVectorColumn(StructType schema) {
    List<String> candidates = new ArrayList<>();
    for (StructField f : schema.fields()) {
      if (RowVectors.isVectorOrDoubleArray(f.dataType())) {
        candidates.add(f.name());
      }
    }
    if (candidates.size() != 1) {
      throw new InvalidInputException((candidates.isEmpty() ? "no vector or array<double> column"
          : "several vector or array<double> columns (" + String.join(", ", candidates) + ")")
          + " in (" + String.join(", ", schema.fieldNames()) + "); name the matrix's column");
    }
    return candidates.get(0);
  }

  /** A numpy matrix ({@code float64} little-endian, column-major, base64), checked finite. */
  private static DoubleMatrix numpy(JsonNode spec, String name) {
    if (!spec.has("numpy")) {
      throw new InvalidInputException(name + ": expected a path, a DataFrame or a numpy array");
    }
    byte[] bytes = Base64.getDecoder().decode(spec.get("numpy").asText());
    long rows = spec.path("rows").asLong();
    long cols = spec.path("cols").asLong();
    if (rows < 0 || cols < 0 || rows * cols * Double.BYTES != bytes.length) {
      throw new InvalidInputException(name + ": " + bytes.length + " bytes do not hold a " + rows + " x " + cols
          + " float64 matrix");
    }
    double[] values = new double[(int) (rows * cols)];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(values);
    DoubleMatrix m = DoubleMatrix.columnMajor((int) rows, (int) cols, values);
    m.requireFinite(name);
    return m;
  }

  private static void requireSpec(JsonNode spec, String name) {
    if (spec == null || spec.isNull()) {
      throw new InvalidInputException(name + " is required");
    }
  }

  private static String text(JsonNode spec, String field) {
    return spec.has(field) && !spec.get(field).isNull() ? spec.get(field).asText() : null;
  }
}
