package org.penrose.io;

import org.penrose.matrix.InvalidInputException;

/**
 * A matrix file that cannot be read: corrupt, truncated, or of an unsupported kind. The message names the file and the
 * problem.
 */
public class MatrixFormatException extends InvalidInputException {
  private static final long serialVersionUID = 1L;

  public MatrixFormatException(String message) {
    super(message);
  }
}
