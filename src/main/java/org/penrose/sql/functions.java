package org.penrose.sql;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.SparkSession;

/**
 * Penrose's SQL functions as {@link Column} builders, like {@code org.apache.spark.sql.functions}:
 *
 * <pre>{@code
 * import static org.penrose.sql.functions.*;
 * df.select(pinv(col("A")), lstsq(col("A"), col("b"), lit(1e-10)).getField("solution"));
 * df.groupBy("key").agg(lstsqAgg(col("features"), col("label")));
 * }</pre>
 *
 * The first use registers the functions in the active session when the session extension is not
 * installed ({@link PenroseFunctions#register}). Tolerances are Columns (usually {@code lit(...)};
 * {@code lit(null)} means not given). See {@code DESCRIBE FUNCTION EXTENDED <name>} for each.
 */
public final class functions {
  private functions() {}

  private static Column call(String name, Column... args) {
    SparkSession spark = SparkSession.active();
    if (!spark.catalog().functionExists(name)) {
      PenroseFunctions.register(spark);
    }
    return org.apache.spark.sql.functions.call_function(name, args);
  }

  /** {@code pinv(A)}: the pseudo-inverse (n x m) with the default cut-off. */
  public static Column pinv(Column a) {
    return call("pinv", a);
  }

  /** {@code pinv(A, rtol)}. */
  public static Column pinv(Column a, Column rtol) {
    return call("pinv", a, rtol);
  }

  /** {@code pinv(A, rtol, atol)}. */
  public static Column pinv(Column a, Column rtol, Column atol) {
    return call("pinv", a, rtol, atol);
  }

  /** {@code lstsq(A, B)}: struct(solution, rank, singular_values, residual_sum_of_squares, threshold). */
  public static Column lstsq(Column a, Column b) {
    return call("lstsq", a, b);
  }

  /** {@code lstsq(A, B, rtol)}. */
  public static Column lstsq(Column a, Column b, Column rtol) {
    return call("lstsq", a, b, rtol);
  }

  /** {@code lstsq(A, B, rtol, atol)}. */
  public static Column lstsq(Column a, Column b, Column rtol, Column atol) {
    return call("lstsq", a, b, rtol, atol);
  }

  /** {@code pinv_jvp(A, dA)}: dP (n x m) along the tangent dA (m x n). */
  public static Column pinvJvp(Column a, Column tangent) {
    return call("pinv_jvp", a, tangent);
  }

  /** {@code pinv_jvp(A, dA, rtol, atol)}. */
  public static Column pinvJvp(Column a, Column tangent, Column rtol, Column atol) {
    return call("pinv_jvp", a, tangent, rtol, atol);
  }

  /** {@code pinv_vjp(A, G)}: dL/dA (m x n) for the cotangent G = dL/dP (n x m). */
  public static Column pinvVjp(Column a, Column cotangent) {
    return call("pinv_vjp", a, cotangent);
  }

  /** {@code pinv_vjp(A, G, rtol, atol)}. */
  public static Column pinvVjp(Column a, Column cotangent, Column rtol, Column atol) {
    return call("pinv_vjp", a, cotangent, rtol, atol);
  }

  /** {@code lstsq_vjp(A, B, gX)}: struct(grad_a, grad_b). */
  public static Column lstsqVjp(Column a, Column b, Column cotangent) {
    return call("lstsq_vjp", a, b, cotangent);
  }

  /** {@code lstsq_vjp(A, B, gX, rtol, atol)}. */
  public static Column lstsqVjp(Column a, Column b, Column cotangent, Column rtol, Column atol) {
    return call("lstsq_vjp", a, b, cotangent, rtol, atol);
  }

  /** {@code matrix_rank(A)}. */
  public static Column matrixRank(Column a) {
    return call("matrix_rank", a);
  }

  /** {@code matrix_rank(A, rtol, atol)}. */
  public static Column matrixRank(Column a, Column rtol, Column atol) {
    return call("matrix_rank", a, rtol, atol);
  }

  /** {@code svdvals(A)}: all min(m, n) singular values, descending. */
  public static Column svdvals(Column a) {
    return call("svdvals", a);
  }

  /** {@code lstsq_agg(features, label)}: the aggregate least-squares fit of a group. */
  public static Column lstsqAgg(Column features, Column label) {
    return call("lstsq_agg", features, label);
  }

  /** {@code lstsq_agg(features, label, rtol, atol)} (constant tolerances). */
  public static Column lstsqAgg(Column features, Column label, Column rtol, Column atol) {
    return call("lstsq_agg", features, label, rtol, atol);
  }
}
