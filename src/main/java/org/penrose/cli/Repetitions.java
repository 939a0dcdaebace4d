package org.penrose.cli;

import java.util.Arrays;
import picocli.CommandLine.Option;

/** {@code --repeat N} for the benchmarks: each measurement runs N times and the median is reported. */
final class Repetitions {
  @Option(names = "--repeat", defaultValue = "3",
      description = "Runs of each measurement; the median is reported (default ${DEFAULT-VALUE}).")
  int repeat;

  /** A measured piece of work. */
  interface Work<T> {
    T run() throws Exception;
  }

  /** The wall times of the runs and the last run's result. */
  record Timing<T>(double[] seconds, T result) {
    double median() {
      double[] sorted = seconds.clone();
      Arrays.sort(sorted);
      return sorted[sorted.length / 2];
    }

    /** The runs, e.g. {@code " 1.52 1.48 1.61"}. */
    String runs() {
      StringBuilder all = new StringBuilder();
      for (double r : seconds) {
        all.append(String.format(" %.2f", r));
      }
      return all.toString();
    }
  }

  /** Runs {@code work} {@code --repeat} times (at least once). */
  <T> Timing<T> time(Work<T> work) throws Exception {
    double[] runs = new double[Math.max(1, repeat)];
    T result = null;
    for (int i = 0; i < runs.length; i++) {
      long start = System.nanoTime();
      result = work.run();
      runs[i] = (System.nanoTime() - start) / 1e9;
    }
    return new Timing<>(runs, result);
  }
}
