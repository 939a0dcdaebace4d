package org.penrose.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The reference data the tests read, kept in the project's {@code data/} folder (see its README for each
 * file's source and licence; {@code -Dpenrose.data=DIR} points elsewhere).
 */
public final class TestData {
  private TestData() {}

  /** The data folder: {@code -Dpenrose.data}, else {@code data/} under the working directory (the project). */
  public static Path root() {
    return Paths.get(System.getProperty("penrose.data", "data")).toAbsolutePath().normalize();
  }

  /** A path under the project's data folder; fails (does not skip) when the file is missing. */
  public static Path path(String relative) {
    Path root = root();
    if (!Files.isDirectory(root)) {
      throw new IllegalStateException("the project's test data folder " + root
          + " is missing: run the tests from the project folder or set -Dpenrose.data=DIR");
    }
    Path p = root.resolve(relative);
    if (!Files.exists(p)) {
      throw new IllegalStateException("missing test data file " + p);
    }
    return p;
  }

  /** A numpy-written fixture under the test resources' {@code npy/} folder ({@code dev/make_npy_fixtures.py}). */
  public static Path npyFixture(String name) {
    try {
      return Paths.get(TestData.class.getResource("/npy/" + name).toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException("missing test fixture npy/" + name, e);
    }
  }
}
