package org.penrose.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.Test;
import org.penrose.engine.DeterministicReduce;
import org.penrose.engine.RowBlock;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.testing.SparkTestSession;
import org.penrose.testing.TestMatrices;

/**
 * Same input and partitioning give the same bits: across repeated runs, whatever order the tasks
 * finish in, and when tasks fail once and are retried ({@code local[2,4]} allows retries).
 */
class DeterminismTest extends SparkTestSession {
  private static final int PARTS = 7;
  private static final int FAN_IN = 2; // several levels of shuffled merges, not just the driver's
  /** Counts injected failures (tasks run in this JVM; accumulators drop the updates of failed tasks). */
  private static final AtomicInteger INJECTED = new AtomicInteger();

  @Override
  protected String master() {
    return "local[2,4]";
  }

  private final DoubleMatrix a = TestMatrices.gaussian(700, 9, new Random(21))
      .times(TestMatrices.gaussian(9, 12, new Random(22))); // rank 9 of 700 x 12
  private final DoubleMatrix b = TestMatrices.gaussian(700, 2, new Random(23));
  private final DoubleMatrix gx = TestMatrices.gaussian(12, 2, new Random(24));

  /** Everything a run produces, as exact bit patterns. */
  private List<double[]> run(RowBlockMatrix am, RowBlockMatrix bm) {
    DistributedLstsq ls = DistributedLstsq.solve(am, bm, RankCutoff.DEFAULT, FAN_IN);
    DistributedPinv pinv = DistributedPinv.factor(am, RankCutoff.DEFAULT, FAN_IN);
    List<double[]> out = new ArrayList<>();
    out.add(ls.solution().values());
    out.add(ls.singularValues());
    out.add(ls.residualSumOfSquares());
    out.add(ls.vjp(gx).a().collectLocal().values());
    out.add(pinv.vjp(RowBlockMatrix.fromLocal(sc, b.timesTranspose(gx), PARTS)).a().collectLocal().values());
    out.add(ls.jvp(RowBlockMatrix.fromLocal(sc, TestMatrices.gaussian(700, 12, new Random(25)), PARTS), null).values());
    return out;
  }

  private List<double[]> cleanRun() {
    return run(RowBlockMatrix.fromLocal(sc, a, PARTS), RowBlockMatrix.fromLocal(sc, b, PARTS));
  }

  private static void assertBitIdentical(List<double[]> expected, List<double[]> actual) {
    assertEquals(expected.size(), actual.size());
    for (int i = 0; i < expected.size(); i++) {
      assertArrayEquals(expected.get(i), actual.get(i), 0.0, "output " + i + " differs");
    }
  }

  @Test
  void repeatedRunsGiveTheSameBits() {
    assertBitIdentical(cleanRun(), cleanRun());
  }

  @Test
  void theOrderInWhichTasksFinishDoesNotMatter() {
    List<double[]> reference = cleanRun();
    // Partition 0 finishes last, partition 6 first.
    RowBlockMatrix slowFirst = RowBlockMatrix.fromLocal(sc, a, PARTS);
    JavaRDD<RowBlock> delayed = slowFirst.blocks().map(block -> {
      Thread.sleep(40L * (PARTS - TaskContext.getPartitionId()));
      return block;
    });
    assertBitIdentical(reference, run(slowFirst.withBlocks(delayed, a.cols()), RowBlockMatrix.fromLocal(sc, b, PARTS)));
  }

  @Test
  void aTaskThatFailsOnceIsRetriedToTheSameBits() {
    List<double[]> reference = cleanRun();
    INJECTED.set(0);
    RowBlockMatrix flaky = RowBlockMatrix.fromLocal(sc, a, PARTS);
    JavaRDD<RowBlock> failing = flaky.blocks().map(block -> {
      TaskContext task = TaskContext.get();
      if (task.partitionId() == 3 && task.attemptNumber() == 0) {
        INJECTED.incrementAndGet();
        throw new IllegalStateException("injected failure of the first attempt");
      }
      return block;
    });
    assertBitIdentical(reference, run(flaky.withBlocks(failing, a.cols()), RowBlockMatrix.fromLocal(sc, b, PARTS)));
    assertTrue(INJECTED.get() >= 1, "failures were injected (one per job or merge level that ran the task)");
  }

  @Test
  void aFailedMergeTaskIsRetriedToTheSameBits() {
    List<DoubleMatrix> items = new ArrayList<>();
    Random random = new Random(26);
    for (int i = 0; i < 11; i++) {
      items.add(TestMatrices.gaussian(5, 5, random));
    }
    JavaRDD<DoubleMatrix> rdd = sc.parallelize(items, items.size());
    DoubleMatrix reference = DeterministicReduce.reduce(rdd, 3, DeterministicReduce::sum);
    INJECTED.set(0);
    DoubleMatrix retried = DeterministicReduce.reduce(rdd, 3, parts -> {
      TaskContext task = TaskContext.get();
      if (task != null && task.partitionId() == 1 && task.attemptNumber() == 0) {
        INJECTED.incrementAndGet();
        throw new IllegalStateException("injected failure of a merge task");
      }
      return DeterministicReduce.sum(parts);
    });
    assertArrayEquals(reference.values(), retried.values(), 0.0);
    assertTrue(INJECTED.get() >= 1, "failures were injected (one per job or merge level that ran the task)");
    // and the sum is the sum
    DoubleMatrix direct = items.get(0).copy();
    for (int i = 1; i < items.size(); i++) {
      direct = direct.plusScaled(1, items.get(i));
    }
    assertTrue(TestMatrices.relativeError(retried, direct) < 1e-14);
  }
}
