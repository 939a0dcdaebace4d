package org.penrose.cli;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.penrose.matrix.InvalidInputException;

/**
 * The local paths a command will write, checked before it reads or computes anything, so that a path that cannot
 * be written (a folder where the file goes, a file where a folder goes) is said at once, not after the work. Paths
 * with a scheme ({@code hdfs:}, {@code s3a:}, ...) are left to the write itself.
 */
final class OutputPaths {
  private OutputPaths() {}

  /** Throws unless each of {@code files} (nulls skipped) can be written as a file: not a folder, under folders. */
  static void requireFiles(List<String> files) throws FileAlreadyExistsException {
    for (String file : files) {
      if (file == null || !InDriver.isLocal(file)) {
        continue;
      }
      Path path = Path.of(file).toAbsolutePath();
      if (Files.isDirectory(path)) {
        throw new InvalidInputException(file + " is a folder; give a file name" + (file.endsWith(".npy")
            ? " ending in .npy" : ""));
      }
      requireFolderOrAbsent(path.getParent());
    }
  }

  /** Throws unless {@code folder} is a folder or can be made one (no file on its path). */
  static void requireFolder(Path folder) throws FileAlreadyExistsException {
    requireFolderOrAbsent(folder.toAbsolutePath());
  }

  /** {@link #requireFolder} for a path that may be null (not given) or have a scheme (left to the write). */
  static void requireFolder(String folder) throws FileAlreadyExistsException {
    if (folder != null && InDriver.isLocal(folder)) {
      requireFolder(Path.of(folder));
    }
  }

  /** The nearest of {@code path} and its parents that exists is a folder. */
  private static void requireFolderOrAbsent(Path path) throws FileAlreadyExistsException {
    for (Path p = path; p != null; p = p.getParent()) {
      if (Files.isDirectory(p)) {
        return;
      }
      if (Files.exists(p)) {
        throw new FileAlreadyExistsException(p.toString());
      }
    }
  }
}
