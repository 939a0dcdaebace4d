package org.penrose.check;

import java.util.Arrays;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.Lapack;

/**
 * A differentiable map {@code theta -> A(theta)} from parameters to an {@code m x n} matrix, with
 * its exact forward derivative: what {@link GradCheck} composes with {@code pinv} or {@code lstsq}.
 *
 * <p>Implement {@link #value} and {@link #tangent}; {@link #cotangent} (the transposed derivative)
 * defaults to {@code tangent} applied to each basis vector, which is exact but costs one tangent
 * per parameter.
 */
public interface ParametrizedMatrix {

  /** Number of parameters. */
  int parameterCount();

  /** {@code A(theta)}. */
  DoubleMatrix value(double[] theta);

  /** {@code dA = (dA/dtheta) dTheta}, the directional derivative at {@code theta}. */
  DoubleMatrix tangent(double[] theta, double[] dTheta);

  /** {@code (dA/dtheta)^T gradA}: the parameter gradient of {@code <gradA, A(theta)>}. */
  default double[] cotangent(double[] theta, DoubleMatrix gradA) {
    double[] result = new double[parameterCount()];
    double[] basis = new double[parameterCount()];
    for (int j = 0; j < result.length; j++) {
      basis[j] = 1.0;
      result[j] = gradA.dot(tangent(theta, basis));
      basis[j] = 0.0;
    }
    return result;
  }

  /** A matrix that does not depend on the parameters (for a fixed {@code B} in lstsq). */
  static ParametrizedMatrix constant(DoubleMatrix a, int parameterCount) {
    return new ParametrizedMatrix() {
      @Override
      public int parameterCount() {
        return parameterCount;
      }

      @Override
      public DoubleMatrix value(double[] theta) {
        return a;
      }

      @Override
      public DoubleMatrix tangent(double[] theta, double[] dTheta) {
        return DoubleMatrix.zeros(a.rows(), a.cols());
      }

      @Override
      public double[] cotangent(double[] theta, DoubleMatrix gradA) {
        return new double[parameterCount];
      }
    };
  }

  /**
   * {@code A = X Y^T} with {@code theta = [vec(X); vec(Y)]} ({@code X} is {@code m x r}, {@code Y} is
   * {@code n x r}, column-major): every curve in {@code theta} stays on the rank-{@code r} manifold
   * (for generic factors), so finite differences of {@code pinv(A(theta))} are meaningful.
   */
  static ParametrizedMatrix outerProduct(int m, int n, int r) {
    double[] ones = new double[r];
    Arrays.fill(ones, 1.0);
    return scaledOuterProduct(m, n, ones);
  }

  /**
   * {@code A = X diag(d) Y^T} with {@code theta = [vec(X); vec(Y)]} and fixed {@code d}: evaluated at
   * orthonormal {@code X = Q1}, {@code Y = Q2} it has exactly the singular values {@code |d|}, so
   * repeated values are easy to build, e.g. {@code d = (1, 1, 1, 0.5, 0.5)}.
   */
  static ParametrizedMatrix scaledOuterProduct(int m, int n, double[] d) {
    int r = d.length;
    return new ParametrizedMatrix() {
      @Override
      public int parameterCount() {
        return (m + n) * r;
      }

      private DoubleMatrix x(double[] theta) {
        return DoubleMatrix.columnMajor(m, r, Arrays.copyOfRange(theta, 0, m * r));
      }

      private DoubleMatrix y(double[] theta) {
        return DoubleMatrix.columnMajor(n, r, Arrays.copyOfRange(theta, m * r, (m + n) * r));
      }

      private DoubleMatrix scaled(DoubleMatrix factor) {
        DoubleMatrix result = factor.copy();
        for (int j = 0; j < r; j++) {
          for (int i = 0; i < factor.rows(); i++) {
            result.set(i, j, factor.get(i, j) * d[j]);
          }
        }
        return result;
      }

      @Override
      public DoubleMatrix value(double[] theta) {
        return scaled(x(theta)).timesTranspose(y(theta));
      }

      @Override
      public DoubleMatrix tangent(double[] theta, double[] dTheta) {
        // d(X D Y^T) = dX D Y^T + X D dY^T
        DoubleMatrix result = scaled(x(dTheta)).timesTranspose(y(theta));
        Lapack.gemmInto(false, true, 1.0, scaled(x(theta)), y(dTheta), 1.0, result);
        return result;
      }

      @Override
      public double[] cotangent(double[] theta, DoubleMatrix gradA) {
        // <G, dX D Y^T + X D dY^T>: grad_X = G Y D, grad_Y = G^T X D
        DoubleMatrix gradX = gradA.times(scaled(y(theta)));
        DoubleMatrix gradY = gradA.transposeTimes(scaled(x(theta)));
        double[] result = new double[(m + n) * r];
        System.arraycopy(gradX.values(), 0, result, 0, m * r);
        System.arraycopy(gradY.values(), 0, result, m * r, n * r);
        return result;
      }
    };
  }
}
