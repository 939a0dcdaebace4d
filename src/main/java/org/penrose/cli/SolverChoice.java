package org.penrose.cli;

import org.penrose.distributed.Route;

/** {@code --solver}: the route asked for, or {@code auto} to let {@link Route} choose. */
enum SolverChoice {
  auto,
  tsqr,
  truncated;

  /** The route kind asked for; null for {@code auto}. */
  Route.Kind kind() {
    return this == auto ? null : Route.Kind.valueOf(name().toUpperCase(java.util.Locale.ROOT));
  }
}
