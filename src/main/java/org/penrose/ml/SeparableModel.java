package org.penrose.ml;

import java.io.Serializable;

/**
 * A separable nonlinear model {@code y(t) ~ sum_j c_j phi_j(t; alpha)}: linear in the coefficients
 * {@code c} ({@link #terms()} of them), nonlinear in the parameters {@code alpha}
 * ({@link #parameters()}). {@link VariableProjection} eliminates {@code c = pinv(Phi(alpha)) y} and
 * fits {@code alpha}; implement this interface to plug in your own basis functions.
 *
 * <p>Implementations must be serializable (they run in Spark tasks) and give the exact partial
 * derivatives. Two terms may share their basis function (the design is then rank-deficient; the
 * fit still works, sharing the coefficient between them).
 */
public interface SeparableModel extends Serializable {
  /** Number of basis functions {@code n}. */
  int terms();

  /** Number of nonlinear parameters {@code q}. */
  int parameters();

  /**
   * Evaluates the basis at one point.
   *
   * @param t the point
   * @param alpha the parameters ({@code q})
   * @param phi out: {@code phi_j(t; alpha)} ({@code n})
   * @param dPhi out: {@code dPhi[k][j] = d phi_j / d alpha_k} ({@code q x n})
   */
  void evaluate(double t, double[] alpha, double[] phi, double[][] dPhi);

  /** A short description for reports, e.g. {@code "c0 exp(-a0 t) + c1 exp(-a1 t)"}. */
  String describe();
}
