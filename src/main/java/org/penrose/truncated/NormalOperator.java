package org.penrose.truncated;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.penrose.engine.DeterministicReduce;
import org.penrose.engine.DriverThreads;
import org.penrose.engine.RowBlock;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.engine.Scratch;
import org.penrose.engine.Tsqr;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.MatrixBlock;
import org.penrose.matrix.RowMajor;

/**
 * {@code W -> A^T (A W)} over a row-block matrix ({@code A^T A} is never formed): the one product the
 * {@link NormalLanczos} steps need. Each block contributes {@code A_i^T (A_i W)}
 * ({@link MatrixBlock#addNormalTimes}, with {@code W} and the term in row-major order, the layout of the sparse
 * kernel), the terms are summed in partition order by {@link DeterministicReduce}'s tree and the sum is turned to
 * column-major once, so both implementations give the same bits:
 *
 * <ul>
 *   <li>{@link #spark}: one Spark job per product ({@code W} broadcast, the {@code n x b} terms
 *       reduced) — the route on a cluster;
 *   <li>{@link #inDriver}: on a local master, when {@code A}'s blocks fit in a small share of the
 *       driver's memory, they are collected once and each product runs on the driver's threads (as
 *       many as the master's cores), without the per-job scheduling, broadcast and result transfer
 *       (about half of a step's time there), its buffers kept from one product to the next.
 * </ul>
 */
abstract class NormalOperator implements AutoCloseable {
  /** {@code A^T (A W)} ({@code n x b}) for {@code W} ({@code n x b}). */
  abstract DoubleMatrix apply(DoubleMatrix w);

  /** Where the products run, for progress lines and reports. */
  abstract String where();

  /** A computation on row block {@code index} of {@code A}. */
  interface BlockFunction<T> {
    T apply(int index, MatrixBlock block);
  }

  /**
   * {@code f} on every block of {@code A}, in partition order, on the driver's threads: for the
   * in-driver operator; null for the Spark one (whose blocks stay in the executors).
   */
  <T> List<T> mapInDriver(BlockFunction<T> f) {
    return null;
  }

  @Override
  public void close() {}

  /**
   * The in-driver operator when {@code allowed}, the master is local and {@code A} fits
   * ({@link DriverThreads#hold}); otherwise the Spark one.
   */
  static NormalOperator of(RowBlockMatrix a, boolean allowed) {
    if (DriverThreads.hold(a, allowed)) {
      return inDriver(a, Math.max(1, a.blocks().context().defaultParallelism()));
    }
    return spark(a);
  }

  /** One Spark job per product. */
  static NormalOperator spark(RowBlockMatrix a) {
    return new NormalOperator() {
      @Override
      DoubleMatrix apply(DoubleMatrix w) {
        int b = w.cols();
        Broadcast<double[]> shared = JavaSparkContext.fromSparkContext(a.blocks().context()).broadcast(RowMajor.of(w));
        DoubleMatrix sum = DeterministicReduce.reduce(a.blocks().map(block -> term(block.matrix(), shared.value(), b,
            null)), DeterministicReduce::sumInto);
        Scratch.destroy(shared);
        return RowMajor.toMatrix(sum.values(), w.rows(), b);
      }

      @Override
      String where() {
        return "one Spark job per step";
      }
    };
  }

  /**
   * {@code block}'s term {@code A_i^T (A_i W)}, row-major, as an {@code nb x 1} matrix (the form
   * {@link DeterministicReduce#sumInto} adds), in {@code buffer} (zeroed first) or, when null, in a new array.
   */
  private static DoubleMatrix term(MatrixBlock block, double[] rowMajorW, int b, double[] buffer) {
    double[] z = buffer == null ? new double[rowMajorW.length] : buffer;
    if (buffer != null) {
      Arrays.fill(z, 0.0);
    }
    block.addNormalTimes(rowMajorW, b, z);
    return DoubleMatrix.columnMajor(z.length, 1, z);
  }

  /** {@code A}'s blocks collected to the driver, each product on {@code threads} driver threads. */
  static NormalOperator inDriver(RowBlockMatrix a, int threads) {
    List<MatrixBlock> blocks = new ArrayList<>();
    for (RowBlock b : DriverThreads.gather(a)) { // in partition order
      blocks.add(b.matrix());
    }
    return inDriver(blocks, new DriverThreads(threads, "penrose-normal-operator"), true);
  }

  /**
   * Each product over {@code blocks} (held by the driver, in partition order) on {@code pool}'s threads; the
   * pool is closed with the operator when it {@code owned} it.
   */
  static NormalOperator inDriver(List<MatrixBlock> blocks, DriverThreads pool, boolean owned) {
    int threads = pool.threads();
    Buffers buffers = new Buffers(blocks.size(), threads);
    return new NormalOperator() {
      @Override
      DoubleMatrix apply(DoubleMatrix w) {
        int b = w.cols();
        double[] rowMajorW = buffers.rowMajor(w);
        List<DoubleMatrix> terms = mapInDriver((i, block) -> term(block, rowMajorW, b, buffers.term(i)));
        DoubleMatrix sum = DeterministicReduce.reduceInOrder(terms, Tsqr.DEFAULT_FAN_IN, DeterministicReduce::sumInto);
        return RowMajor.toMatrix(sum.values(), w.rows(), b);
      }

      @Override
      <T> List<T> mapInDriver(BlockFunction<T> f) {
        return pool.map(blocks.size(), i -> f.apply(i, blocks.get(i)));
      }

      @Override
      String where() {
        return "in the driver on " + threads + " thread" + (threads == 1 ? "" : "s")
            + (owned ? " (local master)" : " (no Spark)");
      }

      @Override
      public void close() {
        if (owned) {
          pool.close();
        }
      }
    };
  }

  /**
   * The in-driver product's arrays, kept from one product to the next (the iteration's products are all
   * {@code n x b}): {@code W} in row-major order, shared by the blocks, and each block's term, summed in place in
   * the tree. The terms are kept for at most two blocks a thread (the blocks a command reads); with more, each
   * product allocates them. Without them a product allocated four {@code n x b} arrays a block.
   */
  private static final class Buffers {
    private final double[][] terms;
    private double[] rowMajorW = new double[0];

    Buffers(int blocks, int threads) {
      this.terms = new double[blocks <= 2 * threads ? blocks : 0][];
    }

    /** {@code W} row-major, in the kept array (a new one when the shape changed). */
    double[] rowMajor(DoubleMatrix w) {
      int size = w.values().length;
      if (rowMajorW.length != size) {
        rowMajorW = new double[size];
        Arrays.fill(terms, null);
      }
      RowMajor.into(w, rowMajorW);
      return rowMajorW;
    }

    /** Block {@code i}'s kept term array for the current shape, or null when terms are not kept. */
    double[] term(int i) {
      if (i >= terms.length) {
        return null;
      }
      if (terms[i] == null) {
        terms[i] = new double[rowMajorW.length];
      }
      return terms[i];
    }
  }
}
