package org.penrose.iterative;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.penrose.engine.DeterministicReduce;
import org.penrose.engine.DriverThreads;
import org.penrose.engine.ReliableCheckpoints;
import org.penrose.engine.RowBlock;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.engine.Tsqr;
import org.penrose.matrix.CsrMatrix;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.MatrixBlock;
import org.penrose.matrix.ShiftedBlock;
import scala.Tuple2;

/**
 * The one pass over {@code A} each Golub-Kahan step makes: with {@code u} the m-vector kept beside
 * {@code A}'s row blocks (never on the driver), {@code u <- A v + c u} and, in the same task,
 * {@code A^T u} and {@code ||u||^2}; the blocks' contributions merged in partition order by
 * {@link DeterministicReduce}'s tree, so both implementations give the same bits:
 *
 * <ul>
 *   <li>{@link #spark}: one Spark job per pass ({@code v} broadcast); {@code u}'s blocks cached beside
 *       {@code A}'s and written to a reliable checkpoint every {@link #CHECKPOINT_EVERY} passes, so that a
 *       lost executor recomputes at most that many passes, never the job;
 *   <li>{@link #inDriver}: on a local master, when {@code A}'s blocks fit in a small share of the
 *       driver's memory ({@link DriverThreads#hold}), the same kernels on the driver's threads, without a
 *       job per pass.
 * </ul>
 */
abstract class BidiagonalizationPass implements AutoCloseable {
  /** Passes between reliable checkpoints of {@code u} (the Spark implementation). */
  static final int CHECKPOINT_EVERY = 25;

  /** {@code A^T u} ({@code n}) and {@code ||u||^2} after one pass. */
  record Products(double[] transposeTimesU, double sumOfSquares) {}

  /** Starts with {@code u = b} (the m x 1 right-hand side, in A's row blocks). */
  abstract Products start(RowBlockMatrix b);

  /**
   * Starts with {@code u = b}, {@code b}'s row blocks (aligned with A's) held by the driver: the in-driver pass
   * over blocks the driver read ({@link #inDriver(List, DriverThreads)}).
   */
  Products start(List<double[]> b) {
    throw new UnsupportedOperationException("a right-hand side held by the driver needs the in-driver pass");
  }

  /** Starts with {@code u = A v} (v n-sized, on the driver): the transposed bidiagonalization's first pass. */
  abstract Products startWithProduct(double[] v);

  /** {@code u <- A v + c u}, then its products. */
  abstract Products step(double[] v, double c);

  /** Where the passes run, for progress lines and reports. */
  abstract String where();

  @Override
  public void close() {}

  /** The in-driver implementation when {@code allowed}, the master is local and A fits ({@link DriverThreads#hold}). */
  static BidiagonalizationPass of(RowBlockMatrix a, boolean allowed) {
    return DriverThreads.hold(a, allowed) ? inDriver(a) : spark(a);
  }

  /**
   * One block's share of a pass, in one sweep over its stored entries: {@code out = A_i v + c u} (each
   * row's dot product, then that row's entries added into {@code A_i^T out}), returning
   * {@code [A_i^T out; ||out||^2]} ({@code (n + 1) x 1}). {@code u} may be {@code out}; with {@code c = 0}
   * it is not read (it may be null). {@code v} null stands for zero ({@code out = c u}). A sparse block
   * shifted by a rank-one term ({@link ShiftedBlock}, {@code B - r s^T}: a centered sparse design) is swept
   * the same way, with {@code -r_i (s . v)} added to each row's dot product and {@code -s (r . out)} to
   * {@code B^T out} at the end.
   */
  static DoubleMatrix sweep(MatrixBlock block, double[] v, double c, double[] u, double[] out) {
    return sweep(block, v, c, u, out, new double[block.cols() + 1]);
  }

  /** {@link #sweep} into {@code result} ({@code n + 1} zeros, overwritten), e.g. a buffer reused pass after pass. */
  static DoubleMatrix sweep(MatrixBlock block, double[] v, double c, double[] u, double[] out, double[] result) {
    int n = block.cols();
    double sumOfSquares = 0;
    ShiftedBlock shifted = block instanceof ShiftedBlock s && s.block() instanceof CsrMatrix ? s : null;
    if (block instanceof CsrMatrix || shifted != null) {
      CsrMatrix csr = (CsrMatrix) (shifted != null ? shifted.block() : block);
      double[] r = shifted != null ? shifted.rowFactor() : null;
      double[] s = shifted != null ? shifted.columnFactor() : null;
      sumOfSquares = sweepCsr(csr, r, s, v, c, u, out, result);
    } else {
      double[] next = v == null ? new double[block.rows()] : block.times(DoubleMatrix.column(v)).values();
      for (int i = 0; i < next.length; i++) {
        out[i] = next[i] + (c == 0 ? 0 : c * u[i]);
        sumOfSquares += out[i] * out[i];
      }
      System.arraycopy(block.transposeTimes(DoubleMatrix.column(out)).values(), 0, result, 0, n);
    }
    result[n] = sumOfSquares;
    return DoubleMatrix.column(result);
  }

  /**
   * {@link #sweep} of a CSR block {@code B}, or of {@code B - r s^T} when {@code r} is not null: {@code out}, and
   * {@code A_i^T out} into {@code result}; returns {@code ||out||^2}.
   */
  private static double sweepCsr(CsrMatrix csr, double[] r, double[] s, double[] v, double c, double[] u,
      double[] out, double[] result) {
    int n = csr.cols();
    double sv = 0; // s . v
    if (r != null && v != null) {
      for (int j = 0; j < n; j++) {
        sv += s[j] * v[j];
      }
    }
    double sumOfSquares = 0;
    double rOut = 0; // r . out
    int[] start = csr.rowStart();
    int[] col = csr.colIndex();
    double[] value = csr.values();
    int rows = csr.rows();
    for (int i = 0; i < rows; i++) {
      int from = start[i];
      int to = start[i + 1];
      double ui = c == 0 ? 0 : c * u[i];
      if (v != null) {
        double dot = 0;
        for (int k = from; k < to; k++) {
          dot += value[k] * v[col[k]];
        }
        ui += r == null ? dot : dot - r[i] * sv;
      }
      out[i] = ui;
      sumOfSquares += ui * ui;
      for (int k = from; k < to; k++) {
        result[col[k]] += value[k] * ui;
      }
      if (r != null) {
        rOut += r[i] * ui;
      }
    }
    if (r != null) {
      for (int j = 0; j < n; j++) {
        result[j] -= s[j] * rOut;
      }
    }
    return sumOfSquares;
  }

  static Products products(DoubleMatrix merged) {
    double[] all = merged.values();
    double[] aTu = new double[all.length - 1];
    System.arraycopy(all, 0, aTu, 0, aTu.length);
    return new Products(aTu, all[aTu.length]);
  }

  /** The blocks on the driver; each pass runs them on the driver's threads, merged in block order. */
  static BidiagonalizationPass inDriver(RowBlockMatrix a) {
    List<MatrixBlock> blocks = new ArrayList<>();
    for (RowBlock block : DriverThreads.gather(a)) {
      blocks.add(block.matrix());
    }
    return inDriver(blocks, new DriverThreads(a.blocks().context().defaultParallelism(), "penrose-lsmr"), true);
  }

  /** Passes over {@code A}'s blocks held by the driver (in partition order), on {@code threads}, without Spark. */
  static BidiagonalizationPass inDriver(List<MatrixBlock> blocks, DriverThreads threads) {
    return inDriver(blocks, threads, false);
  }

  /** The in-driver pass; it closes {@code threads} when it {@code owns} them. */
  private static BidiagonalizationPass inDriver(List<MatrixBlock> blocks, DriverThreads threads, boolean owns) {
    return new BidiagonalizationPass() {
      private List<double[]> u;
      /** Each block's {@code [A_i^T u_i; ||u_i||^2]}, reused pass after pass (no fresh memory per pass). */
      private final double[][] parts = new double[blocks.size()][];
      /** The right-hand side collected by the last start, and its values: a restart (u = b) collects it once. */
      private RowBlockMatrix collected;
      private List<double[]> collectedValues;

      @Override
      Products start(RowBlockMatrix b) {
        if (b != collected) {
          collectedValues = new ArrayList<>();
          for (RowBlock block : b.blocks().collect()) {
            collectedValues.add(block.dense().values());
          }
          collected = b;
        }
        return start(collectedValues);
      }

      @Override
      Products start(List<double[]> b) {
        u = new ArrayList<>();
        for (double[] block : b) {
          u.add(block.clone());
        }
        return step(null, 1);
      }

      @Override
      Products startWithProduct(double[] v) {
        u = new ArrayList<>();
        for (MatrixBlock block : blocks) {
          u.add(new double[block.rows()]);
        }
        return step(v, 0);
      }

      @Override
      Products step(double[] v, double c) {
        List<DoubleMatrix> sums = threads.map(blocks.size(), i -> {
          if (parts[i] == null) {
            parts[i] = new double[blocks.get(i).cols() + 1];
          } else {
            Arrays.fill(parts[i], 0);
          }
          return sweep(blocks.get(i), v, c, u.get(i), u.get(i), parts[i]);
        });
        // DeterministicReduce.sum's order and bits, added into the first of each group (buffers this pass owns)
        return products(DeterministicReduce.reduceInOrder(sums, Tsqr.DEFAULT_FAN_IN, DeterministicReduce::sumInto));
      }

      @Override
      String where() {
        return "in the driver on " + threads.threads() + " threads (" + blocks.size() + " blocks"
            + (owns ? ")" : ", no Spark)");
      }

      @Override
      public void close() {
        if (owns) {
          threads.close();
        }
      }
    };
  }

  /**
   * The passes of {@code A D} ({@code D = diag(d)}, column scaling) from those of {@code A}: {@code v} is scaled by
   * {@code D} before the pass, {@code A^T u} after it.
   */
  static BidiagonalizationPass columnScaled(BidiagonalizationPass a, double[] d) {
    return around(a, v -> times(d, v), "columns scaled");
  }

  /**
   * The passes of {@code A M} for a symmetric {@code M} given by {@code m} ({@code v -> M v}): {@code v} enters as
   * {@code M v}, {@code A^T u} leaves as {@code M A^T u}.
   */
  private static BidiagonalizationPass around(BidiagonalizationPass a, UnaryOperator<double[]> m, String what) {
    return new BidiagonalizationPass() {
      private Products out(Products p) {
        return new Products(m.apply(p.transposeTimesU()), p.sumOfSquares());
      }

      @Override
      Products start(RowBlockMatrix b) {
        return out(a.start(b));
      }

      @Override
      Products start(List<double[]> b) {
        return out(a.start(b));
      }

      @Override
      Products startWithProduct(double[] v) {
        return out(a.startWithProduct(m.apply(v)));
      }

      @Override
      Products step(double[] v, double c) {
        return out(a.step(v == null ? null : m.apply(v), c));
      }

      @Override
      String where() {
        return a.where() + ", " + what;
      }

      @Override
      public void close() {
        a.close();
      }
    };
  }

  /**
   * The passes of {@code A M} for the deflation's preconditioner {@code M} ({@link Deflation}; {@code M^T = M}):
   * {@code v} enters as {@code M v}, {@code A^T u} leaves as {@code M A^T u}.
   */
  static BidiagonalizationPass deflated(BidiagonalizationPass a, Deflation deflation) {
    return around(a, deflation::precondition, deflation.rank() + " singular triplets deflated");
  }

  /** {@code d_j v_j} for each {@code j}. */
  static double[] times(double[] d, double[] v) {
    double[] out = new double[v.length];
    for (int j = 0; j < v.length; j++) {
      out[j] = d[j] * v[j];
    }
    return out;
  }

  /** One Spark job per pass; {@code u} stays in the executors beside A's blocks. */
  static BidiagonalizationPass spark(RowBlockMatrix a) {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(a.blocks().context());
    return new BidiagonalizationPass() {
      /** Per partition: (u_i, its contribution), cached. */
      private JavaRDD<Tuple2<double[], DoubleMatrix>> state;
      private int passes;

      @Override
      Products start(RowBlockMatrix b) {
        a.requireAlignedWith("b", b);
        return keep(a.blocks().zipPartitions(b.blocks(), (as, bs) -> {
          MatrixBlock block = as.next().matrix();
          double[] u = bs.next().dense().values().clone();
          return single(new Tuple2<>(u, sweep(block, null, 1, u, u)));
        }));
      }

      @Override
      Products startWithProduct(double[] v) {
        Broadcast<double[]> shared = sc.broadcast(v);
        sinceCheckpoint.add(shared);
        return keep(a.blocks().map(b -> {
          double[] u = new double[b.matrix().rows()];
          return new Tuple2<>(u, sweep(b.matrix(), shared.value(), 0, null, u));
        }));
      }

      /** The broadcast v of every pass since the last checkpoint: recomputing a lost block needs them. */
      private final List<Broadcast<double[]>> sinceCheckpoint = new ArrayList<>();

      @Override
      Products step(double[] v, double c) {
        Broadcast<double[]> shared = sc.broadcast(v);
        sinceCheckpoint.add(shared);
        JavaRDD<Tuple2<double[], DoubleMatrix>> previous = state;
        Products products = keep(a.blocks().zipPartitions(previous, (as, us) -> {
          MatrixBlock block = as.next().matrix();
          double[] u = new double[block.rows()]; // the cached previous u stays as it was (lineage)
          return single(new Tuple2<>(u, sweep(block, shared.value(), c, us.next()._1(), u)));
        }));
        previous.unpersist(false);
        return products;
      }

      private Products keep(JavaRDD<Tuple2<double[], DoubleMatrix>> next) {
        passes++;
        boolean checkpoint = passes % CHECKPOINT_EVERY == 0;
        if (checkpoint) {
          next = ReliableCheckpoints.save(next);
        } else {
          next.persist(StorageLevel.MEMORY_AND_DISK());
        }
        state = next;
        Products products = products(DeterministicReduce.reduce(next.map(Tuple2::_2), DeterministicReduce::sum));
        if (checkpoint) { // the job above wrote u: its lineage is the files, the broadcasts are not needed
          sinceCheckpoint.forEach(b -> b.destroy(false));
          sinceCheckpoint.clear();
        }
        return products;
      }

      @Override
      public void close() {
        if (state != null) {
          state.unpersist(false);
        }
        sinceCheckpoint.forEach(b -> b.destroy(false));
        sinceCheckpoint.clear();
      }

      @Override
      String where() {
        return "one Spark job per pass (" + a.numBlocks() + " blocks)";
      }
    };
  }

  private static <T> Iterator<T> single(T item) {
    return List.of(item).iterator();
  }
}
