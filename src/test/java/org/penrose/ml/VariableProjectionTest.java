package org.penrose.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.factor.PinvFactorization;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.solver.LeastSquares;
import org.penrose.testing.SparkTestSession;

/**
 * Variable projection: the distributed Golub–Pereyra products against finite differences of the
 * projected residual computed locally, and recovery of generated parameters within the noise,
 * including a rank-deficient basis.
 */
class VariableProjectionTest extends SparkTestSession {
  private static final double[] ALPHA = {0.5, 1.5, 4.0};
  private static final double[] C = {3, 2, 1};
  /**
   * Agreement of the Golub-Pereyra products with those of a central-difference Jacobian (h = 1e-5: an
   * O(h^2) = 1e-10 truncation error): measured 1.3e-10 and 1.7e-10 for J^T J, 7e-11 and 8e-11 for J^T r.
   */
  private static final double PRODUCT_TOLERANCE = 2e-9;

  /** The projected residual {@code r(alpha) = y - Phi pinv(Phi) y}, computed locally (the independent reference). */
  private static double[] residual(SeparableModel model, DoubleMatrix points, double[] alpha) {
    int m = points.rows();
    DoubleMatrix phi = DoubleMatrix.zeros(m, model.terms());
    double[] row = new double[model.terms()];
    double[][] unused = new double[model.parameters()][model.terms()];
    for (int i = 0; i < m; i++) {
      model.evaluate(points.get(i, 0), alpha, row, unused);
      for (int j = 0; j < row.length; j++) {
        phi.set(i, j, row[j]);
      }
    }
    DoubleMatrix y = points.columns(1, 2);
    DoubleMatrix fitted = phi.times(LeastSquares.solve(phi, y).solution());
    double[] r = new double[m];
    for (int i = 0; i < m; i++) {
      r[i] = y.get(i, 0) - fitted.get(i, 0);
    }
    return r;
  }

  /** Compares J^T J and J^T r with those of a central-difference Jacobian of the local residual. */
  private void checkProductsAgainstFiniteDifferences(SeparableModel model, double[] alpha, RowBlockMatrix points) {
    DoubleMatrix local = points.collectLocal();
    int m = local.rows();
    int q = model.parameters();
    double h = 1e-5;
    DoubleMatrix jacobian = DoubleMatrix.zeros(m, q);
    for (int k = 0; k < q; k++) {
      double[] plus = alpha.clone();
      double[] minus = alpha.clone();
      plus[k] += h;
      minus[k] -= h;
      double[] rp = residual(model, local, plus);
      double[] rm = residual(model, local, minus);
      for (int i = 0; i < m; i++) {
        jacobian.set(i, k, (rp[i] - rm[i]) / (2 * h));
      }
    }
    DoubleMatrix r = DoubleMatrix.column(residual(model, local, alpha));
    DoubleMatrix gram = jacobian.transposeTimes(jacobian);
    DoubleMatrix jtr = jacobian.transposeTimes(r);

    VariableProjection.Linearization lin = VariableProjection.linearize(points, model, alpha, RankCutoff.DEFAULT);
    double gramScale = gram.maxAbs();
    double gramError = 0, jtrError = 0;
    for (int i = 0; i < q; i++) {
      for (int k = 0; k < q; k++) {
        gramError = Math.max(gramError, Math.abs(gram.get(i, k) - lin.jacobianGram.get(i, k)) / gramScale);
      }
      jtrError = Math.max(jtrError, Math.abs(jtr.get(i, 0) - lin.jacobianTimesResidual[i]) / jtr.maxAbs());
    }
    System.out.printf("VarPro %s: J^T J vs central differences %.1e, J^T r %.1e (relative to the largest entry)%n",
        model.describe(), gramError, jtrError);
    assertTrue(gramError <= PRODUCT_TOLERANCE, "J^T J: " + gramError);
    assertTrue(jtrError <= PRODUCT_TOLERANCE, "J^T r: " + jtrError);
    double rss = 0;
    for (int i = 0; i < m; i++) {
      rss += r.get(i, 0) * r.get(i, 0);
    }
    assertEquals(rss, lin.residualSumOfSquares, 1e-10 * rss);
  }

  @Test
  void golubPereyraProductsMatchFiniteDifferences() {
    SeparableModel model = new ExponentialSum(0, 1, 2);
    RowBlockMatrix points = VariableProjection.simulate(sc, model, ALPHA, C, 400, 3, 0, 5, 0.05, 11);
    // away from the optimum, where the residual is large and both Golub–Pereyra terms matter
    checkProductsAgainstFiniteDifferences(model, new double[] {0.3, 1.0, 3.0}, points);
  }

  @Test
  void golubPereyraProductsMatchFiniteDifferencesWhenPhiIsRankDeficient() {
    // terms 0 and 1 are the same function of t: Phi has rank 2 for every alpha
    SeparableModel model = new ExponentialSum(0, 0, 1);
    RowBlockMatrix points = VariableProjection.simulate(sc, new ExponentialSum(0, 1), new double[] {0.5, 2.0},
        new double[] {3, 2}, 400, 3, 0, 5, 0.05, 12);
    VariableProjection.Linearization lin =
        VariableProjection.linearize(points, model, new double[] {0.3, 1.0}, RankCutoff.DEFAULT);
    assertEquals(2, lin.rank);
    checkProductsAgainstFiniteDifferences(model, new double[] {0.3, 1.0}, points);
  }

  @Test
  void recoversThreeExponentialsWithinTheNoise() {
    SeparableModel model = new ExponentialSum(0, 1, 2);
    double noise = 0.01;
    RowBlockMatrix points = VariableProjection.simulate(sc, model, ALPHA, C, 20_000, 4, 0, 5, noise, 2026).persist();
    List<VariableProjection.Iteration> seen = new ArrayList<>();
    VariableProjection.Result fit = VariableProjection.fit(points, model, new double[] {0.3, 1.0, 3.0},
        new VariableProjection.Options().progress(seen::add));
    assertTrue(fit.converged, "converged");
    assertEquals(seen.size(), fit.iterations.size());
    assertTrue(seen.size() >= 2 && seen.size() < 100, "iterations " + seen.size());
    for (int i = 1; i < seen.size(); i++) {
      assertTrue(seen.get(i).residualSumOfSquares <= seen.get(i - 1).residualSumOfSquares, "RSS never increases");
    }
    assertEquals(3, fit.rank);
    assertEquals(20_000, fit.points);
    for (int k = 0; k < 3; k++) {
      double se = fit.alphaStandardErrors[k];
      assertTrue(se > 0 && se < 0.2, "standard error of alpha_" + k + ": " + se);
      assertEquals(ALPHA[k], fit.alpha[k], 4 * se, "alpha_" + k + " within 4 standard errors");
    }
    // the residual variance estimates the noise variance
    double sigma2 = fit.residualSumOfSquares / (fit.points - 6);
    assertEquals(noise * noise, sigma2, 0.05 * noise * noise);
    // at the optimum the gradient of the projected RSS vanishes (relative to its scale at the start)
    VariableProjection.Linearization atStart =
        VariableProjection.linearize(points, model, new double[] {0.3, 1.0, 3.0}, RankCutoff.DEFAULT);
    VariableProjection.Linearization atFit = VariableProjection.linearize(points, model, fit.alpha, RankCutoff.DEFAULT);
    for (int k = 0; k < 3; k++) {
      assertTrue(Math.abs(atFit.jacobianTimesResidual[k]) < 1e-6 * DoubleMatrix.column(atStart.jacobianTimesResidual).maxAbs(),
          "gradient " + k + " at the fit: " + atFit.jacobianTimesResidual[k]);
    }
    assertArrayEquals(atFit.coefficients, fit.coefficients, 1e-9);
    points.unpersist();
  }

  @Test
  void rankDeficientBasisStillConvergesAndSharesTheCoefficient() {
    SeparableModel truth = new ExponentialSum(0, 1);
    SeparableModel duplicated = new ExponentialSum(0, 0, 1);
    RowBlockMatrix points = VariableProjection.simulate(sc, truth, new double[] {0.5, 2.0}, new double[] {3, 2}, 10_000, 3,
        0, 5, 0.01, 99).persist();
    VariableProjection.Result fit = VariableProjection.fit(points, duplicated, new double[] {0.3, 1.0},
        new VariableProjection.Options());
    assertTrue(fit.converged, "converged");
    assertEquals(2, fit.rank);
    assertEquals(0.5, fit.alpha[0], 4 * fit.alphaStandardErrors[0]);
    assertEquals(2.0, fit.alpha[1], 4 * fit.alphaStandardErrors[1]);
    // minimum norm: the two identical terms share the first amplitude equally
    assertEquals(fit.coefficients[0], fit.coefficients[1], 1e-9 * Math.abs(fit.coefficients[0]));
    assertEquals(3.0, fit.coefficients[0] + fit.coefficients[1], 0.05);
    // the same data fitted by the full-rank model give the same parameters
    VariableProjection.Result direct = VariableProjection.fit(points, truth, new double[] {0.3, 1.0},
        new VariableProjection.Options());
    assertArrayEquals(direct.alpha, fit.alpha, 1e-7);
    assertEquals(direct.residualSumOfSquares, fit.residualSumOfSquares, 1e-9 * direct.residualSumOfSquares);
    points.unpersist();
  }

  @Test
  void badInputsGetClearErrors() {
    SeparableModel model = new ExponentialSum(0, 1);
    RowBlockMatrix points = VariableProjection.simulate(sc, model, new double[] {0.5, 2.0}, new double[] {3, 2}, 100, 2,
        0, 5, 0.01, 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> VariableProjection.fit(points, model, new double[] {1.0}, new VariableProjection.Options()));
    assertTrue(e.getMessage().contains("has 2 parameters but alpha has 1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new ExponentialSum(0, 2));
    assertTrue(e.getMessage().contains("rate 1 is used by no term"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> VariableProjection.simulate(sc, model, new double[] {0.5, 2.0},
        new double[] {3}, 100, 2, 0, 5, 0.01, 1));
    assertTrue(e.getMessage().contains("coefficients"), e.getMessage());
    RowBlockMatrix three = RowBlockMatrix.fromLocal(sc, DoubleMatrix.zeros(10, 3), 2);
    e = assertThrows(IllegalArgumentException.class,
        () -> VariableProjection.fit(three, model, new double[] {1.0, 2.0}, new VariableProjection.Options()));
    assertTrue(e.getMessage().contains("two columns (t, y)"), e.getMessage());
  }

  /**
   * A trial point where a basis function overflows inside a task (exp(1000)) is reported as "no fit
   * there", so that the Levenberg-Marquardt step shrinks, not as a failed job; the user's own point
   * there is an error naming the basis function.
   */
  @Test
  void aTrialPointWhereTheBasisOverflowsIsRejectedNotFailed() {
    SeparableModel model = new ExponentialSum(0);
    RowBlockMatrix points = VariableProjection.simulate(sc, model, new double[] {0.5}, new double[] {2}, 300, 3,
        0, 1000, 0.0, 1);
    org.apache.spark.broadcast.Broadcast<SeparableModel> shared = sc.broadcast(model);
    assertEquals(null, VariableProjection.projectIfFinite(points, shared, new double[] {-1.0}, RankCutoff.DEFAULT));
    org.penrose.factor.PinvFactorization at = VariableProjection.projectIfFinite(points, shared, new double[] {0.4},
        RankCutoff.DEFAULT);
    double rss = 0;
    for (double r : residual(model, points.collectLocal(), new double[] {0.4})) {
      rss += r * r;
    }
    assertEquals(1, at.rank());
    assertEquals(rss, at.residualSumOfSquares()[0], 1e-12 * rss, "RSS against the local projection");
    Exception e = assertThrows(Exception.class,
        () -> VariableProjection.linearize(points, model, new double[] {-1.0}, RankCutoff.DEFAULT));
    assertTrue(String.valueOf(e.getMessage()).contains("the basis function 0 is Infinity"), e.getMessage());
  }
}
