package org.penrose.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import org.penrose.engine.ErrorMessages;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * The {@code jobs/penrose} entry point: {@code penrose <command> [options]}. Errors print one line,
 * {@code penrose: error: ...}, and exit with status 1 (2 for bad usage), without Spark's own log lines
 * about the failed task ({@link SparkJob#quietTaskErrors}); {@code --verbose} adds the stack trace and
 * keeps those lines.
 */
@Command(
    name = "penrose",
    mixinStandardHelpOptions = true,
    version = "Penrose 0.1.0",
    description = "Pseudo-inverse and minimum-norm least squares of tall matrices, with exact derivatives.")
public final class Main implements Runnable {
  /** The commands, in the order of the help's list. */
  private static final List<Class<?>> COMMANDS = List.of(DemoCommand.class, PinvCommand.class, LstsqCommand.class,
      SvdCommand.class, RegressCommand.class, GenerateCommand.class, SqlCommand.class, ConnectServerCommand.class,
      BenchCommand.class, SqlBenchCommand.class, VarproCommand.class, CommandLine.HelpCommand.class);

  @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT, description = "Print stack traces of errors.")
  boolean verbose;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command (try: penrose demo)");
  }

  /** Builds the command line with every command and Penrose's error handling. */
  public static CommandLine commandLine() {
    return commandLine(COMMANDS);
  }

  /**
   * The command line for {@code args}: with only the command they name when they name one (picocli reflects on each
   * command it is given, which took about a third of its start-up), else with every command (for help, an unknown
   * name's suggestions, a missing command's error).
   */
  static CommandLine commandLineFor(String[] args) {
    for (String arg : args) {
      if (arg.startsWith("-")) { // --verbose, --help, --version: the root's options come before the command
        continue;
      }
      for (Class<?> command : COMMANDS) {
        Command named = command.getAnnotation(Command.class);
        if (named.name().equals(arg) && command != CommandLine.HelpCommand.class) {
          return commandLine(List.of(command));
        }
      }
      break;
    }
    return commandLine(COMMANDS);
  }

  private static CommandLine commandLine(List<Class<?>> commands) {
    CommandLine cl = new CommandLine(new Main());
    for (Class<?> command : commands) {
      cl.addSubcommand(command);
    }
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

  /** One line for an error ({@link ErrorMessages#oneLine}). */
  static String describe(Throwable e) {
    return ErrorMessages.oneLine(e);
  }

  /** True in a JVM whose program is this command line ({@link #main}): one command, no Spark session before it. */
  private static volatile boolean program;

  /** Whether this JVM was started for one command ({@link #main}), not a caller's own (a notebook's, a test's). */
  static boolean isProgram() {
    return program;
  }

  public static void main(String[] args) {
    program = true;
    // the error is reported once, below, not also in Spark's task logs (set up as Spark starts: log4j's
    // start-up, 0.3 s, is not paid by a command that runs without Spark)
    SparkJob.quietTaskErrors(!Arrays.asList(args).contains("--verbose"));
    int status = commandLineFor(args).execute(args);
    System.exit(status);
  }
}
