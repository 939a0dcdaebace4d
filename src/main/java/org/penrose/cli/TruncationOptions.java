package org.penrose.cli;

import org.penrose.truncated.TruncatedSvd;
import org.penrose.truncated.TruncatedSvdOptions;
import picocli.CommandLine.Option;

/** The truncated SVD's options shared by the commands: {@code --tolerance} and {@code --seed}. */
final class TruncationOptions {
  @Option(names = "--tolerance", paramLabel = "TOL", defaultValue = "" + TruncatedSvd.DEFAULT_TOLERANCE,
      description = "Certificate of the truncated SVD: ||A v - s u||, ||A^T u - s v|| <= TOL * s_1 for every triplet"
          + " (default ${DEFAULT-VALUE}).")
  double tolerance;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
      description = "Seed of the truncated SVD's start block (same seed and partitioning: same bits; default "
          + "${DEFAULT-VALUE}).")
  long seed;

  TruncatedSvdOptions options() {
    return new TruncatedSvdOptions().tolerance(tolerance).seed(seed).progress(line -> System.out.println("  " + line));
  }

  /** Report fields of a truncated SVD. */
  static void report(Report report, TruncatedSvd svd) {
    double[] left = svd.leftResiduals();
    double[] right = svd.rightResiduals();
    double maxLeft = 0;
    double maxRight = 0;
    for (int i = 0; i < left.length; i++) {
      maxLeft = Math.max(maxLeft, left[i]);
      maxRight = Math.max(maxRight, right[i]);
    }
    report.put("route", "truncated").put("certificate", svd.certificate()).put("tolerance", svd.tolerance())
        .put("max_left_residual", maxLeft).put("max_right_residual", maxRight)
        .put("next_singular_value_estimates", svd.nextSingularValueEstimates())
        .put("iteration", svd.iteration().label())
        .put("block_steps", svd.steps()).put("restarts", svd.restarts())
        .put("u_orthogonality", svd.uOrthogonality()).put("v_orthogonality", svd.vOrthogonality())
        .put("exhausted", svd.exhausted());
  }
}
