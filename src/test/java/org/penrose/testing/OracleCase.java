package org.penrose.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;

/**
 * One public oracle case from {@code data/oracle/cases/} (schema {@code pinv-lstsq-oracle/1}):
 * inputs, expected fields and per-field tolerances, compared exactly as {@code check.py} does.
 */
public final class OracleCase {
  /** The six fields, in check.py's order. */
  public static final List<String> FIELDS =
      List.of("pinv", "jvp", "vjp_A", "lstsq_x", "lstsq_grad_A", "lstsq_grad_b");

  private static final ObjectMapper JSON = new ObjectMapper();

  public final String name;
  public final String fileName;
  public final int m;
  public final int n;
  public final int k;
  public final double rtol;
  public final double atol;
  public final double threshold;
  public final int rank;
  public final DoubleMatrix a;
  public final DoubleMatrix b;
  public final DoubleMatrix g;
  public final DoubleMatrix gx;
  public final DoubleMatrix dA;
  private final JsonNode expected;
  private final JsonNode tol;

  private OracleCase(Path file, JsonNode root) {
    this.fileName = file.getFileName().toString();
    this.name = root.get("name").asText();
    this.m = root.get("m").asInt();
    this.n = root.get("n").asInt();
    this.k = root.get("k").asInt();
    this.rtol = root.get("rtol").asDouble();
    this.atol = root.get("atol").asDouble();
    this.threshold = root.get("threshold").asDouble();
    this.rank = root.get("rank").asInt();
    this.a = matrix(root.get("A"), m, n);
    this.b = matrix(root.get("b"), m, k);
    this.g = matrix(root.get("G"), n, m);
    this.gx = matrix(root.get("gx"), n, k);
    this.dA = matrix(root.get("dA"), m, n);
    this.expected = root.get("expected");
    this.tol = root.get("tol");
  }

  /** All cases, sorted by file name. */
  public static List<OracleCase> all() {
    Path dir = TestData.path("oracle/cases");
    try (Stream<Path> files = Files.list(dir)) {
      List<OracleCase> cases = new ArrayList<>();
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
        cases.add(new OracleCase(f, JSON.readTree(f.toFile())));
      }
      if (cases.isEmpty()) {
        throw new IllegalStateException("no oracle cases in " + dir);
      }
      return cases;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The case's cut-off: both tolerances are stated explicitly. */
  public RankCutoff cutoff() {
    return RankCutoff.of(rtol, atol);
  }

  public DoubleMatrix expected(String field) {
    int[] shape = shape(field);
    return matrix(expected.get(field), shape[0], shape[1]);
  }

  public double tolerance(String field) {
    return tol.get(field).asDouble();
  }

  /** The expected shape of a field, as check.py's shape_of. */
  public int[] shape(String field) {
    switch (field) {
      case "pinv":
      case "jvp":
        return new int[] {n, m};
      case "vjp_A":
      case "lstsq_grad_A":
        return new int[] {m, n};
      case "lstsq_x":
        return new int[] {n, k};
      case "lstsq_grad_b":
        return new int[] {m, k};
      default:
        throw new IllegalArgumentException(field);
    }
  }

  /**
   * check.py's error: {@code max|got - expected| / max|expected|}, or {@code max|got|} when the
   * expected field is identically zero; infinite for a wrong shape or a non-finite value.
   */
  public double relativeError(String field, DoubleMatrix got) {
    DoubleMatrix exp = expected(field);
    if (got.rows() != exp.rows() || got.cols() != exp.cols()) {
      return Double.POSITIVE_INFINITY;
    }
    double num = 0;
    double den = 0;
    for (int i = 0; i < exp.values().length; i++) {
      double v = got.values()[i];
      if (!Double.isFinite(v)) {
        return Double.POSITIVE_INFINITY;
      }
      num = Math.max(num, Math.abs(v - exp.values()[i]));
      den = Math.max(den, Math.abs(exp.values()[i]));
    }
    return den > 0 ? num / den : num;
  }

  /**
   * The fields of {@code got} outside their tolerance, one {@code "field: relerr ... > tol ...; "}
   * each; empty when every field of {@link #FIELDS} passes.
   */
  public String failures(Map<String, DoubleMatrix> got) {
    StringBuilder failures = new StringBuilder();
    for (String field : FIELDS) {
      double err = relativeError(field, got.get(field));
      if (!(err <= tolerance(field))) {
        failures.append(String.format("%s: relerr %.3e > tol %.3e; ", field, err, tolerance(field)));
      }
    }
    return failures.toString();
  }

  /** Writes a RESULTS file for {@code check.py} (row-major lists of lists). */
  public void writeResults(Path dir, Map<String, DoubleMatrix> fields) {
    Map<String, double[][]> out = new LinkedHashMap<>();
    fields.forEach((f, v) -> out.put(f, v.toRows()));
    try {
      Files.createDirectories(dir);
      JSON.writeValue(dir.resolve(fileName).toFile(), out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static DoubleMatrix matrix(JsonNode node, int rows, int cols) {
    if (node.size() != rows) {
      throw new IllegalStateException("oracle matrix has " + node.size() + " rows, expected " + rows);
    }
    DoubleMatrix result = DoubleMatrix.zeros(rows, cols);
    for (int i = 0; i < rows; i++) {
      JsonNode row = node.get(i);
      if (row.size() != cols) {
        throw new IllegalStateException("oracle matrix row " + i + " has " + row.size() + " values, expected " + cols);
      }
      for (int j = 0; j < cols; j++) {
        result.set(i, j, row.get(j).asDouble());
      }
    }
    return result;
  }

  @Override
  public String toString() {
    return name;
  }
}
