package org.penrose.adapters;

import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.penrose.matrix.InvalidInputException;

/**
 * The conventions for a matrix stored one row per DataFrame row, shared by the sources and writers,
 * the engine, the estimator and the SQL aggregate:
 *
 * <ul>
 *   <li>a row's values are an {@code ml.linalg.Vector} (dense or sparse) or an array of numbers
 *       ({@code array<double>}, or any numeric element type where {@link #isNumericArray} is asked);
 *   <li>a matrix as a table is {@link #SCHEMA} {@code (row: bigint, vector: vector)}, rows 0-based;
 *   <li>a table to read as a matrix names its vector column (or has exactly one) and may carry a
 *       {@code row} index column ({@code bigint} or {@code int}) that fixes the order ({@link #columns}).
 * </ul>
 */
public final class RowVectors {
  private RowVectors() {}

  /** Name of the optional row-index column. */
  public static final String ROW = "row";

  /** Name of the vector column of {@link #SCHEMA}. */
  public static final String VECTOR = "vector";

  /** {@code (row: bigint, vector: vector)}: how Penrose's sources and conversions present a matrix. */
  public static final StructType SCHEMA = new StructType()
      .add(ROW, DataTypes.LongType, false)
      .add(VECTOR, SQLDataTypes.VectorType(), false);

  /** True for {@code ml.linalg.Vector} and {@code array<double>}. */
  public static boolean isVectorOrDoubleArray(DataType type) {
    return type.equals(SQLDataTypes.VectorType())
        || type instanceof ArrayType && ((ArrayType) type).elementType().equals(DataTypes.DoubleType);
  }

  /** True for an array of any numeric element type ({@code array<int>}, {@code array<double>}, ...). */
  public static boolean isNumericArray(DataType type) {
    return type instanceof ArrayType && ((ArrayType) type).elementType() instanceof NumericType;
  }

  /** True for a {@code bigint} or {@code int} column, as a row index must be. */
  public static boolean isIndexType(DataType type) {
    return type.equals(DataTypes.LongType) || type.equals(DataTypes.IntegerType);
  }

  /**
   * The values of the vector or array cell at {@code position}, or null when the cell is NULL.
   *
   * @param what names the column in messages, e.g. {@code "the features column 'x'"}
   * @throws IllegalArgumentException when an array element is NULL (naming its position)
   */
  public static double[] values(Row row, int position, String what) {
    if (row.isNullAt(position)) {
      return null;
    }
    Object cell = row.get(position);
    if (cell instanceof Vector) {
      return ((Vector) cell).toArray();
    }
    List<Object> list = row.getList(position);
    double[] values = new double[list.size()];
    for (int j = 0; j < values.length; j++) {
      Object v = list.get(j);
      if (v == null) {
        throw new InvalidInputException(what + " has a null value at position " + j);
      }
      values[j] = ((Number) v).doubleValue();
    }
    return values;
  }

  /**
   * The vector or array cell at {@code position} as an {@code ml.linalg.Vector} (a sparse vector
   * stays sparse; an array becomes a dense vector), or null when the cell is NULL.
   *
   * @throws IllegalArgumentException when an array element is NULL (naming its position)
   */
  public static Vector vector(Row row, int position, String what) {
    if (row.isNullAt(position)) {
      return null;
    }
    Object cell = row.get(position);
    return cell instanceof Vector ? (Vector) cell : Vectors.dense(values(row, position, what));
  }

  /** The position of the first non-finite value, or -1. */
  public static int firstNonFinite(double[] values) {
    for (int j = 0; j < values.length; j++) {
      if (!Double.isFinite(values[j])) {
        return j;
      }
    }
    return -1;
  }

  /**
   * Throws unless every value is finite.
   *
   * @param what names the values in the message, e.g. {@code "row 3"}
   */
  public static double[] requireFinite(double[] values, String what) {
    int j = firstNonFinite(values);
    if (j >= 0) {
      throw new InvalidInputException(what + " has a non-finite value " + values[j] + " at position " + j);
    }
    return values;
  }

  /**
   * The vector column and the optional {@code row} index column of a table.
   *
   * @param vector position of the vector or {@code array<double>} column in the schema
   * @param row position of the {@code row} index column, or -1 when there is none
   */
  public record Columns(StructType schema, int vector, int row) {
    /** The vector column's name. */
    public String vectorName() {
      return schema.fields()[vector].name();
    }

    /** The index column's name, or null. */
    public String rowName() {
      return row < 0 ? null : schema.fields()[row].name();
    }

    /** True when the vector column holds {@code ml.linalg.Vector}s (not arrays). */
    public boolean vectorIsUdt() {
      return schema.fields()[vector].dataType().equals(SQLDataTypes.VectorType());
    }

    /** True when the index column is an {@code int} (not a {@code bigint}). */
    public boolean rowIsInt() {
      return row >= 0 && schema.fields()[row].dataType().equals(DataTypes.IntegerType);
    }
  }

  /**
   * Chooses the columns of a table that holds a matrix: {@code requested} (or, when null, the only
   * vector or {@code array<double>} column) and a {@code row} column of type bigint/int if present.
   *
   * @param table names the table in messages (a path, or "the DataFrame")
   * @param how tells how to choose when there are several, e.g. {@code "MatrixFiles.withColumn(name)"} or {@code
   * "option(\"column\", ...)"}
   * @throws IllegalArgumentException when the column is missing, has another type, or is ambiguous
   */
  public static Columns columns(StructType schema, String requested, String table, String how) {
    StructField[] fields = schema.fields();
    int vector = -1;
    int row = -1;
    for (int i = 0; i < fields.length; i++) {
      DataType t = fields[i].dataType();
      if (fields[i].name().equals(ROW) && isIndexType(t)) {
        row = i;
      } else if (requested != null ? fields[i].name().equals(requested) : isVectorOrDoubleArray(t)) {
        if (!isVectorOrDoubleArray(t)) {
          throw new InvalidInputException("column '" + requested + "' of " + table + " has type " + t.simpleString()
              + "; expected a vector (org.apache.spark.ml.linalg.Vector) or array<double>");
        }
        if (vector >= 0) {
          throw new InvalidInputException(table + " has several vector/array<double> columns (" + fields[vector].name()
              + ", " + fields[i].name() + "): choose one with " + how);
        }
        vector = i;
      }
    }
    if (vector < 0) {
      throw new InvalidInputException(requested != null
          ? "no column '" + requested + "' in " + table + " (columns: " + String.join(", ", schema.fieldNames()) + ")"
          : table + " has no vector or array<double> column (columns: " + String.join(", ", schema.fieldNames()) + ")");
    }
    return new Columns(schema, vector, row);
  }

  /**
   * The field named {@code name}.
   *
   * @throws IllegalArgumentException listing the columns there are
   */
  public static StructField field(StructType schema, String name) {
    for (StructField f : schema.fields()) {
      if (f.name().equals(name)) {
        return f;
      }
    }
    throw new InvalidInputException("no column '" + name + "' (columns: " + String.join(", ", schema.fieldNames())
        + ")");
  }
}
