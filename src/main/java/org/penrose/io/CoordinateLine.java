package org.penrose.io;

/**
 * A Matrix Market coordinate line {@code i j [v]}, or an array line {@code v}, read in place from its bytes:
 * the common case of every entry line, without a String, a split or {@code Double.parseDouble}. It accepts
 * only what the general parser ({@link MatrixMarketEntries}) accepts and reads it to the same numbers:
 * indices of at most 18 digits within range, and a value of a mantissa up to 2^53 (all numbers of 15
 * significant digits, some of 16) and at most 22 decimals without an exponent, whose double {@code m / 10^d}
 * (both exact in binary, one correctly rounded division, as Clinger's fast path) is the one
 * {@code Double.parseDouble} gives. Anything else — a comment, an exponent, a longer
 * number, an index out of range, a malformed line — is left to the general parser, which reads it or
 * names the line's error.
 */
final class CoordinateLine {
  private static final double[] POWERS_OF_TEN = new double[23];

  static {
    POWERS_OF_TEN[0] = 1;
    for (int i = 1; i < POWERS_OF_TEN.length; i++) {
      POWERS_OF_TEN[i] = POWERS_OF_TEN[i - 1] * 10; // exact up to 10^22
    }
  }

  /** Mantissas up to this are exact doubles (2^53). */
  private static final long EXACT = 1L << 53;

  /** The 1-based row of the line read last. */
  long row;
  /** The 1-based column of the line read last. */
  long col;
  /** The value of the line read last (1 for a pattern file). */
  double value;

  private int at;

  /**
   * Reads {@code bytes[from, to)} as an entry of an {@code rows x cols} file ({@code pattern}: without values);
   * false when the general parser must read the line.
   */
  boolean read(byte[] bytes, int from, int to, boolean pattern, long rows, long cols) {
    at = from;
    while (at < to && (bytes[at] == ' ' || bytes[at] == '\t')) {
      at++;
    }
    row = index(bytes, to, rows);
    if (row < 0 || !separator(bytes, to)) {
      return false;
    }
    col = index(bytes, to, cols);
    if (col < 0) {
      return false;
    }
    if (pattern) {
      value = 1.0;
    } else if (!separator(bytes, to) || !value(bytes, to)) {
      return false;
    }
    while (at < to && (bytes[at] & 0xff) <= ' ') { // trailing blanks, as the general parser trims them
      at++;
    }
    return at == to;
  }

  /**
   * Reads {@code bytes[from, to)} as a line of the array format, one value with blanks around it, into
   * {@link #value}; false when the general parser must read the line.
   */
  boolean readValue(byte[] bytes, int from, int to) {
    at = from;
    while (at < to && (bytes[at] == ' ' || bytes[at] == '\t')) {
      at++;
    }
    if (!value(bytes, to)) {
      return false;
    }
    while (at < to && (bytes[at] & 0xff) <= ' ') {
      at++;
    }
    return at == to;
  }

  /** An index in {@code 1..limit} of at most 18 digits, or -1. */
  private long index(byte[] bytes, int to, long limit) {
    long v = 0;
    int digits = 0;
    while (at < to && bytes[at] >= '0' && bytes[at] <= '9' && digits < 18) {
      v = 10 * v + (bytes[at++] - '0');
      digits++;
    }
    return digits == 0 || v < 1 || v > limit || (at < to && bytes[at] >= '0' && bytes[at] <= '9') ? -1 : v;
  }

  /** At least one space or tab, skipped. */
  private boolean separator(byte[] bytes, int to) {
    int before = at;
    while (at < to && (bytes[at] == ' ' || bytes[at] == '\t')) {
      at++;
    }
    return at > before;
  }

  /** {@code [+-]digits[.digits]} within the exact range, into {@link #value}. */
  private boolean value(byte[] bytes, int to) {
    boolean negative = at < to && bytes[at] == '-';
    if (at < to && (bytes[at] == '-' || bytes[at] == '+')) {
      at++;
    }
    long mantissa = 0;
    int digits = 0;
    int decimals = 0;
    boolean point = false;
    for (; at < to; at++) {
      byte c = bytes[at];
      if (c >= '0' && c <= '9') {
        mantissa = 10 * mantissa + (c - '0');
        if (mantissa > EXACT) {
          return false;
        }
        digits++;
        decimals += point ? 1 : 0;
      } else if (c == '.' && !point) {
        point = true;
      } else {
        break;
      }
    }
    if (digits == 0 || decimals >= POWERS_OF_TEN.length) {
      return false;
    }
    double magnitude = decimals == 0 ? mantissa : mantissa / POWERS_OF_TEN[decimals];
    value = negative ? -magnitude : magnitude;
    return true;
  }
}
