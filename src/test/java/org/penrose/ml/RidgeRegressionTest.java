package org.penrose.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.ml.regression.LinearRegressionModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.solver.PseudoInverse;
import org.penrose.testing.SparkTestSession;

/**
 * Ridge regression against Spark's {@code LinearRegression} (normal solver, elasticNetParam = 0) on
 * the same rows, and its GCV path against a direct computation with the hat matrix.
 */
class RidgeRegressionTest extends org.penrose.testing.SparkTestSession {
  private static final int ROWS = 400;
  private static final double[] SCALES = {1, 10, 0.1, 3};

  /** Features of different scales, a label with noise, positive weights (also the LSMR route's test data). */
  static Dataset<Row> data(SparkSession spark, long seed, boolean weighted) {
    Random random = new Random(seed);
    List<Row> rows = new ArrayList<>();
    double[] beta = {1.5, -0.2, 4, 0.7};
    for (int i = 0; i < ROWS; i++) {
      double[] x = new double[SCALES.length];
      double y = 2.5;
      for (int j = 0; j < x.length; j++) {
        x[j] = SCALES[j] * random.nextGaussian() + (j == 1 ? 5 : 0);
        y += beta[j] * x[j];
      }
      y += 0.5 * random.nextGaussian();
      rows.add(RowFactory.create(Vectors.dense(x), y, weighted ? 0.5 + random.nextDouble() : 1.0));
    }
    StructType schema = new StructType().add("features", new VectorUDT()).add("label", DataTypes.DoubleType)
        .add("w", DataTypes.DoubleType);
    return spark.createDataFrame(rows, schema).repartition(3);
  }

  /** Spark's coefficients and intercept within 1e-8 of the largest (the intercept: of max(1, |it|)). */
  static void assertSameFit(LinearRegressionModel spark, LeastSquaresRegressionModel penrose) {
    double[] expected = spark.coefficients().toArray();
    double[] actual = penrose.coefficients().toArray();
    double scale = 0;
    for (double v : expected) {
      scale = Math.max(scale, Math.abs(v));
    }
    for (int j = 0; j < expected.length; j++) {
      assertEquals(expected[j], actual[j], 1e-8 * scale, "coefficient " + j);
    }
    assertEquals(spark.intercept(), penrose.intercept(), 1e-8 * Math.max(1, Math.abs(spark.intercept())));
  }

  @ParameterizedTest(name = "regParam {0}, standardization {1}, intercept {2}, weighted {3}")
  @CsvSource({
    "0.01, true, true, false", "0.1, true, true, true", "1.0, true, true, false", "5.0, true, true, true",
    "0.01, false, true, false", "0.1, false, true, true", "1.0, false, true, true",
    "0.1, true, false, false", "1.0, false, false, true", "0.3, true, false, true"})
  void sameCoefficientsAsSparksNormalSolver(double regParam, boolean standardization, boolean intercept,
      boolean weighted) {
    Dataset<Row> df = data(spark, 7, weighted);
    LinearRegressionModel spark = new LinearRegression().setSolver("normal").setElasticNetParam(0)
        .setRegParam(regParam).setStandardization(standardization).setFitIntercept(intercept).setWeightCol("w").fit(df);
    LeastSquaresRegressionModel penrose = new LeastSquaresRegression().setRegParam(regParam)
        .setStandardization(standardization).setFitIntercept(intercept).setWeightCol("w").fit(df);
    assertSameFit(spark, penrose);
    double[] expected = spark.coefficients().toArray();
    double[] actual = penrose.coefficients().toArray();
    double scale = 0;
    for (double v : expected) {
      scale = Math.max(scale, Math.abs(v));
    }
    assertEquals(regParam, penrose.summary().regParam());
    // the penalty matters at these values: far from least squares compared with the tolerance
    double[] ols = new LeastSquaresRegression().setFitIntercept(intercept).setWeightCol("w").fit(df).coefficients().toArray();
    double shrinkage = 0;
    for (int j = 0; j < ols.length; j++) {
      shrinkage = Math.max(shrinkage, Math.abs(ols[j] - actual[j]));
    }
    System.out.printf("ridge %s: max |penrose - spark| %.1e, max |ridge - ols| %.1e%n", regParam,
        maxDifference(expected, actual), shrinkage);
    assertTrue(shrinkage > 1e-4 * scale, "ridge differs from least squares: " + shrinkage);
    assertTrue(penrose.summary().effectiveDegreesOfFreedom() < SCALES.length + (intercept ? 1 : 0));
  }

  @ParameterizedTest(name = "standardization {0}")
  @CsvSource({"true", "false"})
  void leaveOneOutEqualsRefittingWithoutEachRow(boolean standardization) {
    Random random = new Random(3);
    int m = 60, p = 3;
    List<Row> rows = new ArrayList<>();
    double[][] x = new double[m][p];
    double[] y = new double[m], w = new double[m];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < p; j++) {
        x[i][j] = (j + 1) * random.nextGaussian();
      }
      y[i] = 1 + x[i][0] - 0.5 * x[i][1] + random.nextGaussian();
      w[i] = 0.5 + random.nextDouble();
      rows.add(RowFactory.create(Vectors.dense(x[i]), y[i], w[i]));
    }
    StructType schema = new StructType().add("features", new VectorUDT()).add("label", DataTypes.DoubleType)
        .add("w", DataTypes.DoubleType);
    Dataset<Row> table = spark.createDataFrame(rows, schema).repartition(2);
    double[] grid = {1e-3, 0.03, 0.3, 3};
    LeastSquaresRegressionModel model = new LeastSquaresRegression().setRegParamSelection("loo").setRegParamGrid(grid)
        .setStandardization(standardization).setWeightCol("w").fit(table);
    List<RidgePath.Solution> path = model.summary().regularizationPath();

    // the full data's W, weighted means and population deviations fix mu and S for every refit
    double weightSum = 0;
    double[] mean = new double[p + 1];
    for (int i = 0; i < m; i++) {
      weightSum += w[i];
    }
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < p; j++) {
        mean[j] += w[i] * x[i][j] / weightSum;
      }
      mean[p] += w[i] * y[i] / weightSum;
    }
    double[] variance = new double[p + 1];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < p; j++) {
        variance[j] += w[i] * (x[i][j] - mean[j]) * (x[i][j] - mean[j]) / weightSum;
      }
      variance[p] += w[i] * (y[i] - mean[p]) * (y[i] - mean[p]) / weightSum;
    }
    int best = 0;
    for (int g = 0; g < grid.length; g++) {
      double mu = weightSum * grid[g] / Math.sqrt(variance[p]);
      double loo = 0;
      for (int out = 0; out < m; out++) {
        // normal equations of [1 | X] without row `out`, the intercept unpenalized
        DoubleMatrix normal = DoubleMatrix.zeros(p + 1, p + 1);
        DoubleMatrix rhs = DoubleMatrix.zeros(p + 1, 1);
        for (int i = 0; i < m; i++) {
          if (i == out) {
            continue;
          }
          double[] a = {1, x[i][0], x[i][1], x[i][2]};
          for (int r = 0; r <= p; r++) {
            rhs.set(r, 0, rhs.get(r, 0) + w[i] * a[r] * y[i]);
            for (int c = 0; c <= p; c++) {
              normal.set(r, c, normal.get(r, c) + w[i] * a[r] * a[c]);
            }
          }
        }
        for (int j = 0; j < p; j++) {
          normal.set(j + 1, j + 1, normal.get(j + 1, j + 1) + mu * (standardization ? variance[j] : 1));
        }
        DoubleMatrix theta = org.penrose.solver.PseudoInverse.of(normal, org.penrose.factor.RankCutoff.DEFAULT).pinv()
            .times(rhs);
        double e = y[out] - theta.get(0, 0) - x[out][0] * theta.get(1, 0) - x[out][1] * theta.get(2, 0)
            - x[out][2] * theta.get(3, 0);
        loo += w[out] * e * e / weightSum;
      }
      assertEquals(loo, path.get(g).leaveOneOut(), 1e-9 * loo, "leave-one-out at " + grid[g]);
      if (loo < path.get(best).leaveOneOut()) {
        best = g;
      }
    }
    assertEquals(grid[best], model.summary().regParam(), "the penalty of least leave-one-out error is chosen");
  }

  @Test
  void aSavedRidgeModelLoadsWithItsPenalty(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    LeastSquaresRegressionModel model = new LeastSquaresRegression().setRegParamSelection("gcv").fit(data(spark, 13, true));
    model.write().overwrite().save(dir.resolve("ridge").toString());
    LeastSquaresFit loaded = LeastSquaresRegressionModel.load(dir.resolve("ridge").toString()).summary();
    assertEquals(model.summary().regParam(), loaded.regParam());
    assertEquals(model.summary().effectiveDegreesOfFreedom(), loaded.effectiveDegreesOfFreedom());
    assertEquals(List.of(), loaded.regularizationPath(), "the searched path is not stored");
    assertEquals(model.coefficients(), LeastSquaresRegressionModel.load(dir.resolve("ridge").toString()).coefficients());
  }

  @Test
  void penaltiesAreCheckedAndNotCombinedWithTheTruncatedRoute() {
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new LeastSquaresRegression().setRegParam(-1));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new LeastSquaresRegression().setRegParamSelection("cv"));
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new LeastSquaresRegression().setRegParam(0.1).setRank(2).fit(data(spark, 1, false)));
    assertTrue(e.getMessage().contains("not with rank or refinementSteps"), e.getMessage());
  }

  private static double maxDifference(double[] a, double[] b) {
    double max = 0;
    for (int j = 0; j < a.length; j++) {
      max = Math.max(max, Math.abs(a[j] - b[j]));
    }
    return max;
  }

  @Test
  void gcvPathEqualsTheHatMatrixComputation() {
    Dataset<Row> table = data(spark, 11, false);
    double[] grid = {1e-4, 1e-3, 1e-2, 0.03, 0.1, 0.3, 1, 3, 10};
    LeastSquaresRegressionModel model = new LeastSquaresRegression().setRegParamSelection("gcv").setRegParamGrid(grid)
        .fit(table);
    List<RidgePath.Solution> path = model.summary().regularizationPath();
    assertEquals(grid.length, path.size());

    // directly: centered X, D = diag(sigma_j^2), mu = m lambda / delta, H = 11^T/m + Xc (Xc^T Xc + mu D)^-1 Xc^T
    List<Row> rows = table.collectAsList();
    int m = rows.size(), p = SCALES.length;
    DoubleMatrix x = DoubleMatrix.zeros(m, p);
    double[] y = new double[m];
    for (int i = 0; i < m; i++) {
      double[] xi = ((org.apache.spark.ml.linalg.Vector) rows.get(i).get(0)).toArray();
      for (int j = 0; j < p; j++) {
        x.set(i, j, xi[j]);
      }
      y[i] = rows.get(i).getDouble(1);
    }
    double[] mean = new double[p + 1];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < p; j++) {
        mean[j] += x.get(i, j) / m;
      }
      mean[p] += y[i] / m;
    }
    DoubleMatrix xc = DoubleMatrix.zeros(m, p);
    DoubleMatrix yc = DoubleMatrix.zeros(m, 1);
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < p; j++) {
        xc.set(i, j, x.get(i, j) - mean[j]);
      }
      yc.set(i, 0, y[i] - mean[p]);
    }
    DoubleMatrix gram = xc.transposeTimes(xc);
    double delta = Math.sqrt(yc.dot(yc) / m);
    int best = 0;
    for (int g = 0; g < grid.length; g++) {
      double mu = m * grid[g] / delta;
      DoubleMatrix penalized = gram.copy();
      for (int j = 0; j < p; j++) {
        penalized.set(j, j, gram.get(j, j) + mu * gram.get(j, j) / m); // sigma_j^2 = ||xc_j||^2 / m
      }
      DoubleMatrix inverse = org.penrose.solver.PseudoInverse.of(penalized, org.penrose.factor.RankCutoff.DEFAULT).pinv();
      DoubleMatrix hat = xc.times(inverse).timesTranspose(xc);
      double df = 1;
      for (int i = 0; i < m; i++) {
        df += hat.get(i, i);
      }
      DoubleMatrix residual = yc.plusScaled(-1, hat.times(yc));
      double rss = residual.dot(residual);
      double gcv = m * rss / ((m - df) * (m - df));
      RidgePath.Solution s = path.get(g);
      assertEquals(grid[g], s.regParam());
      assertEquals(df, s.effectiveDegreesOfFreedom(), 1e-10 * df, "df at " + grid[g]);
      assertEquals(rss, s.residualSumOfSquares(), 1e-9 * rss, "RSS at " + grid[g]);
      assertEquals(gcv, s.gcv(), 1e-9 * gcv, "GCV at " + grid[g]);
      if (gcv < path.get(best).gcv()) {
        best = g;
      }
    }
    assertEquals(path.get(best).regParam(), model.summary().regParam(), "the penalty of least GCV is chosen");
  }
}
