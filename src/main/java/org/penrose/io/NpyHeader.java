package org.penrose.io;

import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.penrose.matrix.InvalidInputException;

/**
 * The header of a NumPy {@code .npy} file (format versions 1.0, 2.0 and 3.0): element type, memory
 * order and shape, and where the data starts.
 *
 * <pre>
 *   "\x93NUMPY" major minor  header_len (uint16 LE for 1.x, uint32 LE for 2.x/3.x)
 *   "{'descr': '&lt;f8', 'fortran_order': False, 'shape': (m, n), }"  padded with spaces, ending in '\n'
 *   data: prod(shape) elements, C (row-major) or Fortran (column-major) order
 * </pre>
 *
 * Reading validates everything before any large allocation: the magic string, the version, the
 * header dictionary, the element type, and that the data size the header claims is exactly what the
 * file holds.
 */
public final class NpyHeader implements Serializable {
  private static final long serialVersionUID = 1L;

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  /** numpy's writers align the data to this many bytes. */
  private static final int ALIGNMENT = 64;
  /** Headers longer than this are refused as corrupt (numpy's own reader stops at 10,000 by default). */
  static final int MAX_HEADER_BYTES = 1 << 20;

  private final NpyType type;
  private final boolean bigEndian;
  private final boolean fortranOrder;
  private final long[] shape;
  private final long dataOffset;

  NpyHeader(NpyType type, boolean bigEndian, boolean fortranOrder, long[] shape, long dataOffset) {
    this.type = type;
    this.bigEndian = bigEndian;
    this.fortranOrder = fortranOrder;
    this.shape = shape;
    this.dataOffset = dataOffset;
  }

  /** The element type. */
  public NpyType type() {
    return type;
  }

  /** The byte order of the data. */
  public ByteOrder byteOrder() {
    return bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
  }

  /** True for column-major data. */
  public boolean fortranOrder() {
    return fortranOrder;
  }

  /** The array's shape (0, 1 or 2 dimensions are read as matrices; more are refused). */
  public long[] shape() {
    return shape.clone();
  }

  /** Byte offset of the first element. */
  public long dataOffset() {
    return dataOffset;
  }

  /** Rows of the matrix view: {@code shape[0]} (1 for a 0-d scalar). */
  public long rows() {
    return shape.length == 0 ? 1 : shape[0];
  }

  /** Columns of the matrix view: {@code shape[1]}, 1 for a 1-d array (read as a column). */
  public long cols() {
    return shape.length < 2 ? 1 : shape[1];
  }

  /** Number of data bytes the header claims. */
  public long dataBytes() {
    return Math.multiplyExact(Math.multiplyExact(rows(), cols()), (long) type.size());
  }

  /** {@code "m x n <descr> (C order)"}, for messages. */
  public String describe() {
    StringBuilder dims = new StringBuilder("(");
    for (int i = 0; i < shape.length; i++) {
      dims.append(i == 0 ? "" : ", ").append(shape[i]);
    }
    dims.append(shape.length == 1 ? ",)" : ")");
    return "shape " + dims + " " + (bigEndian ? ">" : "<") + type.code()
        + (fortranOrder ? " (Fortran order)" : " (C order)");
  }

  /**
   * Reads and validates the header at the start of {@code channel}.
   *
   * @param source the file's name, for messages
   * @throws MatrixFormatException naming the problem and the file
   */
  public static NpyHeader read(ByteSource in, String source) throws IOException {
    long fileSize = in.size();
    byte[] prefixBytes = new byte[12];
    int prefixLength = in.readFully(0, prefixBytes, 0, 12);
    ByteBuffer prefix = ByteBuffer.wrap(prefixBytes, 0, prefixLength).order(ByteOrder.LITTLE_ENDIAN);
    if (prefix.remaining() < 10) {
      throw new MatrixFormatException(source + ": not a .npy file (only " + fileSize + " bytes, no complete header)");
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (prefix.get(i) != MAGIC[i]) {
        throw new MatrixFormatException(source + ": not a .npy file (missing the \\x93NUMPY magic string)");
      }
    }
    int major = prefix.get(6) & 0xff;
    int minor = prefix.get(7) & 0xff;
    long headerLength;
    int lengthFieldEnd;
    if (major == 1) {
      headerLength = prefix.getShort(8) & 0xffff;
      lengthFieldEnd = 10;
    } else if (major == 2 || major == 3) {
      if (prefix.remaining() < 12) {
        throw new MatrixFormatException(source + ": truncated .npy header");
      }
      headerLength = prefix.getInt(8) & 0xffffffffL;
      lengthFieldEnd = 12;
    } else {
      throw new MatrixFormatException(
          source + ": unsupported .npy format version " + major + "." + minor + " (supported: 1.0, 2.0, 3.0)");
    }
    if (minor != 0) {
      throw new MatrixFormatException(
          source + ": unsupported .npy format version " + major + "." + minor + " (supported: 1.0, 2.0, 3.0)");
    }
    if (headerLength > MAX_HEADER_BYTES) {
      throw new MatrixFormatException(source + ": corrupt .npy header: it claims " + headerLength
          + " bytes (more than " + MAX_HEADER_BYTES + ")");
    }
    if (lengthFieldEnd + headerLength > fileSize) {
      throw new MatrixFormatException(source + ": truncated .npy header: it claims " + headerLength
          + " bytes but the file has only " + (fileSize - lengthFieldEnd) + " after the length field");
    }
    byte[] text = new byte[(int) headerLength];
    in.readFully(lengthFieldEnd, text, 0, text.length);
    String dict = new String(text, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    long dataOffset = lengthFieldEnd + headerLength;
    NpyHeader header = parseDictionary(dict.strip(), dataOffset, source);
    long claimed;
    try {
      claimed = header.dataBytes();
    } catch (ArithmeticException overflow) {
      throw new MatrixFormatException(source + ": corrupt .npy header: " + header.describe()
          + " overflows a 64-bit size");
    }
    long available = fileSize - dataOffset;
    if (claimed > available) {
      throw new MatrixFormatException(source + ": truncated .npy data: the header says " + header.describe() + ", "
          + claimed + " bytes, but the file holds only " + available + " bytes of data");
    }
    if (claimed < available) {
      throw new MatrixFormatException(source + ": corrupt .npy file: the header says " + header.describe() + ", "
          + claimed + " bytes, but " + (available - claimed) + " more bytes follow the data");
    }
    return header;
  }

  /** Parses the Python-literal dictionary {@code {'descr': ..., 'fortran_order': ..., 'shape': (...)}}. */
  static NpyHeader parseDictionary(String dict, long dataOffset, String source) {
    Map<String, Object> entries;
    try {
      entries = new LiteralParser(dict).dictionary();
    } catch (IllegalArgumentException e) {
      throw new MatrixFormatException(source + ": corrupt .npy header (" + e.getMessage() + "): " + abbreviate(dict));
    }
    Object descr = entries.get("descr");
    Object fortran = entries.get("fortran_order");
    Object shape = entries.get("shape");
    if (descr == null || fortran == null || shape == null || entries.size() != 3) {
      throw new MatrixFormatException(source + ": corrupt .npy header: expected exactly the keys 'descr', "
          + "'fortran_order' and 'shape', got " + entries.keySet());
    }
    if (!(descr instanceof String)) {
      throw new MatrixFormatException(source + ": unsupported dtype " + abbreviate(String.valueOf(descr))
          + ": structured arrays are not matrices; save a plain 2-D float64 array");
    }
    if (!(fortran instanceof Boolean)) {
      throw new MatrixFormatException(source + ": corrupt .npy header: 'fortran_order' is not True or False");
    }
    if (!(shape instanceof long[])) {
      throw new MatrixFormatException(source + ": corrupt .npy header: 'shape' is not a tuple of integers");
    }
    long[] dims = (long[]) shape;
    for (long d : dims) {
      if (d < 0) {
        throw new MatrixFormatException(source + ": corrupt .npy header: negative dimension in shape");
      }
    }
    if (dims.length > 2) {
      throw new MatrixFormatException(source + ": a " + dims.length + "-dimensional array is not a matrix "
          + "(Penrose reads 1-D arrays as a column and 2-D arrays as matrices)");
    }
    NpyType type = NpyType.parse((String) descr, source);
    return new NpyHeader(type, NpyType.isBigEndian((String) descr), (Boolean) fortran, dims, dataOffset);
  }

  private static String abbreviate(String s) {
    return s.length() > 120 ? s.substring(0, 120) + "..." : s;
  }

  /**
   * The header bytes (magic, version, length, padded dictionary) for a little-endian float64 array.
   * Version 1.0 unless the dictionary needs more than 65535 bytes, as numpy does.
   */
  public static byte[] encode(long[] shape, boolean fortranOrder) {
    StringBuilder dims = new StringBuilder("(");
    for (int i = 0; i < shape.length; i++) {
      dims.append(i == 0 ? "" : ", ").append(shape[i]);
    }
    dims.append(shape.length == 1 ? ",)" : ")");
    String dict = "{'descr': '<f8', 'fortran_order': " + (fortranOrder ? "True" : "False") + ", 'shape': " + dims
        + ", }";
    int prefixV1 = MAGIC.length + 2 + 2;
    boolean v1 = dict.length() + 1 + prefixV1 + ALIGNMENT <= 65535;
    int prefix = v1 ? prefixV1 : MAGIC.length + 2 + 4;
    int total = prefix + dict.length() + 1;
    int padded = (total + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    int headerLength = padded - prefix;
    ByteBuffer out = ByteBuffer.allocate(padded).order(ByteOrder.LITTLE_ENDIAN);
    out.put(MAGIC).put((byte) (v1 ? 1 : 2)).put((byte) 0);
    if (v1) {
      out.putShort((short) headerLength);
    } else {
      out.putInt(headerLength);
    }
    out.put(dict.getBytes(StandardCharsets.ISO_8859_1));
    while (out.position() < padded - 1) {
      out.put((byte) ' ');
    }
    out.put((byte) '\n');
    return out.array();
  }

  /** A parser for the small subset of Python literals that .npy headers use. */
  private static final class LiteralParser {
    private final String text;
    private int pos;

    LiteralParser(String text) {
      this.text = text;
    }

    Map<String, Object> dictionary() {
      Map<String, Object> result = new LinkedHashMap<>();
      expect('{');
      skipSpace();
      while (peek() != '}') {
        String key = string();
        skipSpace();
        expect(':');
        Object value = value();
        if (result.put(key, value) != null) {
          throw new InvalidInputException("duplicate key '" + key + "'");
        }
        afterItem('}', "");
      }
      pos++;
      skipSpace();
      if (pos != text.length()) {
        throw new InvalidInputException("unexpected text after the dictionary at position " + pos);
      }
      return result;
    }

    private Object value() {
      skipSpace();
      char c = peek();
      if (c == '\'' || c == '"') {
        return string();
      }
      if (c == '(') {
        return tuple();
      }
      if (c == '[' || c == '{') {
        // a structured dtype: report it as unsupported, not as corrupt
        int depth = 0;
        int start = pos;
        do {
          char d = peek();
          if (d == '[' || d == '{' || d == '(') {
            depth++;
          } else if (d == ']' || d == '}' || d == ')') {
            depth--;
          }
          pos++;
        } while (depth > 0);
        return new StringBuilder(text.substring(start, pos)); // not a String: marks "structured"
      }
      if (text.startsWith("True", pos)) {
        pos += 4;
        return Boolean.TRUE;
      }
      if (text.startsWith("False", pos)) {
        pos += 5;
        return Boolean.FALSE;
      }
      throw new InvalidInputException("unexpected value at position " + pos);
    }

    /** After a dictionary or tuple item: skips {@code ','} and spaces, or stops before {@code close}. */
    private void afterItem(char close, String where) {
      skipSpace();
      if (peek() == ',') {
        pos++;
        skipSpace();
      } else if (peek() != close) {
        throw new InvalidInputException("expected ',' or '" + close + "'" + where + " at position " + pos);
      }
    }

    private long[] tuple() {
      expect('(');
      List<Long> dims = new ArrayList<>();
      skipSpace();
      while (peek() != ')') {
        int start = pos;
        while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
          pos++;
        }
        if (start == pos) {
          throw new InvalidInputException("expected a non-negative integer in the shape at position " + pos);
        }
        try {
          dims.add(Long.parseLong(text.substring(start, pos)));
        } catch (NumberFormatException e) {
          throw new InvalidInputException("shape dimension too large: " + text.substring(start, pos));
        }
        if (peek() == 'L') { // Python 2 long suffix
          pos++;
        }
        afterItem(')', " in the shape");
      }
      pos++;
      return dims.stream().mapToLong(Long::longValue).toArray();
    }

    private String string() {
      char quote = peek();
      if (quote != '\'' && quote != '"') {
        throw new InvalidInputException("expected a quoted string at position " + pos);
      }
      int end = text.indexOf(quote, pos + 1);
      if (end < 0) {
        throw new InvalidInputException("unterminated string at position " + pos);
      }
      String s = text.substring(pos + 1, end);
      pos = end + 1;
      return s;
    }

    private void expect(char c) {
      skipSpace();
      if (peek() != c) {
        throw new InvalidInputException("expected '" + c + "' at position " + pos);
      }
      pos++;
    }

    private char peek() {
      if (pos >= text.length()) {
        throw new InvalidInputException("unexpected end of header");
      }
      return text.charAt(pos);
    }

    private void skipSpace() {
      while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
        pos++;
      }
    }
  }
}
