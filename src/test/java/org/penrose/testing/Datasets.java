package org.penrose.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.penrose.matrix.DoubleMatrix;

/** The real regression tables of {@code data/tabular} and their exact OLS references. */
public final class Datasets {
  private Datasets() {}

  /** A regression problem: predictors (with names), responses. */
  public static final class Regression {
    public final String name;
    public final List<String> features;
    public final DoubleMatrix x;
    public final double[] y;

    Regression(String name, List<String> features, DoubleMatrix x, double[] y) {
      this.name = name;
      this.features = features;
      this.x = x;
      this.y = y;
    }

    /** {@code (features: vector, label: double)} in {@code partitions} partitions, in row order. */
    public Dataset<Row> frame(SparkSession spark, int partitions) {
      List<Row> rows = new ArrayList<>();
      for (int i = 0; i < y.length; i++) {
        double[] f = new double[x.cols()];
        for (int j = 0; j < f.length; j++) {
          f[j] = x.get(i, j);
        }
        rows.add(RowFactory.create(Vectors.dense(f), y[i]));
      }
      StructType schema = new StructType().add("features", SQLDataTypes.VectorType()).add("label", "double");
      return spark.createDataFrame(rows, schema).repartition(partitions);
    }
  }

  private static List<String[]> lines(Path p, String separator) throws IOException {
    List<String[]> out = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.toString().endsWith(".gz")
        ? new GZIPInputStream(Files.newInputStream(p)) : Files.newInputStream(p), StandardCharsets.US_ASCII))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (!line.isBlank()) {
          out.add(line.trim().split(separator));
        }
      }
    }
    return out;
  }

  /** One of cal_housing, CASP, randhie, bike_hour, diabetes, with the predictors its reference uses. */
  public static Regression tabular(String name) throws IOException {
    List<String[]> rows;
    List<String> features;
    int label;
    List<Integer> columns = new ArrayList<>();
    switch (name) {
      case "cal_housing":
        rows = lines(TestData.path("tabular/cal_housing.data"), ",");
        features = List.of("longitude", "latitude", "housingMedianAge", "totalRooms", "totalBedrooms", "population",
            "households", "medianIncome");
        for (int j = 0; j < 8; j++) {
          columns.add(j);
        }
        label = 8;
        break;
      case "CASP":
      case "randhie":
      case "bike_hour": {
        String file = name.equals("CASP") ? "CASP.csv" : name.equals("randhie") ? "randhie.csv" : "bike_sharing_hour.csv";
        rows = lines(TestData.path("tabular/" + file), ",");
        List<String> header = List.of(rows.remove(0));
        String labelName = name.equals("CASP") ? "y" : name.equals("randhie") ? "mdvis" : "cnt";
        features = name.equals("CASP") ? List.of("F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9")
            : name.equals("randhie") ? List.of("lncoins", "idp", "lpi", "fmde", "physlm", "disea", "hlthg", "hlthf", "hlthp")
            : List.of("season", "yr", "mnth", "hr", "holiday", "weekday", "workingday", "weathersit", "temp", "atemp",
                "hum", "windspeed");
        for (String f : features) {
          columns.add(header.indexOf(f));
        }
        label = header.indexOf(labelName);
        break;
      }
      case "diabetes": {
        rows = lines(TestData.path("tabular/diabetes_data_raw.csv.gz"), "\\s+");
        List<String[]> target = lines(TestData.path("tabular/diabetes_target.csv.gz"), "\\s+");
        for (int i = 0; i < rows.size(); i++) {
          String[] r = java.util.Arrays.copyOf(rows.get(i), 11);
          r[10] = target.get(i)[0];
          rows.set(i, r);
        }
        features = List.of("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6");
        for (int j = 0; j < 10; j++) {
          columns.add(j);
        }
        label = 10;
        break;
      }
      default:
        throw new IllegalArgumentException(name);
    }
    DoubleMatrix x = DoubleMatrix.zeros(rows.size(), columns.size());
    double[] y = new double[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      for (int j = 0; j < columns.size(); j++) {
        x.set(i, j, Double.parseDouble(rows.get(i)[columns.get(j)]));
      }
      y[i] = Double.parseDouble(rows.get(i)[label]);
    }
    return new Regression(name, features, x, y);
  }

  /** The reference: "(Intercept)" and each feature's coefficient, plus "#RSS", "#R2", "#n", "#p". */
  public static Map<String, Double> reference(String name) throws IOException {
    Map<String, Double> out = new LinkedHashMap<>();
    for (String[] f : lines(TestData.path("reference/" + name + "_ols_reference.csv"), ",")) {
      if (!f[0].equals("term")) {
        out.put(f[0], Double.parseDouble(f[1]));
      }
    }
    return out;
  }
}
