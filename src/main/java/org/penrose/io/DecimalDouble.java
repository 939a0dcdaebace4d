package org.penrose.io;

/**
 * The double nearest to a decimal {@code m x 10^q} (ties to even), as {@code Double.parseDouble} gives it, for a
 * mantissa {@code 0 <= m < 2^63} (up to 18 digits, some of 19: the 17 significant digits that numpy and scipy
 * write) and {@code |q| <= 22}, without {@code BigInteger}:
 *
 * <ol>
 *   <li>for {@code m <= 2^53}, {@code m} and {@code 10^|q|} are exact doubles and one correctly rounded product or
 *       quotient is the answer (Clinger's fast path); past it,
 *   <li>a first guess {@code x = (double) m * 10^q} or {@code (double) m / 10^-q}: {@code 10^|q|} is exact, so
 *       two roundings leave {@code x} within two units in the last place of the answer;
 *   <li>{@code x} moved to its neighbour while the decimal lies beyond the midpoint between them, each comparison
 *       made exactly in 128-bit integers: with {@code x = M 2^E} the midpoint above is {@code (2M + 1) 2^(E-1)},
 *       and {@code m 10^q} against {@code H 2^F} is {@code m 5^q 2^q} against {@code H 2^F} ({@code q >= 0}) or
 *       {@code m} against {@code H 5^k 2^(F + k)} ({@code q = -k < 0}): products of at most 115 bits, then shifts.
 * </ol>
 *
 * Every value in that range is a normal double (between 1e-22 and 1e41), so {@code M} and {@code E} come from
 * the bits directly.
 */
final class DecimalDouble {
  /** The largest {@code |q|}: {@code 10^22} is the largest exact power of ten, {@code 5^22 < 2^52}. */
  static final int MAX_EXPONENT = 22;

  /** Mantissas up to this are exact doubles (2^53). */
  private static final long EXACT = 1L << 53;

  private static final double[] POWERS_OF_TEN = new double[MAX_EXPONENT + 1];
  private static final long[] POWERS_OF_FIVE = new long[MAX_EXPONENT + 1];

  static {
    POWERS_OF_TEN[0] = 1;
    POWERS_OF_FIVE[0] = 1;
    for (int i = 1; i <= MAX_EXPONENT; i++) {
      POWERS_OF_TEN[i] = POWERS_OF_TEN[i - 1] * 10; // exact up to 10^22
      POWERS_OF_FIVE[i] = POWERS_OF_FIVE[i - 1] * 5;
    }
  }

  private DecimalDouble() {}

  /** {@code m x 10^q} correctly rounded; {@code 0 <= m < 2^63}, {@code |q| <= 22}. */
  static double of(long m, int q) {
    double x = q >= 0 ? (double) m * POWERS_OF_TEN[q] : (double) m / POWERS_OF_TEN[-q];
    if (m <= EXACT) { // m and 10^|q| exact: one correctly rounded operation (Clinger's fast path); 0 too
      return x;
    }
    while (true) {
      int above = compareToMidpointAbove(m, q, x);
      if (above > 0 || above == 0 && isOdd(x)) {
        x = Math.nextUp(x);
        continue;
      }
      int below = compareToMidpointAbove(m, q, Math.nextDown(x));
      if (below < 0 || below == 0 && isOdd(x)) {
        x = Math.nextDown(x);
        continue;
      }
      return x;
    }
  }

  private static boolean isOdd(double x) {
    return (Double.doubleToRawLongBits(x) & 1) != 0;
  }

  /** The sign of {@code m 10^q - h}, {@code h} the midpoint between {@code y} (positive, normal) and the next one. */
  private static int compareToMidpointAbove(long m, int q, double y) {
    long bits = Double.doubleToRawLongBits(y);
    long significand = (bits & ((1L << 52) - 1)) | (1L << 52);
    int exponent = (int) ((bits >>> 52) & 0x7ff) - 1075; // y = significand 2^exponent
    long h = 2 * significand + 1; // h 2^f, f = exponent - 1: below 2^54
    int f = exponent - 1;
    if (q >= 0) { // m 5^q 2^q against h 2^f
      long aHigh = Math.multiplyHigh(m, POWERS_OF_FIVE[q]);
      long aLow = m * POWERS_OF_FIVE[q];
      return q >= f ? compareShifted(aHigh, aLow, q - f, h) : -compareShifted(0, h, f - q, aHigh, aLow);
    }
    int k = -q; // m against h 5^k 2^(f + k)
    long bHigh = Math.multiplyHigh(h, POWERS_OF_FIVE[k]);
    long bLow = h * POWERS_OF_FIVE[k];
    int t = f + k;
    return t >= 0 ? -compareShifted(bHigh, bLow, t, 0, m) : compareShifted(0, m, -t, bHigh, bLow);
  }

  /** The sign of {@code (aHigh:aLow << s) - b} for a 64-bit {@code b >= 0}. */
  private static int compareShifted(long aHigh, long aLow, int s, long b) {
    return compareShifted(aHigh, aLow, s, 0, b);
  }

  /**
   * The sign of {@code (aHigh:aLow << s) - bHigh:bLow}, both unsigned 128-bit ({@code a != 0}, {@code b < 2^127}); a
   * shifted value past 128 bits is larger than any {@code b}.
   */
  private static int compareShifted(long aHigh, long aLow, int s, long bHigh, long bLow) {
    int bits = aHigh != 0 ? 128 - Long.numberOfLeadingZeros(aHigh) : 64 - Long.numberOfLeadingZeros(aLow);
    if (bits + s > 128) {
      return 1;
    }
    long high;
    long low;
    if (s == 0) {
      high = aHigh;
      low = aLow;
    } else if (s < 64) {
      high = (aHigh << s) | (aLow >>> (64 - s));
      low = aLow << s;
    } else {
      high = aLow << (s - 64);
      low = 0;
    }
    int byHigh = Long.compareUnsigned(high, bHigh);
    return byHigh != 0 ? byHigh : Long.compareUnsigned(low, bLow);
  }
}
