package org.penrose.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs shell commands from the project root as a user would, through {@code jobs/penrose} on the
 * packaged jar (the integration-test phase, after {@code package}), with stderr to a file, not a
 * terminal, and without the test JVM's {@code SPARK_HOME} (a stub for local-cluster tests).
 */
final class Launcher {
  private Launcher() {}

  /** Exit status, stdout and stderr of one run. */
  record Result(int status, String out, String err) {
    List<String> errLines() {
      return err.lines().toList();
    }
  }

  static Path root() {
    return Path.of(System.getProperty("user.dir"));
  }

  /** Runs {@code script} with {@code bash -eo pipefail}, in the project root; fails after {@code timeoutMinutes}. */
  static Result bash(String script, Path scratch, int timeoutMinutes) throws IOException, InterruptedException {
    Path out = Files.createTempFile(scratch, "stdout", ".txt");
    Path err = Files.createTempFile(scratch, "stderr", ".txt");
    ProcessBuilder builder = new ProcessBuilder("bash", "-eo", "pipefail", "-c", script)
        .directory(root().toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectOutput(out.toFile())
        .redirectError(err.toFile());
    builder.environment().remove("SPARK_HOME");
    builder.environment().remove("PENROSE_BLAS");
    Process process = builder.start();
    if (!process.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      throw new AssertionError("timed out after " + timeoutMinutes + " min: " + script);
    }
    return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  /** Runs {@code jobs/penrose} with the given arguments (each quoted for the shell). */
  static Result penrose(Path scratch, String... args) throws IOException, InterruptedException {
    StringBuilder script = new StringBuilder("jobs/penrose");
    for (String arg : args) {
      script.append(" '").append(arg.replace("'", "'\\''")).append('\'');
    }
    return bash(script.toString(), scratch, 5);
  }
}
