package org.penrose.ml;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleArrayParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.penrose.distributed.Route;
import org.penrose.engine.Tsqr;
import org.penrose.factor.RankCutoff;
import org.penrose.iterative.LsmrOptions;
import org.penrose.matrix.InvalidInputException;
import org.penrose.truncated.TruncatedSvd;
import org.penrose.truncated.TruncatedSvdOptions;
import scala.Function1;

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
 * (default true; see {@link LeastSquaresFit} for what it changes), {@code solver} ({@code "auto"},
 * {@code "tsqr"}, {@code "truncated"} or {@code "lsmr"}; see {@link #setSolver}), {@code rank},
 * {@code maxRank}, {@code refinementSteps}, the ridge params, and LSMR's {@code tol}, {@code maxIter} and
 * {@code forwardError};
 * every param is checked by its validator, however it is set (setter, {@code ParamMap}, {@code copy}, load).
 * NULL or non-finite features, labels or weights, negative weights and feature vectors of different lengths
 * are errors.
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
  private final DoubleArrayParam regParamGrid;
  private final Param<String> solver;
  private final DoubleParam tol;
  private final IntParam maxIter;
  private final DoubleParam forwardError;

  private static final String[] SOLVERS = {"auto", "tsqr", "truncated", "lsmr"};
  private static final String[] SELECTIONS = {"none", "gcv", "loo"};
  private static final Function1<Object, Object> FINITE_NON_NEGATIVE =
      value -> (Double) value >= 0 && Double.isFinite((Double) value);

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
    rtol = new DoubleParam(this, "rtol", "relative cut-off: singular values <= max(atol, rtol * s_max) are dropped",
        FINITE_NON_NEGATIVE);
    atol = new DoubleParam(this, "atol", "absolute cut-off", FINITE_NON_NEGATIVE);
    refinementSteps = new IntParam(this, "refinementSteps",
        "extra passes over the rows refining the coefficients in compensated arithmetic (unset: automatic, while the"
            + " estimated relative error exceeds 1e-13, at most 3; 0: one pass)", ParamValidators.gtEq(0));
    rank = new IntParam(this, "rank", "truncate at this rank (principal-component regression, any number of"
        + " features); unset: the cut-off decides, by TSQR up to 4096 design columns, by the truncated SVD beyond",
        ParamValidators.gtEq(1));
    maxRank = new IntParam(this, "maxRank",
        "beyond 4096 design columns and without rank, the largest rank the cut-off may reach", ParamValidators.gtEq(1));
    solver = new Param<>(this, "solver", "'auto' (TSQR up to 4096 design columns without rank, the truncated SVD"
        + " with rank, else LSMR), 'tsqr', 'truncated' or 'lsmr'", ParamValidators.inArray(SOLVERS));
    tol = new DoubleParam(this, "tol", "LSMR's atol = btol: stop when ||A^T r|| <= tol ||A|| ||r|| (or the system is"
        + " solved to tol)", ParamValidators.gt(0));
    maxIter = new IntParam(this, "maxIter", "LSMR's iteration limit (0: min(rows, design columns))",
        ParamValidators.gtEq(0));
    forwardError = new DoubleParam(this, "forwardError", "LSMR ridge (regParam > 0): iterate until the bound on the"
        + " scaled coefficients' relative error ||z - z*|| / ||z|| is at most this, instead of tol (0: tol decides)",
        FINITE_NON_NEGATIVE);
    regParam = new DoubleParam(this, "regParam", "L2 penalty lambda >= 0, as Spark's LinearRegression with"
        + " elasticNetParam = 0 (0: least squares)", FINITE_NON_NEGATIVE);
    standardization = new BooleanParam(this, "standardization", "penalize the coefficients of standardized features"
        + " (as Spark's LinearRegression)");
    regParamSelection = new Param<>(this, "regParamSelection", "'none' (use regParam), 'gcv' (the penalty of least"
        + " generalized cross-validation on a path, from the same pass) or 'loo' (of least leave-one-out error, one "
        + "more pass)", ParamValidators.inArray(SELECTIONS));
    regParamGrid = new DoubleArrayParam(this, "regParamGrid", "the penalties GCV searches"
        + " (default: " + DEFAULT_PATH_SIZE + " log-spaced values from almost no to almost full shrinkage)",
        LeastSquaresRegression::validGrid);
    setDefault(regParam, 0.0);
    setDefault(standardization, true);
    setDefault(regParamSelection, "none");
    setDefault(solver, "auto");
    setDefault(tol, LsmrOptions.DEFAULT_TOLERANCE);
    setDefault(maxIter, 0);
    setDefault(forwardError, 0.0);
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
    return checkedSet(rank, value, "must be >= 1", String.valueOf(value));
  }

  /** Beyond 4096 design columns and without {@link #setRank}, the largest rank the cut-off may reach. */
  public LeastSquaresRegression setMaxRank(int value) {
    return checkedSet(maxRank, value, "must be >= 1", String.valueOf(value));
  }

  /**
   * Exactly {@code value} extra passes over the rows that refine the coefficients (iterative
   * refinement with residuals in compensated arithmetic; see {@link LeastSquaresFit#refine}); 0 is the
   * one-pass TSQR fit. Unset (the default), a full-rank fit is refined automatically while its
   * {@link LeastSquaresFit#estimatedRelativeError} exceeds {@link #AUTOMATIC_TARGET}, at most
   * {@link #MAX_AUTOMATIC_PASSES} times, so well-conditioned problems pay no extra pass.
   */
  public LeastSquaresRegression setRefinementSteps(int value) {
    return checkedSet(refinementSteps, value, "must be >= 0", String.valueOf(value));
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

  public DoubleArrayParam regParamGrid() {
    return regParamGrid;
  }

  public Param<String> solver() {
    return solver;
  }

  public DoubleParam tol() {
    return tol;
  }

  public IntParam maxIter() {
    return maxIter;
  }

  /** LSMR's stopping tolerance, {@code atol = btol} (default 1e-6, as scipy's {@code lsmr}). */
  public LeastSquaresRegression setTol(double value) {
    return checkedSet(tol, value, "must be > 0", String.valueOf(value));
  }

  /** LSMR's iteration limit; 0 (the default) is {@code min(rows, design columns)}. */
  public LeastSquaresRegression setMaxIter(int value) {
    return checkedSet(maxIter, value, "must be >= 0", String.valueOf(value));
  }

  public DoubleParam forwardError() {
    return forwardError;
  }

  /**
   * On the LSMR route with {@code regParam > 0}: iterate until the bound on the scaled coefficients' relative
   * error, {@code ||z - z*|| / ||z||} ({@code LsmrResult.forwardErrorBound}, the summary's {@code
   * forwardErrorBound}), is at most {@code value}, instead of stopping on {@code tol}; 0 (the default): none.
   */
  public LeastSquaresRegression setForwardError(double value) {
    return checkedSet(forwardError, value, "must be a finite number >= 0", String.valueOf(value));
  }

  /**
   * The algorithm, as Spark's {@code LinearRegression.solver}: {@code "auto"} (the default: one TSQR
   * pass up to 4096 design columns without {@code rank}, the certified truncated SVD with {@code rank},
   * LSMR past 4096 columns without one; see {@code Route}), {@code "tsqr"} (an error past 4096 columns or
   * with {@code rank}), {@code "truncated"} (the truncated SVD at the rank the cut-off decides, or at
   * {@code rank}) or {@code "lsmr"} ({@link LsmrRegression}: least squares or ridge at any width, to
   * {@code tol}; no rank decision, GCV or standard errors).
   */
  public LeastSquaresRegression setSolver(String value) {
    return checkedSet(solver, value, "must be 'auto', 'tsqr', 'truncated' or 'lsmr'", "'" + value + "'");
  }

  /**
   * Sets {@code param} unless its validator refuses {@code value}, which is then Penrose's one-line error
   * ({@code <name> <requirement>, got <shown>}); the validator alone guards a {@code ParamMap}, {@code copy} or
   * load, with Spark's message.
   */
  private <T> LeastSquaresRegression checkedSet(Param<T> param, T value, String requirement, String shown) {
    if (!(Boolean) param.isValid().apply(value)) {
      throw new InvalidInputException(param.name() + " " + requirement + ", got " + shown);
    }
    set(param, value);
    return this;
  }

  private static boolean validGrid(double[] values) {
    return values.length > 0 && Arrays.stream(values).allMatch(v -> v > 0 && Double.isFinite(v));
  }

  /**
   * The ridge penalty {@code lambda}, with the semantics of Spark's {@code LinearRegression} for
   * {@code elasticNetParam = 0} ({@link RidgePath}); 0, the default, is least squares.
   */
  public LeastSquaresRegression setRegParam(double value) {
    return checkedSet(regParam, value, "must be a finite number >= 0", String.valueOf(value));
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
    return checkedSet(regParamSelection, value, "must be 'none', 'gcv' or 'loo'", "'" + value + "'");
  }

  /** The penalties a GCV selection searches (each > 0). */
  public LeastSquaresRegression setRegParamGrid(double[] values) {
    return checkedSet(regParamGrid, values.clone(), "must hold finite penalties > 0", Arrays.toString(values));
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
    String weight = isDefined(weightCol) ? getOrDefault(weightCol) : null;
    boolean intercept = getFitIntercept();
    List<String> names = RegressionSchema.featureNames(dataset.schema().apply(features), dataset);
    boolean ridge = (Double) getOrDefault(regParam) > 0 || !getOrDefault(regParamSelection).equals("none");
    Route route = route(names.size() + (intercept || ridge ? 1 : 0), ridge);
    // the TSQR ridge fit needs the weights' column for the means even without an intercept
    boolean onesColumn = route.kind() == Route.Kind.TSQR ? intercept || ridge : intercept;
    List<Column> selected = new ArrayList<>();
    selected.add(functions.col(features));
    selected.add(functions.col(getLabelCol()).cast(DataTypes.DoubleType));
    if (weight != null) {
      selected.add(functions.col(weight).cast(DataTypes.DoubleType));
    }
    JavaRDD<Row> rows = dataset.select(selected.toArray(new Column[0])).toJavaRDD();
    LeastSquaresFit fit;
    try (DesignRows design = new DesignRows(JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext()),
        features, getLabelCol(), weight, names.size(), onesColumn, names)) {
      fit = switch (route.kind()) {
        case TRUNCATED -> fitTruncated(rows, design, names);
        case LSMR -> LsmrRegression.fit(rows, design, intercept,
            (Boolean) getOrDefault(equilibrate), (Boolean) getOrDefault(standardization),
            (Double) getOrDefault(regParam), LsmrOptions.defaults()
                .withTolerances((Double) getOrDefault(tol), (Double) getOrDefault(tol))
                .withMaxIterations((Integer) getOrDefault(maxIter))
                .withForwardError((Double) getOrDefault(forwardError)), names);
        case TSQR -> TsqrRegression.fit(this, rows, design, names, ridge);
      };
    }
    LeastSquaresRegressionModel model = new LeastSquaresRegressionModel(uid, fit);
    copyValues(model, extractParamMap());
    return model.setParent(this);
  }

  /**
   * The {@link Route} for the design's columns and the label ({@code [A | b]}), as the {@code solver} and
   * {@code rank} params ask; the params that apply to one route only are refused on the other.
   */
  private Route route(int designColumns, boolean ridge) {
    Route route = Route.of(designColumns, 1, isDefined(rank) ? (Integer) getOrDefault(rank) : null,
        Route.requested(getOrDefault(solver)), false);
    boolean refined = isSet(refinementSteps) && (Integer) getOrDefault(refinementSteps) > 0;
    if ((Double) getOrDefault(forwardError) > 0 && (route.kind() != Route.Kind.LSMR || !ridge)) {
      throw new InvalidInputException("LeastSquaresRegression: forwardError is a target of the LSMR route's ridge fit"
          + " (solver 'lsmr', or past 4096 features, with regParam > 0): its bound divides by the penalty");
    }
    if (route.kind() == Route.Kind.LSMR) {
      if (!getOrDefault(regParamSelection).equals("none") || refined) {
        throw new InvalidInputException("LeastSquaresRegression: regParamSelection and refinementSteps apply to the"
            + " TSQR fit (up to " + (Tsqr.MAX_COLUMNS - 2) + " features), not to the LSMR route");
      }
      return route;
    }
    if (ridge && (route.truncated() || refined)) {
      throw new InvalidInputException("LeastSquaresRegression: regParam and regParamSelection apply to the one-pass"
          + " TSQR fit (up to " + (Tsqr.MAX_COLUMNS - 2) + " features), not with rank or refinementSteps");
    }
    if (route.truncated() && refined) {
      throw new InvalidInputException("LeastSquaresRegression: refinementSteps applies to the TSQR route (up to "
          + (Tsqr.MAX_COLUMNS - 1) + " design columns, no rank), not to a truncated fit");
    }
    return route;
  }

  /** The truncated route ({@link TruncatedRegression}): the design's certified truncated SVD. */
  private LeastSquaresFit fitTruncated(JavaRDD<Row> rows, DesignRows design, List<String> names) {
    TruncatedSvdOptions options = new TruncatedSvdOptions().maxRank((Integer) getOrDefault(maxRank));
    return TruncatedRegression.fit(rows, design, getFitIntercept(),
        (Boolean) getOrDefault(equilibrate), cutoff(), isDefined(rank) ? (Integer) getOrDefault(rank) : null, options,
        names);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return RegressionSchema.withPrediction(schema, getFeaturesCol(), getLabelCol(),
        isDefined(weightCol) ? getOrDefault(weightCol) : null, getPredictionCol());
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
