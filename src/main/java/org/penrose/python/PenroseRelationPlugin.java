package org.penrose.python;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.connect.planner.SparkConnectPlanner;
import org.apache.spark.sql.connect.plugin.RelationPlugin;
import org.penrose.matrix.InvalidInputException;
import org.penrose.ml.LeastSquaresRegressionModel;

/**
 * {@code penrose.linalg} over Spark Connect: a relation extension ({@code Relation.extension}, a
 * {@code google.protobuf.Any}) holding a {@code google.protobuf.StringValue} whose text is
 * {@code penrose.linalg:} and a {@link LinalgCall} request becomes that call's result row, and one
 * naming a fitted {@link LeastSquaresRegressionModel} of the session ({@code {"op": "model_summary",
 * "model": id}}) its summary row. Other extensions are left to their plugins. Installed on the server by
 * {@code spark.connect.extensions.relation.classes=org.penrose.python.PenroseRelationPlugin}
 * ({@code jobs/penrose connect-server} sets it).
 *
 * <p>Connect relays the extension as bytes (its protobuf classes are shaded), so the two wire
 * formats are read here: {@code Any = {1: type_url, 2: value}} and {@code StringValue = {1: value}}.
 */
public final class PenroseRelationPlugin implements RelationPlugin {
  /** What starts the text of a Penrose request. */
  public static final String MARKER = "penrose.linalg:";
  private static final String STRING_VALUE = "type.googleapis.com/google.protobuf.StringValue";

  @Override
  public Optional<LogicalPlan> transform(byte[] relation, SparkConnectPlanner planner) {
    String text = requestIn(relation);
    if (text == null) {
      return Optional.empty();
    }
    String request = text.substring(MARKER.length());
    String model = modelSummaryOf(request);
    try {
      Dataset<Row> result = model != null ? summary(planner, model) : LinalgCall.run(planner.session(), request);
      return Optional.of(((org.apache.spark.sql.classic.Dataset<Row>) result).logicalPlan());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The model reference of a {@code {"op": "model_summary", "model": id}} request, else null. */
  private static String modelSummaryOf(String request) {
    try {
      JsonNode json = new ObjectMapper().readTree(request);
      return "model_summary".equals(json.path("op").asText()) ? json.path("model").asText() : null;
    } catch (IOException e) {
      return null; // LinalgCall reports the malformed request
    }
  }

  /**
   * A fitted {@link LeastSquaresRegressionModel}'s summary row: the model is the one the Connect
   * session holds under that reference ({@code pyspark.ml} reaches a third-party model's fields by no
   * other route: its method calls are limited to Spark's own models').
   */
  private static Dataset<Row> summary(SparkConnectPlanner planner, String reference) {
    Object model = planner.sessionHolder().mlCache().get(reference);
    if (!(model instanceof LeastSquaresRegressionModel)) {
      throw new InvalidInputException("no LeastSquaresRegressionModel " + reference + " in this session");
    }
    return ((LeastSquaresRegressionModel) model).summaryData(planner.session());
  }

  /** The request in a serialized {@code Any}, or null when it is not a Penrose request. */
  static String requestIn(byte[] any) {
    byte[][] fields = lengthDelimited(any, 2);
    if (fields == null || fields[0] == null || fields[1] == null
        || !STRING_VALUE.equals(new String(fields[0], StandardCharsets.UTF_8))) {
      return null;
    }
    byte[][] value = lengthDelimited(fields[1], 1);
    if (value == null || value[0] == null) {
      return null;
    }
    String text = new String(value[0], StandardCharsets.UTF_8);
    return text.startsWith(MARKER) ? text : null;
  }

  /**
   * The length-delimited fields {@code 1..count} of a protobuf message (the last of each number), or
   * null when the bytes hold another wire type or are malformed.
   */
  private static byte[][] lengthDelimited(byte[] message, int count) {
    byte[][] fields = new byte[count][];
    int[] at = {0};
    while (at[0] < message.length) {
      long key = varint(message, at);
      long length = varint(message, at);
      if (key < 0 || (key & 7) != 2 || length < 0 || length > message.length - at[0]) {
        return null;
      }
      int number = (int) (key >>> 3);
      if (number >= 1 && number <= count) {
        fields[number - 1] = Arrays.copyOfRange(message, at[0], at[0] + (int) length);
      }
      at[0] += (int) length;
    }
    return fields;
  }

  private static long varint(byte[] bytes, int[] at) {
    long value = 0;
    for (int shift = 0; shift < 64 && at[0] < bytes.length; shift += 7) {
      byte b = bytes[at[0]++];
      value |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return value;
      }
    }
    return -1;
  }
}
