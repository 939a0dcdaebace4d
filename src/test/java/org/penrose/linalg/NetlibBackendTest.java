package org.penrose.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Which BLAS/LAPACK the tests run on. The build runs the numerical tests three times: with the
 * automatic choice (the system's native library when installed), in the {@code bundled} execution
 * with {@code PENROSE_BLAS=bundled} (the OpenBLAS shipped in the jar) and in the {@code java-fallback}
 * execution with {@code PENROSE_BLAS=java}; {@code -Dpenrose.expect.backend} says which this run
 * must be on, and this test checks that it really is.
 */
class NetlibBackendTest {
  @Test
  void backendIsTheExpectedOne() {
    String expected = System.getProperty("penrose.expect.backend", "any");
    System.out.println("BLAS/LAPACK backend: " + BlasBackend.describe() + " (expected: " + expected + ")");
    switch (expected) {
      case "java":
        assertEquals(false, BlasBackend.isNative(), BlasBackend.describe());
        assertEquals(BlasBackend.Source.JAVA, BlasBackend.source());
        break;
      case "bundled":
        assertEquals(true, BlasBackend.isNative(), BlasBackend.describe());
        assertEquals(BlasBackend.Source.BUNDLED, BlasBackend.source());
        assertTrue(BlasBackend.describe().startsWith("bundled OpenBLAS 0.3.31"), BlasBackend.describe());
        break;
      case "native":
        assertEquals(true, BlasBackend.isNative(), BlasBackend.describe());
        break;
      default:
        break;
    }
  }

  @Test
  void autoPrefersTheSystemThenTheBundledLibraryThenJava() {
    assertEquals(BlasBackend.Source.SYSTEM, BlasBackend.choose("auto", true, true));
    assertEquals(BlasBackend.Source.BUNDLED, BlasBackend.choose("auto", false, true));
    assertEquals(BlasBackend.Source.JAVA, BlasBackend.choose("auto", false, false));
    assertEquals(BlasBackend.Source.BUNDLED, BlasBackend.choose("bundled", true, true));
    assertEquals(BlasBackend.Source.JAVA, BlasBackend.choose("java", true, true));
    assertEquals(BlasBackend.Source.SYSTEM, BlasBackend.choose("system", false, true));
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> BlasBackend.choose("bundled", true, false));
    assertTrue(e.getMessage().contains("bundles OpenBLAS for linux-x86_64 only"), e.getMessage());
  }

  @Test
  void theRequestIsCheckedAndNamed() {
    String saved = System.getProperty("penrose.blas");
    try {
      System.setProperty("penrose.blas", "fast");
      IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          BlasBackend::requested);
      assertTrue(e.getMessage().contains("PENROSE_BLAS must be auto, system, bundled or java, got 'fast'"),
          e.getMessage());
      System.setProperty("penrose.blas", " Bundled ");
      assertEquals("bundled", BlasBackend.requested());
    } finally {
      if (saved == null) {
        System.clearProperty("penrose.blas");
      } else {
        System.setProperty("penrose.blas", saved);
      }
    }
  }
}
