package org.penrose.cli;

import org.penrose.distributed.Route;
import picocli.CommandLine.Option;

/**
 * {@code --solver} (or {@code --method}): the route a command asks for, or {@code auto} to let
 * {@link Route} choose.
 */
final class SolverOption {
  /** The choices, as the estimator's {@code solver} param names them. */
  enum Choice {
    auto,
    tsqr,
    truncated,
    lsmr
  }

  @Option(names = {"--solver", "--method"}, paramLabel = "auto|tsqr|truncated|lsmr", defaultValue = "auto",
      description = "The algorithm: auto (TSQR up to 4096 columns without a fixed rank, else the truncated route),"
          + " tsqr (refuses a fixed rank and more than 4096 columns), truncated (also for a narrow matrix, at the"
          + " fixed rank or the one the cut-off decides), or lsmr (lstsq only: iterative, any width, to --atol/--btol,"
          + " with --damp); default ${DEFAULT-VALUE}.")
  Choice choice;

  /** The route kind asked for; null for {@code auto}. */
  Route.Kind kind() {
    return Route.requested(choice.name());
  }

  /** The choice as the estimator's {@code solver} param takes it. */
  String param() {
    return choice.name();
  }
}
