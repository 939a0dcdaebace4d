package org.penrose.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.Lapack;
import org.penrose.testing.SparkTestSession;

/**
 * The estimator on sparse feature vectors with more than 4096 features: principal-component regression
 * at a fixed rank against the same computation done densely with LAPACK, and the cut-off route on a
 * design of exact low rank.
 */
class TruncatedRegressionTest extends SparkTestSession {
  private static final int ROWS = 300;
  private static final int FEATURES = 4500;
  private Dataset<Row> data;
  private DoubleMatrix design; // [1 | X], dense, for the reference
  private DoubleMatrix label;

  @BeforeAll
  void makeData() {
    Random random = new Random(5);
    design = DoubleMatrix.zeros(ROWS, FEATURES + 1);
    label = DoubleMatrix.zeros(ROWS, 1);
    List<Row> rows = new ArrayList<>();
    // six groups of rows, each with its own 12 features (a template scaled per row), plus 3 random
    // features: a few strong principal components above a floor, as in real sparse designs
    double[][] template = new double[6][12];
    for (double[] t : template) {
      for (int k = 0; k < t.length; k++) {
        t[k] = random.nextGaussian();
      }
    }
    for (int i = 0; i < ROWS; i++) {
      int g = i % 6;
      double amplitude = 1 + 0.3 * random.nextGaussian();
      java.util.TreeMap<Integer, Double> entries = new java.util.TreeMap<>();
      for (int k = 0; k < 12; k++) {
        entries.put(g * 700 + 13 * k, amplitude * template[g][k] * (1 + 0.05 * random.nextGaussian()));
      }
      for (int extra = 0; extra < 3; extra++) {
        entries.merge(random.nextInt(FEATURES), 0.3 * random.nextGaussian(), Double::sum);
      }
      int[] idx = entries.keySet().stream().mapToInt(Integer::intValue).toArray();
      double[] val = entries.values().stream().mapToDouble(Double::doubleValue).toArray();
      double y = 2.0;
      design.set(i, 0, 1.0);
      for (int k = 0; k < idx.length; k++) {
        design.set(i, idx[k] + 1, val[k]);
        y += val[k] * ((idx[k] % 5) - 2) * 0.1;
      }
      y += 0.01 * random.nextGaussian();
      label.set(i, 0, y);
      rows.add(RowFactory.create(Vectors.sparse(FEATURES, idx, val), y));
    }
    data = spark.createDataFrame(rows, new StructType().add("features", SQLDataTypes.VectorType()).add("label", "double"))
        .repartition(3).cache();
  }

  /** A principal-component fit computed densely with LAPACK, for the reference. */
  private record Pcr(double intercept, double[] beta, double r2, double s1) {}

  /**
   * Weighted PCR at rank {@code k}: {@code mu = sum w x / sum w}, {@code ybar} likewise, the design
   * {@code sqrt(w) (x - mu)} with its columns scaled to unit norm, its SVD, {@code z = V_k S_k^-1 U_k^T
   * sqrt(w) (y - ybar)}, {@code beta = z / norms}, intercept {@code ybar - mu . beta}.
   */
  private Pcr reference(double[] w, int k) {
    double total = 0;
    double yMean = 0;
    for (int i = 0; i < ROWS; i++) {
      total += w[i];
      yMean += w[i] * label.get(i, 0);
    }
    yMean /= total;
    double[] means = new double[FEATURES];
    double[] norms = new double[FEATURES];
    DoubleMatrix centered = DoubleMatrix.zeros(ROWS, FEATURES);
    for (int j = 0; j < FEATURES; j++) {
      for (int i = 0; i < ROWS; i++) {
        means[j] += w[i] * design.get(i, j + 1) / total;
      }
      double sum = 0;
      for (int i = 0; i < ROWS; i++) {
        double c = Math.sqrt(w[i]) * (design.get(i, j + 1) - means[j]);
        centered.set(i, j, c);
        sum += c * c;
      }
      norms[j] = sum > 0 ? Math.sqrt(sum) : 1.0;
      for (int i = 0; i < ROWS; i++) {
        centered.set(i, j, centered.get(i, j) / norms[j]);
      }
    }
    DoubleMatrix yCentered = DoubleMatrix.zeros(ROWS, 1);
    for (int i = 0; i < ROWS; i++) {
      yCentered.set(i, 0, Math.sqrt(w[i]) * (label.get(i, 0) - yMean));
    }
    Lapack.Svd svd = Lapack.svd(centered);
    DoubleMatrix utb = svd.u.columns(0, k).transposeTimes(yCentered);
    for (int i = 0; i < k; i++) {
      utb.set(i, 0, utb.get(i, 0) / svd.s[i]);
    }
    DoubleMatrix z = svd.v.columns(0, k).times(utb);
    double[] beta = new double[FEATURES];
    double intercept = yMean;
    for (int j = 0; j < FEATURES; j++) {
      beta[j] = z.get(j, 0) / norms[j];
      intercept -= means[j] * beta[j];
    }
    DoubleMatrix residual = yCentered.plusScaled(-1.0, centered.times(z));
    return new Pcr(intercept, beta, 1 - residual.dot(residual) / yCentered.dot(yCentered), svd.s[0]);
  }

  private static double coefficientError(LeastSquaresFit fit, Pcr ref) {
    double worst = Math.abs(fit.intercept() - ref.intercept());
    double scale = Math.abs(ref.intercept());
    for (int j = 0; j < FEATURES; j++) {
      worst = Math.max(worst, Math.abs(fit.coefficients()[j] - ref.beta()[j]));
      scale = Math.max(scale, Math.abs(ref.beta()[j]));
    }
    return worst / scale;
  }

  @Test
  void principalComponentRegressionMatchesTheDenseComputation() {
    int k = 5;
    LeastSquaresRegressionModel model = new LeastSquaresRegression().setRank(k).fit(data);
    LeastSquaresFit fit = model.summary();
    double[] ones = new double[ROWS];
    java.util.Arrays.fill(ones, 1.0);
    Pcr ref = reference(ones, k);
    double error = coefficientError(fit, ref);
    System.out.printf("PCR rank %d on %d x %d sparse: coefficients relative error %.2e, R^2 %.6f (reference %.6f)%n",
        k, ROWS, FEATURES, error, fit.r2(), ref.r2());
    assertTrue(error <= 1e-8, "coefficients " + error);
    assertEquals(ref.r2(), fit.r2(), 1e-9, "R^2 of the rank-" + k + " principal-component fit");
    assertTrue(fit.r2() > 0 && fit.r2() < 1, "R^2 " + fit.r2());
    assertEquals(k, fit.rank());
    assertEquals(ref.s1(), fit.singularValues()[0], 1e-10 * ref.s1());
    assertNull(fit.standardErrors(), "no standard errors on the truncated route");
    assertEquals(ROWS, fit.rows());
    // predictions over the sparse vectors: intercept + x . beta
    Row first = model.transform(data).select("features", "label", "prediction").first();
    org.apache.spark.ml.linalg.Vector x = (org.apache.spark.ml.linalg.Vector) first.get(0);
    double expected = fit.intercept();
    for (int j = 0; j < FEATURES; j++) {
      expected += x.apply(j) * fit.coefficients()[j];
    }
    assertEquals(expected, first.getDouble(2), 1e-10 * Math.abs(expected) + 1e-12);
  }

  @Test
  void weightedPrincipalComponentRegressionCentersAtTheWeightedMeans() {
    int k = 5;
    double[] w = new double[ROWS];
    List<Row> rows = new ArrayList<>();
    List<Row> source = data.select("features", "label").collectAsList();
    java.util.Map<Double, Integer> rowOfLabel = new java.util.HashMap<>();
    for (int i = 0; i < ROWS; i++) {
      rowOfLabel.put(label.get(i, 0), i);
    }
    for (Row r : source) {
      int i = rowOfLabel.get(r.getDouble(1));
      w[i] = 0.5 + (i % 7) / 3.0;
      rows.add(RowFactory.create(r.get(0), r.getDouble(1), w[i]));
    }
    Dataset<Row> weighted = spark.createDataFrame(rows, new StructType().add("features", SQLDataTypes.VectorType())
        .add("label", "double").add("w", "double")).repartition(2);
    LeastSquaresFit fit = new LeastSquaresRegression().setRank(k).setWeightCol("w").fit(weighted).summary();
    Pcr ref = reference(w, k);
    double error = coefficientError(fit, ref);
    System.out.printf("weighted PCR rank %d: coefficients relative error %.2e, R^2 %.6f (reference %.6f)%n", k, error,
        fit.r2(), ref.r2());
    assertTrue(error <= 1e-8, "coefficients " + error);
    assertEquals(ref.r2(), fit.r2(), 1e-9);
  }

  @Test
  void theCutoffDecidesTheRankOfAnExactlyLowRankDesign() {
    // features of rank 6: x = c * e_{group}, repeated over 4500 columns in 6 groups
    Random random = new Random(6);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 240; i++) {
      int g = i % 6;
      int[] idx = new int[] {g * 700, g * 700 + 1, g * 700 + 2};
      double c = random.nextGaussian();
      rows.add(RowFactory.create(Vectors.sparse(FEATURES, idx, new double[] {c, 2 * c, -c}), 3 * c));
    }
    Dataset<Row> df = spark.createDataFrame(rows, new StructType().add("features", SQLDataTypes.VectorType())
        .add("label", "double"));
    LeastSquaresFit fit = new LeastSquaresRegression().setSolver("truncated").setFitIntercept(false).fit(df).summary();
    assertEquals(6, fit.rank(), "six independent directions");
    assertTrue(fit.residualSumOfSquares() < 1e-20 * 240, "y is in the span: " + fit.residualSumOfSquares());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new LeastSquaresRegression().setRank(2).setRefinementSteps(1).fit(df));
    assertTrue(e.getMessage().contains("refinementSteps applies to the TSQR route"), e.getMessage());
  }
}
