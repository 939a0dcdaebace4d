package org.penrose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layering of {@code src/main} (see README, "Layout"): every import of another Penrose package
 * points to a lower layer, the file-format and kernel packages import nothing from Spark, the
 * command line makes no LAPACK calls, and no source file grows past {@link #MAX_LINES} lines.
 */
class ArchitectureTest {
  /** Layers, lowest first; packages on one layer do not import each other. */
  private static final Map<String, Integer> LAYER = Map.of(
      "linalg", 0, "io", 1, "distributed", 2, "datasource", 3, "sql", 3, "ml", 3, "check", 4, "cli", 5);

  private static final int MAX_LINES = 450;

  private static final Pattern PENROSE_REFERENCE = Pattern.compile("org\\.penrose\\.(\\w+)\\.");

  private static List<Path> sources() throws IOException {
    try (Stream<Path> files = Files.walk(Paths.get("src/main/java/org/penrose"))) {
      return files.filter(p -> p.toString().endsWith(".java")).toList();
    }
  }

  private static String packageOf(Path file) {
    return file.getParent().getFileName().toString();
  }

  @Test
  void everyPackageIsOnALayer() throws IOException {
    for (Path file : sources()) {
      assertTrue(LAYER.containsKey(packageOf(file)), "package of " + file + " has no layer in ArchitectureTest");
    }
  }

  @Test
  void referencesPointDownTheLayers() throws IOException {
    List<String> upward = new ArrayList<>();
    for (Path file : sources()) {
      String own = packageOf(file);
      Matcher m = PENROSE_REFERENCE.matcher(Files.readString(file));
      while (m.find()) {
        String other = m.group(1);
        if (!other.equals(own) && LAYER.containsKey(other) && LAYER.get(other) >= LAYER.get(own)) {
          upward.add(file + " -> " + other);
        }
      }
    }
    assertEquals(List.of(), upward);
  }

  @Test
  void formatsAndKernelsDoNotUseSpark() throws IOException {
    List<String> found = new ArrayList<>();
    for (Path file : sources()) {
      String pkg = packageOf(file);
      if ((pkg.equals("io") || pkg.equals("linalg")) && Files.readString(file).contains("org.apache.spark")) {
        found.add(file.toString());
      }
    }
    assertEquals(List.of(), found);
  }

  @Test
  void theCommandLineMakesNoLapackCalls() throws IOException {
    List<String> found = new ArrayList<>();
    for (Path file : sources()) {
      if (packageOf(file).equals("cli") && Pattern.compile("\\bLapack\\b").matcher(Files.readString(file)).find()) {
        found.add(file.toString());
      }
    }
    assertEquals(List.of(), found);
  }

  @Test
  void noSourceFileIsTooLong() throws IOException {
    List<String> tooLong = new ArrayList<>();
    for (Path file : sources()) {
      long lines = Files.readAllLines(file).size();
      if (lines > MAX_LINES) {
        tooLong.add(file + " (" + lines + " lines)");
      }
    }
    assertEquals(List.of(), tooLong);
  }
}
