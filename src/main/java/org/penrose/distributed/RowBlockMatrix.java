package org.penrose.distributed;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.mllib.linalg.distributed.IndexedRow;
import org.apache.spark.mllib.linalg.distributed.IndexedRowMatrix;
import org.apache.spark.mllib.linalg.distributed.RowMatrix;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.mllib.linalg.distributed.BlockMatrix;
import org.apache.spark.mllib.linalg.distributed.CoordinateMatrix;
import org.apache.spark.mllib.linalg.distributed.MatrixEntry;
import org.penrose.linalg.DoubleMatrix;
import org.penrose.linalg.SparseEntries;
import org.penrose.source.MatrixMarketSource;
import org.penrose.source.HadoopConf;
import org.penrose.source.NpyFileSet;
import scala.Tuple2;

/**
 * A tall {@code m x n} matrix distributed as contiguous row blocks, <b>one block per partition</b>,
 * partition {@code i} holding rows {@code [start(i), start(i+1))}. The row ranges are known on the
 * driver, so two matrices can be checked for row alignment before any job runs.
 *
 * <p>Construction:
 *
 * <ul>
 *   <li>{@link #fromNpy}: row ranges of a {@code .npy} file (or a folder of them), read by the tasks;
 *   <li>{@link #fromDataset}: a vector ({@code ml.linalg.Vector}) or {@code array<double>} column,
 *       in the Dataset's order or by an index column (which must hold exactly {@code 0..m-1});
 *   <li>{@link #fromRowMatrix}, {@link #fromIndexedRowMatrix}: MLlib's distributed matrices;
 *   <li>{@link #fromLocal}: an in-memory matrix split into row blocks (tests, small inputs).
 * </ul>
 *
 * Row-based sources are converted once into dense blocks that are cached
 * ({@code MEMORY_AND_DISK}); ragged rows, NaN/Inf, and index gaps or duplicates are rejected with
 * an error naming the first bad row.
 */
public final class RowBlockMatrix {
  private final JavaRDD<RowBlock> blocks;
  private final long[] starts;
  private final int cols;

  RowBlockMatrix(JavaRDD<RowBlock> blocks, long[] starts, int cols) {
    if (starts.length != blocks.getNumPartitions() + 1) {
      throw new IllegalArgumentException(
          "row ranges for " + (starts.length - 1) + " blocks but " + blocks.getNumPartitions() + " partitions");
    }
    this.blocks = blocks;
    this.starts = starts;
    this.cols = cols;
  }

  /** The row blocks, one per partition. */
  public JavaRDD<RowBlock> blocks() {
    return blocks;
  }

  /** {@code m}. */
  public long rows() {
    return starts[starts.length - 1];
  }

  /** {@code n}. */
  public int cols() {
    return cols;
  }

  /** {@code "m x n"}. */
  public String shape() {
    return rows() + " x " + cols;
  }

  /** Number of row blocks (= partitions). */
  public int numBlocks() {
    return starts.length - 1;
  }

  /** First row of each block, and {@code m} at the end ({@code numBlocks() + 1} values). */
  public long[] blockStarts() {
    return starts.clone();
  }

  /** Keeps the blocks in memory (spilling to disk) for repeated passes. */
  public RowBlockMatrix persist() {
    if (blocks.getStorageLevel().equals(StorageLevel.NONE())) {
      blocks.persist(StorageLevel.MEMORY_AND_DISK());
    }
    return this;
  }

  public void unpersist() {
    blocks.unpersist(false);
  }

  /**
   * Throws unless {@code other} has this matrix's row count and block row ranges.
   *
   * @param name the other matrix's name, for the message
   */
  public void requireAlignedWith(String name, RowBlockMatrix other) {
    if (other.rows() != rows()) {
      throw new IllegalArgumentException("shape mismatch: " + name + " has " + other.rows()
          + " rows but A has " + rows() + " (A is " + shape() + ", " + name + " is " + other.shape() + ")");
    }
    if (!Arrays.equals(starts, other.starts)) {
      int i = 0;
      while (i < Math.min(starts.length, other.starts.length) - 1
          && starts[i] == other.starts[i] && starts[i + 1] == other.starts[i + 1]) {
        i++;
      }
      String mine = i < numBlocks() ? "[" + starts[i] + ", " + starts[i + 1] + ")" : "nothing";
      String theirs = i < other.numBlocks() ? "[" + other.starts[i] + ", " + other.starts[i + 1] + ")" : "nothing";
      throw new IllegalArgumentException(name + " is not row-aligned with A: its row block " + i + " holds rows "
          + theirs + " but A's holds " + mine + " (" + other.numBlocks() + " vs " + numBlocks()
          + " blocks); read both with the same partitioning");
    }
  }

  // ---------------------------------------------------------------- construction

  /**
   * A {@code .npy} file, or a folder of them stacked in file-name order ({@link NpyFileSet}), cut into
   * {@code partitions} row blocks (more when there are more files; Fortran-order files are one block
   * each). Only the headers are read on the driver; each task reads its own rows.
   */
  public static RowBlockMatrix fromNpy(SparkSession spark, String path, int partitions) throws java.io.IOException {
    NpyFileSet files = NpyFileSet.open(spark.sparkContext().hadoopConfiguration(), path);
    List<NpyFileSet.RowRange> ranges = files.split(files.rowsPerPartitionFor(partitions));
    HadoopConf conf = new HadoopConf(spark.sparkContext().hadoopConfiguration());
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    JavaRDD<RowBlock> blocks = sc.parallelize(ranges, ranges.size())
        .map(range -> new RowBlock(range.firstRow(), range.read(conf.get())));
    return new RowBlockMatrix(blocks, NpyFileSet.starts(ranges, files.rows()), files.cols());
  }

  /**
   * A {@code .npy} file (or folder) read in the row blocks of {@code alignedWith}, e.g. {@code B}
   * aligned with {@code A}: {@code fromNpy(spark, "B.npy", a)}. Blocks may span files of a folder.
   *
   * @throws IllegalArgumentException when the file's row count differs from {@code alignedWith}'s
   */
  public static RowBlockMatrix fromNpy(SparkSession spark, String path, RowBlockMatrix alignedWith)
      throws java.io.IOException {
    NpyFileSet files = NpyFileSet.open(spark.sparkContext().hadoopConfiguration(), path);
    long[] starts = alignedWith.starts;
    requireRows(path, files.rows(), files.cols(), alignedWith);
    HadoopConf conf = new HadoopConf(spark.sparkContext().hadoopConfiguration());
    return new RowBlockMatrix(startsRdd(spark, starts).map(
        range -> new RowBlock(range[0], files.readRange(conf.get(), range[0], range[1] - range[0]))),
        starts.clone(), files.cols());
  }

  /**
   * The transpose {@code M^T} of the {@code n x m} matrix in a single {@code .npy} file, read in the
   * given row blocks of {@code M^T}: how a cotangent {@code G} ({@code n x m}) becomes {@code G^T}
   * aligned with {@code A}. C-order files are read with one strided read per row of {@code M}.
   */
  public static RowBlockMatrix fromNpyTransposed(SparkSession spark, String path, RowBlockMatrix alignedWith)
      throws java.io.IOException {
    long[] starts = alignedWith.starts;
    NpyFileSet files = NpyFileSet.open(spark.sparkContext().hadoopConfiguration(), path);
    if (files.members().size() != 1) {
      throw new IllegalArgumentException(path + ": a transposed read needs a single .npy file");
    }
    NpyFileSet.Member file = files.members().get(0);
    long transposedRows = file.header.cols();
    if (transposedRows > Integer.MAX_VALUE || files.rows() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(path + ": " + files.rows() + " x " + transposedRows + " is too large to transpose");
    }
    requireRows(path + " (transposed)", transposedRows, (int) files.rows(), alignedWith);
    HadoopConf conf = new HadoopConf(spark.sparkContext().hadoopConfiguration());
    return new RowBlockMatrix(startsRdd(spark, starts).map(range -> {
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(file.path);
      try (org.penrose.source.ByteSource in = org.penrose.source.ByteSource.open(p.getFileSystem(conf.get()), p)) {
        DoubleMatrix block = org.penrose.source.NpyFile.readTransposedRows(in, file.header, range[0], range[1] - range[0], file.path);
        return new RowBlock(range[0], NpyFileSet.requireFinite(block, file.path + " (transposed)", range[0]));
      }
    }), starts.clone(), (int) files.rows());
  }

  private static void requireRows(String path, long rows, int cols, RowBlockMatrix alignedWith) {
    if (rows != alignedWith.rows()) {
      throw new IllegalArgumentException("shape mismatch: " + path + " is " + rows + " x " + cols
          + " but must have as many rows as A, which is " + alignedWith.shape());
    }
  }

  /** One {@code [start, end)} pair per partition. */
  private static JavaRDD<long[]> startsRdd(SparkSession spark, long[] starts) {
    List<long[]> ranges = new ArrayList<>();
    for (int i = 0; i + 1 < starts.length; i++) {
      ranges.add(new long[] {starts[i], starts[i + 1]});
    }
    return JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(ranges, ranges.size());
  }

  /**
   * Writes the matrix to one {@code .npy} file (float64): {@code m x n} in C order, or with
   * {@code transpose} its transpose ({@code n x m}, Fortran order; how {@code P} is written from
   * the blocks of {@code P^T}), or with {@code asVector} (one column) a 1-D array. Tasks write
   * parts that the driver streams into the file ({@link org.penrose.source.NpyAssembler}).
   */
  public void writeNpy(SparkSession spark, String path, boolean transpose, boolean asVector) throws java.io.IOException {
    if (asVector && (transpose || cols != 1)) {
      throw new IllegalArgumentException("only a single-column matrix can be written as a vector, not " + shape());
    }
    org.apache.hadoop.conf.Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    HadoopConf conf = new HadoopConf(hadoop);
    String folder = org.penrose.source.NpyAssembler.partsFolder(path);
    try {
      List<org.penrose.source.NpyAssembler.Part> parts = blocks.mapPartitionsWithIndex((index, it) -> {
        org.apache.spark.TaskContext task = org.apache.spark.TaskContext.get();
        long attempt = task == null ? 0 : task.taskAttemptId();
        org.penrose.source.NpyAssembler.PartWriter writer =
            new org.penrose.source.NpyAssembler.PartWriter(conf.get(), folder, index, attempt);
        try {
          while (it.hasNext()) {
            RowBlock b = it.next();
            writer.writeBlock(b.values(), b.firstRow());
          }
          return Collections.singletonList(writer.commit()).iterator();
        } catch (RuntimeException | java.io.IOException e) {
          writer.abort();
          throw e;
        }
      }, true).collect();
      org.penrose.source.NpyAssembler.assemble(hadoop, path, folder, parts, transpose, true, cols, asVector);
    } catch (RuntimeException | java.io.IOException e) {
      org.penrose.source.NpyAssembler.discard(hadoop, folder);
      throw e;
    }
  }

  /**
   * Row blocks made by the caller (e.g. generated in the tasks): partition {@code i} of
   * {@code blocks} must hold one block of rows {@code [starts[i], starts[i+1])} with {@code cols}
   * columns; this is checked as each block is computed.
   */
  public static RowBlockMatrix fromBlocks(JavaRDD<RowBlock> blocks, long[] starts, int cols) {
    long[] checked = starts.clone();
    requireValidStarts(checked, checked[checked.length - 1]);
    JavaRDD<RowBlock> verified = blocks.mapPartitionsWithIndex((p, it) -> {
      List<RowBlock> out = new ArrayList<>(1);
      while (it.hasNext()) {
        out.add(it.next());
      }
      if (out.size() != 1) {
        throw new IllegalStateException("partition " + p + " holds " + out.size() + " row blocks, expected 1");
      }
      RowBlock b = out.get(0);
      if (b.firstRow() != checked[p] || b.rows() != checked[p + 1] - checked[p] || b.values().cols() != cols) {
        throw new IllegalStateException("partition " + p + " holds rows " + b.range() + " x " + b.values().cols()
            + " but should hold [" + checked[p] + ", " + checked[p + 1] + ") x " + cols);
      }
      return out.iterator();
    }, true);
    return new RowBlockMatrix(verified, checked, cols);
  }

  /**
   * Dense row blocks at {@code starts} from chunks of entries (0-based, duplicates summed), through
   * {@link EntryShuffle}, so the result does not depend on task timing.
   * Sparse rows become dense: a block takes {@code rows x cols x 8} bytes whatever its nonzeros.
   */
  public static RowBlockMatrix fromEntries(JavaRDD<SparseEntries> entries, long rows, int cols, long[] starts) {
    long[] blockStarts = starts.clone();
    requireValidStarts(blockStarts, rows);
    JavaRDD<RowBlock> blocks = EntryShuffle.byRowRanges(entries, blockStarts).mapPartitionsWithIndex((p, it) -> {
      DoubleMatrix block = DoubleMatrix.zeros((int) (blockStarts[p + 1] - blockStarts[p]), cols);
      it.next().addTo(block, blockStarts[p]);
      return Collections.singletonList(new RowBlock(blockStarts[p], block)).iterator();
    }, true);
    return new RowBlockMatrix(blocks, blockStarts, cols);
  }

  /**
   * A Matrix Market file ({@code .mtx}, {@code .mtx.gz}; coordinate or array) in {@code partitions}
   * balanced row blocks, parsed in byte ranges where the file allows ({@link MatrixMarketSource}).
   */
  public static RowBlockMatrix fromMatrixMarket(SparkSession spark, String path, int partitions) throws java.io.IOException {
    MatrixMarketSource source = MatrixMarketSource.read(spark, path, partitions);
    return fromEntries(source.entries(), source.header().rows(), columns(path, source.header().cols()),
        balancedStarts(source.header().rows(), partitions));
  }

  /** A Matrix Market file read in the row blocks of {@code alignedWith} (e.g. {@code B} for {@code A}). */
  public static RowBlockMatrix fromMatrixMarket(SparkSession spark, String path, RowBlockMatrix alignedWith)
      throws java.io.IOException {
    MatrixMarketSource source = MatrixMarketSource.read(spark, path, alignedWith.numBlocks());
    requireRows(path, source.header().rows(), columns(path, source.header().cols()), alignedWith);
    return fromEntries(source.entries(), source.header().rows(), columns(path, source.header().cols()),
        alignedWith.starts);
  }

  /**
   * The transpose {@code M^T} of the {@code n x m} matrix in a Matrix Market file, in the row blocks
   * of {@code alignedWith}: how a cotangent {@code G} ({@code n x m}) becomes {@code G^T} aligned with {@code A}.
   */
  public static RowBlockMatrix fromMatrixMarketTransposed(SparkSession spark, String path, RowBlockMatrix alignedWith)
      throws java.io.IOException {
    MatrixMarketSource source = MatrixMarketSource.read(spark, path, alignedWith.numBlocks());
    int transposedCols = columns(path, source.header().rows());
    requireRows(path + " (transposed)", source.header().cols(), transposedCols, alignedWith);
    JavaRDD<SparseEntries> swapped = source.entries().map(e -> {
      SparseEntries t = new SparseEntries(e.size());
      for (int k = 0; k < e.size(); k++) {
        t.add(e.col(k), (int) e.row(k), e.value(k));
      }
      return t;
    });
    return fromEntries(swapped, source.header().cols(), transposedCols, alignedWith.starts);
  }

  private static int columns(String path, long cols) {
    if (cols > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(path + ": " + cols + " columns is too many for dense row blocks");
    }
    return (int) cols;
  }

  /** MLlib's {@code CoordinateMatrix} (its entries; rows without entries are zero) in balanced row blocks. */
  public static RowBlockMatrix fromCoordinateMatrix(CoordinateMatrix matrix, int partitions) {
    long rows = matrix.numRows();
    int cols = columns("the CoordinateMatrix", matrix.numCols());
    JavaRDD<SparseEntries> entries = matrix.entries().toJavaRDD().mapPartitions(it -> {
      SparseEntries chunk = new SparseEntries();
      while (it.hasNext()) {
        MatrixEntry e = it.next();
        if (!Double.isFinite(e.value())) {
          throw new IllegalArgumentException("row " + e.i() + " has a non-finite value " + e.value() + " in column " + e.j());
        }
        chunk.add(e.i(), (int) e.j(), e.value());
      }
      return Collections.singletonList(chunk).iterator();
    }, true);
    return fromEntries(entries, rows, cols, balancedStarts(rows, partitions));
  }

  /** MLlib's {@code BlockMatrix} in balanced row blocks (through its entries). */
  public static RowBlockMatrix fromBlockMatrix(BlockMatrix matrix, int partitions) {
    return fromCoordinateMatrix(matrix.toCoordinateMatrix(), partitions);
  }

  /**
   * The same matrix in other row blocks ({@code starts}, from 0 to {@code m}): each block is cut
   * into the slices that overlap the new ranges, and the slices are shuffled to their blocks (the
   * data move once; no per-row records).
   */
  public RowBlockMatrix reblock(long[] starts) {
    long[] target = starts.clone();
    requireValidStarts(target, rows());
    if (Arrays.equals(target, this.starts)) {
      return this;
    }
    int parts = target.length - 1;
    int n = cols;
    JavaRDD<RowBlock> blocksOut = blocks.flatMapToPair(b -> {
      List<Tuple2<Integer, RowBlock>> out = new ArrayList<>();
      long end = b.firstRow() + b.rows();
      for (long row = b.firstRow(); row < end; ) {
        int p = SparseEntries.partOf(target, row);
        long sliceEnd = Math.min(end, target[p + 1]);
        int from = (int) (row - b.firstRow());
        int to = (int) (sliceEnd - b.firstRow());
        out.add(new Tuple2<>(p, new RowBlock(row, b.values().rowRange(from, to))));
        row = sliceEnd;
      }
      return out.iterator();
    }).partitionBy(new EntryShuffle.IndexPartitioner(parts)).mapPartitionsWithIndex((p, it) -> {
      DoubleMatrix block = DoubleMatrix.zeros((int) (target[p + 1] - target[p]), n);
      while (it.hasNext()) {
        RowBlock slice = it.next()._2();
        int offset = (int) (slice.firstRow() - target[p]);
        DoubleMatrix v = slice.values();
        for (int j = 0; j < n; j++) {
          System.arraycopy(v.values(), j * v.rows(), block.values(), offset + j * block.rows(), v.rows());
        }
      }
      return Collections.singletonList(new RowBlock(target[p], block)).iterator();
    }, true);
    return new RowBlockMatrix(blocksOut, target, cols);
  }

  /**
   * The transpose ({@code n x m} becomes {@code m x n}) in the row blocks {@code starts} of the
   * transpose; the values travel as entries, so this suits matrices of modest size (cotangents read
   * from Parquet, say).
   */
  public RowBlockMatrix transpose(long[] starts) {
    if (rows() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("a " + shape() + " matrix has too many rows to become columns");
    }
    JavaRDD<SparseEntries> swapped = blocks.map(b -> {
      DoubleMatrix v = b.values();
      SparseEntries e = new SparseEntries(v.rows() * Math.max(1, v.cols()));
      for (int j = 0; j < v.cols(); j++) {
        for (int i = 0; i < v.rows(); i++) {
          e.add(j, (int) (b.firstRow() + i), v.get(i, j));
        }
      }
      return e;
    });
    return fromEntries(swapped, cols, (int) rows(), starts);
  }

  /** Balanced row ranges: {@code parts} blocks over {@code m} rows (blocks may be empty when {@code parts > m}). */
  public static long[] balancedStarts(long m, int parts) {
    if (parts < 1) {
      throw new IllegalArgumentException("need at least one row block, got " + parts);
    }
    long[] starts = new long[parts + 1];
    for (int i = 0; i <= parts; i++) {
      starts[i] = m * i / parts;
    }
    return starts;
  }

  /** An in-memory matrix split into {@code parts} balanced row blocks. */
  public static RowBlockMatrix fromLocal(JavaSparkContext sc, DoubleMatrix a, int parts) {
    return fromLocal(sc, a, balancedStarts(a.rows(), parts));
  }

  /** An in-memory matrix split at the given block starts ({@code starts[0] = 0}, last = m, non-decreasing). */
  public static RowBlockMatrix fromLocal(JavaSparkContext sc, DoubleMatrix a, long[] starts) {
    requireValidStarts(starts, a.rows());
    a.requireFinite("the matrix");
    List<RowBlock> list = new ArrayList<>();
    for (int i = 0; i + 1 < starts.length; i++) {
      list.add(new RowBlock(starts[i], a.rowRange((int) starts[i], (int) starts[i + 1])));
    }
    return new RowBlockMatrix(sc.parallelize(list, list.size()), starts.clone(), a.cols());
  }

  private static void requireValidStarts(long[] starts, long m) {
    if (starts.length < 2 || starts[0] != 0 || starts[starts.length - 1] != m) {
      throw new IllegalArgumentException("block starts must run from 0 to m = " + m + ": " + Arrays.toString(starts));
    }
    for (int i = 1; i < starts.length; i++) {
      if (starts[i] < starts[i - 1]) {
        throw new IllegalArgumentException("block starts must not decrease: " + Arrays.toString(starts));
      }
    }
  }

  /**
   * Rows of a Dataset: {@code vectorColumn} is an {@code ml.linalg.Vector} (dense or sparse, densified
   * per block) or {@code array<double>}.
   *
   * @param indexColumn null to take rows in the Dataset's order; otherwise a long/int column that
   *     must hold exactly {@code 0..m-1} (the rows are sorted by it)
   */
  public static RowBlockMatrix fromDataset(Dataset<Row> data, String vectorColumn, String indexColumn) {
    StructType schema = data.schema();
    StructField field = field(schema, vectorColumn);
    DataType type = field.dataType();
    boolean isVector = type.equals(SQLDataTypes.VectorType());
    boolean isArray = type instanceof ArrayType && ((ArrayType) type).elementType().equals(DataTypes.DoubleType);
    if (!isVector && !isArray) {
      throw new IllegalArgumentException("column '" + vectorColumn + "' has type " + type.simpleString()
          + "; expected a vector (org.apache.spark.ml.linalg.Vector) or array<double>");
    }
    if (indexColumn == null) {
      JavaRDD<double[]> rows = data.select(vectorColumn).javaRDD().map(r -> rowValues(r, 0, isVector));
      return fromRowsInOrder(rows);
    }
    StructField index = field(schema, indexColumn);
    if (!index.dataType().equals(DataTypes.LongType) && !index.dataType().equals(DataTypes.IntegerType)) {
      throw new IllegalArgumentException("index column '" + indexColumn + "' has type "
          + index.dataType().simpleString() + "; expected bigint or int");
    }
    JavaPairRDD<Long, double[]> indexed = data.select(indexColumn, vectorColumn).javaRDD()
        .mapToPair(r -> {
          if (r.isNullAt(0)) {
            throw new IllegalArgumentException("index column '" + indexColumn + "' has a null value");
          }
          return new Tuple2<>(((Number) r.get(0)).longValue(), rowValues(r, 1, isVector));
        });
    return fromIndexedRows(indexed);
  }

  /** MLlib's {@code RowMatrix} (rows in RDD order). */
  public static RowBlockMatrix fromRowMatrix(RowMatrix matrix) {
    return fromRowsInOrder(matrix.rows().toJavaRDD().map(v -> v.toArray()));
  }

  /** MLlib's {@code IndexedRowMatrix}; its indices must be exactly {@code 0..m-1}. */
  public static RowBlockMatrix fromIndexedRowMatrix(IndexedRowMatrix matrix) {
    return fromIndexedRows(matrix.rows().toJavaRDD().mapToPair(r -> new Tuple2<>(r.index(), r.vector().toArray())));
  }

  private static StructField field(StructType schema, String name) {
    for (StructField f : schema.fields()) {
      if (f.name().equals(name)) {
        return f;
      }
    }
    throw new IllegalArgumentException("no column '" + name + "' (columns: " + String.join(", ", schema.fieldNames()) + ")");
  }

  private static double[] rowValues(Row r, int position, boolean isVector) {
    if (r.isNullAt(position)) {
      return null;
    }
    if (isVector) {
      return ((Vector) r.get(position)).toArray();
    }
    List<Object> list = r.getList(position);
    double[] values = new double[list.size()];
    for (int j = 0; j < values.length; j++) {
      Object v = list.get(j);
      values[j] = v == null ? Double.NaN : ((Number) v).doubleValue();
    }
    return values;
  }

  private static RowBlockMatrix fromIndexedRows(JavaPairRDD<Long, double[]> indexed) {
    return buildBlocks(indexed.sortByKey(true).rdd().toJavaRDD(), true);
  }

  private static RowBlockMatrix fromRowsInOrder(JavaRDD<double[]> rows) {
    return buildBlocks(rows.map(r -> new Tuple2<Long, double[]>(null, r)), false);
  }

  /**
   * Builds cached blocks from (index, row) pairs in order, then validates the whole matrix on the
   * driver from small per-partition summaries (so errors can name global row numbers).
   */
  private static RowBlockMatrix buildBlocks(JavaRDD<Tuple2<Long, double[]>> rows, boolean indexed) {
    JavaRDD<BlockBuild> built =
        rows.mapPartitions(it -> Collections.singletonList(BlockBuild.of(it, indexed)).iterator(), true);
    built.persist(StorageLevel.MEMORY_AND_DISK());
    List<BlockBuild.Summary> summaries = built.map(b -> b.summary).collect();
    long[] starts;
    int cols;
    try {
      starts = new long[summaries.size() + 1];
      cols = BlockBuild.validate(summaries, indexed, starts);
    } catch (RuntimeException e) {
      built.unpersist(false);
      throw e;
    }
    final long[] firstRows = starts;
    JavaRDD<RowBlock> blocks = built.mapPartitionsWithIndex((p, it) -> {
      BlockBuild b = it.next();
      DoubleMatrix values = b.values == null ? DoubleMatrix.zeros(0, cols) : b.values;
      return Collections.singletonList(new RowBlock(firstRows[p], values)).iterator();
    }, true);
    return new RowBlockMatrix(blocks, starts, cols);
  }

  // ---------------------------------------------------------------- conversion back

  /** Rows as an MLlib {@code IndexedRowMatrix} (dense vectors, indices {@code 0..m-1}). */
  public IndexedRowMatrix toIndexedRowMatrix() {
    JavaRDD<IndexedRow> rows = blocks.flatMap(b -> {
      List<IndexedRow> out = new ArrayList<>(b.rows());
      for (int i = 0; i < b.rows(); i++) {
        out.add(new IndexedRow(b.firstRow() + i, org.apache.spark.mllib.linalg.Vectors.dense(row(b.values(), i))));
      }
      return out.iterator();
    });
    return new IndexedRowMatrix(rows.rdd(), rows(), cols);
  }

  /** Rows as a Dataset {@code (row: bigint, vector: vector)}, in row order. */
  public Dataset<Row> toDataset(SparkSession spark) {
    StructType schema = new StructType()
        .add("row", DataTypes.LongType, false)
        .add("vector", SQLDataTypes.VectorType(), false);
    JavaRDD<Row> rows = blocks.flatMap(b -> {
      List<Row> out = new ArrayList<>(b.rows());
      for (int i = 0; i < b.rows(); i++) {
        out.add(RowFactory.create(b.firstRow() + i, new DenseVector(row(b.values(), i))));
      }
      return out.iterator();
    });
    return spark.createDataFrame(rows, schema);
  }

  /**
   * The whole matrix on the driver (for small results only).
   *
   * @throws IllegalArgumentException if it does not fit in one in-memory matrix
   */
  public DoubleMatrix collectLocal() {
    if (rows() * cols > DoubleMatrix.MAX_ENTRIES) {
      throw new IllegalArgumentException("a " + shape() + " matrix is too large to collect on the driver");
    }
    DoubleMatrix result = DoubleMatrix.zeros((int) rows(), cols);
    for (RowBlock b : blocks.collect()) {
      DoubleMatrix v = b.values();
      for (int j = 0; j < cols; j++) {
        System.arraycopy(v.values(), j * v.rows(), result.values(), (int) b.firstRow() + j * result.rows(), v.rows());
      }
    }
    return result;
  }

  static double[] row(DoubleMatrix m, int i) {
    double[] r = new double[m.cols()];
    for (int j = 0; j < r.length; j++) {
      r[j] = m.get(i, j);
    }
    return r;
  }

  /** A matrix with the same row ranges as this one, whose blocks come from {@code derived}. */
  RowBlockMatrix withBlocks(JavaRDD<RowBlock> derived, int derivedCols) {
    return new RowBlockMatrix(derived, starts, derivedCols);
  }
}
