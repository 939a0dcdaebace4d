package org.penrose.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The finite-difference reference itself, on functions whose derivatives are known in closed form. */
class FiniteDifferencesTest {
  @Test
  void richardsonStepIsFourthOrder() {
    // f(t) = (sin(1 + t), exp(2 t), t^3): f'(0) = (cos 1, 2, 0)
    double[] exact = {Math.cos(1), 2, 0};
    double previous = Double.NaN;
    for (double h : new double[] {0.1, 0.05}) {
      double[] d = FiniteDifferences.derivative(t -> new double[] {Math.sin(1 + t), Math.exp(2 * t), t * t * t}, h);
      double error = 0;
      for (int i = 0; i < exact.length; i++) {
        error = Math.max(error, Math.abs(d[i] - exact[i]));
      }
      if (!Double.isNaN(previous)) {
        // halving h divides an O(h^4) error by about 16 (a central difference alone: by 4)
        assertTrue(previous / error > 12 && previous / error < 20, "error ratio " + previous / error);
      }
      previous = error;
    }
    double[] fine = FiniteDifferences.derivative(t -> new double[] {Math.sin(1 + t)}, 1e-3);
    assertEquals(Math.cos(1), fine[0], 1e-12);
  }
}
