package org.penrose.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Which BLAS/LAPACK the tests run on. The build runs the numerical tests twice: with whatever
 * {@code dev.ludovic.netlib} finds (native OpenBLAS when installed), and in the {@code java-fallback}
 * execution with the native libraries pointed at a missing file, where this test asserts that the
 * pure-Java implementations are really in use ({@code -Dpenrose.expect.backend=java}).
 */
class NetlibBackendTest {
  @Test
  void backendIsTheExpectedOne() {
    String expected = System.getProperty("penrose.expect.backend", "any");
    System.out.println("BLAS/LAPACK backend: " + BlasBackend.describe() + " (expected: " + expected + ")");
    if (expected.equals("java")) {
      assertEquals(false, BlasBackend.isNative(), BlasBackend.describe());
    } else if (expected.equals("native")) {
      assertEquals(true, BlasBackend.isNative(), BlasBackend.describe());
    }
  }
}
