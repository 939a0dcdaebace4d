package org.penrose.python;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.penrose.engine.ErrorMessages;
import org.penrose.io.MissingPathException;

/**
 * What the Python package ({@code python/penrose}) calls through Py4J on a classic session: one
 * {@code penrose.linalg} call ({@link LinalgCall}, the same request Spark Connect carries to
 * {@link PenroseRelationPlugin}), and an error as Python raises it.
 */
public final class PythonBridge {
  private PythonBridge() {}

  /** One {@code penrose.linalg} call: a JSON request in, one result row out, m-sized results as temporary views. */
  public static Dataset<Row> run(SparkSession spark, String request) throws IOException {
    return LinalgCall.run(spark, request);
  }

  /** One line for an error, as the command line prints it (in API terms). */
  public static String describe(Throwable e) {
    return ErrorMessages.oneLine(e);
  }

  /** What Python raises: {@code "input"} (ValueError), {@code "file"} (FileNotFoundError) or {@code "runtime"}. */
  public static String kind(Throwable e) {
    Throwable t = ErrorMessages.cause(e);
    if (t instanceof NoSuchFileException || t instanceof FileNotFoundException || t instanceof MissingPathException) {
      return "file";
    }
    return t instanceof IllegalArgumentException ? "input" : "runtime";
  }
}
