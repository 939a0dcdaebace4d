package org.penrose.blas;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.NativeBLAS;
import dev.ludovic.netlib.lapack.LAPACK;
import dev.ludovic.netlib.lapack.NativeLAPACK;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Which BLAS/LAPACK {@link Netlib} hands out (to {@code matrix.Lapack} and the kernels) through
 * {@code dev.ludovic.netlib}, chosen once per JVM before netlib's first use: the system's native
 * library ({@code libblas.so.3} and {@code liblapack.so.3}, e.g. Debian's OpenBLAS) when present, else
 * the OpenBLAS bundled in the
 * Penrose jar (extracted once to a cache folder and named to netlib by
 * {@code dev.ludovic.netlib.{blas,lapack}.nativeLibPath}), else netlib's pure-Java implementations.
 *
 * <p>The choice is {@code PENROSE_BLAS=auto|system|bundled|java} (environment, or the system property
 * {@code penrose.blas}; default {@code auto}). Settings the user gave netlib directly
 * ({@code dev.ludovic.netlib.*} system properties) are left alone. Libraries that are not there are
 * not tried, so netlib prints no {@code dlopen ... failed} lines. Executors make the same choice
 * when their first task calls LAPACK, or earlier through the engine's Spark plugin ({@code BlasPlugin}).
 */
public final class BlasBackend {
  private BlasBackend() {}

  /** Where the library came from. */
  public enum Source {
    /** The system's {@code libblas.so.3} / {@code liblapack.so.3}. */
    SYSTEM,
    /** The OpenBLAS bundled in the Penrose jar. */
    BUNDLED,
    /** netlib's pure-Java implementations. */
    JAVA
  }

  /** The bundled OpenBLAS, as resources of the jar (from {@code org.bytedeco:openblas}, linux-x86_64). */
  private static final String BUNDLED_RESOURCES = "org/bytedeco/openblas/linux-x86_64/";

  /** The bundled OpenBLAS and the runtime libraries it loads from its own folder ({@code RUNPATH $ORIGIN}). */
  private static final List<String> BUNDLED_FILES =
      List.of("libopenblas.so.0", "libgfortran.so.5", "libquadmath.so.0", "libgcc_s.so.1");

  private static final String[] NETLIB_PARTS = {"blas", "lapack", "arpack"};

  /** Kept so that the level set on netlib's loggers is not lost when they are collected. */
  private static final Logger NETLIB_LOG = Logger.getLogger("dev.ludovic.netlib");

  private static Source source;
  private static String library;

  /**
   * Makes the choice (once; later calls return it). Must run before anything in the JVM uses netlib
   * for the choice to take effect; {@link Netlib} calls it before handing out BLAS or LAPACK.
   *
   * @return where the library comes from
   * @throws IllegalArgumentException for an unknown {@code PENROSE_BLAS}, or {@code bundled} where this
   *     platform has no bundled library
   */
  public static synchronized Source configure() {
    if (source != null) {
      return source;
    }
    NETLIB_LOG.setLevel(Level.WARNING); // netlib announces its choice at INFO on stderr
    String mode = requested();
    if (userConfiguredNetlib()) {
      source = null;
      library = "as configured by dev.ludovic.netlib.* properties";
      return record(BLAS.getInstance() instanceof NativeBLAS ? Source.SYSTEM : Source.JAVA);
    }
    Path system = systemLibrary("libblas.so.3");
    boolean systemLapack = systemLibrary("liblapack.so.3") != null;
    if (systemLibrary("libarpack.so.2") == null) {
      System.setProperty("dev.ludovic.netlib.arpack.allowNative", "false"); // MLlib's ARPACK: Java, quietly
    }
    boolean systemPresent = system != null && systemLapack;
    switch (choose(mode, systemPresent, bundledAvailable())) {
      case JAVA:
        return java();
      case BUNDLED:
        return bundled();
      default:
        library = system != null ? resolved(system) : "libblas.so.3 (not found)";
        return record(Source.SYSTEM);
    }
  }

  /**
   * Starts {@link #configure} on a daemon thread of its own and returns at once: the library loads (about 40 ms)
   * while the caller goes on, e.g. reads its input, and the first BLAS call waits for it. A failure there (an
   * unknown {@code PENROSE_BLAS}) is left to that call, which makes the choice again and throws it.
   */
  public static void configureInBackground() {
    if (configured()) {
      return;
    }
    Thread loader = new Thread(() -> {
      try {
        configure();
      } catch (RuntimeException e) {
        // the first BLAS call makes the choice again and throws this
      }
    }, "penrose-blas-load");
    loader.setDaemon(true);
    loader.start();
  }

  /**
   * The choice for a request: {@code java}, {@code system} and {@code bundled} as asked; {@code auto}
   * the system's library when present, else the bundled one, else Java.
   *
   * @throws IllegalArgumentException for {@code bundled} where the jar bundles nothing for this platform
   */
  static Source choose(String mode, boolean systemPresent, boolean bundledPresent) {
    switch (mode) {
      case "java":
        return Source.JAVA;
      case "system":
        return Source.SYSTEM;
      case "bundled":
        if (!bundledPresent) {
          throw new IllegalArgumentException("PENROSE_BLAS=bundled, but this jar bundles OpenBLAS for linux-x86_64 only"
              + " (this is " + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ")");
        }
        return Source.BUNDLED;
      default:
        return systemPresent ? Source.SYSTEM : bundledPresent ? Source.BUNDLED : Source.JAVA;
    }
  }

  /**
   * Requests {@code mode} ({@code auto|system|bundled|java}) for this JVM, as a Spark setting does
   * ({@code spark.penrose.blas}): a request made before the first BLAS call wins over {@code PENROSE_BLAS};
   * after it, or for a null {@code mode}, nothing changes.
   */
  public static synchronized void request(String mode) {
    if (mode != null && !configured()) {
      System.setProperty("penrose.blas", mode);
    }
  }

  /** True once the choice is made (after which a new request has no effect in this JVM). */
  public static synchronized boolean configured() {
    return source != null;
  }

  private static Source record(Source chosen) {
    // netlib's Java LAPACK (f2j) computes its machine constants (DLAMCH, DLAMC1, DLAMC2) at the first call into
    // static fields, unsynchronized: two threads making their first LAPACK calls together could read them half made
    // (seen: DLARFG looping forever on a safe minimum of infinity). Made here, once, under this class's lock.
    LAPACK.getInstance().dlamch("S");
    source = chosen;
    return chosen;
  }

  private static Source java() {
    for (String part : NETLIB_PARTS) {
      System.setProperty("dev.ludovic.netlib." + part + ".allowNative", "false");
    }
    library = "netlib's Java implementations";
    return record(Source.JAVA);
  }

  private static Source bundled() {
    Path folder = extractBundled();
    String path = folder.resolve(BUNDLED_FILES.get(0)).toString();
    System.setProperty("dev.ludovic.netlib.blas.nativeLibPath", path);
    System.setProperty("dev.ludovic.netlib.lapack.nativeLibPath", path);
    library = "bundled OpenBLAS " + bundledVersion() + " (" + path + ")";
    return record(Source.BUNDLED);
  }

  /** {@code PENROSE_BLAS} (or {@code -Dpenrose.blas}), lower-cased; {@code auto} when unset. */
  static String requested() {
    String property = System.getProperty("penrose.blas");
    String value = property != null ? property : System.getenv("PENROSE_BLAS");
    String mode = value == null || value.isBlank() ? "auto" : value.strip().toLowerCase(Locale.ROOT);
    if (!List.of("auto", "system", "bundled", "java").contains(mode)) {
      // the property: -Dpenrose.blas, or the Spark setting a request passed on
      throw new IllegalArgumentException((property != null ? "spark.penrose.blas (penrose.blas)" : "PENROSE_BLAS")
          + " must be auto, system, bundled or java, got '" + value + "'");
    }
    return mode;
  }

  private static boolean userConfiguredNetlib() {
    for (String part : NETLIB_PARTS) {
      for (String key : new String[] {"nativeLib", "nativeLibPath", "allowNative"}) {
        if (System.getProperty("dev.ludovic.netlib." + part + "." + key) != null && !part.equals("arpack")) {
          return true;
        }
      }
    }
    return false;
  }

  /** A library in the dynamic linker's usual folders (and {@code LD_LIBRARY_PATH}), or null. */
  static Path systemLibrary(String name) {
    StringBuilder dirs = new StringBuilder(System.getenv().getOrDefault("LD_LIBRARY_PATH", ""));
    for (String dir : new String[] {"/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
        "/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib", "/usr/local/lib"}) {
      dirs.append(':').append(dir);
    }
    for (String dir : dirs.toString().split(":")) {
      if (!dir.isEmpty()) {
        Path candidate = Paths.get(dir, name);
        if (Files.isReadable(candidate)) {
          return candidate;
        }
      }
    }
    return null;
  }

  private static String resolved(Path link) {
    try {
      Path real = link.toRealPath();
      return "system " + (real.equals(link) ? link : link + " -> " + real);
    } catch (IOException e) {
      return "system " + link;
    }
  }

  /** True when this jar bundles OpenBLAS for this platform. */
  public static boolean bundledAvailable() {
    return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")
        && List.of("amd64", "x86_64").contains(System.getProperty("os.arch", ""))
        && BlasBackend.class.getClassLoader().getResource(BUNDLED_RESOURCES + BUNDLED_FILES.get(0)) != null;
  }

  /** The bundled OpenBLAS's version, e.g. {@code 0.3.31}. */
  public static String bundledVersion() {
    try (InputStream in = BlasBackend.class.getResourceAsStream("bundled-openblas.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      String version = p.getProperty("version", "unknown");
      return version.contains("-") ? version.substring(0, version.indexOf('-')) : version; // 0.3.31-1.5.13
    } catch (IOException e) {
      return "unknown";
    }
  }

  /**
   * The bundled libraries in {@code java.io.tmpdir/penrose-openblas-VERSION-USER}, extracted on the
   * first use on this machine: into a private temporary folder first, then moved into place at once,
   * so that concurrent JVMs (executors of one machine) never load a half-written library.
   */
  private static Path extractBundled() {
    String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
    Path folder = Paths.get(System.getProperty("java.io.tmpdir"), "penrose-openblas-" + bundledVersion() + "-" + user);
    if (complete(folder)) {
      return folder;
    }
    try {
      Files.createDirectories(folder.getParent());
      Path staging = Files.createTempDirectory(folder.getParent(), folder.getFileName() + ".staging");
      for (String file : BUNDLED_FILES) {
        try (InputStream in = BlasBackend.class.getClassLoader().getResourceAsStream(BUNDLED_RESOURCES + file)) {
          if (in == null) {
            throw new IOException("the jar has no " + BUNDLED_RESOURCES + file);
          }
          Files.copy(in, staging.resolve(file));
        }
      }
      try {
        Files.move(staging, folder, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
        deleteQuietly(staging); // another JVM got there first
      } catch (AtomicMoveNotSupportedException e) {
        deleteQuietly(staging);
        throw new IOException("cannot move the extracted OpenBLAS into " + folder, e);
      }
      if (!complete(folder)) {
        throw new IOException("the extracted OpenBLAS in " + folder + " is incomplete; delete the folder and retry");
      }
      return folder;
    } catch (IOException e) {
      throw new UncheckedIOException("could not extract the bundled OpenBLAS to " + folder + ": " + e.getMessage()
          + " (set PENROSE_BLAS=java or system to skip it)", e);
    }
  }

  private static boolean complete(Path folder) {
    for (String file : BUNDLED_FILES) {
      Path p = folder.resolve(file);
      try {
        if (!Files.isRegularFile(p) || Files.size(p) == 0) {
          return false;
        }
      } catch (IOException e) {
        return false;
      }
    }
    return true;
  }

  private static void deleteQuietly(Path dir) {
    try (var files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (IOException ignored) {
      // a leftover staging folder in the temporary directory is harmless
    }
  }

  /**
   * The library in use, for reports: e.g. {@code "bundled OpenBLAS 0.3.31 (...)"}, {@code "system
   * /usr/lib/x86_64-linux-gnu/libblas.so.3 -> ..."} or {@code "netlib's Java implementations"},
   * with netlib's implementation classes ({@code JNIBLAS/JNILAPACK}, {@code VectorBLAS/F2jLAPACK}).
   */
  public static String describe() {
    configure();
    String classes = BLAS.getInstance().getClass().getSimpleName() + "/"
        + LAPACK.getInstance().getClass().getSimpleName();
    String what = isNative() || source == Source.JAVA ? library : library + ", failed to load: Java fallback";
    return what + " [" + classes + "]";
  }

  /** Where the library in use came from (after {@link #configure}): JAVA when native loading failed. */
  public static Source source() {
    configure();
    return isNative() ? (source == null ? Source.SYSTEM : source) : Source.JAVA;
  }

  /** True when both BLAS and LAPACK calls go to a native library. */
  public static boolean isNative() {
    configure();
    return BLAS.getInstance() instanceof NativeBLAS && LAPACK.getInstance() instanceof NativeLAPACK;
  }
}
