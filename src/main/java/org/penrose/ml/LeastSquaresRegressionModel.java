package org.penrose.ml;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.penrose.matrix.InvalidInputException;
import scala.Option;
import scala.collection.Seq;

/**
 * A fitted {@link LeastSquaresRegression}: {@code prediction = intercept + features . coefficients}
 * as a {@code Transformer}, with the fit's statistics in {@link #summary()}. Saved and loaded with
 * {@code write().save(path)} / {@code LeastSquaresRegressionModel.load(path)}, alone or inside a
 * {@code PipelineModel} (Spark's metadata layout, plus the fit as one Parquet row).
 */
public final class LeastSquaresRegressionModel extends Model<LeastSquaresRegressionModel>
    implements LeastSquaresParams<LeastSquaresRegressionModel>, MLWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final LeastSquaresFit fit;
  private final Shared shared;

  /**
   * An unfitted model, for ServiceLoader (Spark Connect finds the stages it may load through
   * {@code META-INF/services/org.apache.spark.ml.Transformer}, which needs a public no-argument
   * constructor); only {@link #load} and {@code fit} make usable models.
   */
  public LeastSquaresRegressionModel() {
    this(Identifiable$.MODULE$.randomUID("lsqRegressionModel"), null);
  }

  LeastSquaresRegressionModel(String uid, LeastSquaresFit fit) {
    this.uid = uid;
    this.fit = fit;
    shared = new Shared(this);
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public Shared sharedParams() {
    return shared;
  }

  /** Coefficients, rank, singular values, residuals, R^2, standard errors, dependent columns. */
  public LeastSquaresFit summary() {
    return fitted();
  }

  private LeastSquaresFit fitted() {
    if (fit == null) {
      throw new IllegalStateException("this LeastSquaresRegressionModel is not fitted: fit an estimator or load one");
    }
    return fit;
  }

  public Vector coefficients() {
    return new DenseVector(fitted().coefficients());
  }

  /** The intercept (0 when fitted without one). */
  public double intercept() {
    return fitted().intercept() == null ? 0.0 : fit.intercept();
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    transformSchema(dataset.schema());
    String features = getFeaturesCol();
    double[] beta = fitted().coefficients();
    double b0 = intercept();
    UserDefinedFunction predict;
    if (dataset.schema().apply(features).dataType().equals(SQLDataTypes.VectorType())) {
      predict = functions.udf((UDF1<Vector, Double>) v -> v == null ? null : b0 + dot(v, beta), DataTypes.DoubleType);
    } else {
      predict = functions.udf((UDF1<Seq<Object>, Double>) s -> {
        if (s == null) {
          return null;
        }
        double[] x = new double[s.size()];
        for (int j = 0; j < x.length; j++) {
          x[j] = ((Number) s.apply(j)).doubleValue();
        }
        return b0 + dot(x, beta);
      }, DataTypes.DoubleType);
    }
    return dataset.withColumn(getPredictionCol(), predict.apply(functions.col(features)));
  }

  /** {@code x . beta}, over the stored entries of a sparse vector. */
  private static double dot(Vector x, double[] beta) {
    if (!(x instanceof SparseVector)) {
      return dot(x.toArray(), beta);
    }
    if (x.size() != beta.length) {
      throw new InvalidInputException("LeastSquaresRegressionModel: a feature vector has " + x.size()
          + " values but the model has " + beta.length + " coefficients");
    }
    SparseVector s = (SparseVector) x;
    double sum = 0;
    for (int k = 0; k < s.indices().length; k++) {
      sum += s.values()[k] * beta[s.indices()[k]];
    }
    return sum;
  }

  private static double dot(double[] x, double[] beta) {
    if (x.length != beta.length) {
      throw new InvalidInputException("LeastSquaresRegressionModel: a feature vector has " + x.length
          + " values but the model has " + beta.length + " coefficients");
    }
    double sum = 0;
    for (int j = 0; j < x.length; j++) {
      sum += x[j] * beta[j];
    }
    return sum;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    RegressionSchema.requireColumn(schema, getFeaturesCol());
    return schema.add(getPredictionCol(), DataTypes.DoubleType, true);
  }

  @Override
  public LeastSquaresRegressionModel copy(ParamMap extra) {
    LeastSquaresRegressionModel copy = copyValues(new LeastSquaresRegressionModel(uid, fit), extra);
    return hasParent() ? copy.setParent(parent()) : copy;
  }

  static final StructType DATA = new StructType()
      .add("coefficients", "array<double>").add("intercept", "double").add("rank", "int")
      .add("singular_values", "array<double>").add("threshold", "double").add("residual_sum_of_squares", "double")
      .add("r2", "double").add("rows", "long").add("standard_errors", "array<double>")
      .add("intercept_standard_error", "double").add("dependent_columns", "array<string>")
      .add("feature_names", "array<string>").add("reg_param", "double").add("effective_df", "double")
      .add("iterations", "int").add("stop", "string").add("converged", "boolean").add("certificate", "double")
      .add("forward_error_bound", "double").add("forward_error_estimate", "double");

  /**
   * The fit as one row of {@link #DATA} (what {@link #write()} saves as {@code data}): coefficients,
   * intercept, rank, singular values, threshold, residual sum of squares, R^2, rows, standard errors,
   * dependent columns, feature names, the ridge penalty and, on the LSMR route, how the iteration ended and
   * the forward error's bound (ridge) or estimate (null otherwise). Spark Connect clients read the summary so.
   */
  public Dataset<Row> summaryData(SparkSession spark) {
    LeastSquaresFit fit = fitted();
    LeastSquaresFit.Iterative how = fit.iterative();
    Row row = RowFactory.create(fit.coefficients(), fit.intercept(), fit.rank(), fit.singularValues(),
        fit.threshold(), fit.residualSumOfSquares(), fit.r2(), fit.rows(), fit.standardErrors(),
        fit.interceptStandardError(), fit.dependentColumns().toArray(new String[0]),
        fit.featureNames().toArray(new String[0]), fit.regParam(), fit.effectiveDegreesOfFreedom(),
        how == null ? null : how.iterations(), how == null ? null : how.stop(),
        how == null ? null : how.converged(), how == null ? null : how.certificate(),
        how == null ? null : how.forwardErrorBound(), how == null ? null : how.forwardErrorEstimate());
    return spark.createDataFrame(List.of(row), DATA);
  }

  @Override
  public MLWriter write() {
    LeastSquaresRegressionModel model = this;
    return new MLWriter() {
      @Override
      public void saveImpl(String path) {
        fitted();
        org.apache.spark.ml.util.DefaultParamsWriter$.MODULE$.saveMetadata(model, path, sparkSession());
        summaryData(sparkSession()).repartition(1).write().parquet(path + "/data");
      }
    };
  }

  public static MLReader<LeastSquaresRegressionModel> read() {
    return new MLReader<LeastSquaresRegressionModel>() {
      @Override
      public LeastSquaresRegressionModel load(String path) {
        DefaultParamsReader.Metadata metadata = org.apache.spark.ml.util.DefaultParamsReader$.MODULE$.loadMetadata(path,
            sparkSession());
        Row r = sparkSession().read().parquet(path + "/data").first();
        LeastSquaresFit fit = LeastSquaresFit.of(
            new LeastSquaresFit.Coefficients(doubles(r.getList(0)), r.isNullAt(1) ? null : r.getDouble(1),
                r.isNullAt(8) ? null : doubles(r.getList(8)), r.isNullAt(9) ? null : r.getDouble(9)),
            new LeastSquaresFit.RankDecision(r.getInt(2), doubles(r.getList(3)), r.getDouble(4),
                strings(r.getList(10))),
            new LeastSquaresFit.Goodness(r.getDouble(5), r.isNullAt(6) ? null : r.getDouble(6), r.getLong(7)),
            strings(r.getList(11)), storedDouble(r, "reg_param", 0.0), storedDouble(r, "effective_df", null));
        int iterations = field(r, "iterations");
        if (iterations >= 0 && !r.isNullAt(iterations)) { // models saved before the LSMR route have no column
          fit = fit.withIterative(new LeastSquaresFit.Iterative(r.getInt(iterations), r.getString(iterations + 1),
              r.getBoolean(iterations + 2), r.getDouble(iterations + 3), storedDouble(r, "forward_error_bound", null),
              storedDouble(r, "forward_error_estimate", null)));
        }
        LeastSquaresRegressionModel model = new LeastSquaresRegressionModel(metadata.uid(), fit);
        metadata.getAndSetParams(model, Option.empty());
        return model;
      }
    };
  }

  /** A nullable column of the stored data, or {@code absent} for models saved before it existed. */
  private static Double storedDouble(Row r, String column, Double absent) {
    int i = field(r, column);
    return i < 0 || r.isNullAt(i) ? absent : Double.valueOf(r.getDouble(i));
  }

  /** The index of a column of the stored data, -1 when a model saved by an earlier version has none. */
  private static int field(Row r, String column) {
    return Arrays.asList(r.schema().fieldNames()).indexOf(column);
  }

  public static LeastSquaresRegressionModel load(String path) {
    return read().load(path);
  }

  private static double[] doubles(List<Object> list) {
    double[] out = new double[list.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (Double) list.get(i);
    }
    return out;
  }

  private static List<String> strings(List<Object> list) {
    List<String> out = new ArrayList<>();
    for (Object o : list) {
      out.add((String) o);
    }
    return out;
  }
}
