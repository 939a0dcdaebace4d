package org.penrose.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.penrose.blas.BlasBackend;
import org.penrose.engine.BlasPlugin;
import org.penrose.engine.DeterministicReduce;
import org.penrose.engine.ReliableCheckpoints;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.factor.RankCutoff;
import org.penrose.iterative.Lsmr;
import org.penrose.iterative.LsmrOptions;
import org.penrose.iterative.LsmrResult;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.testing.SparkTestSession;
import org.penrose.testing.TestMatrices;
import org.penrose.truncated.KrylovIteration;
import org.penrose.truncated.TruncatedSvd;
import org.penrose.truncated.TruncatedSvdOptions;

/**
 * An executor JVM killed (SIGKILL) in the middle of a computation, or after it and before its
 * m-sized result is used, costs time, not the job: on {@code local-cluster[2,1,1024]} each run is
 * repeated with an executor killed once half of the undisturbed run's tasks have ended, and must give
 * the undisturbed run's bits. Covered: the dense route (lstsq, its VJP, pinv's {@code P^T}), the
 * truncated SVD by both iterations (normal operator and Golub–Kahan), whose bases live in reliable
 * checkpoints ({@link ReliableCheckpoints}), and LSMR with its VJP.
 */
class ExecutorLossTest extends SparkTestSession {
  private static final int M = 2400;
  private static final int N = 120;
  private static final int PARTS = 4;

  private final Killer killer = new Killer();
  private DoubleMatrix dense;
  private DoubleMatrix rhs;

  @Override
  protected String master() {
    return "local-cluster[2,1,1024]";
  }

  @Override
  protected void configure(SparkSession.Builder builder) {
    LocalClusterTest.configureLocalCluster(builder).config(BlasPlugin.CONF,
        org.penrose.blas.BlasBackend.source().name().toLowerCase(java.util.Locale.ROOT));
  }

  /**
   * A 2400 x 120 matrix with a graded spectrum (row scales 1 ... 1e-3; full rank and wider than the
   * Krylov basis, as the normal-operator iteration wants), and a right-hand side.
   */
  @BeforeAll
  void inputs() {
    Random random = new Random(11);
    DoubleMatrix left = TestMatrices.orthonormalColumns(M, N, random);
    DoubleMatrix right = TestMatrices.gaussian(N, N, random);
    for (int i = 0; i < N; i++) {
      double scale = Math.pow(1e-3, i / (N - 1.0));
      for (int j = 0; j < N; j++) {
        right.set(i, j, right.get(i, j) * scale);
      }
    }
    dense = left.times(right);
    rhs = TestMatrices.gaussian(M, 2, random);
    sc.sc().addSparkListener(killer);
  }

  /** Kills one executor JVM when a given number of tasks have ended since it was armed. */
  static final class Killer extends SparkListener {
    private final AtomicInteger tasks = new AtomicInteger();
    private final AtomicInteger removed = new AtomicInteger();
    private volatile int killAt = -1;
    private volatile long killedPid = -1;

    void arm(int afterTasks) {
      tasks.set(0);
      killedPid = -1;
      killAt = afterTasks;
    }

    int tasksSinceArmed() {
      return tasks.get();
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
      if (tasks.incrementAndGet() == killAt) {
        killAt = -1;
        try {
          killedPid = killOneExecutor();
        } catch (AssertionError e) {
          e.printStackTrace(); // the listener bus would swallow it: the test then fails on killedPid
        }
      }
    }

    @Override
    public void onExecutorRemoved(SparkListenerExecutorRemoved event) {
      removed.incrementAndGet();
    }
  }

  /** SIGKILL to one executor process of this application (a child of a local-cluster worker); its pid. */
  static long killOneExecutor() {
    Optional<ProcessHandle> executor = ProcessHandle.current().descendants()
        .filter(p -> commandLine(p).contains("CoarseGrainedExecutorBackend"))
        .findFirst();
    ProcessHandle process = executor.orElseThrow(() -> new AssertionError("no executor process to kill"));
    process.destroyForcibly();
    try {
      process.onExit().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the executor did not die", e);
    }
    return process.pid();
  }

  /** The process's command line, from {@code /proc} (ProcessHandle.Info leaves long ones out). */
  private static String commandLine(ProcessHandle p) {
    try {
      return new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc", Long.toString(p.pid()),
          "cmdline")), java.nio.charset.StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      return "";
    }
  }

  /**
   * Runs {@code computation} undisturbed, then again with an executor killed halfway through its tasks,
   * and asserts the same bits (every array of the result) and that an executor was lost.
   */
  private void sameBitsWhenAnExecutorDies(String what, Supplier<List<double[]>> computation) {
    killer.arm(-1);
    List<double[]> undisturbed = computation.get();
    int tasks = killer.tasksSinceArmed();
    assertTrue(tasks >= 4, what + " ran " + tasks + " tasks");
    int removedBefore = killer.removed.get();
    killer.arm(tasks / 2);
    long start = System.nanoTime();
    List<double[]> disturbed = computation.get();
    System.out.printf("%s: %d tasks undisturbed; executor %d killed after %d, rerun took %.1f s%n", what, tasks,
        killer.killedPid, tasks / 2, (System.nanoTime() - start) / 1e9);
    assertTrue(killer.killedPid > 0, what + ": no executor was killed");
    assertTrue(killer.removed.get() > removedBefore, what + ": Spark did not see an executor go");
    assertEquals(undisturbed.size(), disturbed.size());
    for (int i = 0; i < undisturbed.size(); i++) {
      assertArrayEquals(undisturbed.get(i), disturbed.get(i), 0.0, what + ": result " + i + " differs");
    }
  }

  private RowBlockMatrix a() {
    return RowBlockMatrix.fromLocal(sc, dense, PARTS).persist();
  }

  @Test
  void denseLstsqAndItsGradientDuringAndAfter() {
    DoubleMatrix cotangent = TestMatrices.gaussian(N, 2, new Random(3));
    sameBitsWhenAnExecutorDies("dense lstsq + VJP", () -> {
      RowBlockMatrix a = a();
      DistributedLstsq ls = DistributedLstsq.solve(a, RowBlockMatrix.fromLocal(sc, rhs, a.blockStarts()),
          RankCutoff.DEFAULT);
      List<double[]> out = List.of(ls.solution().values(), ls.vjp(cotangent).a().collectLocal().values(),
          ls.vjp(cotangent).b().collectLocal().values());
      a.unpersist();
      return out;
    });
  }

  /**
   * LSMR with one Spark job per pass (u cached beside A, checkpointed every 25 passes) and its VJP (three more
   * solves): 160 passes, an executor killed halfway.
   */
  @Test
  void lsmrAndItsGradient() {
    DoubleMatrix cotangent = TestMatrices.gaussian(N, 1, new Random(4));
    LsmrOptions options = LsmrOptions.defaults().withTolerances(1e-12, 1e-12).withMaxIterations(40);
    sameBitsWhenAnExecutorDies("lsmr + VJP", () -> {
      RowBlockMatrix a = a();
      RowBlockMatrix b = RowBlockMatrix.fromLocal(sc, rhs, a.blockStarts()).denseColumns(0, 1);
      LsmrResult solved = Lsmr.solve(a, b, options);
      DistributedLstsq.LowRankGradient g = LsmrVjp.of(a, b, DoubleMatrix.column(solved.x()), cotangent, options);
      List<double[]> out = List.of(solved.x(), g.a().collectLocal().values(), g.b().collectLocal().values());
      a.unpersist();
      return out;
    });
  }

  @Test
  void pinvTransposeKeptAndUsedAfterALoss() {
    sameBitsWhenAnExecutorDies("pinv P^T", () -> {
      RowBlockMatrix a = a();
      DistributedPinv pinv = DistributedPinv.factor(a, RankCutoff.DEFAULT);
      RowBlockMatrix pt = pinv.pinvTranspose();
      pt.blocks().count();
      List<double[]> out = List.of(pinv.singularValues(), pt.collectLocal().values());
      a.unpersist();
      return out;
    });
  }

  private List<double[]> truncated(KrylovIteration iteration) {
    RowBlockMatrix a = a();
    TruncatedSvd svd = TruncatedSvd.compute(a, 12, new TruncatedSvdOptions().iteration(iteration).seed(5).progress(System.out::println));
    // U is used after the run: U^T B, one more pass over the cached (and possibly lost) blocks of U
    DoubleMatrix utb = DeterministicReduce.reduce(svd.u().blocks().zip(RowBlockMatrix.fromLocal(sc, rhs,
        a.blockStarts()).blocks()).map(p -> p._1().values().transposeTimes(p._2().dense())), DeterministicReduce::sum);
    List<double[]> out = new ArrayList<>(List.of(svd.singularValues(), svd.v().values(), utb.values(),
        svd.u().collectLocal().values()));
    svd.u().unpersist();
    a.unpersist();
    return out;
  }

  @Test
  void truncatedSvdByTheNormalOperator() {
    sameBitsWhenAnExecutorDies("truncated SVD, normal operator",
        () -> truncated(KrylovIteration.NORMAL_OPERATOR));
  }

  @Test
  void truncatedSvdByGolubKahan() {
    sameBitsWhenAnExecutorDies("truncated SVD, Golub-Kahan", () -> truncated(KrylovIteration.GOLUB_KAHAN));
  }

  @ParameterizedTest
  @EnumSource(value = KrylovIteration.class, names = {"NORMAL_OPERATOR", "GOLUB_KAHAN"})
  void truncatedSvdUsedAfterItsExecutorDied(KrylovIteration iteration) throws InterruptedException {
    RowBlockMatrix a = a();
    TruncatedSvd svd = TruncatedSvd.compute(a, 12, new TruncatedSvdOptions().iteration(iteration).seed(5));
    double[] before = svd.u().collectLocal().values();
    int removedBefore = killer.removed.get();
    killOneExecutor(); // U's cached blocks and the basis blocks on that executor are gone
    long deadline = System.currentTimeMillis() + 60_000;
    while (killer.removed.get() == removedBefore && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    assertTrue(killer.removed.get() > removedBefore, "Spark did not see the executor go");
    assertArrayEquals(before, svd.u().collectLocal().values(), 0.0, "U recomputed after the loss");
    svd.u().unpersist();
    a.unpersist();
  }

  /** Where the checkpoint directory comes from: a temporary one on a local master, the setting on a cluster. */
  @Test
  void aClusterNeedsTheCheckpointSetting() {
    assertTrue(sc.sc().getCheckpointDir().isDefined(), "local-cluster got a temporary checkpoint folder");
    IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> ReliableCheckpoints.requireLocalMaster("spark://10.0.0.5:7077"));
    assertTrue(e.getMessage().contains("set spark.checkpoint.dir"), e.getMessage());
    ReliableCheckpoints.requireLocalMaster("local[2]");
    ReliableCheckpoints.requireLocalMaster("local-cluster[2,1,1024]");
  }
}
