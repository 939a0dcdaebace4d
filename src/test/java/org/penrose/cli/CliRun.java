package org.penrose.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** One in-process run of the command line: exit status, stderr and stdout. */
record CliRun(int status, String err, String out) {
  /** {@code first} followed by {@code more}: a command line built from parts. */
  static String[] concat(String[] first, String... more) {
    String[] all = java.util.Arrays.copyOf(first, first.length + more.length);
    System.arraycopy(more, 0, all, first.length, more.length);
    return all;
  }

  static CliRun of(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLineFor(args); // as main builds it
    cl.setErr(new PrintWriter(err));
    PrintStream console = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    int status;
    try {
      status = cl.execute(args);
    } finally {
      System.setOut(console);
    }
    String printed = out.toString(StandardCharsets.UTF_8);
    console.print(printed);
    return new CliRun(status, err.toString(), printed);
  }
}
