package org.penrose.ml;

import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.penrose.adapters.RowVectors;
import org.penrose.engine.Scratch;
import org.penrose.matrix.InvalidInputException;

/**
 * How a regression's input row {@code (features, label[, weight])} becomes a row of the weighted
 * design {@code sqrt(w) [1 | x]} and label {@code sqrt(w) y}, with the checks the estimator promises:
 * NULL or non-finite features, labels or weights, negative weights and feature vectors of another
 * length are errors; rows of weight 0 are left out. Sparse feature vectors stay sparse. The features'
 * names travel to the tasks as one broadcast, not inside every task's closure (10^5 one-hot names cost a
 * task about 20 ms to deserialize), released by {@link #close} when the fit is done.
 */
final class DesignRows implements Serializable, AutoCloseable {
  private static final long serialVersionUID = 1L;

  private final String features;
  private final String label;
  private final String weight;
  private final int p;
  private final boolean intercept;
  /** The features' names, for messages (null: by position only). */
  private final Broadcast<List<String>> names;

  /**
   * Rows selected as {@code (features, label cast to double[, weight cast to double])}; {@code names}
   * (or null) name the features in messages ({@code names.get(j)} for position {@code j}), broadcast on
   * {@code spark}.
   */
  DesignRows(JavaSparkContext spark, String features, String label, String weight, int p, boolean intercept,
      List<String> names) {
    this.names = names == null ? null : spark.broadcast(List.copyOf(names));
    this.features = features;
    this.label = label;
    this.weight = weight;
    this.p = p;
    this.intercept = intercept;
  }

  /** Destroys the names' broadcast (on the driver, once the fit's jobs are done). */
  @Override
  public void close() {
    if (names != null) {
      Scratch.destroy(names);
    }
  }

  /** Design columns: the features, and the intercept's when fitted. */
  int designColumns() {
    return p + (intercept ? 1 : 0);
  }

  /** {@code sqrt(w)}, 0 for a row to leave out (weight 0); 1 without a weight column. */
  double sqrtWeight(Row r) {
    if (weight == null) {
      return 1.0;
    }
    if (r.isNullAt(2)) {
      throw new InvalidInputException("LeastSquaresRegression: the weight column '" + weight + "' has a NULL value");
    }
    double w = r.getDouble(2);
    if (!(w >= 0) || !Double.isFinite(w)) {
      throw new InvalidInputException("LeastSquaresRegression: weights must be finite and >= 0, got " + w);
    }
    return Math.sqrt(w);
  }

  /** The label, checked. */
  double label(Row r) {
    if (r.isNullAt(1)) {
      throw new InvalidInputException("LeastSquaresRegression: the label column '" + label + "' has a NULL value");
    }
    double y = r.getDouble(1);
    if (!Double.isFinite(y)) {
      throw new InvalidInputException("LeastSquaresRegression: the label column '" + label + "' has a non-finite value "
          + y);
    }
    return y;
  }

  /** The features, checked: present, finite, of the expected length (a sparse vector stays sparse). */
  Vector features(Row r) {
    String what = "LeastSquaresRegression: the features column '" + features + "'";
    Vector x = RowVectors.vector(r, 0, what);
    if (x == null) {
      throw new InvalidInputException(what + " has a NULL value");
    }
    if (x.size() != p) {
      throw new InvalidInputException("LeastSquaresRegression: a feature vector has " + x.size()
          + " values but the first one has " + p);
    }
    double[] stored = x instanceof SparseVector ? ((SparseVector) x).values() : x.toArray();
    for (int k = 0; k < stored.length; k++) {
      if (!Double.isFinite(stored[k])) {
        int j = x instanceof SparseVector ? ((SparseVector) x).indices()[k] : k;
        throw new InvalidInputException(what + " has a non-finite value " + stored[k] + " at position " + j
            + (names != null && j < names.value().size() ? " ('" + names.value().get(j) + "')" : ""));
      }
    }
    return x;
  }

  /**
   * Each row of positive weight of {@code rows}, in order, as {@code sqrt(w) [1 | x | y]}: the
   * {@link #designColumns} design values, then the label (one reused buffer); weight-0 rows left out.
   */
  void forEachDesignRow(Iterator<Row> rows, Consumer<double[]> visitor) {
    double[] row = new double[designColumns() + 1];
    while (rows.hasNext()) {
      Row r = rows.next();
      double sw = sqrtWeight(r);
      if (sw == 0) {
        continue;
      }
      designRow(r, sw, row);
      row[row.length - 1] = sw * label(r);
      visitor.accept(row);
    }
  }

  /** {@code sqrt(w) [1 | x]} into {@code out} (dense, {@link #designColumns} values). */
  void designRow(Row r, double sw, double[] out) {
    int k = 0;
    if (intercept) {
      out[k++] = sw;
    }
    for (double v : features(r).toArray()) {
      out[k++] = sw * v;
    }
  }

  /**
   * {@code [sqrt(w) [1 | x] | trailing]} as a vector: sparse when {@code x} is (the trailing values are
   * stored either way).
   */
  Vector designVector(Row r, double sw, double... trailing) {
    return scaled(r, sw, intercept, trailing);
  }

  /** {@code [sqrt(w) x | trailing]} (no intercept column) as a vector: sparse when {@code x} is. */
  Vector weightedFeatures(Row r, double sw, double... trailing) {
    return scaled(r, sw, false, trailing);
  }

  private Vector scaled(Row r, double sw, boolean intercept, double[] trailing) {
    Vector x = features(r);
    int shift = intercept ? 1 : 0;
    int size = p + shift + trailing.length;
    if (x instanceof SparseVector) {
      SparseVector s = (SparseVector) x;
      int stored = s.indices().length + shift;
      int[] idx = new int[stored + trailing.length];
      double[] val = new double[idx.length];
      if (intercept) {
        val[0] = sw;
      }
      for (int k = 0; k < s.indices().length; k++) {
        idx[k + shift] = s.indices()[k] + shift;
        val[k + shift] = sw * s.values()[k];
      }
      for (int t = 0; t < trailing.length; t++) {
        idx[stored + t] = p + shift + t;
        val[stored + t] = trailing[t];
      }
      return Vectors.sparse(size, idx, val);
    }
    double[] out = new double[size];
    if (intercept) {
      out[0] = sw;
    }
    double[] values = x.toArray();
    for (int k = 0; k < values.length; k++) {
      out[k + shift] = sw * values[k];
    }
    System.arraycopy(trailing, 0, out, p + shift, trailing.length);
    return Vectors.dense(out);
  }
}
