package org.penrose.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * A generated regression with a rank-deficient design (the demo's): {@code independent} Gaussian
 * features followed by {@code dependent} ones, feature {@code independent + k} the sum of features
 * {@code 2k} and {@code 2k + 1}; {@code y = 1.5 + sum_j beta_j x_j + 0.1 noise} with {@code beta} rounded
 * to two decimals. Rows {@code (features: vector, label: double)}; each partition draws its rows from
 * its own seed, so the data do not depend on task timing.
 */
public final class CollinearRegression {
  private CollinearRegression() {}

  /**
   * @throws IllegalArgumentException unless {@code 2 * dependent <= independent}
   */
  public static Dataset<Row> generate(SparkSession spark, long rows, int parts, long seed, int independent,
      int dependent) {
    if (dependent < 0 || 2 * dependent > independent) {
      throw new IllegalArgumentException("need 0 <= 2 * dependent <= independent, got " + dependent + " and "
          + independent);
    }
    double[] beta = new double[independent];
    Random random = new Random(seed);
    for (int j = 0; j < independent; j++) {
      beta[j] = Math.rint(random.nextGaussian() * 100) / 100;
    }
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < parts; i++) {
      ids.add(i);
    }
    JavaRDD<Row> generated = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(ids, parts)
        .flatMap(id -> {
      long first = rows * id / parts;
      long last = rows * (id + 1) / parts;
      Random r = new Random(seed * 1_000_003L + id);
      List<Row> out = new ArrayList<>((int) (last - first));
      for (long i = first; i < last; i++) {
        double[] x = new double[independent + dependent];
        double y = 1.5;
        for (int j = 0; j < independent; j++) {
          x[j] = r.nextGaussian();
          y += beta[j] * x[j];
        }
        for (int k = 0; k < dependent; k++) {
          x[independent + k] = x[2 * k] + x[2 * k + 1]; // collinear: a sum of two independent features
        }
        out.add(RowFactory.create(Vectors.dense(x), y + 0.1 * r.nextGaussian()));
      }
      return out.iterator();
    });
    return spark.createDataFrame(generated, new StructType().add("features", SQLDataTypes.VectorType()).add("label",
        "double"));
  }
}
