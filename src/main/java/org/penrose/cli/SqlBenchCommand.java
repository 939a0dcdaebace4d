package org.penrose.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.penrose.bench.PlainUdfBaseline;
import org.penrose.sql.PenroseFunctions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code penrose bench-sql}: rows per second of the SQL function {@code pinv} on many small matrices,
 * against a plain Java UDF doing the same math on the same cached rows.
 */
@Command(name = "bench-sql", mixinStandardHelpOptions = true,
    description = "Rows/s of SQL pinv on small matrices vs a plain Java UDF computing the same.")
final class SqlBenchCommand implements Callable<Integer> {
  @Option(names = "--rows", defaultValue = "1000000",
      description = "Matrices (rows of the table; default ${DEFAULT-VALUE}).")
  int rows;

  @Option(names = "--shape", defaultValue = "8x4", description = "Matrix shape m x n (default ${DEFAULT-VALUE}).")
  String shape;

  @Option(names = "--partitions", defaultValue = "8", description = "Partitions (default ${DEFAULT-VALUE}).")
  int partitions;

  @Mixin Repetitions repetitions;

  @Override
  public Integer call() throws Exception {
    String[] mn = shape.toLowerCase().split("x");
    if (mn.length != 2) {
      throw new IllegalArgumentException("--shape must look like 8x4, got " + shape);
    }
    int m = Integer.parseInt(mn[0].trim());
    int n = Integer.parseInt(mn[1].trim());
    try (SparkJob.Session session = SparkJob.session("penrose bench-sql")) {
      SparkSession spark = session.spark();
      if (!spark.catalog().functionExists("pinv")) {
        PenroseFunctions.register(spark);
      }
      List<Integer> ids = new ArrayList<>();
      for (int p = 0; p < partitions; p++) {
        ids.add(p);
      }
      int total = rows; // locals only in the task closures (this command is not serializable)
      int perPartition = (total + partitions - 1) / partitions;
      JavaRDD<Row> data = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(ids, partitions)
          .flatMap(p -> {
            Random random = new Random(p + 1L);
            List<Row> out = new ArrayList<>();
            for (int r = 0; r < perPartition && (long) p * perPartition + r < total; r++) {
              double[][] matrix = new double[m][n];
              for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                  matrix[i][j] = random.nextGaussian();
                }
              }
              out.add(RowFactory.create((Object) matrix));
            }
            return out.iterator();
          });
      Dataset<Row> table = spark.createDataFrame(data, new StructType().add("A", "array<array<double>>"))
          .persist(StorageLevel.MEMORY_AND_DISK());
      long count = table.count();
      table.createOrReplaceTempView("matrices");
      PlainUdfBaseline.register(spark, "pinv_java_udf");
      System.out.printf("bench-sql: %d matrices of %d x %d in %d partitions, master %s%n", count, m, n, partitions,
          spark.sparkContext().master());
      double penrose = median(spark, "SELECT sum(pinv(A)[0][0]) FROM matrices");
      double udf = median(spark, "SELECT sum(pinv_java_udf(A)[0][0]) FROM matrices");
      double baseline = median(spark, "SELECT sum(A[0][0]) FROM matrices");
      System.out.printf("  %-40s %8.2f s  %12.0f rows/s%n", "SQL pinv (Penrose function)", penrose, count / penrose);
      System.out.printf("  %-40s %8.2f s  %12.0f rows/s%n", "plain Java UDF, same math", udf, count / udf);
      System.out.printf("  %-40s %8.2f s  %12.0f rows/s%n", "scan only (sum of A[0][0])", baseline, count / baseline);
      System.out.printf("  Penrose function / plain UDF speed: %.2fx%n", udf / penrose);
      table.unpersist();
    }
    return 0;
  }

  private double median(SparkSession spark, String query) throws Exception {
    return repetitions.time(() -> spark.sql(query).collect()).median();
  }
}
