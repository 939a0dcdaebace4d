package org.penrose.datasource;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.penrose.matrix.InvalidInputException;

/**
 * The options of one connector direction (reading or writing {@code npy} or {@code mtx}), declared
 * and typed: an option the direction does not declare is an error naming the ones it does (a typo is
 * never silently ignored), and a malformed value is an error naming the option and the values it takes.
 * Names are case-insensitive, as everywhere in Spark (which hands them over in lower case, as the
 * messages then name them). The keys Spark itself passes ({@code path},
 * {@code paths}, and its internal {@code __...} keys) are always accepted.
 *
 * <p>The declared options, one name per concept across the formats:
 *
 * <pre>
 *   npy read    path, partitions (number of row ranges), rowsPerPartition
 *   npy write   path, column, transpose (true | false)
 *   mtx read    path, partitions (number of parsing tasks and row ranges), vectors (sparse | dense)
 *   mtx write   path, column, format (auto | array | coordinate)
 * </pre>
 */
final class SourceOptions {
  static final List<String> NPY_READ = List.of("partitions", "rowsPerPartition");
  static final List<String> NPY_WRITE = List.of("column", "transpose");
  static final List<String> MTX_READ = List.of("partitions", "vectors");
  static final List<String> MTX_WRITE = List.of("column", "format");

  private final String direction;
  private final Map<String, String> values = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);

  /**
   * @param direction what the options are for, in messages, e.g. {@code "reading npy"}
   * @param declared the option names this direction takes besides the path
   * @throws InvalidInputException for an undeclared option
   */
  SourceOptions(String direction, Map<String, String> given, List<String> declared) {
    this.direction = direction;
    for (Map.Entry<String, String> option : given.entrySet()) {
      String key = option.getKey();
      boolean spark = key.equalsIgnoreCase("path") || key.equalsIgnoreCase("paths") || key.startsWith("__");
      if (!spark && declared.stream().noneMatch(key::equalsIgnoreCase)) {
        throw new InvalidInputException("unknown option '" + key + "' for " + direction + " (options: path, "
            + String.join(", ", declared) + ")");
      }
      values.put(key, option.getValue());
    }
  }

  /** The option's text, or null when not given. */
  String text(String name) {
    return values.get(name);
  }

  /** The path, or an error saying how to give it. */
  String path(String example) {
    String path = values.get("path");
    if (path == null) {
      throw new InvalidInputException(direction + " needs a path: " + example);
    }
    return path;
  }

  /** A whole number {@code >= 1}, or {@code fallback} when not given. */
  long positive(String name, long fallback) {
    String text = values.get(name);
    if (text == null) {
      return fallback;
    }
    try {
      long value = Long.parseLong(text.trim());
      if (value >= 1) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new InvalidInputException("option " + name + " must be a whole number >= 1, got '" + text + "'");
  }

  /** {@code true} or {@code false} (any case), or {@code fallback}; anything else, a typo included, is an error. */
  boolean bool(String name, boolean fallback) {
    String text = values.get(name);
    if (text == null) {
      return fallback;
    }
    if (text.trim().equalsIgnoreCase("true") || text.trim().equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(text.trim());
    }
    throw new InvalidInputException("option " + name + " must be true or false, got '" + text + "'");
  }

  /** One of {@code allowed} (any case, returned in lower case), or {@code fallback} when not given. */
  String choice(String name, String fallback, String... allowed) {
    String text = values.get(name);
    if (text == null) {
      return fallback;
    }
    String value = text.trim().toLowerCase(Locale.ROOT);
    if (!Arrays.asList(allowed).contains(value)) {
      throw new InvalidInputException("option " + name + " must be " + String.join(", ", allowed).replaceAll(
          ", ([^,]*)$", " or $1") + ", got '" + text + "'");
    }
    return value;
  }
}
