package org.penrose.check;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.ml.regression.LinearRegressionModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.penrose.io.NistStrdFile;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.ml.LeastSquaresFit;
import org.penrose.ml.LeastSquaresRegression;

/**
 * The eleven NIST StRD linear-regression problems with their certified values, fitted by
 * {@link LeastSquaresRegression} (or, for comparison, Spark's {@code LinearRegression}), scored by the
 * log relative error {@code LRE = -log10(|b - c| / |c|)}, the correct significant digits, minimum over
 * the coefficients (at most 15). The data ship with Penrose ({@link #embedded()}); tests read the
 * copies in the project's {@code data/nist_strd} ({@link #fromFolder}).
 */
public final class NistCertification {
  /** The datasets, easiest first. */
  public static final List<String> DATASETS = List.of("Norris", "Pontius", "NoInt1", "NoInt2", "Longley", "Wampler1",
      "Wampler2", "Wampler3", "Wampler4", "Wampler5", "Filip");

  private final Map<String, String> files; // dataset -> .dat text
  private final Map<String, Map<String, Double>> certified;

  private NistCertification(Map<String, String> files, Map<String, Map<String, Double>> certified) {
    this.files = files;
    this.certified = certified;
  }

  /** The copies bundled in the jar ({@code org/penrose/nist/}). */
  public static NistCertification embedded() {
    Map<String, String> files = new HashMap<>();
    for (String name : DATASETS) {
      files.put(name, resource(name + ".dat"));
    }
    return new NistCertification(files, parseCertified(resource("certified_values.csv")));
  }

  /** {@code folder/<name>.dat} and the certified values CSV. */
  public static NistCertification fromFolder(Path folder, Path certifiedCsv) throws IOException {
    Map<String, String> files = new HashMap<>();
    for (String name : DATASETS) {
      files.put(name, Files.readString(folder.resolve(name + ".dat"), StandardCharsets.US_ASCII));
    }
    return new NistCertification(files, parseCertified(Files.readString(certifiedCsv, StandardCharsets.US_ASCII)));
  }

  private static String resource(String name) {
    try (InputStream in = NistCertification.class.getResourceAsStream("/org/penrose/nist/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing bundled NIST file " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, Map<String, Double>> parseCertified(String csv) {
    Map<String, Map<String, Double>> out = new HashMap<>();
    for (String line : csv.split("\r?\n")) {
      String[] f = line.split(",");
      if (f.length >= 4 && !f[0].equals("dataset")) {
        out.computeIfAbsent(f[0], k -> new HashMap<>()).put(f[2], Double.parseDouble(f[3]));
      }
    }
    return out;
  }

  /** The dataset's observations and model. */
  public NistStrdFile data(String dataset) {
    return NistStrdFile.parse(dataset, files.get(dataset), dataset + ".dat");
  }

  /** A fit's score. */
  public static final class Result {
    public final String dataset;
    /** Minimum LRE over the coefficients. */
    public final double digits;
    public final int rank;
    public final double[] coefficients; // B0.. (or B1.. without intercept)

    Result(String dataset, double digits, int rank, double[] coefficients) {
      this.dataset = dataset;
      this.digits = digits;
      this.rank = rank;
      this.coefficients = coefficients;
    }
  }

  /** {@code (features: vector, label)} in {@code partitions} partitions. */
  public Dataset<Row> frame(SparkSession spark, String dataset, int partitions) {
    NistStrdFile nist = data(dataset);
    DoubleMatrix x = nist.predictors();
    DoubleMatrix y = nist.response();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < x.rows(); i++) {
      double[] f = new double[x.cols()];
      for (int j = 0; j < f.length; j++) {
        f[j] = x.get(i, j);
      }
      rows.add(RowFactory.create(Vectors.dense(f), y.get(i, 0)));
    }
    return spark.createDataFrame(rows, new StructType().add("features", SQLDataTypes.VectorType()).add("label",
        "double"))
        .repartition(partitions);
  }

  /** Penrose's estimator with its defaults (equilibrated; intercept as NIST's model). */
  public Result penrose(SparkSession spark, String dataset, int partitions) {
    NistStrdFile nist = data(dataset);
    LeastSquaresFit fit = new LeastSquaresRegression().setFitIntercept(nist.hasIntercept())
        .fit(frame(spark, dataset, partitions)).summary();
    return score(dataset, fit.intercept(), fit.coefficients(), fit.rank());
  }

  /** The LRE of a fit of {@code dataset}. */
  public double digits(String dataset, LeastSquaresFit fit) {
    return score(dataset, fit.intercept(), fit.coefficients(), fit.rank()).digits;
  }

  /** Penrose's estimator with {@code refinementSteps} refinement passes. */
  public Result penroseRefined(SparkSession spark, String dataset, int partitions, int refinementSteps) {
    NistStrdFile nist = data(dataset);
    LeastSquaresFit fit = new LeastSquaresRegression().setFitIntercept(nist.hasIntercept())
        .setRefinementSteps(refinementSteps).fit(frame(spark, dataset, partitions)).summary();
    return score(dataset, fit.intercept(), fit.coefficients(), fit.rank());
  }

  /** Spark's {@code LinearRegression} with the given solver ("normal" or "l-bfgs"), no regularization. */
  public Result spark(SparkSession spark, String dataset, String solver, int partitions) {
    NistStrdFile nist = data(dataset);
    LinearRegressionModel model = new LinearRegression().setSolver(solver).setRegParam(0.0)
        .setFitIntercept(nist.hasIntercept()).fit(frame(spark, dataset, partitions));
    return score(dataset, nist.hasIntercept() ? model.intercept() : null, model.coefficients().toArray(), -1);
  }

  private Result score(String dataset, Double intercept, double[] coefficients, int rank) {
    NistStrdFile nist = data(dataset);
    List<String> names = nist.parameterNames();
    double[] all = new double[names.size()];
    int k = 0;
    if (intercept != null) {
      all[k++] = intercept;
    }
    for (double c : coefficients) {
      all[k++] = c;
    }
    double digits = 15;
    for (int j = 0; j < names.size(); j++) {
      double c = certified.get(dataset).get(names.get(j));
      double rel = Math.abs(all[j] - c) / Math.abs(c);
      digits = Math.min(digits, rel == 0 ? 15 : Double.isFinite(rel) ? Math.max(0, -Math.log10(rel)) : 0);
    }
    return new Result(dataset, digits, rank, all);
  }
}
