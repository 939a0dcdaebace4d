package org.penrose.cli;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import org.apache.spark.SparkException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * The {@code jobs/penrose} entry point: {@code penrose <command> [options]}. Errors print one line,
 * {@code penrose: error: ...}, and exit with status 1 (2 for bad usage), without Spark's own log lines
 * about the failed task ({@link TaskErrorLogFilter}); {@code --verbose} adds the stack trace and
 * keeps those lines.
 */
@Command(
    name = "penrose",
    mixinStandardHelpOptions = true,
    version = "Penrose 0.1.0",
    description = "Pseudo-inverse and minimum-norm least squares of tall matrices, with exact derivatives.",
    subcommands = {DemoCommand.class, PinvCommand.class, LstsqCommand.class, SvdCommand.class, RegressCommand.class,
        GenerateCommand.class, SqlCommand.class, BenchCommand.class, SqlBenchCommand.class, VarproCommand.class,
        CommandLine.HelpCommand.class})
public final class Main implements Runnable {

  @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT, description = "Print stack traces of errors.")
  boolean verbose;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command (try: penrose demo)");
  }

  /** Builds the command line with Penrose's error handling. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      PrintWriter err = commandLine.getErr();
      Main main = commandLine.getCommandSpec().root().userObject() instanceof Main
          ? (Main) commandLine.getCommandSpec().root().userObject() : null;
      System.out.flush(); // what the command printed comes first in a combined log
      err.println("penrose: error: " + CommandLineTerms.inFlags(describe(e)));
      if (main != null && main.verbose) {
        e.printStackTrace(err);
      }
      err.flush();
      return 1;
    });
    return cl;
  }

  /**
   * One line for an error: its message, looking through wrappers that add nothing for the user (a
   * failure inside a Spark task arrives as "Job aborted due to stage failure ..." around the task's
   * own exception; other wrappers have no message of their own).
   */
  static String describe(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t && isWrapper(t)) {
      t = t.getCause();
    }
    if (t instanceof NoSuchFileException) {
      return "no such file: " + t.getMessage();
    }
    if (t instanceof AccessDeniedException) {
      return "permission denied: " + t.getMessage();
    }
    if (t instanceof OutOfMemoryError) {
      return "out of memory (" + t.getMessage() + "); give the driver more memory (--driver-memory)";
    }
    String message = t.getMessage();
    return message == null || message.isBlank() ? t.getClass().getSimpleName()
        : message.strip().lines().findFirst().orElse("");
  }

  private static boolean isWrapper(Throwable t) {
    String message = t.getMessage();
    return message == null || message.isBlank()
        || t instanceof SparkException && message.startsWith("Job aborted")
        || t instanceof UncheckedIOException
        || t instanceof ExecutionException
        || t instanceof InvocationTargetException
        || (t.getCause() != null && message.equals(t.getCause().toString()));
  }

  public static void main(String[] args) {
    if (!Arrays.asList(args).contains("--verbose")) {
      TaskErrorLogFilter.install(); // the error is reported once, below, not also in Spark's task logs
    }
    int status = commandLine().execute(args);
    System.exit(status);
  }
}
