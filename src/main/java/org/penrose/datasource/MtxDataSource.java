package org.penrose.datasource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SQLContext;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.sources.BaseRelation;
import org.apache.spark.sql.sources.CreatableRelationProvider;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.sources.RelationProvider;
import org.apache.spark.sql.sources.TableScan;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import org.penrose.adapters.DistributedMatrixMarket;
import org.penrose.adapters.RowVectors;
import org.penrose.engine.EntryShuffle;
import org.penrose.io.MatrixFormatException;
import org.penrose.io.MatrixMarketEntries;
import org.penrose.io.MatrixMarketHeader;
import org.penrose.matrix.InvalidInputException;
import org.penrose.matrix.SparseEntries;
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
 * This is a V1 relation because that shuffle is part of the scan, which a V2 scan cannot express.
 * Options are declared and typed ({@link SourceOptions}), as for {@code npy}.
 *
 * <p>Writing: one file at the path, from a {@code vector} or {@code array<double>} column (option
 * {@code column} when there are several) and an optional {@code row} column fixing the order (as for
 * {@code npy}). Option {@code format}: {@code array} (dense, column-major), {@code coordinate}
 * (the nonzeros), or {@code auto} (the default: coordinate when the first row's vector is sparse).
 * Values are written with Java's shortest round-trip decimal form, so they read back exactly. Save
 * modes: {@code overwrite} replaces the file, {@code ignore} leaves an existing one, {@code errorifexists}
 * (the default) and {@code append} refuse to touch one.
 */
public final class MtxDataSource implements RelationProvider, CreatableRelationProvider, DataSourceRegister {

  /** {@code (row: bigint, vector: vector)}: {@link RowVectors#SCHEMA}. */
  public static final StructType SCHEMA = RowVectors.SCHEMA;

  @Override
  public String shortName() {
    return "mtx";
  }

  @Override
  public BaseRelation createRelation(SQLContext sqlContext, Map<String, String> parameters) {
    return new Relation(sqlContext, new SourceOptions("reading mtx", CollectionConverters.asJava(parameters),
        SourceOptions.MTX_READ));
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
        return new Relation(sqlContext, path);
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
    return new Relation(sqlContext, path);
  }

  /** A Matrix Market file as a table of rows. */
  static final class Relation extends BaseRelation implements TableScan {
    private final SQLContext sqlContext;
    private final String path;
    private final MatrixMarketHeader header;
    private final boolean dense;
    private final int partitions;

    /** The file just written, read with the default options. */
    Relation(SQLContext sqlContext, String path) {
      this(sqlContext, new SourceOptions("reading mtx", java.util.Map.of("path", path), SourceOptions.MTX_READ));
    }

    Relation(SQLContext sqlContext, SourceOptions options) {
      this.sqlContext = sqlContext;
      this.path = options.path("load(\"A.mtx\") or OPTIONS (path '...')");
      try {
        this.header = MatrixMarketEntries.header(sqlContext.sparkContext().hadoopConfiguration(), path);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (header.cols() > Integer.MAX_VALUE) {
        throw new MatrixFormatException(path + ": " + header.cols() + " columns is too many for a vector");
      }
      this.dense = options.choice("vectors", header.isCoordinate() ? "sparse" : "dense", "sparse", "dense")
          .equals("dense");
      this.partitions = (int) Math.min(Integer.MAX_VALUE,
          options.positive("partitions", sqlContext.sparkContext().defaultParallelism()));
    }

    @Override
    public SQLContext sqlContext() {
      return sqlContext;
    }

    @Override
    public StructType schema() {
      return SCHEMA;
    }

    @Override
    public RDD<Row> buildScan() {
      DistributedMatrixMarket source;
      try {
        source = DistributedMatrixMarket.read(SparkSession.active().sparkContext(), path, partitions);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      long rows = header.rows();
      int cols = (int) header.cols();
      int parts = (int) Math.max(1, Math.min(partitions, Math.max(1, rows)));
      long[] starts = new long[parts + 1];
      for (int i = 0; i <= parts; i++) {
        starts[i] = rows * i / parts;
      }
      boolean denseVectors = dense;
      JavaRDD<Row> result = EntryShuffle.byRowRanges(source.entries(), starts)
          .mapPartitionsWithIndex((p, it) -> rowsOf(it.next(), starts[p], starts[p + 1], cols, denseVectors).iterator(),
              true);
      return result.rdd();
    }
  }

  /** Rows {@code [first, end)} from their entries (in chunk order), each row's duplicates summed. */
  private static List<Row> rowsOf(SparseEntries e, long first, long end, int cols, boolean dense) {
    int count = (int) (end - first);
    // bucket the entries by row (counting sort), then sort each row's columns
    int[] perRow = new int[count + 1];
    for (int k = 0; k < e.size(); k++) {
      perRow[(int) (e.row(k) - first) + 1]++;
    }
    for (int i = 0; i < count; i++) {
      perRow[i + 1] += perRow[i];
    }
    int total = perRow[count];
    int[] colIndex = new int[total];
    double[] values = new double[total];
    int[] fill = Arrays.copyOf(perRow, count);
    for (int k = 0; k < e.size(); k++) {
      int slot = fill[(int) (e.row(k) - first)]++;
      colIndex[slot] = e.col(k);
      values[slot] = e.value(k);
    }
    List<Row> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int from = perRow[i];
      int to = perRow[i + 1];
      Integer[] order = new Integer[to - from];
      for (int k = 0; k < order.length; k++) {
        order[k] = from + k;
      }
      Arrays.sort(order, (x, y) -> Integer.compare(colIndex[x], colIndex[y])); // stable: duplicates keep chunk order
      int[] idx = new int[order.length];
      double[] val = new double[order.length];
      int n = 0;
      for (Integer slot : order) {
        if (n > 0 && idx[n - 1] == colIndex[slot]) {
          val[n - 1] += values[slot];
        } else {
          idx[n] = colIndex[slot];
          val[n] = values[slot];
          n++;
        }
      }
      idx = Arrays.copyOf(idx, n);
      val = Arrays.copyOf(val, n);
      Vector v = Vectors.sparse(cols, idx, val);
      out.add(RowFactory.create(first + i, dense ? v.toDense() : v));
    }
    return out;
  }
}
