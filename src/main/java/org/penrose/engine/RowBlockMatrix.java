package org.penrose.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.penrose.matrix.CsrMatrix;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.InvalidInputException;
import org.penrose.matrix.MatrixBlock;
import org.penrose.matrix.ShiftedBlock;
import org.penrose.matrix.SparseEntries;
import scala.Tuple2;

/**
 * A tall {@code m x n} matrix distributed as contiguous row blocks, <b>one block per partition</b>,
 * partition {@code i} holding rows {@code [start(i), start(i+1))}. The row ranges are known on the
 * driver, so two matrices can be checked for row alignment before any job runs.
 *
 * <p>This class is what a distributed matrix is and does: its blocks and row ranges, alignment,
 * caching, re-blocking and transposing. Matrices come from
 *
 * <ul>
 *   <li>{@code adapters.MatrixFiles}: {@code .npy}, Matrix Market and Parquet files (and back to
 *       {@code .npy});
 *   <li>{@code adapters.DatasetRows}: DataFrames with a vector or {@code array<double>} column;
 *   <li>{@code adapters.MllibMatrices}: MLlib's {@code RowMatrix}, {@code IndexedRowMatrix},
 *       {@code CoordinateMatrix} and {@code BlockMatrix};
 *   <li>{@link #fromLocal}: an in-memory matrix split into row blocks (tests, small inputs), and
 *       {@link #fromBlocks}: blocks made by the caller's tasks.
 * </ul>
 */
public final class RowBlockMatrix {
  private final JavaRDD<RowBlock> blocks;
  private final long[] starts;
  private final int cols;

  public RowBlockMatrix(JavaRDD<RowBlock> blocks, long[] starts, int cols) {
    if (starts.length != blocks.getNumPartitions() + 1) {
      throw new InvalidInputException(
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

  /** For {@link #cacheFor}: an iteration, which reads the blocks many times. */
  public static final int MANY_PASSES = Integer.MAX_VALUE;

  /**
   * Caches the blocks deliberately for a computation that reads them {@code passes} times: one pass
   * caches nothing (the blocks stream from their source, so memory does not grow with {@code m});
   * a few passes cache them (MEMORY_AND_DISK) when their dense size is at most a quarter of the
   * storage memory of the driver and executors, and otherwise read the source again on each pass
   * (no flood of spills to local disk); {@link #MANY_PASSES} caches them whatever their size.
   * Blocks already cached are left as they are.
   *
   * @return this matrix
   */
  public RowBlockMatrix cacheFor(int passes) {
    if (passes <= 1 || !blocks.getStorageLevel().equals(StorageLevel.NONE())) {
      return this;
    }
    double bytes = 8.0 * rows() * cols; // dense size: an upper bound for sparse blocks
    if (passes == MANY_PASSES || StorageBudget.fits(blocks.context(), bytes)) {
      blocks.persist(StorageLevel.MEMORY_AND_DISK());
    }
    return this;
  }

  /**
   * Throws unless {@code other} has this matrix's row count and block row ranges.
   *
   * @param name the other matrix's name, for the message
   */
  public void requireAlignedWith(String name, RowBlockMatrix other) {
    if (other.rows() != rows()) {
      throw new InvalidInputException("shape mismatch: " + name + " has " + other.rows()
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
      throw new InvalidInputException(name + " is not row-aligned with A: its row block " + i + " holds rows "
          + theirs + " but A's holds " + mine + " (" + other.numBlocks() + " vs " + numBlocks()
          + " blocks); read both with the same partitioning");
    }
  }

  // ---------------------------------------------------------------- construction

  /**
   * Row blocks made by the caller (e.g. generated in the tasks): partition {@code i} of
   * {@code blocks} must hold one block of rows {@code [starts[i], starts[i+1])} with {@code cols}
   * columns; this is checked as each block is computed.
   */
  public static RowBlockMatrix fromBlocks(JavaRDD<RowBlock> blocks, long[] starts, int cols) {
    long[] checked = starts.clone();
    BlockStarts.requireValid(checked, checked[checked.length - 1]);
    JavaRDD<RowBlock> verified = blocks.mapPartitionsWithIndex((p, it) -> {
      List<RowBlock> out = new ArrayList<>(1);
      while (it.hasNext()) {
        out.add(it.next());
      }
      if (out.size() != 1) {
        throw new InvalidInputException("partition " + p + " holds " + out.size() + " row blocks, expected 1");
      }
      RowBlock b = out.get(0);
      if (b.firstRow() != checked[p] || b.rows() != checked[p + 1] - checked[p] || b.matrix().cols() != cols) {
        throw new InvalidInputException("partition " + p + " holds rows " + b.range() + " x " + b.matrix().cols()
            + " but should hold [" + checked[p] + ", " + checked[p + 1] + ") x " + cols);
      }
      b.requireFinite("the row blocks");
      return out.iterator();
    }, true);
    return new RowBlockMatrix(verified, checked, cols);
  }

  /**
   * Row blocks at {@code starts} from chunks of entries (0-based, duplicates summed in entry order),
   * through {@link EntryShuffle}, so the result does not depend on task timing: sparse blocks
   * ({@link CsrMatrix}, memory {@code O(nonzeros)}) when {@code sparse}, else dense ones.
   */
  public static RowBlockMatrix fromEntries(JavaRDD<SparseEntries> entries, long rows, int cols, long[] starts,
      boolean sparse) {
    long[] blockStarts = starts.clone();
    BlockStarts.requireValid(blockStarts, rows);
    JavaRDD<RowBlock> blocks = EntryShuffle.byRowRanges(entries, blockStarts).mapPartitionsWithIndex((p, it) ->
        Collections.singletonList(RowBlock.fromEntries(it.next(), blockStarts[p],
            (int) (blockStarts[p + 1] - blockStarts[p]), cols, sparse)).iterator(), true);
    return new RowBlockMatrix(blocks, blockStarts, cols);
  }

  /**
   * The same matrix in other row blocks ({@code starts}, from 0 to {@code m}): each block is cut
   * into the slices that overlap the new ranges, and the slices are shuffled to their blocks (the
   * data move once; no per-row records). A new block is sparse when all its slices are.
   */
  public RowBlockMatrix reblock(long[] starts) {
    long[] target = starts.clone();
    BlockStarts.requireValid(target, rows());
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
        out.add(new Tuple2<>(p, new RowBlock(row, b.matrix().rowRange(from, to))));
        row = sliceEnd;
      }
      return out.iterator();
    }).partitionBy(new EntryShuffle.IndexPartitioner(parts)).mapPartitionsWithIndex((p, it) -> {
      List<RowBlock> slices = new ArrayList<>();
      it.forEachRemaining(t -> slices.add(t._2()));
      slices.sort(Comparator.comparingLong(RowBlock::firstRow));
      return Collections.singletonList(new RowBlock(target[p], stack(slices, (int) (target[p + 1] - target[p]), n)))
          .iterator();
    }, true);
    return new RowBlockMatrix(blocksOut, target, cols);
  }

  /** Consecutive slices (in row order) as one block: sparse when every slice is. */
  private static MatrixBlock stack(List<RowBlock> slices, int rows, int cols) {
    boolean sparse = !slices.isEmpty() && slices.stream().allMatch(RowBlock::isSparse);
    if (sparse) {
      List<CsrMatrix> parts = new ArrayList<>();
      slices.forEach(s -> parts.add((CsrMatrix) s.matrix()));
      return CsrMatrix.stack(parts, cols);
    }
    DoubleMatrix block = DoubleMatrix.zeros(rows, cols);
    int offset = 0;
    for (RowBlock slice : slices) {
      DoubleMatrix v = slice.dense();
      for (int j = 0; j < cols; j++) {
        System.arraycopy(v.values(), j * v.rows(), block.values(), offset + j * block.rows(), v.rows());
      }
      offset += v.rows();
    }
    return block;
  }

  /**
   * The transpose ({@code n x m} becomes {@code m x n}) in the row blocks {@code starts} of the
   * transpose; the values travel as entries, so this suits matrices of modest size (cotangents read
   * from Parquet, say). Sparse when this matrix's blocks are sparse.
   */
  public RowBlockMatrix transpose(long[] starts) {
    if (rows() > Integer.MAX_VALUE) {
      throw new InvalidInputException("a " + shape() + " matrix has too many rows to become columns");
    }
    boolean sparse = blocks.map(RowBlock::isSparse).fold(true, (x, y) -> x && y);
    JavaRDD<SparseEntries> swapped = blocks.map(b -> b.matrix().entries(b.firstRow()).transposed());
    return fromEntries(swapped, cols, (int) rows(), starts, sparse);
  }

  /** The Euclidean norm of each column ({@code n} values; one pass, summed in partition order). */
  public double[] columnNorms() {
    return squareRoots(DeterministicReduce.reduce(blocks.map(b -> DoubleMatrix.column(columnSumsOfSquares(b.matrix()))),
        DeterministicReduce::sum));
  }

  /** {@link #columnNorms} of blocks the driver holds, in partition order, on {@code threads}: the same bits. */
  public static double[] columnNorms(List<MatrixBlock> blocks, DriverThreads threads) {
    return squareRoots(DeterministicReduce.reduceInOrder(threads.map(blocks.size(),
        i -> DoubleMatrix.column(columnSumsOfSquares(blocks.get(i)))), Tsqr.DEFAULT_FAN_IN, DeterministicReduce::sum));
  }

  private static double[] squareRoots(DoubleMatrix squares) {
    double[] values = squares.values();
    for (int j = 0; j < values.length; j++) {
      values[j] = Math.sqrt(values[j]);
    }
    return values;
  }

  /** One block's {@code sum_i a_ij^2} for each column (over the stored entries of a sparse block). */
  public static double[] columnSumsOfSquares(MatrixBlock m) {
    double[] sums = new double[m.cols()];
    if (m instanceof CsrMatrix c) {
      for (int p = 0; p < c.values().length; p++) {
        sums[c.colIndex()[p]] += c.values()[p] * c.values()[p];
      }
    } else {
      DoubleMatrix d = m.dense();
      for (int j = 0; j < sums.length; j++) {
        double sum = 0;
        for (int i = j * d.rows(), end = i + d.rows(); i < end; i++) {
          sum += d.values()[i] * d.values()[i];
        }
        sums[j] = sum;
      }
    }
    return sums;
  }

  /** {@code A D^-1}: column {@code j} divided by {@code divisors[j]}, blocks of the same kind. */
  public RowBlockMatrix divideColumns(double[] divisors) {
    if (divisors.length != cols) {
      throw new InvalidInputException(divisors.length + " divisors for " + cols + " columns");
    }
    double[] d = divisors.clone();
    return withBlocks(blocks.map(b -> {
      MatrixBlock m = b.matrix();
      if (m instanceof CsrMatrix c) {
        double[] values = c.values().clone();
        for (int p = 0; p < values.length; p++) {
          values[p] /= d[c.colIndex()[p]];
        }
        return b.withValues(c.withValues(values));
      }
      DoubleMatrix scaled = m.dense().copy();
      for (int j = 0; j < scaled.cols(); j++) {
        for (int i = 0; i < scaled.rows(); i++) {
          scaled.set(i, j, scaled.get(i, j) / d[j]);
        }
      }
      return b.withValues(scaled);
    }), cols);
  }

  /**
   * {@code A - r c^T} ({@code m x n}) without forming it: each block becomes a {@link ShiftedBlock} over
   * the same (sparse or dense) block, so products cost one product with {@code A} plus
   * {@code O((m + n) k)}. How a sparse design is centered: {@code r = sqrt(w)}, {@code c} the weighted
   * column means.
   *
   * @param r {@code m x 1}, row-aligned with this matrix
   * @param c {@code n} values
   */
  public RowBlockMatrix minusOuter(RowBlockMatrix r, double[] c) {
    requireAlignedWith("r", r);
    if (r.cols() != 1 || c.length != cols) {
      throw new InvalidInputException("the outer product r c^T is " + r.shape() + " by " + c.length
          + " values, not " + shape());
    }
    Broadcast<double[]> shift = JavaSparkContext.fromSparkContext(blocks.context()).broadcast(c.clone());
    return withBlocks(blocks.zip(r.blocks()).map(pair -> pair._1().withValues(
        new ShiftedBlock(pair._1().matrix(), pair._2().values().values(), shift.value()))), cols);
  }

  /** An in-memory matrix split into {@code parts} balanced row blocks. */
  public static RowBlockMatrix fromLocal(JavaSparkContext sc, DoubleMatrix a, int parts) {
    return fromLocal(sc, a, BlockStarts.balanced(a.rows(), parts));
  }

  /** An in-memory matrix split at the given block starts ({@code starts[0] = 0}, last = m, non-decreasing). */
  public static RowBlockMatrix fromLocal(JavaSparkContext sc, DoubleMatrix a, long[] starts) {
    BlockStarts.requireValid(starts, a.rows());
    a.requireFinite("the matrix");
    List<RowBlock> list = new ArrayList<>();
    for (int i = 0; i + 1 < starts.length; i++) {
      list.add(new RowBlock(starts[i], a.rowRange((int) starts[i], (int) starts[i + 1])));
    }
    return fromLocalBlocks(sc, list, starts, a.cols());
  }

  /**
   * Row blocks held by the driver ({@code blocks.get(i)} holds rows {@code [starts[i], starts[i + 1])}) as a matrix.
   */
  public static RowBlockMatrix fromLocalBlocks(JavaSparkContext sc, List<RowBlock> list, long[] starts, int cols) {
    double bytes = list.stream().mapToDouble(b -> 8.0 * b.matrix().storedEntries()).sum();
    if (bytes / Math.max(1, list.size()) <= LARGEST_TASK_BYTES) {
      return new RowBlockMatrix(sc.parallelize(list, list.size()), starts.clone(), cols);
    }
    // Larger blocks travel once as a broadcast, not inside every task (Spark warns above 1000 KiB).
    Broadcast<List<RowBlock>> shared = sc.broadcast(list);
    List<Integer> indices = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      indices.add(i);
    }
    return new RowBlockMatrix(sc.parallelize(indices, indices.size()).map(i -> shared.value().get(i)), starts.clone(),
        cols);
  }

  /** The largest block {@link #fromLocal} ships inside a task; Spark warns about tasks above 1000 KiB. */
  private static final double LARGEST_TASK_BYTES = 512 * 1024;

  /** Columns {@code [from, to)} ({@code m x (to - from)}) in the same row blocks; sparse blocks stay sparse. */
  public RowBlockMatrix columnRange(int from, int to) {
    return columnRange(from, to, true);
  }

  /** Columns {@code [from, to)} as dense blocks (for a few columns: a right-hand side, weights). */
  public RowBlockMatrix denseColumns(int from, int to) {
    return columnRange(from, to, false);
  }

  private RowBlockMatrix columnRange(int from, int to, boolean keepSparse) {
    if (from < 0 || to > cols || from > to) {
      throw new InvalidInputException("columns [" + from + ", " + to + ") are not within the " + cols + " of "
          + shape());
    }
    // the columns first, then densified: a wide sparse block is never densified whole
    return withBlocks(blocks.map(b -> b.withValues(keepSparse ? b.matrix().columnRange(from, to)
        : b.matrix().columnRange(from, to).dense())), to - from);
  }

  /**
   * The whole matrix on the driver (for small results only).
   *
   * @throws IllegalArgumentException if it does not fit in one in-memory matrix
   */
  public DoubleMatrix collectLocal() {
    if (rows() * cols > DoubleMatrix.MAX_ENTRIES) {
      throw new InvalidInputException("a " + shape() + " matrix is too large to collect on the driver");
    }
    DoubleMatrix result = DoubleMatrix.zeros((int) rows(), cols);
    for (RowBlock b : blocks.collect()) {
      DoubleMatrix v = b.dense();
      for (int j = 0; j < cols; j++) {
        System.arraycopy(v.values(), j * v.rows(), result.values(), (int) b.firstRow() + j * result.rows(), v.rows());
      }
    }
    return result;
  }

  /** A matrix with the same row ranges as this one, whose blocks come from {@code derived}. */
  public RowBlockMatrix withBlocks(JavaRDD<RowBlock> derived, int derivedCols) {
    return new RowBlockMatrix(derived, starts, derivedCols);
  }

  /** This matrix's row ranges, one {@code [start, end)} pair per partition (to read other inputs in them). */
  public JavaRDD<long[]> rangesRdd() {
    List<long[]> ranges = new ArrayList<>();
    for (int i = 0; i + 1 < starts.length; i++) {
      ranges.add(new long[] {starts[i], starts[i + 1]});
    }
    return JavaSparkContext.fromSparkContext(blocks.context()).parallelize(ranges, ranges.size());
  }

  /**
   * Throws unless an input of {@code rows x cols} has as many rows as this matrix (so it can be read
   * in this matrix's row blocks).
   */
  public void requireRowsOf(String name, long rows, long cols) {
    if (rows != rows()) {
      throw new InvalidInputException("shape mismatch: " + name + " is " + rows + " x " + cols
          + " but must have as many rows as A, which is " + shape());
    }
  }

  /** {@code cols} as the column count of row blocks (an {@code int}). */
  public static int columnCount(String name, long cols) {
    if (cols > Integer.MAX_VALUE) {
      throw new InvalidInputException(name + ": " + cols + " columns is more than row blocks can index ("
          + Integer.MAX_VALUE + ")");
    }
    return (int) cols;
  }
}
