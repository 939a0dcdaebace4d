package org.penrose.ml;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.penrose.distributed.DeterministicReduce;
import org.penrose.distributed.Route;
import org.penrose.distributed.RowVectors;
import org.penrose.distributed.TruncatedSvd;
import org.penrose.linalg.InvalidInputException;
import org.penrose.linalg.QrTriangle;
import org.penrose.distributed.Tsqr;
import org.penrose.linalg.QrAccumulator;
import org.penrose.linalg.RankCutoff;

/**
 * Minimum-norm least-squares linear regression as a spark.ml {@link Estimator}: usable in a
 * {@code Pipeline} after {@code VectorAssembler}, fitted in one pass over the rows by the TSQR path
 * (each partition streams its rows into a QR triangle of {@code [1 | X | y]}; the triangles merge in
 * partition order), so it works for any number of rows, never forms {@code X^T X}, and handles
 * rank-deficient designs (duplicated or collinear features): the minimum-norm solution, the rank, and
 * the dependent columns named in the summary ({@link LeastSquaresFit}).
 *
 * <pre>{@code
 * LeastSquaresRegression lsq = new LeastSquaresRegression().setLabelCol("y");   // featuresCol "features"
 * LeastSquaresRegressionModel model = new Pipeline().setStages(new PipelineStage[] {assembler, lsq})
 *     .fit(df).stages()[1];
 * model.summary().coefficients(); model.summary().rank(); model.summary().dependentColumns();
 * }</pre>
 *
 * Params: {@code featuresCol} (vector or {@code array<double>}, default "features"), {@code labelCol}
 * (default "label"), {@code predictionCol} (default "prediction"), {@code fitIntercept} (default
 * true), {@code rtol}, {@code atol} (the cut-off, defaults as {@link RankCutoff}), {@code weightCol}
 * (optional: rows are scaled by {@code sqrt(w)}; rows of weight 0 are left out), {@code equilibrate}
 * (default true; see {@link LeastSquaresFit} for what it changes). NULL or non-finite features,
 * labels or weights, negative weights and feature vectors of different lengths are errors.
 */
public final class LeastSquaresRegression extends Estimator<LeastSquaresRegressionModel>
    implements LeastSquaresParams<LeastSquaresRegression>, DefaultParamsWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final Shared shared;
  private final Param<String> weightCol;
  private final BooleanParam equilibrate;
  private final DoubleParam rtol;
  private final DoubleParam atol;
  private final IntParam refinementSteps;
  private final IntParam rank;
  private final IntParam maxRank;
  private final DoubleParam regParam;
  private final BooleanParam standardization;
  private final Param<String> regParamSelection;
  private final org.apache.spark.ml.param.DoubleArrayParam regParamGrid;

  /** Without an explicit refinementSteps, refine while the estimated relative error exceeds this. */
  public static final double AUTOMATIC_TARGET = 1e-13;

  /** Without an explicit refinementSteps, at most this many refinement passes. */
  public static final int MAX_AUTOMATIC_PASSES = 3;

  /** Penalties on a GCV path unless {@code regParamGrid} is set. */
  public static final int DEFAULT_PATH_SIZE = 81;

  public LeastSquaresRegression() {
    this(Identifiable.randomUID("lsqRegression"));
  }

  public LeastSquaresRegression(String uid) {
    this.uid = uid;
    shared = new Shared(this);
    weightCol = new Param<>(this, "weightCol", "optional weight column (numeric, >= 0)");
    equilibrate = new BooleanParam(this, "equilibrate", "scale design columns to unit norm before the rank decision");
    rtol = new DoubleParam(this, "rtol", "relative cut-off: singular values <= max(atol, rtol * s_max) are dropped");
    atol = new DoubleParam(this, "atol", "absolute cut-off");
    refinementSteps = new IntParam(this, "refinementSteps",
        "extra passes over the rows refining the coefficients in compensated arithmetic (unset: automatic, while the"
            + " estimated relative error exceeds 1e-13, at most 3; 0: one pass)");
    rank = new IntParam(this, "rank", "truncate at this rank (principal-component regression, any number of"
        + " features); unset: the cut-off decides, by TSQR up to 4096 design columns, by the truncated SVD beyond");
    maxRank = new IntParam(this, "maxRank", "beyond 4096 design columns and without rank, the largest rank the cut-off may reach");
    regParam = new DoubleParam(this, "regParam", "L2 penalty lambda >= 0, as Spark's LinearRegression with"
        + " elasticNetParam = 0 (0: least squares)");
    standardization = new BooleanParam(this, "standardization", "penalize the coefficients of standardized features"
        + " (as Spark's LinearRegression)");
    regParamSelection = new Param<>(this, "regParamSelection", "'none' (use regParam), 'gcv' (the penalty of least"
        + " generalized cross-validation on a path, from the same pass) or 'loo' (of least leave-one-out error, one more pass)");
    regParamGrid = new org.apache.spark.ml.param.DoubleArrayParam(this, "regParamGrid", "the penalties GCV searches"
        + " (default: " + DEFAULT_PATH_SIZE + " log-spaced values from almost no to almost full shrinkage)");
    setDefault(regParam, 0.0);
    setDefault(standardization, true);
    setDefault(regParamSelection, "none");
    setDefault(maxRank, TruncatedSvd.DEFAULT_MAX_RANK);
    setDefault(equilibrate, true);
    setDefault(refinementSteps, 0);
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public Shared sharedParams() {
    return shared;
  }

  public Param<String> weightCol() {
    return weightCol;
  }

  public BooleanParam equilibrate() {
    return equilibrate;
  }

  public DoubleParam rtol() {
    return rtol;
  }

  public DoubleParam atol() {
    return atol;
  }

  public IntParam refinementSteps() {
    return refinementSteps;
  }

  public IntParam rank() {
    return rank;
  }

  public IntParam maxRank() {
    return maxRank;
  }

  /**
   * Truncates at rank {@code value}: the design's certified truncated SVD, {@code beta} from its
   * leading {@code value} triplets (principal-component regression on the equilibrated design).
   */
  public LeastSquaresRegression setRank(int value) {
    if (value < 1) {
      throw new InvalidInputException("rank must be >= 1, got " + value);
    }
    set(rank, value);
    return this;
  }

  /** Beyond 4096 design columns and without {@link #setRank}, the largest rank the cut-off may reach. */
  public LeastSquaresRegression setMaxRank(int value) {
    if (value < 1) {
      throw new InvalidInputException("maxRank must be >= 1, got " + value);
    }
    set(maxRank, value);
    return this;
  }

  /**
   * Exactly {@code value} extra passes over the rows that refine the coefficients (iterative
   * refinement with residuals in compensated arithmetic; see {@link LeastSquaresFit#refine}); 0 is the
   * one-pass TSQR fit. Unset (the default), a full-rank fit is refined automatically while its
   * {@link LeastSquaresFit#estimatedRelativeError} exceeds {@link #AUTOMATIC_TARGET}, at most
   * {@link #MAX_AUTOMATIC_PASSES} times, so well-conditioned problems pay no extra pass.
   */
  public LeastSquaresRegression setRefinementSteps(int value) {
    if (value < 0) {
      throw new InvalidInputException("refinementSteps must be >= 0, got " + value);
    }
    set(refinementSteps, value);
    return this;
  }

  public LeastSquaresRegression setLabelCol(String value) {
    set(labelCol(), value);
    return this;
  }

  public LeastSquaresRegression setWeightCol(String value) {
    set(weightCol, value);
    return this;
  }

  public LeastSquaresRegression setFitIntercept(boolean value) {
    set(fitIntercept(), value);
    return this;
  }

  public LeastSquaresRegression setEquilibrate(boolean value) {
    set(equilibrate, value);
    return this;
  }

  public LeastSquaresRegression setRtol(double value) {
    set(rtol, value);
    return this;
  }

  public LeastSquaresRegression setAtol(double value) {
    set(atol, value);
    return this;
  }

  public DoubleParam regParam() {
    return regParam;
  }

  public BooleanParam standardization() {
    return standardization;
  }

  public Param<String> regParamSelection() {
    return regParamSelection;
  }

  public org.apache.spark.ml.param.DoubleArrayParam regParamGrid() {
    return regParamGrid;
  }

  /**
   * The ridge penalty {@code lambda}, with the semantics of Spark's {@code LinearRegression} for
   * {@code elasticNetParam = 0} ({@link RidgePath}); 0, the default, is least squares.
   */
  public LeastSquaresRegression setRegParam(double value) {
    if (!(value >= 0) || !Double.isFinite(value)) {
      throw new InvalidInputException("regParam must be a finite number >= 0, got " + value);
    }
    set(regParam, value);
    return this;
  }

  /** Whether the penalty applies to standardized coefficients (default true, as in Spark). */
  public LeastSquaresRegression setStandardization(boolean value) {
    set(standardization, value);
    return this;
  }

  /**
   * {@code "gcv"}: choose {@code regParam} by generalized cross-validation over {@code regParamGrid}
   * (from the same pass); {@code "loo"}: by leave-one-out error (one more pass); {@code "none"}: use it.
   */
  public LeastSquaresRegression setRegParamSelection(String value) {
    if (!value.equals("none") && !value.equals("gcv") && !value.equals("loo")) {
      throw new InvalidInputException("regParamSelection must be 'none', 'gcv' or 'loo', got '" + value + "'");
    }
    set(regParamSelection, value);
    return this;
  }

  /** The penalties a GCV selection searches (each > 0). */
  public LeastSquaresRegression setRegParamGrid(double[] values) {
    if (values.length == 0 || java.util.Arrays.stream(values).anyMatch(v -> !(v > 0) || !Double.isFinite(v))) {
      throw new InvalidInputException("regParamGrid must hold finite penalties > 0, got "
          + java.util.Arrays.toString(values));
    }
    set(regParamGrid, values.clone());
    return this;
  }

  /** The cut-off the params describe. */
  RankCutoff cutoff() {
    return RankCutoff.of(isDefined(rtol) ? (Double) getOrDefault(rtol) : null,
        isDefined(atol) ? (Double) getOrDefault(atol) : null);
  }

  @Override
  public LeastSquaresRegressionModel fit(Dataset<?> dataset) {
    transformSchema(dataset.schema());
    String features = getFeaturesCol();
    String label = getLabelCol();
    String weight = isDefined(weightCol) ? getOrDefault(weightCol) : null;
    boolean intercept = getFitIntercept();
    RankCutoff cutoff = cutoff();
    List<String> names = featureNames(dataset.schema().apply(features), dataset);
    int p = names.size();
    boolean ridge = (Double) getOrDefault(regParam) > 0 || !getOrDefault(regParamSelection).equals("none");
    boolean onesColumn = intercept || ridge; // a ridge fit needs the weights' column for the means either way
    int cols = p + (onesColumn ? 1 : 0) + 1;
    List<Column> selected = new ArrayList<>();
    selected.add(functions.col(features));
    selected.add(functions.col(label).cast(DataTypes.DoubleType));
    if (weight != null) {
      selected.add(functions.col(weight).cast(DataTypes.DoubleType));
    }
    JavaRDD<Row> rows = dataset.select(selected.toArray(new Column[0])).toJavaRDD();
    DesignRows design = new DesignRows(features, label, weight, p, onesColumn, names);
    // the design's columns and the label: as [A | b] for the route
    Route route = Route.of(cols - 1, 1, isDefined(rank) ? (Integer) getOrDefault(rank) : null);
    if (ridge && (route.truncated() || isSet(refinementSteps) && (Integer) getOrDefault(refinementSteps) > 0)) {
      throw new InvalidInputException("LeastSquaresRegression: regParam and regParamSelection apply to the one-pass"
          + " TSQR fit (up to " + (Tsqr.MAX_COLUMNS - 2) + " features), not with rank or refinementSteps");
    }
    if (route.truncated()) {
      if (isSet(refinementSteps) && (Integer) getOrDefault(refinementSteps) > 0) {
        throw new InvalidInputException("LeastSquaresRegression: refinementSteps applies to the TSQR route (up to "
            + (Tsqr.MAX_COLUMNS - 1) + " design columns, no rank), not to a truncated fit");
      }
      TruncatedSvd.Options options = new TruncatedSvd.Options().maxRank((Integer) getOrDefault(maxRank));
      LeastSquaresFit fit = TruncatedRegression.fit(dataset.sparkSession(), rows, design, intercept,
          (Boolean) getOrDefault(equilibrate), cutoff, isDefined(rank) ? (Integer) getOrDefault(rank) : null, options,
          names);
      LeastSquaresRegressionModel model = new LeastSquaresRegressionModel(uid, fit);
      copyValues(model, extractParamMap());
      return model.setParent(this);
    }
    JavaRDD<QrAccumulator> triangles = rows.mapPartitions(it -> {
      QrAccumulator acc = new QrAccumulator(cols);
      design.forEachDesignRow(it, acc::add);
      return Collections.singletonList(acc).iterator();
    }, true);
    QrAccumulator all = DeterministicReduce.reduce(triangles, DeterministicReduce.leftFold(QrAccumulator::merge));
    if (ridge) {
      LeastSquaresRegressionModel model = new LeastSquaresRegressionModel(uid,
          RidgeSelection.fit(all.triangle(), intercept, (Boolean) getOrDefault(standardization),
              getOrDefault(regParamSelection), (Double) getOrDefault(regParam),
              isDefined(regParamGrid) ? getOrDefault(regParamGrid) : null, names, rows, design));
      copyValues(model, extractParamMap());
      return model.setParent(this);
    }
    LeastSquaresFit fit = LeastSquaresFit.fromTriangle(all.triangle(), intercept, (Boolean) getOrDefault(equilibrate),
        cutoff, names);
    boolean automatic = !isSet(refinementSteps);
    int steps = automatic ? MAX_AUTOMATIC_PASSES : (Integer) getOrDefault(refinementSteps);
    for (int step = 0; step < steps; step++) {
      if (automatic && (fit.rank() < p + (intercept ? 1 : 0) || fit.estimatedRelativeError() <= AUTOMATIC_TARGET)) {
        break; // accurate enough (or rank-deficient, where the minimum-norm fit is not refined unasked)
      }
      fit = fit.refine(ResidualCorrelation.over(rows, design, fit.designCoefficients()));
    }
    LeastSquaresRegressionModel model = new LeastSquaresRegressionModel(uid, fit);
    copyValues(model, extractParamMap());
    return model.setParent(this);
  }

  /** Feature names from VectorAssembler's metadata, else {@code features[j]}; the width from the first row. */
  static List<String> featureNames(StructField field, Dataset<?> dataset) {
    int size = -1;
    List<String> names = new ArrayList<>();
    if (field.dataType().equals(SQLDataTypes.VectorType())) {
      AttributeGroup group = AttributeGroup.fromStructField(field);
      size = group.size();
      if (group.attributes().isDefined()) {
        Attribute[] attributes = group.attributes().get();
        for (int j = 0; j < attributes.length; j++) {
          names.add(attributes[j].name().isDefined() ? attributes[j].name().get() : field.name() + "[" + j + "]");
        }
        return names;
      }
    }
    if (size < 0) {
      List<Row> first = dataset.select(field.name()).where(functions.col(field.name()).isNotNull()).limit(1).toDF()
          .collectAsList();
      if (first.isEmpty()) {
        throw new InvalidInputException("LeastSquaresRegression: no rows to fit");
      }
      Object cell = first.get(0).get(0);
      size = cell instanceof Vector ? ((Vector) cell).size() : first.get(0).getList(0).size();
    }
    for (int j = 0; j < size; j++) {
      names.add(field.name() + "[" + j + "]");
    }
    return names;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    String features = getFeaturesCol();
    String label = getLabelCol();
    requireColumn(schema, features);
    DataType f = schema.apply(features).dataType();
    if (!f.equals(SQLDataTypes.VectorType()) && !RowVectors.isNumericArray(f)) {
      throw new InvalidInputException("LeastSquaresRegression: the features column '" + features + "' has type "
          + f.simpleString() + "; expected a vector or an array of numbers");
    }
    requireNumeric(schema, label, "label");
    if (isDefined(weightCol)) {
      requireNumeric(schema, getOrDefault(weightCol), "weight");
    }
    String prediction = getPredictionCol();
    if (schema.getFieldIndex(prediction).isDefined()) {
      throw new InvalidInputException("LeastSquaresRegression: the prediction column '" + prediction + "' already exists");
    }
    return schema.add(prediction, DataTypes.DoubleType, false);
  }

  static void requireColumn(StructType schema, String name) {
    if (schema.getFieldIndex(name).isEmpty()) {
      throw new InvalidInputException("LeastSquaresRegression: no column '" + name + "' (columns: "
          + String.join(", ", schema.fieldNames()) + ")");
    }
  }

  private static void requireNumeric(StructType schema, String name, String role) {
    requireColumn(schema, name);
    DataType t = schema.apply(name).dataType();
    if (!(t instanceof NumericType)) {
      throw new InvalidInputException("LeastSquaresRegression: the " + role + " column '" + name + "' has type "
          + t.simpleString() + "; expected a number");
    }
  }

  @Override
  public LeastSquaresRegression copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  public static MLReader<LeastSquaresRegression> read() {
    return new DefaultParamsReader<>();
  }

  public static LeastSquaresRegression load(String path) {
    return read().load(path);
  }
}
