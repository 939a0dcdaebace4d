package org.penrose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layering of {@code src/main} (README, "Layout"): every reference to another Penrose package
 * points to a lower layer; the rooms below the Spark engine import nothing from Spark; the command
 * line makes no BLAS or LAPACK calls; no source file grows past {@link #MAX_LINES} lines nor any line
 * past {@link #MAX_LINE_LENGTH} characters; and README's package diagram is the one drawn from the
 * code now, naming every class.
 */
class ArchitectureTest {
  /** Rooms, lowest layer first; rooms on one layer do not import each other. */
  static final Map<String, Integer> LAYER = layers(
      "blas", 0, "matrix", 1, "factor", 2, "io", 2, "solver", 3, "engine", 4, "truncated", 5, "adapters", 5,
      "iterative", 5, "distributed", 6, "datasource", 7, "sql", 7, "ml", 7, "python", 8, "check", 8, "bench", 9,
      "cli", 10);

  /** Rooms that compute or read files without Spark. */
  private static final Set<String> SPARK_FREE = Set.of("blas", "matrix", "factor", "io", "solver");

  private static final int MAX_LINES = 450;
  private static final int MAX_LINE_LENGTH = 120;

  private static final Pattern PENROSE_REFERENCE = Pattern.compile("org\\.penrose\\.(\\w+)\\.");
  private static final Path ROOT = Paths.get("src/main/java/org/penrose");
  private static final String DIAGRAM_START = "<!-- package diagram: drawn from the code by ArchitectureTest -->";

  private static Map<String, Integer> layers(Object... pairs) {
    Map<String, Integer> map = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      map.put((String) pairs[i], (Integer) pairs[i + 1]);
    }
    return map;
  }

  private static List<Path> sources() throws IOException {
    try (Stream<Path> files = Files.walk(ROOT)) {
      return files.filter(p -> p.toString().endsWith(".java")).sorted().toList();
    }
  }

  private static String packageOf(Path file) {
    return ROOT.relativize(file.getParent()).toString().replace('/', '.');
  }

  private static String className(Path file) {
    String name = file.getFileName().toString();
    return name.substring(0, name.length() - ".java".length());
  }

  /** For each room, the other rooms its sources name (imports, qualified names). */
  private static Map<String, Set<String>> references() throws IOException {
    Map<String, Set<String>> refs = new TreeMap<>();
    for (Path file : sources()) {
      String own = packageOf(file);
      Set<String> targets = refs.computeIfAbsent(own, k -> new TreeSet<>());
      Matcher m = PENROSE_REFERENCE.matcher(Files.readString(file));
      while (m.find()) {
        if (!m.group(1).equals(own)) {
          targets.add(m.group(1));
        }
      }
    }
    return refs;
  }

  /** README's diagram: the rooms from the top layer down, each with the rooms it imports. */
  static String diagram() throws IOException {
    Map<String, Set<String>> refs = references();
    StringBuilder out = new StringBuilder();
    List<String> rooms = new ArrayList<>(LAYER.keySet());
    for (int i = rooms.size() - 1; i >= 0; i--) {
      String room = rooms.get(i);
      Set<String> targets = new TreeSet<>((a, b) -> LAYER.get(b) - LAYER.get(a) != 0
          ? LAYER.get(b) - LAYER.get(a) : a.compareTo(b));
      targets.addAll(refs.getOrDefault(room, Set.of()));
      out.append(String.format("%2d %-12s-> %s%n", LAYER.get(room), room,
          targets.isEmpty() ? "(nothing of Penrose)" : String.join(", ", targets)));
    }
    return out.toString();
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
    for (Map.Entry<String, Set<String>> room : references().entrySet()) {
      for (String other : room.getValue()) {
        if (LAYER.containsKey(other) && LAYER.get(other) >= LAYER.get(room.getKey())) {
          upward.add(room.getKey() + " -> " + other);
        }
      }
    }
    assertEquals(List.of(), upward);
  }

  @Test
  void roomsBelowTheEngineDoNotUseSpark() throws IOException {
    List<String> found = new ArrayList<>();
    for (Path file : sources()) {
      if (SPARK_FREE.contains(packageOf(file)) && Files.readString(file).contains("org.apache.spark")) {
        found.add(file.toString());
      }
    }
    assertEquals(List.of(), found);
  }

  @Test
  void theCommandLineMakesNoBlasOrLapackCalls() throws IOException {
    Pattern calls = Pattern.compile("\\b(Lapack|Netlib)\\b");
    List<String> found = new ArrayList<>();
    for (Path file : sources()) {
      if (packageOf(file).equals("cli") && calls.matcher(Files.readString(file)).find()) {
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

  @Test
  void noSourceLineIsTooLong() throws IOException {
    List<String> tooLong = new ArrayList<>();
    for (Path file : sources()) {
      List<String> lines = Files.readAllLines(file);
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).length() > MAX_LINE_LENGTH) {
          tooLong.add(file + ":" + (i + 1));
        }
      }
    }
    assertEquals(List.of(), tooLong);
  }

  @Test
  void readmeDrawsTheRoomsAsTheCodeHasThem() throws IOException {
    String readme = Files.readString(Paths.get("README.md"));
    int start = readme.indexOf(DIAGRAM_START);
    assertTrue(start >= 0, "README.md has no line " + DIAGRAM_START);
    int open = readme.indexOf("```\n", start) + 4;
    String drawn = readme.substring(open, readme.indexOf("```\n", open));
    assertEquals(diagram(), drawn, "README's package diagram differs from the code's; the code's is expected");
  }

  @Test
  void readmeLayoutNamesEveryClass() throws IOException {
    String readme = Files.readString(Paths.get("README.md"));
    String layout = readme.substring(readme.indexOf("## Layout"));
    List<String> missing = new ArrayList<>();
    for (Path file : sources()) {
      String room = packageOf(file);
      Matcher entry = Pattern.compile("(?m)^      " + room + "/.*(\n {7,}.*)*").matcher(layout);
      if (!Pattern.compile("\\b" + className(file) + "\\b").matcher(entry.find() ? entry.group() : "").find()) {
        missing.add(room + "/" + className(file));
      }
    }
    assertEquals(List.of(), missing, "classes README's Layout does not name under their room");
  }
}
