package org.penrose.engine;

import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.concurrent.ExecutionException;
import org.apache.spark.SparkException;

/**
 * One line for an error, in API terms, as every entry point reports it (the command line, which then
 * names its flags instead, and the Python package): the message of the exception that says what went
 * wrong, looking through the wrappers that add nothing for the user (a failure inside a Spark task
 * arrives as "Job aborted due to stage failure ..." around the task's own exception; other wrappers
 * have no message of their own).
 */
public final class ErrorMessages {
  private ErrorMessages() {}

  /** The exception that says what went wrong: {@code e} without its wrappers. */
  public static Throwable cause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t && isWrapper(t)) {
      t = t.getCause();
    }
    return t;
  }

  /** The first line of {@link #cause}'s message, with a few Java exceptions named in plain words. */
  public static String oneLine(Throwable e) {
    Throwable t = cause(e);
    if (t instanceof NoSuchFileException) {
      return "no such file: " + t.getMessage();
    }
    if (t instanceof AccessDeniedException) {
      return "permission denied: " + t.getMessage();
    }
    if (t instanceof FileAlreadyExistsException) { // a folder to make, or a new file, where a file is
      return "already exists and is not a folder: " + t.getMessage();
    }
    if (t instanceof NotDirectoryException) {
      return "not a folder: " + t.getMessage();
    }
    if (t instanceof OutOfMemoryError) {
      return "out of memory (" + t.getMessage() + "); give the driver more memory (spark.driver.memory)";
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
}
