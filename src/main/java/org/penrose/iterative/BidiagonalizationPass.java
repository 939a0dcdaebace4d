package org.penrose.iterative;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.penrose.engine.DeterministicReduce;
import org.penrose.engine.ReliableCheckpoints;
import org.penrose.engine.RowBlock;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.engine.Tsqr;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.MatrixBlock;
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
 *       driver's memory, the same kernels on the driver's blocks, without a job per pass.
 * </ul>
 */
abstract class BidiagonalizationPass implements AutoCloseable {
  /** Collected blocks may take at most this fraction of the driver's maximum heap. */
  static final double DRIVER_SHARE = 0.125;
  /** Passes between reliable checkpoints of {@code u} (the Spark implementation). */
  static final int CHECKPOINT_EVERY = 25;

  /** {@code A^T u} ({@code n}) and {@code ||u||^2} after one pass. */
  record Products(double[] transposeTimesU, double sumOfSquares) {}

  /** Starts with {@code u = b} (the m x 1 right-hand side, in A's row blocks). */
  abstract Products start(RowBlockMatrix b);

  /** {@code u <- A v + c u}, then its products. */
  abstract Products step(double[] v, double c);

  /** Where the passes run, for progress lines and reports. */
  abstract String where();

  @Override
  public void close() {}

  /** The in-driver implementation when {@code allowed}, the master is local and A fits; else Spark's. */
  static BidiagonalizationPass of(RowBlockMatrix a, boolean allowed) {
    SparkContext sc = a.blocks().context();
    double bytes = 0;
    if (allowed && sc.isLocal()) {
      bytes = a.blocks().map(block -> 12.0 * block.matrix().storedEntries()).reduce(Double::sum);
    }
    if (allowed && sc.isLocal() && bytes <= DRIVER_SHARE * Runtime.getRuntime().maxMemory()) {
      return inDriver(a);
    }
    return spark(a);
  }

  /** {@code A_i v + c u_i} for one block. */
  static double[] advance(MatrixBlock block, double[] v, double c, double[] u) {
    double[] next = block.times(DoubleMatrix.column(v)).values();
    if (c != 0) {
      for (int i = 0; i < next.length; i++) {
        next[i] += c * u[i];
      }
    }
    return next;
  }

  /** {@code [A_i^T u_i; ||u_i||^2]} ({@code (n + 1) x 1}): one block's contribution. */
  static DoubleMatrix contribution(MatrixBlock block, double[] u) {
    double[] aTu = block.transposeTimes(DoubleMatrix.column(u)).values();
    double[] out = new double[aTu.length + 1];
    System.arraycopy(aTu, 0, out, 0, aTu.length);
    out[aTu.length] = DoubleMatrix.sumOfSquares(u);
    return DoubleMatrix.column(out);
  }

  static Products products(DoubleMatrix merged) {
    double[] all = merged.values();
    double[] aTu = new double[all.length - 1];
    System.arraycopy(all, 0, aTu, 0, aTu.length);
    return new Products(aTu, all[aTu.length]);
  }

  /** The blocks on the driver; each pass walks them in order. */
  static BidiagonalizationPass inDriver(RowBlockMatrix a) {
    List<RowBlock> blocks = a.blocks().collect();
    return new BidiagonalizationPass() {
      private List<double[]> u;

      @Override
      Products start(RowBlockMatrix b) {
        u = new ArrayList<>();
        for (RowBlock block : b.blocks().collect()) {
          u.add(block.dense().values().clone());
        }
        return merge();
      }

      @Override
      Products step(double[] v, double c) {
        for (int i = 0; i < blocks.size(); i++) {
          u.set(i, advance(blocks.get(i).matrix(), v, c, u.get(i)));
        }
        return merge();
      }

      private Products merge() {
        List<DoubleMatrix> parts = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
          parts.add(contribution(blocks.get(i).matrix(), u.get(i)));
        }
        return products(DeterministicReduce.reduceInOrder(parts, Tsqr.DEFAULT_FAN_IN, DeterministicReduce::sum));
      }

      @Override
      String where() {
        return "in the driver (" + blocks.size() + " blocks)";
      }
    };
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
          RowBlock block = as.next();
          double[] u = bs.next().dense().values().clone();
          return single(new Tuple2<>(u, contribution(block.matrix(), u)));
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
          double[] u = advance(block, shared.value(), c, us.next()._1());
          return single(new Tuple2<>(u, contribution(block, u)));
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
