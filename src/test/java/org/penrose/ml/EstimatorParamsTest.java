package org.penrose.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.penrose.matrix.InvalidInputException;
import org.penrose.testing.SparkTestSession;

/**
 * The estimator's {@code solver} param (as Spark's {@code LinearRegression.solver}) and its params'
 * validators: a bad value is refused whichever way it arrives (setter, {@code ParamMap}, {@code copy},
 * a saved stage), not only through the setters.
 */
class EstimatorParamsTest extends SparkTestSession {
  private static final double[] BETA = {1.5, -2.0, 0.25, 3.0};
  private static final double INTERCEPT = 0.75;
  private Dataset<Row> data;

  @BeforeAll
  void makeData() {
    Random random = new Random(3);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      double[] x = new double[BETA.length];
      double y = INTERCEPT;
      for (int j = 0; j < x.length; j++) {
        x[j] = random.nextGaussian();
        y += BETA[j] * x[j];
      }
      rows.add(RowFactory.create(Vectors.dense(x), y));
    }
    data = spark.createDataFrame(rows, new StructType().add("features", SQLDataTypes.VectorType()).add("label", "double"))
        .repartition(2).cache();
  }

  private static double coefficientError(LeastSquaresFit fit) {
    double worst = Math.abs(fit.intercept() - INTERCEPT);
    for (int j = 0; j < BETA.length; j++) {
      worst = Math.max(worst, Math.abs(fit.coefficients()[j] - BETA[j]));
    }
    return worst;
  }

  @Test
  void eachSolverRecoversAnExactLinearRelation() {
    LeastSquaresFit auto = new LeastSquaresRegression().fit(data).summary();
    LeastSquaresFit tsqr = new LeastSquaresRegression().setSolver("tsqr").fit(data).summary();
    LeastSquaresFit truncated = new LeastSquaresRegression().setSolver("truncated").fit(data).summary();
    assertTrue(coefficientError(auto) < 1e-12, "auto " + coefficientError(auto));
    assertTrue(coefficientError(tsqr) < 1e-12, "tsqr " + coefficientError(tsqr));
    assertTrue(coefficientError(truncated) < 1e-8, "truncated " + coefficientError(truncated));
    assertEquals(BETA.length, truncated.rank());
    // the routes differ in what they report: standard errors come from the TSQR triangle only
    assertNotNull(auto.standardErrors());
    assertNotNull(tsqr.standardErrors());
    assertNull(truncated.standardErrors(), "solver 'truncated' took the truncated route");
  }

  @Test
  void tsqrRefusesAFixedRank() {
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> new LeastSquaresRegression().setSolver("tsqr").setRank(2).fit(data));
    assertTrue(e.getMessage().contains("fixed rank (2) needs the truncated route"), e.getMessage());
  }

  @Test
  void badValuesAreRefusedThroughTheSetters() {
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> new LeastSquaresRegression().setSolver("lsqr"));
    assertEquals("solver must be 'auto', 'tsqr', 'truncated' or 'lsmr', got 'lsqr'", e.getMessage());
  }

  @Test
  void badValuesAreRefusedThroughAParamMapAndCopy() {
    LeastSquaresRegression lsq = new LeastSquaresRegression();
    List<Runnable> attempts = List.of(
        () -> new ParamMap().put(lsq.solver(), "lsqr"),
        () -> new ParamMap().put(lsq.rank(), 0),
        () -> new ParamMap().put(lsq.maxRank(), -1),
        () -> new ParamMap().put(lsq.refinementSteps(), -1),
        () -> new ParamMap().put(lsq.regParam(), -0.5),
        () -> new ParamMap().put(lsq.regParam(), Double.POSITIVE_INFINITY),
        () -> new ParamMap().put(lsq.rtol(), Double.NaN),
        () -> new ParamMap().put(lsq.atol(), -1e-3),
        () -> new ParamMap().put(lsq.regParamSelection(), "cv"),
        () -> new ParamMap().put(lsq.regParamGrid(), new double[0]),
        () -> new ParamMap().put(lsq.regParamGrid(), new double[] {1.0, -1.0}));
    for (Runnable attempt : attempts) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, attempt::run);
      assertTrue(e.getMessage().contains("given invalid value"), e.getMessage());
    }
    // a valid map is taken, and copy keeps it
    LeastSquaresRegression copied = lsq.copy(new ParamMap().put(lsq.solver(), "truncated"));
    assertEquals("truncated", copied.getOrDefault(copied.solver()));
    assertEquals("auto", lsq.getOrDefault(lsq.solver()));
  }

  @Test
  void aSavedStageKeepsItsSolverAndABadOneIsRefusedOnLoad(@TempDir Path dir) throws IOException {
    LeastSquaresRegression lsq = new LeastSquaresRegression().setSolver("truncated").setRank(3);
    lsq.write().overwrite().save(dir.resolve("good").toString());
    LeastSquaresRegression loaded = LeastSquaresRegression.load(dir.resolve("good").toString());
    assertEquals("truncated", loaded.getOrDefault(loaded.solver()));
    assertEquals(3, (Integer) loaded.getOrDefault(loaded.rank()));
    // the same metadata with rank 0 written into it, as a hand-edited or foreign file would have it
    lsq.write().overwrite().save(dir.resolve("bad").toString());
    Path metadata;
    try (Stream<Path> files = Files.list(dir.resolve("bad").resolve("metadata"))) {
      metadata = files.filter(f -> f.getFileName().toString().startsWith("part-")).findFirst().orElseThrow();
    }
    String json = Files.readString(metadata);
    assertTrue(json.contains("\"rank\":3"), json);
    Files.writeString(metadata, json.replace("\"rank\":3", "\"rank\":0"));
    Files.deleteIfExists(metadata.resolveSibling("." + metadata.getFileName() + ".crc")); // Hadoop's checksum
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LeastSquaresRegression.load(dir.resolve("bad").toString()));
    assertTrue(e.getMessage().contains("rank given invalid value 0"), e.getMessage());
  }
}
