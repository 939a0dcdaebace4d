package org.penrose.bench;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.solver.PseudoInverse;
import scala.collection.Seq;

/**
 * The baseline for Penrose's SQL {@code pinv}: a plain Java UDF doing the same math the way a user
 * would write one (boxed {@code Seq<Seq<Double>>} in, {@code double[][]} out), for
 * {@code penrose bench-sql}.
 */
public final class PlainUdfBaseline {
  private PlainUdfBaseline() {}

  /** Registers {@code name(A: array<array<double>>) -> array<array<double>>} computing {@code pinv(A)}. */
  public static void register(SparkSession spark, String name) {
    spark.udf().register(name, (UDF1<Seq<Seq<Object>>, double[][]>) a -> {
      double[][] values = new double[a.size()][];
      for (int i = 0; i < values.length; i++) {
        Seq<Object> row = a.apply(i);
        values[i] = new double[row.size()];
        for (int j = 0; j < values[i].length; j++) {
          values[i][j] = (Double) row.apply(j);
        }
      }
      return PseudoInverse.of(DoubleMatrix.fromRows(values)).pinv().toRows();
    }, DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.DoubleType)));
  }
}
