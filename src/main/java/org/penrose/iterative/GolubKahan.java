package org.penrose.iterative;

import java.util.function.Supplier;
import org.penrose.engine.RowBlockMatrix;

/**
 * The Golub-Kahan bidiagonalization LSMR runs on, for an operator {@code M} and a right-hand side
 * {@code b}: {@code beta_1 u_1 = b}, {@code alpha_1 v_1 = M^T u_1}, then {@code beta_{k+1} u_{k+1} =
 * M v_k - alpha_k u_k} and {@code alpha_{k+1} v_{k+1} = M^T u_{k+1} - beta_{k+1} v_k}; one pass over
 * {@code A} per step either way ({@link BidiagonalizationPass}). LSMR's solution is a combination of the
 * {@code v_k}, built from {@link #v()}: whatever this orientation holds on the driver for {@code v_k}.
 *
 * <ul>
 *   <li>{@link #of(BidiagonalizationPass, RowBlockMatrix)}: {@code M = A} ({@code m x n}), {@code b} m-sized in
 *       A's row blocks; {@code u} stays beside A's blocks, {@code v} ({@code n}) is on the driver.
 *   <li>{@link #transposed(BidiagonalizationPass, double[])}: {@code M = A^T}, {@code b = g} n-sized on the
 *       driver; now {@code v_k} is m-sized and stays beside A's blocks, and the driver holds its preimage
 *       {@code c_k} with {@code v_k = A c_k} ({@code c_1 = u_1 / alpha_1}, {@code c_{k+1} = (u_{k+1} -
 *       beta_{k+1} c_k) / alpha_{k+1}}, the same recurrence as {@code v}'s with {@code A} factored out). A
 *       solution {@code z = sum y_k v_k} is then {@code A s} with {@code s = sum y_k c_k}: n-sized, on the
 *       driver. Since {@code u_1 = g / ||g||}, {@code s} keeps {@code g}'s part in {@code null(A)}, which
 *       {@code A s} does not see.
 * </ul>
 */
abstract class GolubKahan {
  /** {@code beta_1 = ||b||}, and {@code u_1}; no pass when {@code b} is on the driver. */
  abstract double start();

  /** {@code alpha v = M^T u - beta v} ({@code v = 0} on the first call): {@code alpha}, and {@link #v()} set. */
  abstract double nextV(double beta);

  /** {@code beta u = M v - alpha u}: {@code beta}. */
  abstract double nextU(double alpha);

  /** {@code v_k} as the driver holds it: itself ({@code M = A}), or its preimage {@code c_k} ({@code M = A^T}). */
  abstract double[] v();

  /** Whether {@link #v()} is {@code v_k} itself, so that the norm of LSMR's iterate is at hand. */
  abstract boolean solutionOnDriver();

  /**
   * The driver's half-step {@code w <- product * scale - coefficient * w}, then {@code w / ||w||} when
   * {@code ||w|| > 0}: returns {@code ||w||}.
   */
  static double normalizedStep(double[] w, double[] product, double scale, double coefficient) {
    for (int j = 0; j < w.length; j++) {
      w[j] = product[j] * scale - coefficient * w[j];
    }
    double norm = Vectors.norm(w);
    if (norm > 0) {
      Vectors.scale(w, 1 / norm);
    }
    return norm;
  }

  /** {@code M = A}, {@code b} in A's row blocks. */
  static GolubKahan of(BidiagonalizationPass pass, RowBlockMatrix b) {
    return of(pass, () -> pass.start(b));
  }

  /** {@code M = A}, the pass started with {@code u = b} by {@code start}. */
  static GolubKahan of(BidiagonalizationPass pass, Supplier<BidiagonalizationPass.Products> start) {
    return new GolubKahan() {
      private double[] aTu;
      private double uScale; // u_k = uScale * (the vector kept beside A)
      private double[] v;

      @Override
      double start() {
        BidiagonalizationPass.Products first = start.get();
        double beta = Math.sqrt(first.sumOfSquares());
        aTu = first.transposeTimesU();
        uScale = 1 / beta;
        return beta;
      }

      @Override
      double nextV(double beta) {
        if (v == null) {
          v = new double[aTu.length];
        }
        return normalizedStep(v, aTu, uScale, beta);
      }

      @Override
      double nextU(double alpha) {
        BidiagonalizationPass.Products p = pass.step(v, -alpha * uScale);
        double beta = Math.sqrt(p.sumOfSquares());
        if (beta > 0) {
          uScale = 1 / beta;
          aTu = p.transposeTimesU();
        }
        return beta;
      }

      @Override
      double[] v() {
        return v;
      }

      @Override
      boolean solutionOnDriver() {
        return true;
      }
    };
  }

  /** {@code M = A^T}, {@code b = g} ({@code n}) on the driver. */
  static GolubKahan transposed(BidiagonalizationPass pass, double[] g) {
    return new GolubKahan() {
      private double[] u;
      private double[] aTv; // A^T (the m-vector kept beside A)
      private double vScale; // v_k = vScale * (the m-vector kept beside A)
      private double[] c;

      @Override
      double start() {
        double beta = Vectors.norm(g);
        u = Vectors.scaled(g, beta > 0 ? 1 / beta : 0);
        return beta;
      }

      @Override
      double nextV(double beta) {
        BidiagonalizationPass.Products p = c == null ? pass.startWithProduct(u) : pass.step(u, -beta * vScale);
        double alpha = Math.sqrt(p.sumOfSquares());
        if (c == null) {
          c = Vectors.scaled(u, alpha > 0 ? 1 / alpha : 0);
        } else if (alpha > 0) {
          for (int j = 0; j < c.length; j++) {
            c[j] = (u[j] - beta * c[j]) / alpha;
          }
        }
        if (alpha > 0) {
          vScale = 1 / alpha;
          aTv = p.transposeTimesU();
        }
        return alpha;
      }

      @Override
      double nextU(double alpha) {
        return normalizedStep(u, aTv, vScale, alpha);
      }

      @Override
      double[] v() {
        return c;
      }

      @Override
      boolean solutionOnDriver() {
        return false;
      }
    };
  }
}
