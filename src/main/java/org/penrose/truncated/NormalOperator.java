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
import org.penrose.matrix.CsrMatrix;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.MatrixBlock;
import org.penrose.matrix.RowMajor;

/**
 * {@code W -> A^T (A W)} over a row-block matrix ({@code A^T A} is never formed): the one product the
 * {@link NormalLanczos} steps need. Each block contributes {@code A_i^T (A_i W)}
 * ({@link MatrixBlock#normalTimes}) and the contributions are merged in partition order by
 * {@link DeterministicReduce}'s tree, so both implementations give the same bits:
 *
 * <ul>
 *   <li>{@link #spark}: one Spark job per product ({@code W} broadcast, the {@code n x b} partial sums
 *       reduced) — the route on a cluster;
 *   <li>{@link #inDriver}: on a local master, when {@code A}'s blocks fit in a small share of the
 *       driver's memory, they are collected once and each product runs on the driver's threads (as
 *       many as the master's cores), without the per-job scheduling, broadcast and result transfer
 *       (about half of a step's time there).
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
        Broadcast<DoubleMatrix> block = JavaSparkContext.fromSparkContext(a.blocks().context()).broadcast(w);
        DoubleMatrix product = DeterministicReduce.reduce(a.blocks().map(b -> b.matrix().normalTimes(block.value())),
            DeterministicReduce::sum);
        Scratch.destroy(block);
        return product;
      }

      @Override
      String where() {
        return "one Spark job per step";
      }
    };
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
    SparseTerms sparse = SparseTerms.of(blocks, threads);
    return new NormalOperator() {
      @Override
      DoubleMatrix apply(DoubleMatrix w) {
        if (sparse != null) {
          return sparse.apply(w, pool);
        }
        return DeterministicReduce.reduceInOrder(mapInDriver((i, block) -> block.normalTimes(w)), Tsqr.DEFAULT_FAN_IN,
            DeterministicReduce::sum);
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
   * The in-driver product over sparse blocks, its buffers kept from one product to the next (the iteration's
   * products are all {@code n x b}): {@code W} in row-major order ({@link RowMajor}), shared by the blocks, and
   * each block's term {@code A_i^T (A_i W)}, row-major, summed in place in {@link DeterministicReduce}'s tree
   * and turned to column-major once. Entry by entry these are the sums of {@link CsrMatrix#normalTimes} and
   * {@link DeterministicReduce#sum} in the same order: the bits of the Spark route. Without it a product
   * allocated and transposed four {@code n x b} arrays a block. For at most two blocks a thread (the blocks a
   * command reads); more blocks' terms are not held between products.
   */
  private static final class SparseTerms {
    private final List<CsrMatrix> blocks;
    private double[] rowMajorW = new double[0];
    private final double[][] terms;

    private SparseTerms(List<CsrMatrix> blocks) {
      this.blocks = blocks;
      this.terms = new double[blocks.size()][];
    }

    /** The buffered product over {@code blocks} when all are sparse and at most two a thread; else null. */
    static SparseTerms of(List<MatrixBlock> blocks, int threads) {
      List<CsrMatrix> sparse = new ArrayList<>();
      for (MatrixBlock b : blocks) {
        if (!(b instanceof CsrMatrix)) {
          return null;
        }
        sparse.add((CsrMatrix) b);
      }
      return sparse.isEmpty() || sparse.size() > 2 * threads ? null : new SparseTerms(sparse);
    }

    DoubleMatrix apply(DoubleMatrix w, DriverThreads pool) {
      int n = w.rows();
      int b = w.cols();
      int size = w.values().length;
      if (rowMajorW.length != size) {
        rowMajorW = new double[size];
        for (int i = 0; i < terms.length; i++) {
          terms[i] = new double[size];
        }
      }
      RowMajor.into(w, rowMajorW);
      List<DoubleMatrix> parts = pool.map(blocks.size(), i -> {
        Arrays.fill(terms[i], 0.0);
        blocks.get(i).addNormalTimes(rowMajorW, b, terms[i]);
        return DoubleMatrix.columnMajor(size, 1, terms[i]);
      });
      DoubleMatrix sum = DeterministicReduce.reduceInOrder(parts, Tsqr.DEFAULT_FAN_IN, DeterministicReduce::sumInto);
      return RowMajor.toMatrix(sum.values(), n, b);
    }
  }
}
