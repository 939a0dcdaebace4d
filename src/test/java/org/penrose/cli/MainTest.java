package org.penrose.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line main builds: only the command named, or every command when none is named. */
class MainTest {
  private static final List<String> COMMANDS = List.of("demo", "pinv", "lstsq", "svd", "regress", "generate", "sql",
      "connect-server", "bench", "bench-sql", "varpro");

  private static Set<String> commands(String... args) {
    return Main.commandLineFor(args).getSubcommands().keySet();
  }

  @Test
  void aNamedCommandIsTheOnlyOneBuilt() {
    for (String name : COMMANDS) {
      assertEquals(Set.of(name), commands(name, "--input", "A.npy"), name);
      assertEquals(Set.of(name), commands("--verbose", name, "--help"), name);
    }
  }

  @Test
  void everyCommandWhenNoneIsNamed() {
    Set<String> all = Main.commandLine().getSubcommands().keySet();
    assertTrue(all.containsAll(COMMANDS) && all.contains("help") && all.size() == COMMANDS.size() + 1, all.toString());
    for (String[] args : List.of(new String[0], new String[] {"--help"}, new String[] {"--version"},
        new String[] {"help", "svd"}, new String[] {"svdd", "--rank", "3"}, new String[] {"--verbose"})) {
      assertEquals(all, commands(args), String.join(" ", args));
    }
  }

  @Test
  void aCommandsUsageIsTheSameBuiltAloneOrWithEveryCommand() {
    CommandLine everyCommand = Main.commandLine();
    for (String name : COMMANDS) {
      assertEquals(everyCommand.getSubcommands().get(name).getUsageMessage(),
          Main.commandLineFor(new String[] {name}).getSubcommands().get(name).getUsageMessage(), name);
    }
  }

  @Test
  void helpAndUnknownNamesStillWork() {
    String[] args = {"help", "svd"};
    CommandLine help = Main.commandLineFor(args);
    StringWriter out = new StringWriter();
    help.setOut(new PrintWriter(out));
    assertEquals(0, help.execute(args));
    assertTrue(out.toString().startsWith("Usage: penrose svd "), out.toString());
    CliRun unknown = CliRun.of("svdd", "--rank", "3");
    assertEquals(2, unknown.status());
    assertTrue(unknown.err().contains("Did you mean: penrose svd"), unknown.err());
    CliRun none = CliRun.of("--verbose");
    assertEquals(2, none.status());
    assertTrue(none.err().contains("missing command"), none.err());
  }
}
