package org.penrose.ml;

import java.io.Serializable;
import org.penrose.matrix.DoubleMatrix;

/**
 * What refinement corrects with: the column scales {@code D}, {@code G = (D^-1 X^T X D^-1)^+} and, at
 * full rank, the scaled triangle {@code R} ({@code R^T R = D^-1 X^T X D^-1}, upper {@code p x p}); kept by
 * a {@link LeastSquaresFit} for {@link LeastSquaresFit#refine}.
 */
record Corrector(double[] scale, DoubleMatrix gram, DoubleMatrix triangle, double estimatedError)
    implements Serializable {
  Corrector withEstimate(double value) {
    return new Corrector(scale, gram, triangle, value);
  }

  /**
   * {@code (D^-1 X^T X D^-1)^-1 z}: at full rank by the two triangular solves {@code R^-1 R^-T z}
   * (backward stable, so the step contracts the error by about {@code cond eps}); rank-deficient,
   * by {@code G z}, which keeps the correction in the kept row space (minimum norm).
   */
  double[] solve(double[] z) {
    int p = z.length;
    double[] y = z.clone();
    if (triangle == null) {
      double[] out = new double[p];
      for (int j = 0; j < p; j++) {
        for (int k = 0; k < p; k++) {
          out[j] += gram.get(j, k) * y[k];
        }
      }
      return out;
    }
    for (int i = 0; i < p; i++) { // R^T w = z (forward)
      double sum = y[i];
      for (int k = 0; k < i; k++) {
        sum -= triangle.get(k, i) * y[k];
      }
      y[i] = sum / triangle.get(i, i);
    }
    for (int i = p - 1; i >= 0; i--) { // R d = w (backward)
      double sum = y[i];
      for (int k = i + 1; k < p; k++) {
        sum -= triangle.get(i, k) * y[k];
      }
      y[i] = sum / triangle.get(i, i);
    }
    return y;
  }
}
