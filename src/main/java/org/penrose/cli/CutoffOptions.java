package org.penrose.cli;

import org.penrose.factor.RankCutoff;
import picocli.CommandLine.Option;

/** {@code --rtol} and {@code --atol}, with the defaults of {@link RankCutoff}. */
final class CutoffOptions {
  @Option(names = "--rtol", paramLabel = "R",
      description = "Relative cut-off: singular values <= max(atol, rtol * s_max) are dropped. "
          + "Default max(m, n) * eps, or 0 when only --atol is given.")
  Double rtol;

  @Option(names = "--atol", paramLabel = "T", description = "Absolute cut-off (default 0).")
  Double atol;

  RankCutoff cutoff() {
    return RankCutoff.of(rtol, atol);
  }
}
