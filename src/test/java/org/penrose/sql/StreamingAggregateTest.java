package org.penrose.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.solver.LeastSquares;
import org.penrose.testing.SparkTestSession;

/**
 * {@code lstsq_agg} over a stream (Structured Streaming, {@code GROUP BY}, complete mode, a
 * checkpoint): the query is stopped after the first files, restarted from its checkpoint when more
 * arrive, and must end with the batch answer over all the rows, which is also compared with the local
 * {@code lstsq} of each group (the independent reference). The answers agree to rounding, not to the
 * bit: the stream merges each micro-batch's partial triangles into the state in arrival order, the
 * batch query in one shuffle's order, and QR merges in another order round differently.
 */
class StreamingAggregateTest extends SparkTestSession {
  private static final int FEATURES = 3;
  private static final int ROWS_PER_FILE = 400;
  private static final StructType SCHEMA = new StructType().add("g", "int").add("x1", "double").add("x2", "double")
      .add("x3", "double").add("y", "double");
  private static final String QUERY = "SELECT g, lstsq_agg(array(x1, x2, x3), y) AS fit FROM observations GROUP BY g";

  /** The latest complete-mode result of each query, by group (written by foreachBatch on the driver). */
  private static final Map<Integer, Row> LATEST = new ConcurrentHashMap<>();

  @TempDir Path dir;

  @Override
  protected void configure(SparkSession.Builder builder) {
    builder.config("spark.sql.extensions", PenroseExtensions.class.getName());
  }

  /** Writes one CSV file of rows for groups 0 and 1 (group 1 rank-deficient: x3 = x1 - x2); returns its rows. */
  private List<double[]> writeFile(Path input, int index, Random random) throws IOException {
    List<double[]> rows = new ArrayList<>();
    StringBuilder csv = new StringBuilder();
    for (int i = 0; i < ROWS_PER_FILE; i++) {
      int g = i % 2;
      double x1 = random.nextGaussian(), x2 = random.nextGaussian();
      double x3 = g == 1 ? x1 - x2 : random.nextGaussian();
      double y = 2 * x1 - x2 + 0.5 * x3 + 0.1 * random.nextGaussian();
      rows.add(new double[] {g, x1, x2, x3, y});
      csv.append(g).append(',').append(x1).append(',').append(x2).append(',').append(x3).append(',').append(y)
          .append('\n');
    }
    Path tmp = dir.resolve("part-" + index + ".tmp");
    Files.writeString(tmp, csv);
    Files.move(tmp, input.resolve("part-" + index + ".csv")); // appears whole, as a file source expects
    return rows;
  }

  private StreamingQuery start(Path input, Path checkpoint, Trigger trigger) throws Exception {
    Dataset<Row> stream = spark.readStream().schema(SCHEMA).option("maxFilesPerTrigger", 1).csv(input.toString());
    stream.createOrReplaceTempView("observations");
    VoidFunction2<Dataset<Row>, Long> keep = (batch, id) -> {
      for (Row r : batch.collectAsList()) {
        LATEST.put(r.getInt(0), r.getStruct(1));
      }
    };
    return spark.sql(QUERY).writeStream().outputMode("complete").option("checkpointLocation", checkpoint.toString())
        .trigger(trigger).foreachBatch(keep).start();
  }

  @Test
  void restartedFromItsCheckpointTheStreamEndsWithTheBatchAnswer() throws Exception {
    Path input = Files.createDirectories(dir.resolve("input"));
    Path checkpoint = dir.resolve("checkpoint");
    Random random = new Random(17);
    List<double[]> all = new ArrayList<>();
    all.addAll(writeFile(input, 0, random));
    all.addAll(writeFile(input, 1, random));
    // the first run sees two files (one micro-batch each) and stops
    StreamingQuery first = start(input, checkpoint, Trigger.AvailableNow());
    first.awaitTermination();
    assertEquals(2 * ROWS_PER_FILE / 2, LATEST.get(0).getLong(4), "rows of group 0 after the first run");
    // more data arrives while no query runs; a new query on the same checkpoint resumes with the state
    all.addAll(writeFile(input, 2, random));
    all.addAll(writeFile(input, 3, random));
    LATEST.clear();
    StreamingQuery second = start(input, checkpoint, Trigger.ProcessingTime(0));
    second.processAllAvailable();
    second.stop();
    long resumedRows = java.util.Arrays.stream(second.recentProgress()).mapToLong(p -> p.numInputRows()).sum();
    assertEquals(2L * ROWS_PER_FILE, resumedRows, "the second run read only the two new files");

    Dataset<Row> batch = spark.read().schema(SCHEMA).csv(input.toString());
    batch.createOrReplaceTempView("observations");
    Map<Integer, Row> batchFits = new TreeMap<>();
    for (Row r : spark.sql(QUERY).collectAsList()) {
      batchFits.put(r.getInt(0), r.getStruct(1));
    }
    assertEquals(2, batchFits.size());
    for (int g = 0; g < 2; g++) {
      Row streamed = LATEST.get(g), batched = batchFits.get(g);
      assertEquals(4L * ROWS_PER_FILE / 2, streamed.getLong(4), "group " + g + ": every row counted once");
      assertEquals(batched.getLong(4), streamed.getLong(4));
      assertEquals(batched.getInt(1), streamed.getInt(1), "rank");
      double[] s = coefficients(streamed), b = coefficients(batched);
      LeastSquares local = reference(all, g);
      double[] x = local.solution().values();
      double worst = 0, bits = 0;
      for (int j = 0; j < FEATURES; j++) {
        worst = Math.max(worst, Math.abs(s[j] - x[j]) / Math.abs(x[j]));
        bits = Math.max(bits, Math.abs(s[j] - b[j]) / Math.abs(b[j]));
      }
      System.out.printf("group %d: streamed vs local lstsq %.1e, streamed vs batch %.1e (relative), rank %d%n", g,
          worst, bits, streamed.getInt(1));
      assertEquals(local.rank(), streamed.getInt(1));
      assertEquals(g == 0 ? 3 : 2, streamed.getInt(1));
      // both are backward-stable QR solutions of the same 800 x 3 problem (condition number below 10)
      assertTrue(worst <= 1e-13, "streamed vs local lstsq: " + worst);
      assertTrue(bits <= 1e-13, "streamed vs batch: " + bits);
      assertEquals(local.residualSumOfSquares()[0], streamed.getDouble(3), 1e-12 * streamed.getDouble(3));
    }
  }

  private static double[] coefficients(Row fit) {
    List<Object> values = fit.getList(0);
    double[] out = new double[values.size()];
    for (int j = 0; j < out.length; j++) {
      out[j] = (Double) values.get(j);
    }
    return out;
  }

  private static LeastSquares reference(List<double[]> rows, int g) {
    List<double[]> mine = rows.stream().filter(r -> r[0] == g).toList();
    DoubleMatrix a = DoubleMatrix.zeros(mine.size(), FEATURES);
    DoubleMatrix y = DoubleMatrix.zeros(mine.size(), 1);
    for (int i = 0; i < mine.size(); i++) {
      for (int j = 0; j < FEATURES; j++) {
        a.set(i, j, mine.get(i)[1 + j]);
      }
      y.set(i, 0, mine.get(i)[4]);
    }
    return LeastSquares.solve(a, y);
  }
}
