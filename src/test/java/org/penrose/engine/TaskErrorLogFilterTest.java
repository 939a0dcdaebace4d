package org.penrose.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.Filter.Result;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.SimpleMessage;
import org.junit.jupiter.api.Test;
import org.penrose.io.MatrixFormatException;
import org.penrose.matrix.InvalidInputException;

/** Which of Spark's task-failure lines the command line drops, and which it keeps. */
class TaskErrorLogFilterTest {
  private static LogEvent event(String logger, Level level, String message, Throwable thrown) {
    return Log4jLogEvent.newBuilder().setLoggerName(logger).setLevel(level)
        .setMessage(new SimpleMessage(message)).setThrown(thrown).build();
  }

  /** An exception as if thrown by the named class (its top stack frame). */
  private static <T extends Throwable> T thrownBy(T t, String className) {
    t.setStackTrace(new StackTraceElement[] {
        new StackTraceElement(className, "read", "X.java", 1),
        new StackTraceElement("org.apache.spark.executor.Executor$TaskRunner", "run", "Executor.scala", 897)});
    return t;
  }

  private static String trace(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    return w.toString();
  }

  @Test
  void aPenroseValidationErrorInATaskLeavesNoSparkLines() {
    TaskErrorLogFilter filter = new TaskErrorLogFilter();
    MatrixFormatException bad = thrownBy(new MatrixFormatException("A.npy: row 3 has a non-finite value NaN in column 2"),
        "org.penrose.io.NpyFileSet");
    String spark = "org.apache.spark.";
    assertEquals(Result.DENY, filter.filter(event(spark + "storage.BlockManager", Level.WARN,
        "Putting block rdd_1_0 failed due to exception " + bad + ".", null)));
    assertEquals(Result.DENY, filter.filter(event(spark + "storage.BlockManager", Level.WARN,
        "Block rdd_1_0 could not be removed as it was not found on disk or in memory", null)));
    assertEquals(Result.DENY, filter.filter(event(spark + "executor.Executor", Level.ERROR,
        "Exception in task 0.0 in stage 4.0 (TID 7)", bad)));
    assertEquals(Result.DENY, filter.filter(event(spark + "scheduler.TaskSetManager", Level.WARN,
        "Lost task 0.0 in stage 4.0 (TID 7) (localhost executor driver): " + trace(bad), null)));
    assertEquals(Result.DENY, filter.filter(event(spark + "scheduler.TaskSetManager", Level.WARN,
        "Lost task 1.0 in stage 4.0 (TID 8) (localhost executor driver): TaskKilled (Stage cancelled: Job aborted)", null)));
    assertEquals(Result.DENY, filter.filter(event(spark + "scheduler.TaskSetManager", Level.ERROR,
        "Task 0 in stage 4.0 failed 1 times; aborting job", null)));
    // another stage's abort is not ours to hide
    assertEquals(Result.NEUTRAL, filter.filter(event(spark + "scheduler.TaskSetManager", Level.ERROR,
        "Task 0 in stage 5.0 failed 4 times; aborting job", null)));
  }

  @Test
  void aClusterSchedulerLineIsRecognizedFromItsTextAlone() {
    TaskErrorLogFilter filter = new TaskErrorLogFilter();
    IllegalArgumentException wrapped = thrownBy(new InvalidInputException("shape mismatch: B has 4 rows but A has 3"),
        "org.penrose.engine.RowBlockMatrix");
    RuntimeException outer = thrownBy(new RuntimeException("while reading", wrapped), "org.apache.spark.rdd.RDD");
    assertEquals(Result.DENY, filter.filter(event("org.apache.spark.scheduler.TaskSetManager", Level.WARN,
        "Lost task 2.3 in stage 1.0 (TID 9) (10.0.0.5 executor 2): " + trace(outer), null)));
    assertEquals(Result.DENY, filter.filter(event("org.apache.spark.scheduler.TaskSetManager", Level.ERROR,
        "Task 2 in stage 1.0 failed 4 times; aborting job", null)));
  }

  @Test
  void crashesAndOtherCodesFailuresStayVisible() {
    TaskErrorLogFilter filter = new TaskErrorLogFilter();
    String executor = "org.apache.spark.executor.Executor", manager = "org.apache.spark.scheduler.TaskSetManager";
    OutOfMemoryError oom = thrownBy(new OutOfMemoryError("Java heap space"), "org.penrose.matrix.DoubleMatrix");
    assertEquals(Result.NEUTRAL, filter.filter(event(executor, Level.ERROR, "Exception in task 0.0 in stage 2.0 (TID 3)", oom)));
    assertEquals(Result.NEUTRAL, filter.filter(event(manager, Level.WARN,
        "Lost task 0.0 in stage 2.0 (TID 3) (localhost executor driver): " + trace(oom), null)));
    NullPointerException bug = thrownBy(new NullPointerException("x is null"), "org.penrose.engine.Tsqr");
    assertEquals(Result.NEUTRAL, filter.filter(event(executor, Level.ERROR, "Exception in task 0.0 in stage 3.0 (TID 4)", bug)));
    IllegalArgumentException sparks = thrownBy(new IllegalArgumentException("requirement failed"), "scala.Predef$");
    assertEquals(Result.NEUTRAL, filter.filter(event(executor, Level.ERROR, "Exception in task 0.0 in stage 3.0 (TID 5)", sparks)));
    assertEquals(Result.NEUTRAL, filter.filter(event(manager, Level.WARN,
        "Lost task 0.0 in stage 3.0 (TID 5) (localhost executor driver): " + trace(sparks), null)));
    assertEquals(Result.NEUTRAL, filter.filter(event(manager, Level.ERROR, "Task 0 in stage 3.0 failed 1 times; aborting job", null)));
    assertEquals(Result.NEUTRAL, filter.filter(event("org.apache.spark.scheduler.TaskSchedulerImpl", Level.ERROR,
        "Lost executor 1 on 10.0.0.5: worker lost", null)));
    // Penrose's own loggers are never touched
    assertEquals(Result.NEUTRAL, filter.filter(event("org.penrose.engine.Tsqr", Level.WARN, "Lost task 0.0", null)));
  }

  @Test
  void theRuleOnTextsAndThrowablesAgree() {
    MatrixFormatException bad = thrownBy(new MatrixFormatException("corrupt"), "org.penrose.io.NpyHeader");
    assertTrue(TaskErrorLogFilter.isInputError(bad));
    assertTrue(TaskErrorLogFilter.isInputErrorText(trace(bad)));
    InvalidInputException nan = thrownBy(new InvalidInputException("A has a non-finite value NaN at row 3, column 2"),
        "org.penrose.engine.RowBlock");
    RuntimeException wrapped = thrownBy(new RuntimeException("in a task", nan), "org.apache.spark.rdd.RDD");
    assertTrue(TaskErrorLogFilter.isInputError(wrapped));
    assertTrue(TaskErrorLogFilter.isInputErrorText(trace(wrapped)));
  }

  /** What is not a user's bad input keeps its lines: I/O, disk, fetch and broadcast failures, Penrose's own invariants. */
  @Test
  void faultsAreNotBadInput() {
    java.util.List<Throwable> faults = java.util.List.of(
        thrownBy(new java.io.EOFException("truncated"), "org.apache.hadoop.fs.FSInputChecker"),
        thrownBy(new java.io.IOException("No space left on device"), "org.apache.spark.storage.DiskBlockObjectWriter"),
        thrownBy(new java.io.IOException("Failed to connect to /10.0.0.5:40123"),
            "org.apache.spark.network.client.TransportClientFactory"),
        thrownBy(new RuntimeException("Failed to get broadcast_3_piece0 of broadcast_3",
            thrownBy(new java.io.IOException("block not found"), "org.apache.spark.storage.BlockManager")),
            "org.apache.spark.broadcast.TorrentBroadcast"),
        thrownBy(new java.io.UncheckedIOException(new java.io.IOException("read failed")),
            "org.penrose.io.NpyFile"),
        thrownBy(new IllegalStateException("partition 3 produced 2 items, expected 1"),
            "org.penrose.engine.DeterministicReduce"),
        thrownBy(new IllegalArgumentException("shape mismatch in product: 3 x 4 times 5 x 2"),
            "org.penrose.matrix.Lapack"),
        thrownBy(new ArithmeticException("dgesdd did not converge (info = 3)"), "org.penrose.matrix.Lapack"),
        thrownBy(new IllegalStateException("x"), "org.apache.spark.SparkContext"));
    for (Throwable fault : faults) {
      assertFalse(TaskErrorLogFilter.isInputError(fault), fault.toString());
      assertFalse(TaskErrorLogFilter.isInputErrorText(trace(fault)), fault.toString());
      TaskErrorLogFilter filter = new TaskErrorLogFilter();
      assertEquals(Result.NEUTRAL, filter.filter(event("org.apache.spark.executor.Executor", Level.ERROR,
          "Exception in task 0.0 in stage 3.0 (TID 5)", fault)), fault.toString());
      assertEquals(Result.NEUTRAL, filter.filter(event("org.apache.spark.scheduler.TaskSetManager", Level.WARN,
          "Lost task 0.0 in stage 3.0 (TID 5) (localhost executor driver): " + trace(fault), null)), fault.toString());
    }
  }
}
