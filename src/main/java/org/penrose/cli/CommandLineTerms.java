package org.penrose.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.penrose.engine.Tsqr;
import org.penrose.truncated.TruncatedSvd;
import org.penrose.truncated.TruncatedSvdOptions;

/**
 * The library's errors name API terms (a method, an option of {@code TruncatedSvdOptions}, a Spark
 * setting); on the command line the same advice names the flags. One table, applied to every error
 * line the commands print.
 */
final class CommandLineTerms {
  private CommandLineTerms() {}

  /** API term -> flag, longest first where one contains another. */
  private static final Map<String, String> FLAGS = new LinkedHashMap<>();

  static {
    FLAGS.put(TruncatedSvd.FIX_THE_RANK, "fix the rank with --rank K");
    FLAGS.put("route (" + Tsqr.TRUNCATED_ROUTE + ")", "route (--rank K)");
    FLAGS.put("maxRank", "--max-rank");
    FLAGS.put("spark.driver.memory", "--driver-memory");
    FLAGS.put("MatrixFiles.withColumn(name)", "--column");
    FLAGS.put("the number of row blocks", "--partitions");
  }

  /** {@code message} with the API terms replaced by the command line's flags. */
  static String inFlags(String message) {
    String out = message;
    for (Map.Entry<String, String> term : FLAGS.entrySet()) {
      out = out.replace(term.getKey(), term.getValue());
    }
    return out;
  }
}
