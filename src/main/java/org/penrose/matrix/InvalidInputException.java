package org.penrose.matrix;

/**
 * A user's input that Penrose rejects: a non-finite value, a ragged row, a shape mismatch, a corrupt
 * file, an unsupported type, an absurd size, an argument out of range. The message names the problem
 * in API terms (the command line translates option names). Penrose's internal invariants and failed
 * kernels throw other exceptions ({@link IllegalStateException}, {@link ArithmeticException}), so that
 * a log filter can tell a user's bad input, which deserves one line, from a fault, which keeps its
 * stack trace.
 */
public class InvalidInputException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidInputException(String message) {
    super(message);
  }

  public InvalidInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
