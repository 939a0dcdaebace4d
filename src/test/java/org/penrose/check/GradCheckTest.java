package org.penrose.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.solver.PseudoInverse;
import org.penrose.testing.TestMatrices;

/**
 * The motivating example and its relatives: analytic Jacobians (through the JVP and through the
 * VJP) of {@code theta -> pinv(A(theta))} and {@code lstsq} against central finite differences along
 * rank-preserving curves {@code A = X Y^T}. The SVD-derivative route gives NaN on all of these.
 *
 * <p>Tolerance: 1e-8 relative (the oracle's floor). With step {@code h = 1e-4} and one Richardson step the truncation
 * error is {@code O(h^4) ~ 1e-16} times the fifth derivative, and rounding contributes
 * {@code ~eps/h ~ 2e-12} times the condition of these well-conditioned rank-r matrices; the
 * measured errors are 6e-12..3e-10, while a wrong formula (a missing projection term) gives 1e-1
 * (see {@link #aWrongDerivativeFails}).
 */
class GradCheckTest {
  private static final double TOLERANCE = 1e-8;

  @Test
  void rankOneOuterProductOfRandom30Vectors() {
    Random random = new Random(1);
    // x, y ~ U[0,1)^30 as in the oracle's seed case; theta = (x, y); A = x y^T has rank 1.
    double[] theta = new double[60];
    for (int i = 0; i < theta.length; i++) {
      theta[i] = random.nextDouble();
    }
    GradCheck.Result result = GradCheck.pinv(ParametrizedMatrix.outerProduct(30, 30, 1), theta, RankCutoff.DEFAULT);
    assertEquals(1, result.rank());
    assertTrue(result.fullVjpJacobian());
    System.out.println(result);
    assertTrue(result.passed(TOLERANCE), result.toString());
  }

  @ParameterizedTest(name = "rank {0}")
  @ValueSource(ints = {2, 5})
  void lowRankProducts(int rank) {
    Random random = new Random(10 + rank);
    double[] theta = TestMatrices.gaussian((30 + 20) * rank, random);
    GradCheck.Result result = GradCheck.pinv(ParametrizedMatrix.outerProduct(30, 20, rank), theta, RankCutoff.DEFAULT);
    assertEquals(rank, result.rank());
    System.out.println(result);
    assertTrue(result.passed(TOLERANCE), result.toString());
  }

  @Test
  void exactlyRepeatedSingularValues() {
    Random random = new Random(7);
    // A = Q1 diag(1,1,1,0.5,0.5) Q2^T: singular values repeated exactly at the base point.
    double[] d = {1, 1, 1, 0.5, 0.5};
    DoubleMatrix q1 = TestMatrices.orthonormalColumns(9, 5, random);
    DoubleMatrix q2 = TestMatrices.orthonormalColumns(7, 5, random);
    ParametrizedMatrix a = ParametrizedMatrix.scaledOuterProduct(9, 7, d);
    double[] theta = TestMatrices.concat(q1, q2);
    double[] s = PseudoInverse.of(a.value(theta)).singularValues();
    assertEquals(1.0, s[0], 1e-14);
    assertEquals(1.0, s[2], 1e-14);
    assertEquals(0.5, s[3], 1e-14);
    assertEquals(0.5, s[4], 1e-14);
    GradCheck.Result pinv = GradCheck.pinv(a, theta, RankCutoff.DEFAULT);
    assertEquals(5, pinv.rank());
    System.out.println(pinv);
    assertTrue(pinv.passed(TOLERANCE), pinv.toString());
    // and lstsq with a fixed right-hand side
    ParametrizedMatrix b = ParametrizedMatrix.constant(TestMatrices.gaussian(9, 3, random), theta.length);
    GradCheck.Result lstsq = GradCheck.lstsq(a, b, theta, RankCutoff.DEFAULT);
    System.out.println(lstsq);
    assertTrue(lstsq.passed(TOLERANCE), lstsq.toString());
    assertEquals(7 * 3, lstsq.outputs());
  }

  @Test
  void lstsqOnARankDeficientTallMatrixWithParametrizedRightHandSide() {
    Random random = new Random(3);
    int m = 25;
    int n = 8;
    int r = 3;
    int k = 2;
    ParametrizedMatrix a = ParametrizedMatrix.outerProduct(m, n, r);
    int aParams = a.parameterCount();
    // theta = (X, Y, B): B is the last m*k parameters.
    ParametrizedMatrix aOfAll = new ParametrizedMatrix() {
      public int parameterCount() {
        return aParams + m * k;
      }

      public DoubleMatrix value(double[] theta) {
        return a.value(java.util.Arrays.copyOf(theta, aParams));
      }

      public DoubleMatrix tangent(double[] theta, double[] dTheta) {
        return a.tangent(java.util.Arrays.copyOf(theta, aParams), java.util.Arrays.copyOf(dTheta, aParams));
      }
    };
    ParametrizedMatrix bOfAll = new ParametrizedMatrix() {
      public int parameterCount() {
        return aParams + m * k;
      }

      public DoubleMatrix value(double[] theta) {
        return DoubleMatrix.columnMajor(m, k, java.util.Arrays.copyOfRange(theta, aParams, aParams + m * k));
      }

      public DoubleMatrix tangent(double[] theta, double[] dTheta) {
        return value(dTheta);
      }
    };
    double[] theta = TestMatrices.gaussian(aParams + m * k, random);
    GradCheck.Result result = GradCheck.lstsq(aOfAll, bOfAll, theta, RankCutoff.DEFAULT);
    assertEquals(r, result.rank());
    System.out.println(result);
    assertTrue(result.passed(TOLERANCE), result.toString());
  }

  @Test
  void aWrongDerivativeFails() {
    // The same rank-2 map with a tangent that drops the X dY^T term: the check must catch it.
    ParametrizedMatrix right = ParametrizedMatrix.outerProduct(12, 10, 2);
    ParametrizedMatrix wrong = new ParametrizedMatrix() {
      public int parameterCount() {
        return right.parameterCount();
      }

      public DoubleMatrix value(double[] theta) {
        return right.value(theta);
      }

      public DoubleMatrix tangent(double[] theta, double[] dTheta) {
        double[] onlyX = dTheta.clone();
        java.util.Arrays.fill(onlyX, 12 * 2, onlyX.length, 0.0);
        return right.tangent(theta, onlyX);
      }
    };
    double[] theta = TestMatrices.gaussian(right.parameterCount(), new Random(5));
    GradCheck.Result result = GradCheck.pinv(wrong, theta, RankCutoff.DEFAULT);
    assertTrue(result.jvpRelativeError() > 1e-2, result.toString());
    assertTrue(!result.passed(TOLERANCE));
  }

  @Test
  void aWrongCotangentFailsTheVjpCheck() {
    // Correct forward derivative, but a transposed derivative that drops the gradient with respect to Y.
    ParametrizedMatrix right = ParametrizedMatrix.outerProduct(12, 10, 2);
    ParametrizedMatrix wrong = new ParametrizedMatrix() {
      public int parameterCount() {
        return right.parameterCount();
      }

      public DoubleMatrix value(double[] theta) {
        return right.value(theta);
      }

      public DoubleMatrix tangent(double[] theta, double[] dTheta) {
        return right.tangent(theta, dTheta);
      }

      public double[] cotangent(double[] theta, DoubleMatrix gradA) {
        double[] g = right.cotangent(theta, gradA);
        java.util.Arrays.fill(g, 12 * 2, g.length, 0.0);
        return g;
      }
    };
    double[] theta = TestMatrices.gaussian(right.parameterCount(), new Random(6));
    GradCheck.Result result = GradCheck.pinv(wrong, theta, RankCutoff.DEFAULT);
    assertTrue(result.jvpRelativeError() < TOLERANCE, result.toString());
    assertTrue(result.vjpRelativeError() > 1e-2, result.toString());
  }

  @Test
  void reportsARankChangeAlongTheCurve() {
    // A full-rank parametrization of a rank-1 point: finite differences leave the rank-1 manifold.
    DoubleMatrix base = DoubleMatrix.fromRows(new double[][] {{1, 2}, {2, 4}, {3, 6}});
    ParametrizedMatrix entries = new ParametrizedMatrix() {
      public int parameterCount() {
        return 6;
      }

      public DoubleMatrix value(double[] theta) {
        return DoubleMatrix.columnMajor(3, 2, theta.clone());
      }

      public DoubleMatrix tangent(double[] theta, double[] dTheta) {
        return DoubleMatrix.columnMajor(3, 2, dTheta.clone());
      }
    };
    GradCheck.Result result = GradCheck.pinv(entries, base.values().clone(), RankCutoff.DEFAULT);
    assertEquals(1, result.rank());
    assertTrue(!result.rankPreserved(), result.toString());
    assertTrue(!result.passed(1.0));
  }
}
