package org.penrose.blas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.netlib.lapack.Dlamch;
import org.netlib.util.intW;

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

  /**
   * In a fresh JVM on netlib's Java LAPACK, {@link BlasBackend#configure} alone leaves f2j's machine constants made
   * (their lazy, unsynchronized start-up once left two threads' first calls reading a safe minimum of infinity, and
   * DLARFG looping forever), and two threads' first factorizations, started together, finish with the same bits.
   */
  @Test
  void javaLapacksMachineConstantsAreMadeBeforeAnyThreadUsesThem() throws Exception {
    ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), FreshJvm.class.getName()).redirectErrorStream(true);
    builder.environment().put("PENROSE_BLAS", "java");
    Process jvm = builder.start();
    String out = new String(jvm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(jvm.waitFor(60, TimeUnit.SECONDS), out);
    assertEquals("configured: first=false eps=" + Math.ulp(1.0) / 2 + "\nfactored on two threads: same bits\n", out);
  }

  /** The fresh JVM of the test above. */
  static final class FreshJvm {
    public static void main(String[] args) throws Exception {
      BlasBackend.configure();
      System.out.println("configured: first=" + Dlamch.first + " eps=" + Dlamch.eps.val);
      double[][] factors = new double[2][];
      CountDownLatch start = new CountDownLatch(1);
      Thread[] threads = new Thread[2];
      for (int t = 0; t < 2; t++) {
        int index = t;
        threads[t] = new Thread(() -> {
          double[] a = {4, 1, 2, 3, 5, 7, 1, 8, 6, 2, 9, 4}; // 4 x 3, column-major
          double[] tau = new double[3];
          double[] work = new double[64];
          try {
            start.await();
          } catch (InterruptedException e) {
            return;
          }
          Netlib.lapack().dgeqrf(4, 3, a, 4, tau, work, work.length, new intW(0));
          factors[index] = a;
        });
        threads[t].start();
      }
      start.countDown();
      for (Thread thread : threads) {
        thread.join();
      }
      System.out.println("factored on two threads: " + (Arrays.equals(factors[0], factors[1]) ? "same bits" : "differ"));
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
      assertTrue(e.getMessage().contains("spark.penrose.blas (penrose.blas) must be auto, system, bundled or java, got"
          + " 'fast'"), e.getMessage());
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
