package org.penrose.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * A generated one-hot regression, the shape of a large-scale pipeline's design: each row has a level of a
 * categorical feature of {@code firstLevels} levels, one of a second of {@code secondLevels} levels (dummy
 * coded: level 0 of each is the reference and stores nothing, so with an intercept the design has full
 * column rank), and {@value #NUMERIC} Gaussian numeric features; the label is {@code 1 + theta1(level1) +
 * theta2(level2) + x . beta + 0.1 noise}, the effects Gaussian. Rows as {@code (features: sparse vector,
 * label: double)}, generated in the tasks from each row's index (the same rows for the same arguments),
 * cached.
 */
public final class OneHotProblem {
  /** Numeric features after the dummy columns. */
  public static final int NUMERIC = 4;

  public final Dataset<Row> frame;
  public final long rows;
  public final int columns;

  private OneHotProblem(Dataset<Row> frame, long rows, int columns) {
    this.frame = frame;
    this.rows = rows;
    this.columns = columns;
  }

  /** {@code columns} design columns (features): {@code firstLevels - 1 + secondLevels - 1 + NUMERIC}. */
  public static OneHotProblem generate(SparkSession spark, long rows, int columns, int partitions) {
    int levels = columns - NUMERIC + 2; // both features' levels together
    if (levels < 4) {
      throw new IllegalArgumentException("a one-hot problem needs at least " + (NUMERIC + 2) + " columns");
    }
    int firstLevels = (int) (levels * 0.9);
    int secondLevels = levels - firstLevels;
    StructType schema = new StructType().add("features", SQLDataTypes.VectorType(), false)
        .add("label", DataTypes.DoubleType, false);
    Dataset<Row> frame = spark.createDataFrame(spark.range(0, rows, 1, partitions).toJavaRDD()
        .mapPartitions(ids -> {
          List<Row> out = new ArrayList<>();
          while (ids.hasNext()) {
            long i = ids.next();
            SplittableRandom random = new SplittableRandom(0x5DEECE66DL ^ (i * 0x9E3779B97F4A7C15L));
            int first = random.nextInt(firstLevels);
            int second = random.nextInt(secondLevels);
            int stored = (first > 0 ? 1 : 0) + (second > 0 ? 1 : 0) + NUMERIC;
            int[] index = new int[stored];
            double[] value = new double[stored];
            int k = 0;
            double label = 1 + effect(1, first) + effect(2, second) + 0.1 * random.nextGaussian();
            if (first > 0) {
              index[k] = first - 1;
              value[k++] = 1;
            }
            if (second > 0) {
              index[k] = firstLevels - 1 + second - 1;
              value[k++] = 1;
            }
            for (int j = 0; j < NUMERIC; j++) {
              double x = random.nextGaussian();
              index[k] = columns - NUMERIC + j;
              value[k++] = x;
              label += (j + 1) * 0.5 * x;
            }
            out.add(RowFactory.create(Vectors.sparse(columns, index, value), label));
          }
          return out.iterator();
        }), schema).persist(StorageLevel.MEMORY_AND_DISK());
    frame.count();
    return new OneHotProblem(frame, rows, columns);
  }

  /** A level's effect: Gaussian, from the feature and level alone. */
  private static double effect(int feature, int level) {
    return level == 0 ? 0 : new SplittableRandom(feature * 0x632BE59BD9B4E019L + level).nextGaussian();
  }

  public void unpersist() {
    frame.unpersist(false);
  }
}
