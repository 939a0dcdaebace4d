package org.penrose.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.penrose.factor.PinvFactorization;
import org.penrose.factor.RankCutoff;
import org.penrose.solver.Solver;

/** The JSON report of a command: named fields in order, plus wall times of the phases in seconds. */
final class Report {
  private final Map<String, Object> fields = new LinkedHashMap<>();
  private final Map<String, Double> seconds = new LinkedHashMap<>();

  Report put(String name, Object value) {
    fields.put(name, value);
    return this;
  }

  /** Runs a phase, records its wall time, and prints one progress line. */
  <T> T time(String phase, Callable<T> work) throws Exception {
    long start = System.nanoTime();
    T result = work.call();
    recordSince(phase, start);
    return result;
  }

  /** {@link #time} for work that throws no checked exception (a phase inside another's callback). */
  <T> T timeWithin(String phase, Supplier<T> work) {
    long start = System.nanoTime();
    T result = work.get();
    recordSince(phase, start);
    return result;
  }

  private void recordSince(String phase, long start) {
    double elapsed = (System.nanoTime() - start) / 1e9;
    seconds.merge(phase, elapsed, Double::sum);
    System.out.printf("  %-10s %8.3f s%n", phase, elapsed);
  }

  /** A phase that returns nothing. */
  interface Step {
    void run() throws Exception;
  }

  /** {@link #time} for a phase that returns nothing. */
  void run(String phase, Step work) throws Exception {
    time(phase, () -> {
      work.run();
      return null;
    });
  }

  /** The rank decision of a result for an {@code m x n} matrix: rank, threshold, rtol, atol, singular values. */
  Report putRankDecision(Solver<?, ?> result, RankCutoff cutoff, long m, long n) {
    return putRankDecision(result.rank(), result.threshold(), result.singularValues(), cutoff, m, n);
  }

  /** The same for a factorization computed without a solver object (the in-driver route). */
  Report putRankDecision(PinvFactorization f, RankCutoff cutoff, long m, long n) {
    return putRankDecision(f.rank(), f.threshold(), f.singularValues(), cutoff, m, n);
  }

  private Report putRankDecision(int rank, double threshold, double[] singularValues, RankCutoff cutoff, long m,
      long n) {
    return put("rank", rank).put("threshold", threshold).put("rtol", cutoff.effectiveRtol(m, n))
        .put("atol", cutoff.effectiveAtol()).put("singular_values", singularValues);
  }

  /** Seconds spent in a phase (0 if it did not run). */
  double seconds(String phase) {
    return seconds.getOrDefault(phase, 0.0);
  }

  /** Seconds per phase, in the order they ran. */
  Map<String, Double> seconds() {
    return seconds;
  }

  void write(Path path) throws IOException {
    Map<String, Object> all = new LinkedHashMap<>(fields);
    all.put("seconds", seconds);
    writeJson(path, all);
  }

  /** Writes {@code value} as indented JSON, creating the parent directories. */
  static void writeJson(Path path, Object value) throws IOException {
    Path absolute = path.toAbsolutePath();
    if (absolute.getParent() != null) {
      Files.createDirectories(absolute.getParent());
    }
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(absolute.toFile(), value);
  }
}
