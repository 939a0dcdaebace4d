package org.penrose.io;

/** A matrix path that does not exist ({@code no such file or folder: path}). */
public final class MissingPathException extends MatrixFormatException {
  private static final long serialVersionUID = 1L;

  public MissingPathException(String path) {
    super("no such file or folder: " + path);
  }
}
