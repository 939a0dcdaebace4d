package org.penrose.io;

/**
 * A Matrix Market coordinate line {@code i j [v]}, or an array line {@code v}, read in place from its bytes:
 * the common case of every entry line, without a String, a split or {@code Double.parseDouble}. It accepts
 * only what the general parser ({@link MatrixMarketEntries}) accepts and reads it to the same numbers:
 * indices of at most 18 digits within range, and a value {@code m x 10^q} (an optional exponent {@code e} or
 * {@code E}) with a mantissa {@code m} below 2^63 (the 17 significant digits numpy and scipy write included) and
 * {@code |q| <= 22}, whose double is the one {@code Double.parseDouble} gives: for {@code m <= 2^53} one correctly
 * rounded product or division of exact doubles (Clinger's fast path), past it {@link DecimalDouble}'s exact
 * comparison. Anything else — a comment, a Fortran {@code D} exponent, a longer number or a larger exponent, an
 * index out of range, a malformed line — is left to the general parser, which reads it or names the line's error.
 */
final class CoordinateLine {
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

  /**
   * {@code [+-]digits[.digits][(e|E)[+-]digits]} with a mantissa below 2^63 (its digits without the point) and a
   * decimal exponent {@code q} (the exponent less the decimals) within 22 of 0, into {@link #value} ({@link
   * DecimalDouble}).
   */
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
        if (mantissa > (Long.MAX_VALUE - 9) / 10) {
          return false;
        }
        mantissa = 10 * mantissa + (c - '0');
        digits++;
        decimals += point ? 1 : 0;
      } else if (c == '.' && !point) {
        point = true;
      } else {
        break;
      }
    }
    if (digits == 0) {
      return false;
    }
    int exponent = 0;
    if (at < to && (bytes[at] == 'e' || bytes[at] == 'E')) {
      at++;
      boolean negativeExponent = at < to && bytes[at] == '-';
      if (at < to && (bytes[at] == '-' || bytes[at] == '+')) {
        at++;
      }
      int exponentDigits = 0;
      for (; at < to && bytes[at] >= '0' && bytes[at] <= '9'; at++) {
        if (++exponentDigits > 4) {
          return false;
        }
        exponent = 10 * exponent + (bytes[at] - '0');
      }
      if (exponentDigits == 0) {
        return false;
      }
      exponent = negativeExponent ? -exponent : exponent;
    }
    int q = exponent - decimals;
    if (Math.abs(q) > DecimalDouble.MAX_EXPONENT) {
      return false;
    }
    double magnitude = DecimalDouble.of(mantissa, q);
    value = negative ? -magnitude : magnitude;
    return true;
  }
}
