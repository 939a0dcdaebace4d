package org.penrose.io;

/** A matrix file that cannot be read: corrupt, truncated, or of an unsupported kind. The message names the file and the problem. */
public class MatrixFormatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public MatrixFormatException(String message) {
    super(message);
  }
}
