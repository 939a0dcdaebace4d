package org.penrose.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.penrose.sql.PenroseFunctions;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code penrose sql}: runs Spark SQL statements with Penrose's functions and data sources
 * available, like the {@code spark-sql} shell: {@code -e "..."} or {@code -f file.sql}, several
 * statements separated by {@code ;}. Each query's rows are printed as a table, or as JSON lines
 * ({@code --json}).
 */
@Command(name = "sql", mixinStandardHelpOptions = true,
    description = "Run Spark SQL with Penrose's functions (pinv, lstsq, lstsq_agg, ...) and the npy source.")
final class SqlCommand implements Callable<Integer> {
  static final class Source {
    @Option(names = "-e", paramLabel = "SQL", description = "Statements to run, separated by ';'.")
    String text;

    @Option(names = "-f", paramLabel = "FILE", description = "A file of statements separated by ';'.")
    Path file;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  @Option(names = "--json", description = "Print rows as JSON lines, one object per row.")
  boolean json;

  @Option(names = "--limit", defaultValue = "1000",
      description = "Rows printed per query at most (default ${DEFAULT-VALUE}).")
  int limit;

  @Override
  public Integer call() throws Exception {
    String text = source.text != null ? source.text : Files.readString(source.file, StandardCharsets.UTF_8);
    List<String> statements = split(text);
    if (statements.isEmpty()) {
      throw new IllegalArgumentException("no SQL statement given");
    }
    try (SparkJob.Session session = SparkJob.session("penrose sql")) {
      SparkSession spark = session.spark();
      if (!spark.catalog().functionExists("pinv")) {
        PenroseFunctions.register(spark);
      }
      for (int s = 0; s < statements.size(); s++) {
        try {
          Dataset<Row> result = spark.sql(statements.get(s));
          if (!result.schema().isEmpty()) { // DDL and commands print nothing
            print(result);
          }
        } catch (Exception e) { // AnalysisException (parse and analysis errors) is a checked Exception
          throw new IllegalArgumentException("statement " + (s + 1) + ": " + Main.describe(e), e);
        }
      }
    }
    return 0;
  }

  private void print(Dataset<Row> result) {
    if (json) {
      List<String> lines = result.toJSON().takeAsList(limit + 1);
      for (int i = 0; i < Math.min(limit, lines.size()); i++) {
        System.out.println(lines.get(i));
      }
      if (lines.size() > limit) {
        System.err.println("(only the first " + limit + " rows; --limit N prints more)");
      }
    } else {
      result.show(limit, false);
    }
  }

  /** Splits on ';' outside quotes ('...', "...", `...`) and comments (-- and /* *&#47;); drops empty statements. */
  static List<String> split(String text) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    char quote = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quote != 0) {
        current.append(c);
        if (c == '\\' && i + 1 < text.length()) {
          current.append(text.charAt(++i));
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '\'' || c == '"' || c == '`') {
        quote = c;
        current.append(c);
      } else if (c == '-' && i + 1 < text.length() && text.charAt(i + 1) == '-') {
        int end = text.indexOf('\n', i);
        i = end < 0 ? text.length() : end;
        current.append('\n');
      } else if (c == '/' && i + 1 < text.length() && text.charAt(i + 1) == '*') {
        int end = text.indexOf("*/", i + 2);
        i = end < 0 ? text.length() : end + 1;
        current.append(' ');
      } else if (c == ';') {
        add(out, current);
      } else {
        current.append(c);
      }
    }
    add(out, current);
    return out;
  }

  private static void add(List<String> out, StringBuilder statement) {
    String s = statement.toString().trim();
    if (!s.isEmpty()) {
      out.add(s);
    }
    statement.setLength(0);
  }
}
