package org.penrose.check;

import java.util.function.DoubleFunction;

/**
 * Central finite differences with one Richardson step, the reference every Penrose gradient check
 * uses: for {@code f(t)} along a curve,
 *
 * <pre>
 *   D(h) = (f(h) - f(-h)) / 2h,      f'(0) ~ (4 D(h/2) - D(h)) / 3        (error O(h^4))
 * </pre>
 *
 * evaluated componentwise on vector-valued {@code f}.
 */
public final class FiniteDifferences {
  private FiniteDifferences() {}

  /** The four points {@code f} is evaluated at, in the order {@link #combine} takes them. */
  public static double[] offsets(double h) {
    return new double[] {h, -h, h / 2, -h / 2};
  }

  /**
   * {@code f'(0)} from {@code f(h), f(-h), f(h/2), f(-h/2)}.
   *
   * @param values the four evaluations, in the order of {@link #offsets}
   */
  public static double[] combine(double[][] values, double h) {
    int length = values[0].length;
    double[] derivative = new double[length];
    for (int i = 0; i < length; i++) {
      double dh = (values[0][i] - values[1][i]) / (2 * h);
      double dHalf = (values[2][i] - values[3][i]) / h;
      derivative[i] = (4 * dHalf - dh) / 3;
    }
    return derivative;
  }

  /** {@code f'(0)} by central differences with one Richardson step of size {@code h}. */
  public static double[] derivative(DoubleFunction<double[]> f, double h) {
    double[] offsets = offsets(h);
    double[][] values = new double[offsets.length][];
    for (int e = 0; e < offsets.length; e++) {
      values[e] = f.apply(offsets[e]);
    }
    return combine(values, h);
  }
}
