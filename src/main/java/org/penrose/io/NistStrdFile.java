package org.penrose.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.penrose.matrix.DoubleMatrix;

/**
 * A NIST StRD linear-regression data file ({@code Norris.dat}, {@code Longley.dat}, {@code Filip.dat},
 * ...): the observations, and the model NIST certifies for it as a design matrix. The file's header
 * says where the data are ({@code Data (lines 61 to 142)}); the first column is the response.
 *
 * <p>Models (columns are exact powers of x, as NIST defines them): Norris {@code 1, x}; Pontius
 * {@code 1, x, x^2}; NoInt1, NoInt2 {@code x} (no intercept); Filip {@code 1, x, ..., x^10}; Longley
 * {@code 1, x1, ..., x6}; Wampler1-5 {@code 1, x, ..., x^5}. Parameters are named {@code B0, B1, ...}
 * ({@code B1} first when there is no intercept), as in the certified values.
 */
public final class NistStrdFile {
  private static final Pattern DATA_LINES = Pattern.compile("Data\\s*\\(lines\\s+(\\d+)\\s+to\\s+(\\d+)\\)");

  private final String name;
  private final double[] response;
  private final double[][] predictors;

  private NistStrdFile(String name, double[] response, double[][] predictors) {
    this.name = name;
    this.response = response;
    this.predictors = predictors;
  }

  public static NistStrdFile read(Path path) throws IOException {
    String name = path.getFileName().toString().replaceFirst("\\.dat$", "");
    try (InputStream in = Files.newInputStream(path)) {
      return parse(name, new String(in.readAllBytes(), StandardCharsets.US_ASCII), path.toString());
    }
  }

  /** Parses the text of a NIST StRD file. */
  public static NistStrdFile parse(String name, String text, String source) {
    String[] lines = text.split("\r?\n", -1);
    Matcher m = DATA_LINES.matcher(text);
    if (!m.find()) {
      throw new MatrixFormatException(source + ": not a NIST StRD file (no 'Data (lines a to b)' in the header)");
    }
    int first = Integer.parseInt(m.group(1));
    int last = Integer.parseInt(m.group(2));
    if (first < 1 || last > lines.length || first > last) {
      throw new MatrixFormatException(source + ": the header's data lines " + first + " to " + last
          + " are outside the file's " + lines.length + " lines");
    }
    List<double[]> rows = new ArrayList<>();
    for (int i = first; i <= last; i++) {
      String line = lines[i - 1].trim();
      if (line.isEmpty()) {
        continue;
      }
      String[] fields = line.split("\\s+");
      double[] row = new double[fields.length];
      for (int j = 0; j < fields.length; j++) {
        try {
          row[j] = Double.parseDouble(fields[j]);
        } catch (NumberFormatException e) {
          throw new MatrixFormatException(source + ", line " + i + ": not a number: '" + fields[j] + "'");
        }
      }
      if (!rows.isEmpty() && row.length != rows.get(0).length) {
        throw new MatrixFormatException(source + ", line " + i + ": " + row.length + " values, expected "
            + rows.get(0).length);
      }
      rows.add(row);
    }
    double[] y = new double[rows.size()];
    double[][] x = new double[rows.size()][];
    for (int i = 0; i < y.length; i++) {
      y[i] = rows.get(i)[0];
      x[i] = Arrays.copyOfRange(rows.get(i), 1, rows.get(i).length);
    }
    return new NistStrdFile(name, y, x);
  }

  public String name() {
    return name;
  }

  /** The responses {@code y} ({@code n_obs x 1}). */
  public DoubleMatrix response() {
    return DoubleMatrix.column(response.clone());
  }

  /** Whether NIST's model has an intercept (all but NoInt1 and NoInt2). */
  public boolean hasIntercept() {
    return !name.toLowerCase(Locale.ROOT).startsWith("noint");
  }

  /** The polynomial degree of the model in x, or 1 for the multi-predictor Longley. */
  public int degree() {
    String n = name.toLowerCase(Locale.ROOT);
    if (n.equals("filip")) {
      return 10;
    }
    if (n.startsWith("wampler")) {
      return 5;
    }
    if (n.equals("pontius")) {
      return 2;
    }
    return 1;
  }

  /** The predictor columns without intercept: the raw predictors, or the powers {@code x, ..., x^d}. */
  public DoubleMatrix predictors() {
    int rows = response.length;
    int raw = predictors[0].length;
    int cols = raw > 1 ? raw : degree();
    DoubleMatrix result = DoubleMatrix.zeros(rows, cols);
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        result.set(i, j, raw > 1 ? predictors[i][j] : Math.pow(predictors[i][0], j + 1));
      }
    }
    return result;
  }

  /** NIST's design matrix: a column of ones when the model has an intercept, then {@link #predictors()}. */
  public DoubleMatrix design() {
    DoubleMatrix p = predictors();
    if (!hasIntercept()) {
      return p;
    }
    DoubleMatrix result = DoubleMatrix.zeros(p.rows(), p.cols() + 1);
    for (int i = 0; i < p.rows(); i++) {
      result.set(i, 0, 1.0);
      for (int j = 0; j < p.cols(); j++) {
        result.set(i, j + 1, p.get(i, j));
      }
    }
    return result;
  }

  /**
   * The certified parameter names for the design's columns: {@code B0, B1, ...} ({@code B1, ...} without intercept).
   */
  public List<String> parameterNames() {
    List<String> names = new ArrayList<>();
    int cols = design().cols();
    for (int j = 0; j < cols; j++) {
      names.add("B" + (hasIntercept() ? j : j + 1));
    }
    return names;
  }
}
