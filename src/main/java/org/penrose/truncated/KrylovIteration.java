package org.penrose.truncated;

import org.penrose.matrix.InvalidInputException;

/**
 * The Krylov iteration behind a result. {@link #AUTO} (the default) runs {@link #NORMAL_OPERATOR}
 * first and falls back to {@link #GOLUB_KAHAN} when that cannot certify the triplets.
 */
public enum KrylovIteration {
  /** Try {@link #NORMAL_OPERATOR}, then {@link #GOLUB_KAHAN}. */
  AUTO("auto"),
  /**
   * Block Lanczos on {@code A^T A} applied as {@code A^T (A X)} (never formed), the right basis on
   * the driver, then {@code U} from the TSQR of {@code A V_k}: one pass over {@code A} per step and
   * no distributed basis. Needs {@code s_k} well above {@code (eps / tol) s_1}.
   */
  NORMAL_OPERATOR("normal-operator"),
  /** Block Golub–Kahan–Lanczos with both bases kept orthonormal (the left one in row blocks, by TSQR). */
  GOLUB_KAHAN("golub-kahan");

  private final String label;

  KrylovIteration(String label) {
    this.label = label;
  }

  /** The name used in reports and on the command line. */
  public String label() {
    return label;
  }

  /** The iteration named {@code label} ({@code auto}, {@code normal-operator}, {@code golub-kahan}). */
  public static KrylovIteration of(String label) {
    for (KrylovIteration i : values()) {
      if (i.label.equals(label)) {
        return i;
      }
    }
    throw new InvalidInputException("unknown SVD iteration '" + label
        + "'; expected auto, normal-operator or golub-kahan");
  }
}
