package org.penrose.engine;

import java.util.Arrays;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.InvalidInputException;

/**
 * How a matrix's rows are cut into row blocks: {@code starts[i]} is block {@code i}'s first row,
 * {@code starts[0] = 0}, the last entry is {@code m}, non-decreasing (a block may be empty).
 */
public final class BlockStarts {
  /**
   * Most row blocks a matrix may have: each is a task of every pass and a few longs on the driver; past
   * a million the scheduling, not the arithmetic, is the cost.
   */
  public static final int MAX_BLOCKS = 1 << 20;

  /** Most rows in one block (its arrays are indexed by int). */
  public static final long MAX_BLOCK_ROWS = DoubleMatrix.MAX_ENTRIES;

  private BlockStarts() {}

  /** Balanced row ranges: {@code parts} blocks over {@code m} rows (blocks may be empty when {@code parts > m}). */
  public static long[] balanced(long m, int parts) {
    requireCount(parts);
    long[] starts = new long[parts + 1];
    long size = m / parts, extra = m % parts; // m * i / parts without overflow
    for (int i = 0; i <= parts; i++) {
      starts[i] = size * i + extra * i / parts;
    }
    return starts;
  }

  /** Throws unless {@code 1 <= blocks <=} {@link #MAX_BLOCKS}. */
  public static void requireCount(long blocks) {
    if (blocks < 1 || blocks > MAX_BLOCKS) {
      throw new InvalidInputException("the number of row blocks must be between 1 and " + MAX_BLOCKS + ", got "
          + blocks);
    }
  }

  /**
   * Throws unless {@code starts} cut {@code m} rows into at most {@link #MAX_BLOCKS} blocks of at most {@link
   * #MAX_BLOCK_ROWS}.
   */
  static void requireValid(long[] starts, long m) {
    if (starts.length < 2 || starts[0] != 0 || starts[starts.length - 1] != m) {
      throw new InvalidInputException("block starts must run from 0 to m = " + m + ": " + Arrays.toString(starts));
    }
    requireCount(starts.length - 1);
    for (int i = 1; i < starts.length; i++) {
      if (starts[i] < starts[i - 1]) {
        throw new InvalidInputException("block starts must not decrease: " + Arrays.toString(starts));
      }
      if (starts[i] - starts[i - 1] > MAX_BLOCK_ROWS) {
        throw new InvalidInputException("row block " + (i - 1) + " would hold " + (starts[i] - starts[i - 1])
            + " rows, more than one block can (" + MAX_BLOCK_ROWS + "): use more row blocks");
      }
    }
  }
}
