package org.penrose.blas;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.lapack.LAPACK;

/**
 * netlib's BLAS and LAPACK handles ({@code dev.ludovic.netlib}), handed out only after
 * {@link BlasBackend#configure} chose the library behind them, so that no call reaches a library
 * other than the one chosen.
 */
public final class Netlib {
  private Netlib() {}

  private static volatile boolean configured;

  /** netlib's BLAS, on the library {@link BlasBackend#configure} chose. */
  public static BLAS blas() {
    configure();
    return BLAS.getInstance();
  }

  /** netlib's LAPACK, on the library {@link BlasBackend#configure} chose. */
  public static LAPACK lapack() {
    configure();
    return LAPACK.getInstance();
  }

  private static void configure() {
    if (!configured) {
      BlasBackend.configure();
      configured = true;
    }
  }
}
