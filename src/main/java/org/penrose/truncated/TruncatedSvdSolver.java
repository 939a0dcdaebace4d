package org.penrose.truncated;

import java.util.List;
import org.apache.spark.storage.StorageLevel;
import org.penrose.engine.DriverThreads;
import org.penrose.engine.ReliableCheckpoints;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.InvalidInputException;
import org.penrose.matrix.MatrixBlock;

/**
 * Computes a {@link TruncatedSvd}: sizes the Krylov basis from {@code k} and the options, checks the
 * driver's memory and the checkpoint directory before any job runs, runs {@link NormalLanczos} and
 * falls back to {@link BlockLanczos} as {@link KrylovIteration} says, and grows {@code k} until the
 * cut-off settles the rank ({@link #byCutoff}). The iterations hand their Ritz triplets to
 * {@link #certified}, which keeps them only when the residuals computed from {@code A} pass.
 */
final class TruncatedSvdSolver {
  /** Blocks a basis may grow by past {@code k + p} before a thick restart. */
  private static final int RESTART_BLOCKS = 5;

  private TruncatedSvdSolver() {}

  /**
   * The {@code k} largest singular triplets, certified.
   *
   * @throws IllegalArgumentException for {@code k < 1}, {@code k > min(m, n)}, or a basis too large for
   *     the driver's memory (before any job runs)
   * @throws ArithmeticException when the certificate does not hold within {@code maxSteps} block steps
   */
  public static TruncatedSvd compute(RowBlockMatrix a, int k, TruncatedSvdOptions options) {
    Basis golubKahan = Basis.of(a.rows(), a.cols(), a.shape(), k, options, KrylovIteration.GOLUB_KAHAN);
    ReliableCheckpoints.requireDirectory(a.blocks().context());
    if (a.blocks().getStorageLevel().equals(StorageLevel.NONE())) {
      a.persist(); // read by every step
    }
    if (options.iteration != KrylovIteration.GOLUB_KAHAN) {
      Basis basis = Basis.of(a.rows(), a.cols(), a.shape(), k, options, KrylovIteration.NORMAL_OPERATOR);
      TruncatedSvd result = new NormalLanczos(a, k, basis.keep, basis.block, basis.limit, options).run();
      if (result != null) {
        return result;
      }
      if (options.iteration == KrylovIteration.NORMAL_OPERATOR) {
        throw new ArithmeticException("the normal-operator iteration could not certify the " + k + " largest triplets"
            + " of A (" + a.shape() + "); use the golub-kahan iteration (or auto)");
      }
    }
    return new BlockLanczos(a, k, golubKahan.keep, golubKahan.block, golubKahan.limit, options).run();
  }

  /**
   * {@link TruncatedSvd#computeInDriver}: the normal-operator iteration over blocks the driver holds, or null
   * when it gives up.
   */
  static TruncatedSvd computeInDriver(List<MatrixBlock> blocks, int k, TruncatedSvdOptions options,
      DriverThreads threads) {
    if (options.iteration == KrylovIteration.GOLUB_KAHAN || !options.driverSteps) {
      throw new IllegalArgumentException("the truncated SVD in the driver runs the normal-operator iteration's driver"
          + " steps; these options ask for " + (options.driverSteps ? "the Golub-Kahan iteration" : "Spark steps"));
    }
    long m = 0;
    for (MatrixBlock b : blocks) {
      m += b.rows();
    }
    int n = blocks.get(0).cols();
    Basis basis = Basis.of(m, n, m + " x " + n, k, options, KrylovIteration.NORMAL_OPERATOR);
    return new NormalLanczos(blocks, threads, k, basis.keep, basis.block, basis.limit, options).run();
  }

  /**
   * The Krylov basis's sizes for {@code k} triplets of an {@code m x n} {@code A}: {@code keep = k + p} vectors
   * kept at a restart ({@code p} the oversampling), blocks of {@code block} vectors, at most {@code limit}.
   *
   * <p>The block: about {@code sqrt(keep)} (8 to 24) for the normal-operator iteration, whose step is one product:
   * a smaller block reaches the certificate with fewer products and less orthogonalization in all, a larger one
   * with fewer steps, each with its own {@code d x d} eigenproblem (and, each step a Spark job, a job's fixed cost).
   * Measured in the driver (debian_packages; blocks of 8 to 24, {@code k} 50 to 200, and a dense 20,000 x 2,000
   * {@code A}), the fastest block was within one or two of {@code sqrt(keep)} for every {@code k}: for
   * {@code k = 100}, 12 against 19 for {@code keep / 8}, 15% less time, no more with each step a Spark job. About
   * {@code keep / 5} (8 to 48) for Golub–Kahan, each of whose steps costs several Spark jobs.
   */
  private record Basis(int keep, int block, int limit) {
    static Basis of(long m, int n, String shape, int k, TruncatedSvdOptions options, KrylovIteration iteration) {
      long smaller = Math.min(m, n);
      if (k < 1) {
        throw new InvalidInputException("the rank must be at least 1, got " + k);
      }
      if (k > smaller) {
        throw new InvalidInputException("the rank " + k + " is more than min(m, n) = " + smaller + " for A of "
            + shape);
      }
      int p = options.oversampling != null ? options.oversampling : Math.max(10, (k + 1) / 2);
      int keep = (int) Math.min(k + p, smaller);
      int normalBlock = (int) Math.min(24, Math.max(8, Math.round(Math.sqrt(keep))));
      int block = options.blockSize != null ? options.blockSize
          : iteration == KrylovIteration.NORMAL_OPERATOR ? normalBlock : Math.min(48, Math.max(8, (keep + 4) / 5));
      block = (int) Math.min(block, smaller);
      int limit = (int) Math.min(smaller, keep + (long) RESTART_BLOCKS * block);
      requireDriverMemory(n, limit, block);
      return new Basis(keep, block, limit);
    }
  }

  /**
   * The triplets above the cut-off {@code max(atol, rtol s_1)}: computes the {@code k} largest for
   * growing {@code k} (32, then doubling) until the smallest computed value is at or below the
   * threshold, and returns those above it.
   *
   * @throws IllegalArgumentException when the rank is not resolved within {@link TruncatedSvdOptions#maxRank}
   */
  public static TruncatedSvd byCutoff(RowBlockMatrix a, RankCutoff cutoff, TruncatedSvdOptions options) {
    long smaller = Math.min(a.rows(), a.cols());
    int limit = (int) Math.min(options.maxRank, smaller);
    int k = Math.min(32, limit);
    while (true) {
      TruncatedSvd svd = compute(a, k, options);
      double threshold = cutoff.threshold(svd.rank() == 0 ? 0 : svd.singularValues()[0], a.rows(), a.cols());
      int rank = RankCutoff.rank(svd.singularValues(), threshold);
      if (rank < svd.rank() || svd.exhausted() || k == smaller) {
        return svd.truncate(rank);
      }
      if (k == limit) {
        throw new InvalidInputException("the rank of A (" + a.shape() + ") is not resolved by the cut-off: its "
            + k + " largest singular values are all above the threshold " + threshold + " (the smallest computed is "
            + svd.singularValues()[k - 1] + "); " + TruncatedSvd.FIX_THE_RANK + ", or raise maxRank (now "
            + options.maxRank + ")");
      }
      svd.u().unpersist();
      k = Math.min(2 * k, limit);
    }
  }

  /**
   * The triplets {@code (u_i, s_i, v_i)} ({@code U} the left basis, {@code V} {@code n x r}) with their
   * certificate computed from {@code A} in one pass ({@link LeftBasis#certify}): the result, with
   * {@code U} materialized as cached row blocks, or null (and {@code U} released) when a residual
   * exceeds {@code tolerance * s_1}.
   */
  static TruncatedSvd certified(LeftBasis uk, DoubleMatrix vk, double[] s, double[] next, double tolerance,
      TruncatedSvd.Run run) {
    TripletCertificate c = uk.certify(vk, s);
    TruncatedSvd.Certification passed = c.passed(vk, s, next, tolerance);
    TruncatedSvd result = null;
    if (passed != null) {
      RowBlockMatrix blocks = uk.matrix();
      blocks.blocks().persist(StorageLevel.MEMORY_AND_DISK());
      blocks.blocks().count();
      result = new TruncatedSvd(blocks, s, vk, passed, run);
    }
    uk.release();
    return result;
  }

  private static void requireDriverMemory(int n, int limit, int block) {
    // V (n x limit), F, the rotated copies at a restart, A^T U partial sums: about four n x limit matrices
    double bytes = 8.0 * n * (4.0 * limit + 4.0 * block);
    long max = Runtime.getRuntime().maxMemory();
    if (bytes > max / 2.0) {
      throw new InvalidInputException(String.format("a truncated SVD of %d columns with a basis of %d vectors needs"
          + " about %.1f GiB of driver memory but the driver has %.1f GiB; raise spark.driver.memory or lower the rank",
          n, limit, bytes / 1073741824.0, max / 1073741824.0));
    }
  }
}
