package org.penrose.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Every {@code ```bash} block of README.md, run as a user would copy it (from the project root,
 * through {@code jobs/penrose}, stderr to a file): it must exit 0, leave every file it names as an
 * output, and print no Spark warning, error, stack trace or progress bar on stderr. Where the
 * README's inputs are large they are made small by the replacements in {@link #SMALLER}, each of
 * which must still match the README; {@code /tmp/} becomes a scratch folder. {@code mvn -B verify}
 * (the README's test command) is the build running this test and is not run again. The inline
 * {@code jobs/penrose ...} commands of the prose (benchmarks of minutes) are parsed against the
 * command line's options instead ({@link #inlineCommandsNameRealCommandsAndOptions}).
 */
class ReadmeCommandsIT {
  /** README text -> what this test runs instead (smaller inputs, the same commands and options). */
  private static final Map<String, String> SMALLER = new LinkedHashMap<>();

  static {
    SMALLER.put("jobs/penrose demo ", "jobs/penrose demo --rows 200000 --output /tmp/demo-output ");
    SMALLER.put("--rank 100", "--rank 10");
    SMALLER.put("--points 1000000", "--points 20000");
  }

  private static final String TEST_COMMAND = "mvn -B verify";

  /**
   * The one line every PySpark 4.2 driver prints on stderr (the JVM's note on the module PySpark's
   * launcher always adds, {@code --add-modules=jdk.incubator.vector}), outside Penrose's reach.
   */
  private static final String PYSPARK_JVM_NOTE = "WARNING: Using incubator modules: jdk.incubator.vector";

  private static final Pattern OUTPUT_PATH =
      Pattern.compile("--(?:[a-z-]*output(?:-dir)?|report) (\\S+)");

  @TempDir static Path scratch;

  static String readme() throws IOException {
    return Files.readString(Launcher.root().resolve("README.md"));
  }

  /** The {@code ```language} blocks, with the line each starts on. */
  static Map<Integer, String> blocks(String readme, String language) {
    Map<Integer, String> blocks = new LinkedHashMap<>();
    List<String> lines = readme.lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).equals("```" + language)) {
        StringBuilder block = new StringBuilder();
        int start = i + 1;
        for (i++; !lines.get(i).equals("```"); i++) {
          block.append(lines.get(i)).append('\n');
        }
        blocks.put(start + 1, block.toString());
      }
    }
    return blocks;
  }

  @Test
  void theReplacementsStillMatchTheReadme() throws IOException {
    String readme = readme();
    for (String text : SMALLER.keySet()) {
      assertTrue(readme.contains(text), "README no longer contains \"" + text + "\": update SMALLER");
    }
    assertTrue(readme.lines().limit(8).anyMatch(l -> l.startsWith(TEST_COMMAND)), "README's test command moved");
    assertTrue(readme.lines().limit(8).anyMatch(l -> l.startsWith("jobs/penrose demo ")), "README's main command moved");
  }

  @TestFactory
  Stream<DynamicTest> everyShellBlockRuns() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    for (Map.Entry<Integer, String> block : blocks(readme(), "bash").entrySet()) {
      String first = block.getValue().lines().filter(l -> !l.isBlank() && !l.startsWith("#")).findFirst().orElse("");
      tests.add(DynamicTest.dynamicTest("README line " + block.getKey() + ": " + first, () -> run(block.getValue())));
    }
    assertTrue(tests.size() >= 6, "README has " + tests.size() + " bash blocks");
    return tests.stream();
  }

  private static void run(String block) throws IOException, InterruptedException {
    Path folder = Files.createTempDirectory(scratch, "block");
    String script = block.lines().filter(l -> !l.startsWith(TEST_COMMAND)).reduce("", (a, l) -> a + l + "\n");
    for (Map.Entry<String, String> r : SMALLER.entrySet()) {
      script = script.replace(r.getKey(), r.getValue());
    }
    script = script.replace("/tmp/", folder + "/");
    Launcher.Result result = Launcher.bash(script, scratch, 10);
    assertEquals(0, result.status(), "exit status of\n" + script + "\nstderr:\n" + result.err());
    for (String line : result.errLines()) {
      if (line.equals(PYSPARK_JVM_NOTE)) {
        continue;
      }
      assertTrue(!line.contains("WARN") && !line.contains("ERROR") && !line.contains("Exception")
          && !line.contains("\r") && !line.startsWith("\tat "), "a clean log, but stderr has: " + line + "\nin\n" + result.err());
    }
    assertTrue(result.errLines().size() <= 10, "a handful of lines on stderr:\n" + result.err());
    Matcher outputs = OUTPUT_PATH.matcher(script);
    while (outputs.find()) {
      assertTrue(Files.exists(Path.of(outputs.group(1))), outputs.group(1) + " was not written by\n" + script);
    }
  }

  /** The inline {@code jobs/penrose} commands (not run: benchmarks) name real commands and options. */
  @Test
  void inlineCommandsNameRealCommandsAndOptions() throws IOException {
    Matcher inline = Pattern.compile("`(jobs/penrose [^`]+)`").matcher(readme());
    int checked = 0;
    while (inline.find()) {
      String command = inline.group(1).replaceAll("\\s+", " ").strip();
      if (command.contains("<") || command.contains("...") || command.contains("|")) {
        continue; // a pattern (jobs/penrose <command> --help, --reg-param L | gcv), not a command
      }
      List<String> args = tokens(command.substring("jobs/penrose ".length()));
      if (args.stream().anyMatch(t -> t.matches("[A-Z][A-Z0-9_]*"))) {
        continue; // a placeholder value (--rank K, --input A): the options are documented, not a command
      }
      List<String> penroseArgs = new ArrayList<>();
      for (int i = 0; i < args.size(); i++) {
        if (List.of("--master", "--driver-memory", "--conf", "--executor-memory").contains(args.get(i))) {
          i++; // a Spark option, for the launcher
        } else {
          penroseArgs.add(args.get(i));
        }
      }
      try {
        Main.commandLine().parseArgs(penroseArgs.toArray(String[]::new));
      } catch (CommandLine.MissingParameterException e) {
        // a shortened command (`jobs/penrose lstsq --rank 5`): required options left out, but every option
        // it names must be one of its command's (picocli reports the missing ones before unknown ones)
        CommandLine.Model.CommandSpec spec = e.getCommandLine().getCommandSpec();
        for (String token : penroseArgs) {
          if (token.startsWith("--")) {
            String name = token.contains("=") ? token.substring(0, token.indexOf('=')) : token;
            assertTrue(spec.findOption(name) != null || spec.root().findOption(name) != null,
                "README's `" + command + "`: " + name + " is not an option of " + spec.qualifiedName());
          }
        }
      } catch (CommandLine.ParameterException e) {
        throw new AssertionError("README's `" + command + "`: " + e.getMessage(), e);
      }
      checked++;
    }
    assertTrue(checked >= 5, "checked " + checked + " inline commands");
  }

  private static List<String> tokens(String text) {
    List<String> tokens = new ArrayList<>();
    Matcher m = Pattern.compile("'([^']*)'|(\\S+)").matcher(text);
    while (m.find()) {
      tokens.add(m.group(1) != null ? m.group(1) : m.group(2));
    }
    return tokens;
  }
}
