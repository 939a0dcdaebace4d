package org.penrose.datasource;

import java.util.Map;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import org.penrose.adapters.RowVectors;
import org.penrose.io.NpyType;

/**
 * The {@code npy} data source: NumPy {@code .npy} matrices as rows {@code (row: bigint, vector: vector)}.
 *
 * <pre>{@code
 * Dataset<Row> a = spark.read().format("npy").option("rowsPerPartition", 100000).load("A.npy");
 * a.write().format("npy").mode("overwrite").save("copy.npy");
 * spark.sql("CREATE TEMPORARY VIEW a USING npy OPTIONS (path 'A.npy')");
 * }</pre>
 *
 * <p>Reading ({@link NpyScan}): a file, or a folder of {@code .npy} files stacked by rows in
 * file-name order; split into row ranges of {@code rowsPerPartition} rows or into {@code partitions}
 * ranges (default: about
 * {@code spark.default.parallelism} ranges, at most 128 MiB each); nothing but the headers is read
 * on the driver. Any dtype {@link NpyType} accepts; C order is split by rows, a Fortran-order file
 * is read by one task.
 *
 * <p>Writing ({@link NpyWrite}): one {@code .npy} file (float64, C order) at {@code path}, from a
 * {@code vector} or {@code array<double>} column (option {@code column}, default: the only such
 * column). When a {@code row} column is present the rows must arrive in row order ({@code 0..m-1}
 * across partitions in order); otherwise partition order is row order. Option {@code transpose=true}
 * writes {@code M} ({@code n x m}, Fortran order) from the rows of {@code M^T}. Save modes:
 * {@code overwrite} replaces the file; {@code append} is refused when the file exists. Options are
 * declared and typed ({@link SourceOptions}).
 */
public final class NpyDataSource implements TableProvider, DataSourceRegister {

  /** {@code (row: bigint, vector: vector)}: {@link RowVectors#SCHEMA}. */
  public static final StructType SCHEMA = RowVectors.SCHEMA;

  @Override
  public String shortName() {
    return "npy";
  }

  @Override
  public StructType inferSchema(CaseInsensitiveStringMap options) {
    return SCHEMA;
  }

  @Override
  public boolean supportsExternalMetadata() {
    return true; // writes accept the incoming schema (a vector or array<double> column)
  }

  @Override
  public Table getTable(StructType schema, Transform[] partitioning, Map<String, String> properties) {
    return new NpyTable(schema, properties);
  }
}
