package org.penrose.linalg;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.NativeBLAS;
import dev.ludovic.netlib.lapack.LAPACK;
import dev.ludovic.netlib.lapack.NativeLAPACK;

/**
 * Which BLAS/LAPACK implementation {@link Lapack}'s calls reach through {@code dev.ludovic.netlib}:
 * a native library (OpenBLAS) or the pure-Java fallback. For reports and tests.
 */
public final class BlasBackend {
  private BlasBackend() {}

  /** The implementation classes in use, e.g. {@code "JNIBLAS/JNILAPACK"} or {@code "VectorBLAS/F2jLAPACK"}. */
  public static String describe() {
    return BLAS.getInstance().getClass().getSimpleName() + "/" + LAPACK.getInstance().getClass().getSimpleName();
  }

  /** True when both BLAS and LAPACK calls go to a native library. */
  public static boolean isNative() {
    return BLAS.getInstance() instanceof NativeBLAS && LAPACK.getInstance() instanceof NativeLAPACK;
  }
}
