package org.penrose.solver;

/**
 * The gradient of a scalar loss {@code L} through a {@link Solver}: {@code dL/dA} ({@code m x n}),
 * {@code dL/dB} ({@code m x k}; null for pinv, which has no {@code B}) and {@code dL/dmu} (0 where
 * the solver has no penalty, whose solution does not depend on one).
 *
 * @param <M> how matrices with {@code A}'s rows are held ({@code DoubleMatrix} or {@code RowBlockMatrix})
 */
public interface Gradient<M> {

  /** {@code dL/dA} ({@code m x n}). */
  M a();

  /** {@code dL/dB} ({@code m x k}); null when the solver has no {@code B}. */
  M b();

  /** {@code dL/dmu}; 0 when the solver has no penalty. */
  double mu();

  /** A gradient from its three parts. */
  static <M> Gradient<M> of(M a, M b, double mu) {
    return new Parts<>(a, b, mu);
  }

  /** A gradient whose parts are computed already. */
  record Parts<M>(M a, M b, double mu) implements Gradient<M> {}
}
