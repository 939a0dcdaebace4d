package org.penrose.engine;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.storage.StorageLevel;
import org.penrose.matrix.CsrMatrix;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.InvalidInputException;
import org.penrose.matrix.MatrixBlock;
import scala.Tuple2;

/**
 * One partition's rows turned into a block (dense, or compressed rows when the input rows are
 * sparse vectors), with a small summary that lets the driver validate
 * the whole matrix and name the first bad row by its global number: the row count, the column count,
 * the first ragged row, the first non-finite value, and (for indexed rows) the index range and the
 * first gap or duplicate.
 */
public final class BlockBuild implements Serializable {
  private static final long serialVersionUID = 1L;

  static final class Summary implements Serializable {
    private static final long serialVersionUID = 1L;
    long count;
    int cols = -1;
    long raggedRow = -1; // local position of the first row whose length differs from the first row's
    int raggedLength;
    long nullRow = -1;
    long nonFiniteRow = -1;
    int nonFiniteCol;
    double nonFiniteValue;
    long firstIndex = -1;
    long lastIndex = -1;
    long badIndexRow = -1; // local position of the first index that is not previous + 1
    long badIndex;
    long previousIndex;
  }

  final Summary summary;
  final MatrixBlock values;

  private BlockBuild(Summary summary, MatrixBlock values) {
    this.summary = summary;
    this.values = values;
  }

  /**
   * One partition's (index, row) pairs (index null when not {@code indexed}) as one block: sparse
   * (compressed rows holding each row's stored entries) when any row is a {@code SparseVector},
   * dense otherwise; null when the rows are invalid (the summary says why).
   */
  static BlockBuild of(Iterator<Tuple2<Long, Vector>> rows, boolean indexed) {
    Summary s = new Summary();
    List<Vector> kept = new ArrayList<>();
    long position = 0;
    boolean anySparse = false;
    long stored = 0;
    while (rows.hasNext()) {
      Tuple2<Long, Vector> t = rows.next();
      Vector r = t._2();
      if (indexed) {
        long index = t._1();
        if (position == 0) {
          s.firstIndex = index;
        } else if (s.badIndexRow < 0 && index != s.lastIndex + 1) {
          s.badIndexRow = position;
          s.badIndex = index;
          s.previousIndex = s.lastIndex;
        }
        s.lastIndex = index;
      }
      if (r == null) {
        if (s.nullRow < 0) {
          s.nullRow = position;
        }
      } else {
        if (s.cols < 0) {
          s.cols = r.size();
        } else if (r.size() != s.cols && s.raggedRow < 0) {
          s.raggedRow = position;
          s.raggedLength = r.size();
        }
        if (s.nonFiniteRow < 0) {
          findNonFinite(r, s, position);
        }
        anySparse |= r instanceof SparseVector;
        stored += r instanceof SparseVector ? ((SparseVector) r).indices().length : r.size();
      }
      kept.add(r);
      position++;
    }
    s.count = position;
    boolean valid = s.raggedRow < 0 && s.nullRow < 0 && s.nonFiniteRow < 0 && s.badIndexRow < 0;
    if (!valid || s.count == 0) {
      return new BlockBuild(s, null);
    }
    return new BlockBuild(s, anySparse ? sparse(kept, s.cols, stored) : dense(kept, s.cols));
  }

  private static void findNonFinite(Vector r, Summary s, long position) {
    double[] values = r instanceof SparseVector ? ((SparseVector) r).values() : r.toArray();
    for (int p = 0; p < values.length; p++) {
      if (!Double.isFinite(values[p])) {
        s.nonFiniteRow = position;
        s.nonFiniteCol = r instanceof SparseVector ? ((SparseVector) r).indices()[p] : p;
        s.nonFiniteValue = values[p];
        return;
      }
    }
  }

  private static DoubleMatrix dense(List<Vector> rows, int cols) {
    if ((long) rows.size() * cols > DoubleMatrix.MAX_ENTRIES) {
      throw new InvalidInputException("a partition of " + rows.size() + " rows x " + cols
          + " columns does not fit in one dense block; use more partitions");
    }
    int b = rows.size();
    DoubleMatrix block = DoubleMatrix.zeros(b, cols);
    double[] v = block.values();
    for (int i = 0; i < b; i++) {
      double[] r = rows.get(i).toArray();
      for (int j = 0; j < cols; j++) {
        v[i + j * b] = r[j];
      }
    }
    return block;
  }

  /** The rows' stored entries as compressed rows (a dense row's nonzeros). */
  private static CsrMatrix sparse(List<Vector> rows, int cols, long stored) {
    if (stored > Integer.MAX_VALUE - 8) {
      throw new InvalidInputException("a partition of " + rows.size() + " rows holds " + stored
          + " stored entries, more than one block can index; use more partitions");
    }
    int[] rowStart = new int[rows.size() + 1];
    int[] colIndex = new int[(int) stored];
    double[] values = new double[(int) stored];
    int p = 0;
    for (int i = 0; i < rows.size(); i++) {
      rowStart[i] = p;
      Vector r = rows.get(i);
      if (r instanceof SparseVector) {
        SparseVector sv = (SparseVector) r;
        System.arraycopy(sv.indices(), 0, colIndex, p, sv.indices().length);
        System.arraycopy(sv.values(), 0, values, p, sv.values().length);
        p += sv.indices().length;
      } else {
        double[] d = r.toArray();
        for (int j = 0; j < d.length; j++) {
          if (d[j] != 0.0) {
            colIndex[p] = j;
            values[p++] = d[j];
          }
        }
      }
    }
    rowStart[rows.size()] = p;
    return CsrMatrix.of(rows.size(), cols, rowStart, Arrays.copyOf(colIndex, p),
        Arrays.copyOf(values, p));
  }

  /**
   * Checks all summaries in partition order, fills {@code starts} (first row of each partition, then
   * m) and returns the column count.
   *
   * @throws IllegalArgumentException naming the first bad row (0-based, in matrix order)
   */
  static int validate(List<Summary> summaries, boolean indexed, long[] starts) {
    int cols = -1;
    long offset = 0;
    long expectedIndex = 0;
    for (int p = 0; p < summaries.size(); p++) {
      Summary s = summaries.get(p);
      starts[p] = offset;
      if (s.nullRow >= 0) {
        throw new InvalidInputException("row " + (offset + s.nullRow) + " is null");
      }
      if (s.count > 0) {
        if (cols < 0) {
          cols = s.cols;
        } else if (s.cols != cols) {
          throw new InvalidInputException("ragged rows: row " + offset + " has " + s.cols
              + " values but row 0 has " + cols);
        }
      }
      if (s.raggedRow >= 0) {
        throw new InvalidInputException("ragged rows: row " + (offset + s.raggedRow) + " has "
            + s.raggedLength + " values but row 0 has " + cols);
      }
      if (indexed && s.count > 0) {
        if (s.firstIndex < 0) {
          throw new InvalidInputException("negative row index " + s.firstIndex
              + " (row indices must be exactly 0..m-1)");
        }
        if (s.firstIndex != expectedIndex) {
          throw indexError(expectedIndex, s.firstIndex);
        }
        if (s.badIndexRow >= 0) {
          throw indexError(s.previousIndex + 1, s.badIndex);
        }
        expectedIndex = s.lastIndex + 1;
      }
      if (s.nonFiniteRow >= 0) {
        throw new InvalidInputException("row " + (offset + s.nonFiniteRow) + " has a non-finite value "
            + s.nonFiniteValue + " in column " + s.nonFiniteCol);
      }
      offset += s.count;
    }
    starts[summaries.size()] = offset;
    return Math.max(cols, 0);
  }

  private static IllegalArgumentException indexError(long expected, long found) {
    if (found < expected) {
      return new InvalidInputException("duplicate row index " + found + " (row indices must be exactly 0..m-1)");
    }
    return new InvalidInputException("row index " + expected + " is missing (the next index is " + found
        + "; row indices must be exactly 0..m-1)");
  }

  /**
   * Cached blocks (memory and disk) from (index, row) pairs in order (index null when {@code indexed} is false),
   * one block per partition; then validates the whole matrix on the driver from the small
   * per-partition summaries, so errors can name global row numbers.
   */
  public static RowBlockMatrix toRowBlocks(JavaRDD<Tuple2<Long, Vector>> rows, boolean indexed) {
    JavaRDD<BlockBuild> built =
        rows.mapPartitions(it -> Collections.singletonList(BlockBuild.of(it, indexed)).iterator(), true);
    built.persist(StorageLevel.MEMORY_AND_DISK());
    List<Summary> summaries = built.map(b -> b.summary).collect();
    long[] starts;
    int cols;
    try {
      starts = new long[summaries.size() + 1];
      cols = validate(summaries, indexed, starts);
    } catch (RuntimeException e) {
      built.unpersist(false);
      throw e;
    }
    long[] firstRows = starts;
    JavaRDD<RowBlock> blocks = built.mapPartitionsWithIndex((p, it) -> {
      BlockBuild b = it.next();
      MatrixBlock values = b.values == null ? DoubleMatrix.zeros(0, cols) : b.values;
      return Collections.singletonList(new RowBlock(firstRows[p], values)).iterator();
    }, true);
    // the blocks take the built ones' place in the cache (a job over them, in memory): a fit that caches its input
    // (RowBlockMatrix#cacheFor) then finds it cached once, not twice, and its unpersist frees it
    blocks.persist(StorageLevel.MEMORY_AND_DISK());
    blocks.count();
    built.unpersist(false);
    return new RowBlockMatrix(blocks, starts, cols);
  }
}
