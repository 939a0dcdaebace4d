package org.penrose.io;

import java.nio.ByteBuffer;

/**
 * The element types Penrose reads from {@code .npy} files, each converted to {@code double}: {@code
 * f8} and {@code f4} (floating point), {@code i1 i2 i4 i8} and {@code u1 u2 u4 u8} (integers; exact
 * up to 2^53), in either byte order. Complex, boolean, string, object, date and structured types are
 * refused.
 */
public enum NpyType {
  FLOAT64('f', 8),
  FLOAT32('f', 4),
  INT8('i', 1),
  INT16('i', 2),
  INT32('i', 4),
  INT64('i', 8),
  UINT8('u', 1),
  UINT16('u', 2),
  UINT32('u', 4),
  UINT64('u', 8);

  private final char kind;
  private final int size;

  NpyType(char kind, int size) {
    this.kind = kind;
    this.size = size;
  }

  /** Bytes per element. */
  public int size() {
    return size;
  }

  /** The type code without byte order, e.g. {@code "f8"}. */
  public String code() {
    return kind + Integer.toString(size);
  }

  /** Reads one element at the buffer's position (the buffer carries the file's byte order). */
  public double read(ByteBuffer buffer) {
    switch (this) {
      case FLOAT64:
        return buffer.getDouble();
      case FLOAT32:
        return buffer.getFloat();
      case INT8:
        return buffer.get();
      case INT16:
        return buffer.getShort();
      case INT32:
        return buffer.getInt();
      case INT64:
        return buffer.getLong();
      case UINT8:
        return buffer.get() & 0xff;
      case UINT16:
        return buffer.getShort() & 0xffff;
      case UINT32:
        return buffer.getInt() & 0xffffffffL;
      case UINT64:
        long v = buffer.getLong();
        return v >= 0 ? (double) v : (double) (v >>> 1) * 2.0 + (v & 1);
      default:
        throw new AssertionError(this);
    }
  }

  /**
   * The type of a numpy type string such as {@code "<f8"} or {@code ">i4"} (byte order aside).
   *
   * @throws MatrixFormatException for unsupported types, naming them
   */
  public static NpyType parse(String descr, String source) {
    if (descr.length() >= 3 && "<>|=".indexOf(descr.charAt(0)) >= 0) {
      char kind = descr.charAt(1);
      String digits = descr.substring(2);
      for (NpyType t : values()) {
        if (t.kind == kind && digits.equals(Integer.toString(t.size))) {
          return t;
        }
      }
    }
    throw new MatrixFormatException(source + ": unsupported dtype '" + descr + "': Penrose reads real numbers "
        + "(f8, f4) and integers (i1..i8, u1..u8), converted to float64");
  }

  /**
   * True when the type string says big-endian ({@code '>'}); {@code '<'}, {@code '|'} and {@code '='} are little-endian
   * here.
   */
  public static boolean isBigEndian(String descr) {
    return descr.charAt(0) == '>';
  }
}
