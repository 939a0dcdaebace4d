package org.penrose.engine;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.filter.AbstractFilter;
import org.apache.logging.log4j.core.filter.AbstractFilterable;
import org.penrose.io.MatrixFormatException;
import org.penrose.matrix.InvalidInputException;

/**
 * Drops Spark's log lines about a task that failed on bad input, which the caller reports itself as
 * one line (the command line's {@code penrose: error: row 3 has a non-finite value ...}, the Python
 * package's exception): the executor's
 * {@code Exception in task ...} with its stack trace, the scheduler's {@code Lost task ...} and
 * {@code Task N in stage S failed ...; aborting job}, the kills of the stage's other tasks, and the
 * block manager's notes about the cached block the task could not finish.
 *
 * <p>Bad input is what Penrose's validation throws, {@link InvalidInputException} (and its
 * {@link MatrixFormatException}), anywhere in the cause chain. Anything else keeps Spark's lines: an
 * {@link Error} (OutOfMemoryError), a lost executor, I/O, disk, shuffle-fetch or broadcast failures
 * (Spark's, Hadoop's or Penrose's own {@code IOException}s), Penrose's internal invariants
 * ({@link IllegalStateException}, {@link ArithmeticException} from a kernel), a bug
 * ({@code NullPointerException}, ...). Installed by the command line (not with {@code --verbose}) and,
 * when a session sets {@link #SETTING} (the Python package's {@code penrose.configure} does), by the
 * SQL extension as the session starts.
 */
public final class TaskErrorLogFilter extends AbstractFilter {
  private static final Pattern EXCEPTION_IN_TASK =
      Pattern.compile("Exception in task [0-9.]+ in stage ([0-9.]+) \\(TID \\d+\\)");
  private static final Pattern LOST_TASK =
      Pattern.compile("Lost task [0-9.]+ in stage ([0-9.]+) \\(TID \\d+\\) \\([^)]*\\): (.*)", Pattern.DOTALL);
  private static final Pattern ABORTING = Pattern.compile("Task \\d+ in stage ([0-9.]+) failed \\d+ times?; aborting "
      + "job");
  private static final Pattern EXCEPTION_LINE =
      Pattern.compile("^(?:Caused by: )?([A-Za-z_$][\\w$.]*(?:Exception|Error))(?::.*)?$", Pattern.MULTILINE);
  /** {@link InvalidInputException} and its subclasses, by name (a scheduler message has the trace as text). */
  private static final Set<String> INPUT_ERRORS =
      Set.of(InvalidInputException.class.getName(), MatrixFormatException.class.getName());

  /** Stages ({@code "3.0"}) whose failure was bad input: their kills and abort lines go too. */
  private final Set<String> failedOnInput = ConcurrentHashMap.newKeySet();

  /** The Spark setting that asks the session extension to install the filter. */
  public static final String SETTING = "spark.penrose.quietInputErrors";

  private static boolean installed;

  /**
   * Adds the filter to every appender of the current log4j configuration, once per JVM; no-op without
   * log4j-core.
   */
  public static synchronized void install() {
    if (installed || !(LogManager.getContext(false) instanceof LoggerContext context)) {
      return;
    }
    installed = true;
    TaskErrorLogFilter filter = new TaskErrorLogFilter();
    filter.start();
    for (Appender appender : context.getConfiguration().getAppenders().values()) {
      if (appender instanceof AbstractFilterable filterable) {
        filterable.addFilter(filter);
      }
    }
  }

  @Override
  public Result filter(LogEvent event) {
    String logger = event.getLoggerName();
    if (logger == null || !logger.startsWith("org.apache.spark.")) {
      return Result.NEUTRAL;
    }
    String message = event.getMessage() == null ? "" : event.getMessage().getFormattedMessage();
    if (logger.endsWith(".BlockManager") && (message.startsWith("Putting block ")
        && message.contains(" failed due to exception ")
        || message.endsWith(" could not be removed as it was not found on disk or in memory"))) {
      return Result.DENY; // a cached block whose task failed: the failure itself is reported
    }
    Throwable thrown = event.getThrown();
    if (thrown != null) {
      if (!isInputError(thrown)) {
        return Result.NEUTRAL;
      }
      Matcher task = EXCEPTION_IN_TASK.matcher(message);
      if (task.lookingAt()) {
        failedOnInput.add(task.group(1));
      }
      return Result.DENY;
    }
    Matcher lost = LOST_TASK.matcher(message);
    if (lost.lookingAt()) {
      String stage = lost.group(1), reason = lost.group(2);
      if (isInputErrorText(reason)) {
        failedOnInput.add(stage);
        return Result.DENY;
      }
      return reason.startsWith("TaskKilled") && failedOnInput.contains(stage) ? Result.DENY : Result.NEUTRAL;
    }
    Matcher aborting = ABORTING.matcher(message);
    return aborting.lookingAt() && failedOnInput.contains(aborting.group(1)) ? Result.DENY : Result.NEUTRAL;
  }

  /** Whether {@code t} or one of its causes is bad input, by the rule in the class comment. */
  static boolean isInputError(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof Error) {
        return false;
      }
      if (isInputError(c.getClass().getName(), c)) {
        return true;
      }
    }
    return false;
  }

  /** The same rule for an exception written out as text (a stack trace in a scheduler message). */
  static boolean isInputErrorText(String trace) {
    Matcher header = EXCEPTION_LINE.matcher(trace);
    while (header.find()) {
      String className = header.group(1);
      if (className.endsWith("Error") && !className.endsWith("Exception")) {
        return false;
      }
      if (isInputError(className, null)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isInputError(String className, Throwable instance) {
    return instance instanceof InvalidInputException || INPUT_ERRORS.contains(className);
  }
}
