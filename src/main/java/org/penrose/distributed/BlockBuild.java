package org.penrose.distributed;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import org.penrose.linalg.DoubleMatrix;
import scala.Tuple2;

/**
 * One partition's rows turned into a dense block, with a small summary that lets the driver validate
 * the whole matrix and name the first bad row by its global number: the row count, the column count,
 * the first ragged row, the first non-finite value, and (for indexed rows) the index range and the
 * first gap or duplicate.
 */
final class BlockBuild implements Serializable {
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
  final DoubleMatrix values;

  private BlockBuild(Summary summary, DoubleMatrix values) {
    this.summary = summary;
    this.values = values;
  }

  static BlockBuild of(Iterator<Tuple2<Long, double[]>> rows, boolean indexed) {
    Summary s = new Summary();
    List<double[]> kept = new ArrayList<>();
    long position = 0;
    while (rows.hasNext()) {
      Tuple2<Long, double[]> t = rows.next();
      double[] r = t._2();
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
          s.cols = r.length;
        } else if (r.length != s.cols && s.raggedRow < 0) {
          s.raggedRow = position;
          s.raggedLength = r.length;
        }
        if (s.nonFiniteRow < 0) {
          for (int j = 0; j < r.length; j++) {
            if (!Double.isFinite(r[j])) {
              s.nonFiniteRow = position;
              s.nonFiniteCol = j;
              s.nonFiniteValue = r[j];
              break;
            }
          }
        }
      }
      kept.add(r);
      position++;
    }
    s.count = position;
    boolean valid = s.raggedRow < 0 && s.nullRow < 0 && s.nonFiniteRow < 0 && s.badIndexRow < 0;
    if (!valid || s.count == 0) {
      return new BlockBuild(s, null);
    }
    if (s.count * s.cols > DoubleMatrix.MAX_ENTRIES) {
      throw new IllegalArgumentException("a partition of " + s.count + " rows x " + s.cols
          + " columns does not fit in one dense block; use more partitions");
    }
    int b = (int) s.count;
    DoubleMatrix block = DoubleMatrix.zeros(b, s.cols);
    double[] v = block.values();
    for (int i = 0; i < b; i++) {
      double[] r = kept.get(i);
      for (int j = 0; j < s.cols; j++) {
        v[i + j * b] = r[j];
      }
    }
    return new BlockBuild(s, block);
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
        throw new IllegalArgumentException("row " + (offset + s.nullRow) + " is null");
      }
      if (s.count > 0) {
        if (cols < 0) {
          cols = s.cols;
        } else if (s.cols != cols) {
          throw new IllegalArgumentException("ragged rows: row " + offset + " has " + s.cols
              + " values but row 0 has " + cols);
        }
      }
      if (s.raggedRow >= 0) {
        throw new IllegalArgumentException("ragged rows: row " + (offset + s.raggedRow) + " has "
            + s.raggedLength + " values but row 0 has " + cols);
      }
      if (indexed && s.count > 0) {
        if (s.firstIndex < 0) {
          throw new IllegalArgumentException("negative row index " + s.firstIndex + " (row indices must be exactly 0..m-1)");
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
        throw new IllegalArgumentException("row " + (offset + s.nonFiniteRow) + " has a non-finite value "
            + s.nonFiniteValue + " in column " + s.nonFiniteCol);
      }
      offset += s.count;
    }
    starts[summaries.size()] = offset;
    return Math.max(cols, 0);
  }

  private static IllegalArgumentException indexError(long expected, long found) {
    if (found < expected) {
      return new IllegalArgumentException("duplicate row index " + found + " (row indices must be exactly 0..m-1)");
    }
    return new IllegalArgumentException("row index " + expected + " is missing (the next index is " + found
        + "; row indices must be exactly 0..m-1)");
  }

  /**
   * Cached dense blocks from (index, row) pairs in order (index null when {@code indexed} is false),
   * one block per partition; then validates the whole matrix on the driver from the small
   * per-partition summaries, so errors can name global row numbers.
   */
  static RowBlockMatrix toRowBlocks(JavaRDD<Tuple2<Long, double[]>> rows, boolean indexed) {
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
      DoubleMatrix values = b.values == null ? DoubleMatrix.zeros(0, cols) : b.values;
      return Collections.singletonList(new RowBlock(firstRows[p], values)).iterator();
    }, true);
    return new RowBlockMatrix(blocks, starts, cols);
  }
}
