package org.penrose.blas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Which BLAS/LAPACK the tests run on. The build runs the numerical tests three times: with the
 * automatic choice (the system's native library when installed, else the OpenBLAS bundled in the jar),
 * in the {@code bundled} execution with {@code PENROSE_BLAS=bundled} and in the {@code java-fallback}
 * execution with {@code PENROSE_BLAS=java}; {@code -Dpenrose.expect.backend} says which of the two
 * forced ones this run must be on. Under the automatic choice the expected library is what CI says the
 * machine has ({@code PENROSE_EXPECT_BLAS=system|bundled}, from {@code .ci/run}), else what
 * {@code ldconfig} finds, probed here independently of {@link BlasBackend}'s own search.
 */
class NetlibBackendTest {
  @Test
  void backendIsTheExpectedOne() throws Exception {
    String expected = System.getProperty("penrose.expect.backend", "auto");
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
      default:
        BlasBackend.Source machine = machineLibrary();
        System.out.println("BLAS/LAPACK the automatic choice must take on this machine: " + machine);
        assertEquals(machine, BlasBackend.source(), BlasBackend.describe());
        assertEquals(machine != BlasBackend.Source.JAVA, BlasBackend.isNative(), BlasBackend.describe());
        break;
    }
  }

  /** What this machine offers: CI's statement, else the system library if ldconfig lists both, else the bundled one. */
  private static BlasBackend.Source machineLibrary() throws Exception {
    String stated = System.getenv("PENROSE_EXPECT_BLAS");
    if (stated != null && !stated.isBlank()) {
      return BlasBackend.Source.valueOf(stated.strip().toUpperCase(java.util.Locale.ROOT));
    }
    Process ldconfig = new ProcessBuilder("/sbin/ldconfig", "-p").redirectErrorStream(true).start();
    String cache = new String(ldconfig.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    ldconfig.waitFor();
    boolean system = cache.contains("libblas.so.3 ") && cache.contains("liblapack.so.3 ");
    boolean linuxX64 = System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64");
    return system ? BlasBackend.Source.SYSTEM : linuxX64 ? BlasBackend.Source.BUNDLED : BlasBackend.Source.JAVA;
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
