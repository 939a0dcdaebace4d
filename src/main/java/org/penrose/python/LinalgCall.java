package org.penrose.python;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.penrose.adapters.DatasetRows;
import org.penrose.distributed.DistributedLstsq;
import org.penrose.distributed.DistributedPinv;
import org.penrose.distributed.DistributedRidge;
import org.penrose.distributed.LsmrJvp;
import org.penrose.distributed.LsmrVjp;
import org.penrose.distributed.Route;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.factor.RankCutoff;
import org.penrose.iterative.DeferredDeflation;
import org.penrose.iterative.Deflation;
import org.penrose.iterative.Lsmr;
import org.penrose.iterative.LsmrOptions;
import org.penrose.iterative.LsmrResult;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.InvalidInputException;
import org.penrose.solver.Gradient;
import org.penrose.truncated.TruncatedSvd;
import org.penrose.truncated.TruncatedSvdOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.CollectionConverters;

/**
 * One call of {@code penrose.linalg} ({@code lstsq}, {@code pinv}, {@code svd}, {@code ridge}), the
 * same on a classic session ({@link PythonBridge#run}, through Py4J) and on Spark Connect
 * ({@link PenroseRelationPlugin}): a JSON request in, one result row out ({@link #RESULT}).
 *
 * <p>The request names the operation ({@code "op"}), its matrices ({@link RequestMatrices}: a path, a
 * temporary view or a numpy buffer), the cut-off ({@code rtol}, {@code atol}), the route ({@code rank},
 * {@code method}: {@link Route#of} decides) and the truncated SVD's options. n-sized results come
 * back in the row (matrices column-major with their shapes); m-sized ones ({@code P^T}, {@code U},
 * {@code grad_A}, {@code grad_B}, {@code dP^T}) as temporary views of {@code (row: bigint, vector:
 * vector)}, named in the row's {@code views}, whose lineage recomputes them from the input.
 */
final class LinalgCall {
  private static final Logger LOG = LoggerFactory.getLogger(LinalgCall.class);

  /** The result row. */
  static final StructType RESULT = new StructType()
      .add("x", "array<double>").add("x_rows", "int").add("x_cols", "int")
      .add("residuals", "array<double>").add("rank", "int").add("singular_values", "array<double>")
      .add("threshold", "double").add("route", "string").add("route_reason", "string").add("certificate", "double")
      .add("v", "array<double>").add("v_rows", "int").add("v_cols", "int").add("steps", "int")
      .add("dx", "array<double>").add("grad_mu", "double")
      .add("iterations", "array<int>").add("stops", "array<string>").add("converged", "boolean")
      .add("forward_error", "double")
      .add("views", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType));

  private static final ObjectMapper JSON = new ObjectMapper();

  private final SparkSession spark;
  private final JsonNode request;
  private final Map<String, Object> out = new LinkedHashMap<>();
  private final Map<String, String> views = new LinkedHashMap<>();
  private final String prefix = "penrose_" + UUID.randomUUID().toString().replace("-", "");
  private final RequestMatrices matrices;
  private RowBlockMatrix a;

  private LinalgCall(SparkSession spark, String json) {
    this.spark = spark;
    this.matrices = new RequestMatrices(spark);
    try {
      this.request = JSON.readTree(json);
    } catch (IOException e) {
      throw new InvalidInputException("penrose.linalg: a malformed request (" + e.getMessage() + ")");
    }
  }

  /** Runs the request; the result is one row of {@link #RESULT}. */
  static Dataset<Row> run(SparkSession spark, String json) throws IOException {
    return new LinalgCall(spark, json).run();
  }

  private Dataset<Row> run() throws IOException {
    String op = text("op");
    a = matrices.a(request.get("a"));
    switch (op == null ? "" : op) {
      case "lstsq":
        lstsq();
        break;
      case "pinv":
        pinv();
        break;
      case "svd":
        svd();
        break;
      case "ridge":
        ridge();
        break;
      default:
        throw new InvalidInputException("penrose.linalg: unknown operation " + op);
    }
    out.put("views", CollectionConverters.asScala(views));
    Object[] values = new Object[RESULT.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = out.get(RESULT.fields()[i].name());
    }
    return spark.createDataFrame(List.of(RowFactory.create(values)), RESULT);
  }

  private void lstsq() throws IOException {
    RowBlockMatrix b = matrices.aligned(request.get("b"), a, "B");
    Integer rank = integer("rank");
    String method = method();
    Route route = Route.of(a.cols(), b.cols(), rank, Route.requested(method), false); // LSMR has both derivatives
    if (route.kind() == Route.Kind.LSMR) {
      lsmr(b, route);
      return;
    }
    DistributedLstsq ls = DistributedLstsq.solve(a, b, cutoff(), route, rank, options());
    summary(ls.factorization().rank(), ls.factorization().singularValues(), ls.factorization().threshold(), route,
        ls.truncatedSvd());
    matrix("x", ls.factorization().solution());
    out.put("residuals", ls.factorization().residualSumOfSquares());
    DoubleMatrix cotangent = matrices.local(request.get("cotangent"), "the cotangent");
    if (cotangent != null) {
      DoubleMatrix x = ls.factorization().solution();
      DoubleMatrix.requireSameShape("X", x, "the cotangent gX", cotangent);
      DistributedLstsq.LowRankGradient g = ls.vjp(cotangent);
      view("grad_a", g.a());
      view("grad_b", g.b());
    }
    if (has("tangent_a") || has("tangent_b")) {
      out.put("dx", ls.jvp(tangent("tangent_a", "dA", a.cols()), tangent("tangent_b", "dB", b.cols())).values()
          .clone());
    }
  }

  /**
   * LSMR for each column of {@code B} ({@link Lsmr}): {@code x}, the residual norms squared (of the
   * damped problem when {@code damp > 0}), each column's iterations and stop, and the largest
   * backward-error certificate {@code ||A^T r|| / (||A|| ||r||)}; no rank decision (null).
   */
  private void lsmr(RowBlockMatrix b, Route route) throws IOException {
    if (has("rtol")) {
      throw new InvalidInputException("the LSMR route takes no rtol (a cut-off; its tolerances are atol and btol)");
    }
    LsmrOptions options = LsmrOptions.defaults().withDamp(has("damp") ? number("damp") : 0)
        .withTolerances(has("atol") ? number("atol") : LsmrOptions.DEFAULT_TOLERANCE,
            has("btol") ? number("btol") : LsmrOptions.DEFAULT_TOLERANCE)
        .withMaxIterations(has("max_iterations") ? integer("max_iterations") : 0)
        .withForwardError(has("forward_error") ? number("forward_error") : 0);
    List<LsmrResult> columns;
    if (has("deflate")) {
      int k = integer("deflate");
      if (k < 0) {
        throw new InvalidInputException("deflate must be a number of singular triplets >= 0 (0: never), got " + k);
      }
      if (k > 0 && (has("cotangent") || has("tangent_a") || has("tangent_b"))) {
        throw new InvalidInputException("deflate is for the solve alone (the derivatives' LSMR solves run without"
            + " it): drop deflate, or the cotangent and tangent");
      }
      columns = Lsmr.solveEach(a, b, options, k > 0 ? deflation(k) : null);
    } else { // automatic: rank 20 once plain LSMR has run 1000 iterations without stopping (undamped)
      columns = Lsmr.solveEach(a, b, options, DeferredDeflation.automatic(a.rows(), a.cols(), this::deflation,
          LOG::warn)); // the server's log says why, where it cannot deflate
    }
    int[] iterations = new int[columns.size()];
    String[] stops = new String[columns.size()];
    double certificate = 0;
    double forwardError = 0; // the largest bound on ||x - x*|| / ||x|| over the columns (damped only)
    boolean converged = true;
    for (int j = 0; j < columns.size(); j++) {
      LsmrResult r = columns.get(j);
      iterations[j] = r.iterations();
      stops[j] = r.stop().name().toLowerCase(Locale.ROOT);
      certificate = Math.max(certificate, r.certificate());
      forwardError = Math.max(forwardError, r.forwardErrorBound());
      converged &= r.converged(options.forwardError());
    }
    DoubleMatrix x = Lsmr.solution(columns);
    matrix("x", x);
    double[] residuals = new double[columns.size()]; // ||B_j - A X_j||^2 from X_j, by LSMR's last two passes
    for (int j = 0; j < residuals.length; j++) {
      residuals[j] = columns.get(j).residualSumOfSquares();
    }
    out.put("residuals", residuals);
    DoubleMatrix cotangent = matrices.local(request.get("cotangent"), "the cotangent");
    if (cotangent != null) {
      DoubleMatrix.requireSameShape("X", x, "the cotangent gX", cotangent);
      DistributedLstsq.LowRankGradient g = LsmrVjp.of(a, b, x, cotangent, options);
      view("grad_a", g.a());
      view("grad_b", g.b());
      out.put("grad_mu", g.mu()); // dL/dmu, mu = damp^2
    }
    if (has("tangent_a") || has("tangent_b")) {
      out.put("dx", LsmrJvp.of(a, b, x, tangent("tangent_a", "dA", a.cols()), tangent("tangent_b", "dB", b.cols()),
          options).values().clone());
    }
    out.put("route", "lsmr");
    out.put("route_reason", route.reason());
    out.put("certificate", certificate);
    out.put("iterations", iterations);
    out.put("stops", stops);
    out.put("converged", converged);
    out.put("forward_error", options.damp() > 0 ? forwardError : null);
  }

  private void pinv() throws IOException {
    Integer rank = integer("rank");
    String method = method();
    Route route = Route.of(a.cols(), 0, rank, Route.requested(method), true);
    DistributedPinv p = DistributedPinv.factor(a, cutoff(), route, rank, options());
    summary(p.factorization().rank(), p.factorization().singularValues(), p.factorization().threshold(), route,
        p.truncatedSvd());
    view("pinv_t", p.pinvTranspose());
    if (has("cotangent")) {
      RowBlockMatrix cotangentTranspose = matrices.transposed(request.get("cotangent"), a);
      requireCols(cotangentTranspose, a.cols(), "the cotangent's transpose G^T");
      view("grad_a", p.vjp(cotangentTranspose).a());
    }
    if (has("tangent_a")) {
      view("dpinv_t", p.jvpTranspose(tangent("tangent_a", "dA", a.cols())));
    }
  }

  private void svd() {
    Integer k = integer("k");
    TruncatedSvd svd = k != null ? TruncatedSvd.compute(a, k, options())
        : TruncatedSvd.byCutoff(a, cutoff(), options());
    out.put("rank", svd.rank());
    out.put("singular_values", svd.singularValues());
    out.put("certificate", svd.certificate());
    out.put("steps", svd.steps());
    DoubleMatrix v = svd.v();
    out.put("v", v.values().clone());
    out.put("v_rows", v.rows());
    out.put("v_cols", v.cols());
    view("u", svd.u());
  }

  private void ridge() throws IOException {
    RowBlockMatrix b = matrices.aligned(request.get("b"), a, "B");
    Double mu = number("mu");
    if (mu == null) {
      throw new InvalidInputException("ridge: mu is required");
    }
    DistributedRidge ridge = DistributedRidge.solve(a, b, mu);
    matrix("x", ridge.factorization().solution());
    DoubleMatrix cotangent = matrices.local(request.get("cotangent"), "the cotangent");
    if (cotangent != null) {
      DoubleMatrix.requireSameShape("X", ridge.factorization().solution(), "the cotangent gX", cotangent);
      Gradient<RowBlockMatrix> g = ridge.vjp(cotangent);
      view("grad_a", g.a());
      view("grad_b", g.b());
      out.put("grad_mu", g.mu());
    }
    if (has("tangent_a") || has("tangent_b") || has("tangent_mu")) {
      Double dMu = number("tangent_mu");
      out.put("dx", ridge.jvp(tangent("tangent_a", "dA", a.cols()), tangent("tangent_b", "dB", b.cols()),
          dMu == null ? 0.0 : dMu).values().clone());
    }
  }

  // ---- results

  private void summary(int rank, double[] singularValues, double threshold, Route route, TruncatedSvd svd) {
    out.put("rank", rank);
    out.put("singular_values", singularValues);
    out.put("threshold", threshold);
    out.put("route", route.kind().name().toLowerCase(Locale.ROOT));
    out.put("route_reason", route.reason());
    out.put("certificate", svd == null ? null : svd.certificate());
  }

  private void matrix(String name, DoubleMatrix m) {
    out.put(name, m.values().clone());
    out.put(name + "_rows", m.rows());
    out.put(name + "_cols", m.cols());
  }

  /** An m-sized result as a temporary view of rows. */
  private void view(String name, RowBlockMatrix m) {
    String view = prefix + "_" + name;
    DatasetRows.toDataset(spark, m).createOrReplaceTempView(view);
    views.put(name, view);
  }

  /** The tangent in {@code field} ({@code cols} columns, A's rows) in A's row blocks, or null when not given. */
  private RowBlockMatrix tangent(String field, String name, int cols) throws IOException {
    if (!has(field)) {
      return null;
    }
    RowBlockMatrix m = matrices.aligned(request.get(field), a, name);
    requireCols(m, cols, name);
    return m;
  }

  private static void requireCols(RowBlockMatrix m, int cols, String name) {
    if (m.cols() != cols) {
      throw new InvalidInputException("shape mismatch: " + name + " has " + m.cols() + " columns, expected " + cols);
    }
  }

  private RankCutoff cutoff() {
    return RankCutoff.of(number("rtol"), number("atol"));
  }

  /** The deflation by A's {@code k} largest singular triplets (those with {@code s_i > 0}). */
  private Deflation deflation(int k) {
    TruncatedSvd svd = TruncatedSvd.compute(a, k, options());
    return Deflation.ofNonzero(svd.v(), svd.singularValues());
  }

  private TruncatedSvdOptions options() {
    TruncatedSvdOptions options = new TruncatedSvdOptions();
    if (number("tol") != null) {
      options = options.tolerance(number("tol"));
    }
    if (integer("max_rank") != null) {
      options = options.maxRank(integer("max_rank"));
    }
    if (integer("seed") != null) {
      options = options.seed(integer("seed"));
    }
    return options;
  }

  private String method() {
    String method = text("method");
    return method == null ? "auto" : method;
  }

  private boolean has(String field) {
    return request.has(field) && !request.get(field).isNull();
  }

  private String text(String field) {
    return has(field) ? request.get(field).asText() : null;
  }

  private Double number(String field) {
    return has(field) ? request.get(field).asDouble() : null;
  }

  private Integer integer(String field) {
    return has(field) ? request.get(field).asInt() : null;
  }
}
