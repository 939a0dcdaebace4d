package org.penrose.datasource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SQLContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.sources.BaseRelation;
import org.apache.spark.sql.sources.TableScan;
import org.apache.spark.sql.types.StructType;
import org.penrose.adapters.DistributedMatrixMarket;
import org.penrose.engine.EntryShuffle;
import org.penrose.io.MatrixFormatException;
import org.penrose.io.MatrixMarketEntries;
import org.penrose.io.MatrixMarketHeader;
import org.penrose.matrix.SparseEntries;

/**
 * A Matrix Market file as a table of rows: the scan behind {@link MtxScan}, and what a write returns.
 * Its RDD parses byte ranges and shuffles the entries to row ranges ({@link EntryShuffle}), so every row,
 * empty or not, appears exactly once, in order.
 */
final class MtxRelation extends BaseRelation implements TableScan {
  private final SQLContext sqlContext;
  private final String path;
  private final MatrixMarketHeader header;
  private final boolean dense;
  private final int partitions;

  /** The file just written, read with the default options. */
  MtxRelation(SQLContext sqlContext, String path) {
    this(sqlContext, new SourceOptions("reading mtx", Map.of("path", path), SourceOptions.MTX_READ));
  }

  MtxRelation(SQLContext sqlContext, SourceOptions options) {
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
    return MtxDataSource.SCHEMA;
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
