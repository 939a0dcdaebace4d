package org.penrose.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.penrose.adapters.MatrixFiles;
import org.penrose.blas.BlasBackend;
import org.penrose.engine.BlasPlugin;
import org.penrose.io.FileFormat;
import org.penrose.io.NpyFileSet;

/**
 * Whether a command runs in the driver JVM alone, without starting Spark: the one place that decides it.
 * A command started by {@code jobs/penrose} on a local master (the launcher's {@code spark.master}
 * property) whose inputs are local files taking at most {@link #HEAP_SHARE} of the heap ({@code .npy} for
 * {@code lstsq} and {@code pinv}, also Matrix Market for {@code svd}), and whose outputs are local files, needs
 * no SparkContext (nor Hadoop, nor log4j): it reads the inputs in the row blocks a Spark read would make and runs
 * the same kernels on the driver's threads, with the same merge order, so it gives the bits the Spark job gives.
 * Spark's start-up (about 1.5 s here) is most of a small job's time. {@code --conf spark.penrose.inDriver=false}
 * always starts Spark; a running SparkSession (a notebook's, a test's) is always used.
 */
final class InDriver {
  /** The setting: {@code auto} (default) or {@code false}. */
  static final String SETTING = "spark.penrose.inDriver";

  /** Inputs up to this fraction of the driver's maximum heap are read into it. */
  static final double HEAP_SHARE = 0.25;

  private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*:");
  private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\*|\\d+)(?:,\\d+)?])?");

  private InDriver() {}

  /**
   * The number of threads (Spark's default parallelism on this master) when the command may run in the
   * driver, 0 when it must start Spark.
   *
   * @param inputs the command's input paths: all must be local {@code .npy} files or folders of them
   * @param outputs the paths it writes: all must be local (no scheme such as {@code hdfs:} or {@code file:})
   */
  static int parallelism(List<String> inputs, List<String> outputs) throws IOException {
    return parallelism(inputs, outputs, input -> isLocal(input) ? npyBytes(Path.of(input)) : -1);
  }

  /** The bytes an input takes once read into the driver, -1 when it cannot be read there. */
  private interface InputSize {
    long of(String input) throws IOException;
  }

  private static int parallelism(List<String> inputs, List<String> outputs, InputSize size) throws IOException {
    int threads = localMaster();
    if (threads == 0 || !outputs.stream().allMatch(InDriver::isLocal)) {
      return 0;
    }
    long bytes = 0;
    for (String input : inputs) {
      long inMemory = size.of(input);
      if (inMemory < 0) {
        return 0;
      }
      bytes += inMemory;
    }
    if (!fits(bytes)) {
      return 0;
    }
    BlasBackend.request(System.getProperty(BlasPlugin.CONF)); // what BlasPlugin does in a Spark run
    BlasBackend.configureInBackground(); // the library loads while the inputs are read
    return threads;
  }

  /**
   * For a command whose inputs are matrices read on the driver ({@link MatrixFiles#readOnDriver}: local
   * {@code .npy} or Matrix Market files that fit together, as {@link #readWhileSparkStarts} counts them) and whose
   * {@code outputs} are local: the number of threads when it may run in the driver, else 0.
   */
  static int parallelismReading(List<String> inputs, List<String> outputs) throws IOException {
    return parallelism(inputs, outputs, InDriver::inMemoryBytes);
  }

  /**
   * For a command that needs Spark: the local master's parallelism when its input {@code path} may be read on
   * the driver while Spark starts on another thread (a local {@code .npy} or {@code .mtx}/{@code .mtx.gz} file
   * that fits, {@link MatrixFiles#readOnDriver}), else 0. The blocks are then shipped to Spark once, the same
   * blocks a Spark read makes.
   */
  static int readWhileSparkStarts(String path) throws IOException {
    int threads = localMaster();
    long bytes = threads == 0 ? -1 : inMemoryBytes(path);
    return bytes >= 0 && fits(bytes) ? threads : 0;
  }

  /**
   * What a local {@code .npy} or Matrix Market file takes in the driver's memory once read, estimated: a
   * {@code .npy} its size; Matrix Market's parsed entries (row, column, value) and their blocks about 4 times the
   * text, 20 times a gzip-compressed file. -1 for any other path.
   */
  private static long inMemoryBytes(String path) throws IOException {
    FileFormat format = FileFormat.byName(path);
    if (!isLocal(path) || (format != FileFormat.NPY && format != FileFormat.MTX)) {
      return -1;
    }
    Path file = Path.of(path);
    if (format == FileFormat.NPY) {
      return npyBytes(file);
    }
    return Files.isRegularFile(file) ? Files.size(file) * (path.endsWith(".gz") ? 20 : 4) : -1;
  }

  /** The local master's parallelism when the setting allows driver-side work, else 0. */
  private static int localMaster() {
    String setting = System.getProperty(SETTING, "auto").strip().toLowerCase(Locale.ROOT);
    if (!setting.equals("auto") && !setting.equals("false")) {
      throw new IllegalArgumentException(SETTING + " must be auto or false, got '" + setting + "'");
    }
    return setting.equals("false") ? 0 : localThreads(System.getProperty("spark.master"));
  }

  /**
   * Whether {@code bytes} fit the driver's share and no session is running. A JVM started for one command
   * ({@link Main#isProgram()}) has none before its command starts one (this is asked before), so only a caller's
   * own JVM asks Spark, which loads Spark's and Scala's classes (10-15 ms here) that a command without Spark never
   * needs.
   */
  private static boolean fits(long bytes) {
    return bytes <= HEAP_SHARE * Runtime.getRuntime().maxMemory()
        && (Main.isProgram() || SparkSession.getActiveSession().isEmpty());
  }

  /** A path without a scheme ({@code hdfs:}, {@code s3a:}, {@code file:}, ...): a local file's. */
  static boolean isLocal(String path) {
    return !SCHEME.matcher(path).lookingAt();
  }

  /** The bytes of a {@code .npy} file, or of the stacked members of a folder; -1 for anything else. */
  private static long npyBytes(Path path) throws IOException {
    if (Files.isRegularFile(path) && path.toString().toLowerCase(Locale.ROOT).endsWith(".npy")) {
      return Files.size(path);
    }
    if (!Files.isDirectory(path)) {
      return -1;
    }
    long bytes = 0;
    boolean any = false;
    try (Stream<Path> listing = Files.list(path)) {
      for (Path member : (Iterable<Path>) listing.filter(NpyFileSet::isMember)::iterator) {
        bytes += Files.size(member);
        any = true;
      }
    }
    return any ? bytes : -1;
  }

  /**
   * The default parallelism of a local master ({@code local}: 1, {@code local[N]}: N, {@code local[*]}:
   * the cores; {@code spark.default.parallelism} when set), or 0 for any other master, or none.
   */
  static int localThreads(String master) {
    Matcher m = master == null ? null : LOCAL.matcher(master.strip());
    if (m == null || !m.matches()) {
      return 0;
    }
    String configured = System.getProperty("spark.default.parallelism");
    if (configured != null) {
      return Math.max(1, Integer.parseInt(configured.strip()));
    }
    String n = m.group(1);
    if (n == null) {
      return 1;
    }
    return n.equals("*") ? Runtime.getRuntime().availableProcessors() : Math.max(1, Integer.parseInt(n));
  }
}
