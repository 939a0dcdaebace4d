package org.penrose.bench;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.mllib.linalg.Matrix;
import org.apache.spark.mllib.linalg.QRDecomposition;
import org.apache.spark.mllib.linalg.SingularValueDecomposition;
import org.apache.spark.mllib.linalg.Vector;
import org.apache.spark.mllib.linalg.distributed.RowMatrix;

/**
 * Spark MLlib's own least-squares routes, as Penrose's benchmarks run them on a {@link BenchProblem}
 * (no intercept, no regularization), each returning the coefficients.
 */
public final class MllibBaselines {
  private MllibBaselines() {}

  /** {@code LinearRegression} with the normal-equation solver, no intercept, no regularization. */
  public static double[] linearRegressionNormal(BenchProblem p) {
    return new LinearRegression().setSolver("normal").setFitIntercept(false).setRegParam(0.0)
        .setStandardization(false).fit(p.frame()).coefficients().toArray();
  }

  /** {@code x = V S^-1 U^T b} with {@code RowMatrix.computeSVD(n, computeU = true)} (its default rCond 1e-9). */
  public static double[] computeSvdSolve(BenchProblem p) {
    RowMatrix matrix = new RowMatrix(p.rowVectors().rdd());
    SingularValueDecomposition<RowMatrix, Matrix> svd =
        matrix.computeSVD(matrix.numCols() > 0 ? (int) matrix.numCols() : 1, true, 1e-9);
    double[] utb = transposeTimesLabels(svd.U().rows().toJavaRDD(), p.labels());
    double[] s = svd.s().toArray();
    Matrix v = svd.V();
    double[] x = new double[v.numRows()];
    for (int k = 0; k < s.length; k++) {
      double c = utb[k] / s[k];
      for (int i = 0; i < x.length; i++) {
        x[i] += v.apply(i, k) * c;
      }
    }
    return x;
  }

  /** {@code x = R^-1 Q^T b} with {@code RowMatrix.tallSkinnyQR(computeQ = true)} and back substitution. */
  public static double[] tallSkinnyQrSolve(BenchProblem p) {
    QRDecomposition<RowMatrix, Matrix> qr = new RowMatrix(p.rowVectors().rdd()).tallSkinnyQR(true);
    double[] qtb = transposeTimesLabels(qr.Q().rows().toJavaRDD(), p.labels());
    Matrix r = qr.R();
    int n = r.numCols();
    double[] x = new double[n];
    for (int i = n - 1; i >= 0; i--) {
      double sum = qtb[i];
      for (int j = i + 1; j < n; j++) {
        sum -= r.apply(i, j) * x[j];
      }
      x[i] = sum / r.apply(i, i);
    }
    return x;
  }

  /**
   * The {@code k} largest singular values by {@code RowMatrix.computeSVD(k, computeU = true)} (MLlib's
   * ARPACK route on the Gram operator), with {@code U} materialized as Penrose's route materializes it.
   *
   * @param rows the matrix's rows as MLlib vectors (cached by the caller)
   */
  public static double[] computeSvd(JavaRDD<Vector> rows, int k) {
    RowMatrix matrix = new RowMatrix(rows.rdd());
    SingularValueDecomposition<RowMatrix, Matrix> svd = matrix.computeSVD(k, true, 1e-9);
    svd.U().rows().count();
    return svd.s().toArray();
  }

  /** {@code sum_i u_i b_i} for rows {@code u_i} aligned with the labels (same partitioning and order). */
  private static double[] transposeTimesLabels(JavaRDD<Vector> rowsOfU, JavaRDD<Double> labels) {
    return rowsOfU.zip(labels).map(t -> {
      double[] u = t._1().toArray();
      for (int k = 0; k < u.length; k++) {
        u[k] *= t._2();
      }
      return u;
    }).reduce((x, y) -> {
      double[] s = x.clone();
      for (int k = 0; k < s.length; k++) {
        s[k] += y[k];
      }
      return s;
    });
  }

  /** {@code max_j |x_j - reference_j| / max_j |reference_j|}. */
  public static double relativeDifference(double[] x, double[] reference) {
    double err = 0;
    double scale = 0;
    for (int j = 0; j < x.length; j++) {
      err = Math.max(err, Math.abs(x[j] - reference[j]));
      scale = Math.max(scale, Math.abs(reference[j]));
    }
    return err / scale;
  }
}
