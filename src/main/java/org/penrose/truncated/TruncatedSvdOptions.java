package org.penrose.truncated;

import java.util.Objects;
import java.util.Random;
import java.util.function.Consumer;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.InvalidInputException;

/**
 * The settings of a {@link TruncatedSvd} computation, set fluently; defaults in the field comments.
 */
public final class TruncatedSvdOptions {
  double tolerance = TruncatedSvd.DEFAULT_TOLERANCE;
  long seed = 1;
  Integer oversampling; // default max(10, ceil(k / 2))
  Integer blockSize; // default: round(sqrt(k + p)) in [8, 24] (normal operator), ceil((k + p) / 5) in [8, 48]
  int maxSteps = 2000;
  int maxRank = TruncatedSvd.DEFAULT_MAX_RANK;
  KrylovIteration iteration = KrylovIteration.AUTO;
  boolean driverSteps = true;
  Consumer<String> progress;

  /**
   * Whether the normal-operator steps may run in the driver on a local master (default true): the
   * blocks of {@code A} are collected once when they fit in an eighth of the driver's heap, and each
   * step's product runs on the driver's threads instead of as a Spark job. Same bits either way.
   */
  public TruncatedSvdOptions driverSteps(boolean value) {
    driverSteps = value;
    return this;
  }

  /** Which Krylov iteration to run (default {@link KrylovIteration#AUTO}). */
  public TruncatedSvdOptions iteration(KrylovIteration value) {
    iteration = Objects.requireNonNull(value, "iteration");
    return this;
  }

  public TruncatedSvdOptions tolerance(double value) {
    if (!(value > 0) || value >= 1) {
      throw new InvalidInputException("the certificate tolerance must be in (0, 1), got " + value);
    }
    tolerance = value;
    return this;
  }

  public TruncatedSvdOptions seed(long value) {
    seed = value;
    return this;
  }

  public TruncatedSvdOptions oversampling(int value) {
    if (value < 0) {
      throw new InvalidInputException("oversampling must be >= 0, got " + value);
    }
    oversampling = value;
    return this;
  }

  public TruncatedSvdOptions blockSize(int value) {
    if (value < 1) {
      throw new InvalidInputException("the block size must be >= 1, got " + value);
    }
    blockSize = value;
    return this;
  }

  public TruncatedSvdOptions maxSteps(int value) {
    maxSteps = value;
    return this;
  }

  /** The largest rank {@link TruncatedSvd#byCutoff} grows to before it gives up. */
  public TruncatedSvdOptions maxRank(int value) {
    if (value < 1) {
      throw new InvalidInputException("maxRank must be at least 1, got " + value);
    }
    maxRank = value;
    return this;
  }

  /** Receives one line per restart and at the end. */
  public TruncatedSvdOptions progress(Consumer<String> value) {
    progress = value;
    return this;
  }

  public double tolerance() {
    return tolerance;
  }

  /** The progress line of a restart: basis size, {@code s_1}, {@code s_shown} and the worst residual estimate. */
  void reportRestart(int restarts, int steps, int basis, double s1, int shown, double sShown, double[] estimates) {
    if (progress != null) {
      double worst = 0;
      for (double e : estimates) {
        worst = Math.max(worst, e);
      }
      progress.accept(String.format("svd: restart %d after %d block steps, basis %d, s_1 %.6g, s_%d %.6g,"
          + " worst residual estimate %.2e x s_1", restarts, steps, basis, s1, shown, sShown,
              s1 == 0 ? 0 : worst / s1));
    }
  }

  /** The progress line of a certified result. */
  void reportCertified(TruncatedSvd result) {
    if (progress != null) {
      progress.accept(String.format("svd: %d triplets certified after %d block steps and %d restarts (%s):"
          + " max residual %.2e x s_1 (tolerance %.0e)", result.rank(), result.steps(), result.restarts(),
          result.iteration().label(), result.certificate(), tolerance));
    }
  }

  /**
   * The start block of either iteration: {@code n x b} standard normal entries drawn from the seed, column by column.
   */
  DoubleMatrix startBlock(int n, int b) {
    Random random = new Random(seed);
    DoubleMatrix f = DoubleMatrix.zeros(n, b);
    for (int i = 0; i < f.values().length; i++) {
      f.values()[i] = random.nextGaussian();
    }
    return f;
  }

  public int maxRank() {
    return maxRank;
  }
}
