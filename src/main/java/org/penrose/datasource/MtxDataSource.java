package org.penrose.datasource;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SQLContext;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.sources.BaseRelation;
import org.apache.spark.sql.sources.CreatableRelationProvider;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import org.penrose.adapters.RowVectors;
import org.penrose.matrix.InvalidInputException;
import scala.collection.immutable.Map;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The {@code mtx} data source: Matrix Market files ({@code .mtx}, {@code .mtx.gz}) as rows
 * {@code (row: bigint, vector: vector)}, 0-based rows in order.
 *
 * <pre>{@code
 * Dataset<Row> a = spark.read().format("mtx").option("partitions", 8).load("well1033.mtx.gz");
 * x.write().format("mtx").mode("overwrite").save("x.mtx");
 * spark.sql("CREATE TEMPORARY VIEW a USING mtx OPTIONS (path 'A.mtx')");
 * }</pre>
 *
 * <p>Reading: {@code coordinate} ({@code real}, {@code integer}, {@code pattern}; {@code general},
 * {@code symmetric}, {@code skew-symmetric}) and {@code array}. An uncompressed coordinate file is
 * parsed in byte ranges by {@code partitions} tasks (default {@code spark.default.parallelism}); the
 * header is read once. Since a row's entries can be anywhere in the file, the entries are then
 * shuffled to row ranges, so every row, empty or not, appears exactly once. Option {@code vectors}:
 * {@code sparse} (the default for coordinate files) or {@code dense} (the default for array files).
 * A DataSource V2 table ({@link MtxTable}); its scan ({@link MtxScan}) hands Spark that shuffle as an RDD.
 * Options are declared and typed ({@link SourceOptions}), as for {@code npy}; they are checked and the
 * header is read when the source is loaded, so a missing or corrupt file fails at {@code load}.
 *
 * <p>Writing: one file at the path, from a {@code vector} or {@code array<double>} column (option
 * {@code column} when there are several) and an optional {@code row} column fixing the order (as for
 * {@code npy}). Option {@code format}: {@code array} (dense, column-major), {@code coordinate}
 * (the nonzeros), or {@code auto} (the default: coordinate when the first row's vector is sparse).
 * Values are written with Java's shortest round-trip decimal form, so they read back exactly. Save
 * modes: {@code overwrite} replaces the file, {@code ignore} leaves an existing one, {@code errorifexists}
 * (the default) and {@code append} refuse to touch one. Spark saves through
 * {@link CreatableRelationProvider} since the table declares no V2 batch write (V2 writes outside a catalog
 * know only append and overwrite).
 */
public final class MtxDataSource implements TableProvider, CreatableRelationProvider, DataSourceRegister {

  /** {@code (row: bigint, vector: vector)}: {@link RowVectors#SCHEMA}. */
  public static final StructType SCHEMA = RowVectors.SCHEMA;

  @Override
  public String shortName() {
    return "mtx";
  }

  /** Checks the options and reads the header: a bad option, a missing or corrupt file fail at {@code load}. */
  @Override
  public StructType inferSchema(CaseInsensitiveStringMap options) {
    new MtxRelation(SparkSession.active().sqlContext(), new SourceOptions("reading mtx", options,
        SourceOptions.MTX_READ));
    return SCHEMA;
  }

  @Override
  public boolean supportsExternalMetadata() {
    return true; // a write passes the incoming schema and reads nothing
  }

  @Override
  public Table getTable(StructType schema, Transform[] partitioning, java.util.Map<String, String> properties) {
    return new MtxTable(properties);
  }

  @Override
  public boolean supportsDataType(DataType dataType) {
    return true; // vectors (a UDT) and arrays are checked in the writer
  }

  @Override
  public BaseRelation createRelation(SQLContext sqlContext, SaveMode mode, Map<String, String> parameters,
      Dataset<Row> data) {
    SourceOptions options = new SourceOptions("writing mtx", CollectionConverters.asJava(parameters),
        SourceOptions.MTX_WRITE);
    String path = options.path("save(\"out.mtx\")");
    try {
      Path p = new Path(path);
      FileSystem fs = p.getFileSystem(sqlContext.sparkContext().hadoopConfiguration());
      boolean exists = fs.exists(p);
      if (exists && mode == SaveMode.Ignore) {
        return new MtxRelation(sqlContext, path);
      }
      if (exists && mode != SaveMode.Overwrite) {
        throw new InvalidInputException(path + " already exists; use mode(\"overwrite\") to replace it"
            + (mode == SaveMode.Append ? " (appending to a Matrix Market file is not supported)" : ""));
      }
      MtxWriter.write(sqlContext.sparkSession(), data, path, options.text("column"),
          options.choice("format", "auto", "auto", "array", "coordinate"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new MtxRelation(sqlContext, path);
  }
}
