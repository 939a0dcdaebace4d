package org.penrose.iterative;

import org.penrose.matrix.InvalidInputException;

/**
 * One LSMR solve: the driver-side state of the recurrences of Fong &amp; Saunders (2011), run on a
 * {@link GolubKahan} bidiagonalization (one pass over {@code A} per iteration), with the paper's estimates of
 * {@code ||r||}, {@code ||A^T r||}, {@code ||A||} and {@code cond(A)} and its (and scipy's) stopping rules.
 */
final class LsmrIteration {
  private final LsmrOptions options;
  private final BidiagonalizationPass pass;
  private final int n;
  private final int maxIterations;

  /** @param n the size of what the driver holds for the solution (A's columns either way) */
  LsmrIteration(int n, int defaultLimit, LsmrOptions options, BidiagonalizationPass pass) {
    this.options = options;
    this.pass = pass;
    this.n = n;
    this.maxIterations = options.maxIterations() > 0 ? options.maxIterations() : defaultLimit;
  }

  LsmrResult run(GolubKahan gk) {
    long started = System.nanoTime();
    double damp = options.damp();
    double target = options.forwardError();
    if (target > 0 && damp == 0) {
      throw new InvalidInputException("a forward-error target needs damp > 0: its bound ||A^T r - damp^2 x|| /"
          + " (damp^2 ||x||) divides by damp^2 (without damping the error depends on A's smallest singular value,"
          + " which LSMR only estimates)");
    }
    // beta_1 u_1 = b,  alpha_1 v_1 = M^T u_1
    double beta = gk.start();
    double normB = beta;
    double[] x = new double[n];
    if (beta == 0) {
      return result(x, LsmrResult.Stop.ZERO_RIGHT_HAND_SIDE, 0, 0, 0, 0, 1, started);
    }
    double alpha = gk.nextV(beta);
    if (alpha == 0) {
      return result(x, LsmrResult.Stop.ZERO_GRADIENT, 0, beta, 0, 0, 1, started);
    }
    double[] v = gk.v();

    double zetabar = alpha * beta;
    double alphabar = alpha;
    double rho = 1;
    double rhobar = 1;
    double cbar = 1;
    double sbar = 0;
    double[] h = v.clone();
    double[] hbar = new double[n];
    // ||r|| estimation
    double betadd = beta;
    double betad = 0;
    double rhodold = 1;
    double tautildeold = 0;
    double thetatilde = 0;
    double zeta = 0;
    double d = 0;
    // ||A|| and cond(A) estimation
    double normA2 = alpha * alpha;
    double maxrbar = 0;
    double minrbar = Double.MAX_VALUE;
    double ctol = options.conlim() > 0 ? 1 / options.conlim() : 0;
    double normR = beta;
    double normAr = alpha * beta;
    double normA = Math.sqrt(normA2);
    double condA = 1;
    long lastProgress = System.nanoTime();

    for (int k = 1; k <= maxIterations; k++) {
      // beta u = M v - alpha u, then alpha v = M^T u - beta v: one pass over A between them
      beta = gk.nextU(alpha);
      alpha = beta > 0 ? gk.nextV(beta) : 0;
      v = gk.v();

      // the rotation of damp into alphabar, then the QR of B_k
      double[] q = Vectors.rotation(alphabar, damp);
      double chat = q[0];
      double shat = q[1];
      double alphahat = q[2];
      double rhoold = rho;
      q = Vectors.rotation(alphahat, beta);
      double c = q[0];
      double s = q[1];
      rho = q[2];
      double thetanew = s * alpha;
      alphabar = c * alpha;
      // the QR of R_k^T
      double rhobarold = rhobar;
      double zetaold = zeta;
      double thetabar = sbar * rho;
      double rhotemp = cbar * rho;
      q = Vectors.rotation(cbar * rho, thetanew);
      cbar = q[0];
      sbar = q[1];
      rhobar = q[2];
      zeta = cbar * zetabar;
      zetabar = -sbar * zetabar;
      // h, hbar, x
      double hbarFactor = -(thetabar * rho) / (rhoold * rhobarold);
      double xFactor = zeta / (rho * rhobar);
      double hFactor = -(thetanew / rho);
      update(h, hbar, x, v, hbarFactor, xFactor, hFactor);

      // ||r||: the rotations applied to (beta_1 e_1) as in section 4.1 of the paper
      double betaacute = chat * betadd;
      double betacheck = -shat * betadd;
      double betahat = c * betaacute;
      betadd = -s * betaacute;
      double thetatildeold = thetatilde;
      q = Vectors.rotation(rhodold, thetabar);
      double ctildeold = q[0];
      double stildeold = q[1];
      double rhotildeold = q[2];
      thetatilde = stildeold * rhobar;
      rhodold = ctildeold * rhobar;
      betad = -stildeold * betad + ctildeold * betahat;
      tautildeold = (zetaold - thetatildeold * tautildeold) / rhotildeold;
      double taud = (zeta - thetatilde * tautildeold) / rhodold;
      d += betacheck * betacheck;
      normR = Math.sqrt(d + (betad - taud) * (betad - taud) + betadd * betadd);
      // ||A|| (Frobenius norm of B_k) and cond(A)
      normA2 += beta * beta;
      normA = Math.sqrt(normA2);
      normA2 += alpha * alpha;
      maxrbar = Math.max(maxrbar, rhobarold);
      if (k > 1) {
        minrbar = Math.min(minrbar, rhobarold);
      }
      condA = Math.max(maxrbar, rhotemp) / Math.min(minrbar, rhotemp);

      normAr = Math.abs(zetabar);
      double normX = gk.solutionOnDriver() ? Vectors.norm(x) : 0; // see solveTransposed
      double test1 = normR / normB;
      double test2 = normA * normR != 0 ? normAr / (normA * normR) : Double.POSITIVE_INFINITY;
      double test3 = 1 / condA;
      double t1 = test1 / (1 + normA * normX / normB);
      double rtol = options.btol() + options.atol() * normA * normX / normB;
      // scipy's order: a later test that holds decides (istop 1 over 2 over ... over 7)
      LsmrResult.Stop stop = null;
      if (target > 0) { // the accuracy asked for decides instead of atol and btol (see LsmrResult)
        if (normAr <= target * damp * damp * normX) {
          stop = LsmrResult.Stop.FORWARD_ERROR;
        }
      } else if (test1 <= rtol) {
        stop = LsmrResult.Stop.COMPATIBLE;
      } else if (test2 <= options.atol()) {
        stop = LsmrResult.Stop.LEAST_SQUARES;
      }
      if (stop != null) {
        return result(x, stop, k, normR, normAr, normA, condA, started);
      }
      if (test3 <= ctol) {
        stop = LsmrResult.Stop.CONDITION_LIMIT;
      } else if (1 + t1 <= 1) {
        stop = LsmrResult.Stop.COMPATIBLE_EPS;
      } else if (1 + test2 <= 1) {
        stop = LsmrResult.Stop.LEAST_SQUARES_EPS;
      } else if (1 + test3 <= 1) {
        stop = LsmrResult.Stop.CONDITION_LIMIT_EPS;
      } else if (k == maxIterations) {
        stop = LsmrResult.Stop.ITERATION_LIMIT;
      }
      if (stop != null) {
        return result(x, stop, k, normR, normAr, normA, condA, started);
      }
      if (options.progress() != null
          && (System.nanoTime() - lastProgress) / 1e9 >= options.progressSeconds()) {
        lastProgress = System.nanoTime();
        options.progress().accept(String.format("lsmr: iteration %d, ||r|| = %.6g, ||A^T r|| / (||A|| ||r||) = %.3g,"
            + " cond(A) >= %.3g", k, normR, test2, condA));
      }
    }
    return result(x, LsmrResult.Stop.ITERATION_LIMIT, maxIterations, normR, normAr, normA, condA, started);
  }

  /**
   * {@code hbar <- h + hbarFactor hbar}, {@code x <- x + xFactor hbar}, {@code h <- v + hFactor h}: a method of its
   * own, so that the JIT compiles this loop on its own within the first iterations.
   */
  private static void update(double[] h, double[] hbar, double[] x, double[] v, double hbarFactor, double xFactor,
      double hFactor) {
    for (int j = 0; j < x.length; j++) {
      hbar[j] = h[j] + hbarFactor * hbar[j];
      x[j] += xFactor * hbar[j];
      h[j] = v[j] + hFactor * h[j];
    }
  }

  private LsmrResult result(double[] x, LsmrResult.Stop stop, int iterations, double normR, double normAr,
      double normA, double condA, long started) {
    return new LsmrResult(x, stop, iterations, normR, normAr, normA, condA, Vectors.norm(x), options.damp(),
        pass.where(), (System.nanoTime() - started) / 1e9, Double.NaN, Double.NaN);
  }
}
