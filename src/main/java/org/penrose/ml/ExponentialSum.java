package org.penrose.ml;

import java.util.Arrays;
import org.penrose.matrix.InvalidInputException;

/**
 * {@code y(t) = sum_j c_j exp(-a_{rate(j)} t)}: a sum of decaying exponentials, the classic
 * variable-projection example. Term {@code j} decays with rate {@code alpha[rateOf[j]]}; two terms
 * with the same rate make a rank-deficient design.
 *
 * <pre>{@code
 * new ExponentialSum(0, 1, 2)   // three exponentials with their own rates
 * new ExponentialSum(0, 0, 1)   // the first two terms are the same function of t
 * }</pre>
 */
public final class ExponentialSum implements SeparableModel {
  private static final long serialVersionUID = 1L;

  private final int[] rateOf;
  private final int parameters;

  public ExponentialSum(int... rateOf) {
    if (rateOf.length == 0) {
      throw new InvalidInputException("an exponential sum needs at least one term");
    }
    int max = -1;
    for (int r : rateOf) {
      if (r < 0) {
        throw new InvalidInputException("negative rate index " + r);
      }
      max = Math.max(max, r);
    }
    boolean[] used = new boolean[max + 1];
    for (int r : rateOf) {
      used[r] = true;
    }
    for (int k = 0; k <= max; k++) {
      if (!used[k]) {
        throw new InvalidInputException("rate " + k + " is used by no term");
      }
    }
    this.rateOf = rateOf.clone();
    this.parameters = max + 1;
  }

  @Override
  public int terms() {
    return rateOf.length;
  }

  @Override
  public int parameters() {
    return parameters;
  }

  @Override
  public void evaluate(double t, double[] alpha, double[] phi, double[][] dPhi) {
    for (double[] row : dPhi) {
      Arrays.fill(row, 0.0);
    }
    for (int j = 0; j < rateOf.length; j++) {
      double e = Math.exp(-alpha[rateOf[j]] * t);
      phi[j] = e;
      dPhi[rateOf[j]][j] = -t * e;
    }
  }

  @Override
  public String describe() {
    StringBuilder sb = new StringBuilder();
    for (int j = 0; j < rateOf.length; j++) {
      sb.append(j == 0 ? "" : " + ").append("c").append(j).append(" exp(-a").append(rateOf[j]).append(" t)");
    }
    return sb.toString();
  }
}
