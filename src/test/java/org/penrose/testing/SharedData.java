package org.penrose.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** The read-only reference data beside the project ({@code ../shared}, or {@code -Dpenrose.shared=DIR}). */
public final class SharedData {
  private SharedData() {}

  /** A path under the shared folder; fails (does not skip) when the folder is missing. */
  public static Path path(String relative) {
    Path root = Paths.get(System.getProperty("penrose.shared", "../shared")).toAbsolutePath().normalize();
    if (!Files.isDirectory(root)) {
      throw new IllegalStateException("the shared reference data folder " + root
          + " is missing: clone the project beside ../shared or set -Dpenrose.shared=DIR");
    }
    Path p = root.resolve(relative);
    if (!Files.exists(p)) {
      throw new IllegalStateException("missing shared reference file " + p);
    }
    return p;
  }

  /** A numpy-written fixture under the test resources' {@code npy/} folder ({@code dev/make_npy_fixtures.py}). */
  public static Path npyFixture(String name) {
    try {
      return Paths.get(SharedData.class.getResource("/npy/" + name).toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException("missing test fixture npy/" + name, e);
    }
  }
}
