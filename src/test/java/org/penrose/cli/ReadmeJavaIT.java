package org.penrose.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code ```java} block of README.md compiles against the packaged classes and Spark, as the
 * body of a method: a renamed method, a wrong type or a missing import in the docs fails the build.
 * The blocks are fragments (they use a {@code df}, an {@code a}, a {@code gX} from the reader's
 * program), so each is compiled with those names declared as fields of the enclosing class, with the
 * types the README's prose gives them: in-memory matrices for the local-kernel block, row-block
 * matrices elsewhere. (Running them needs the reader's data; the tests of each API run equivalent code.)
 */
class ReadmeJavaIT {
  @TempDir Path dir;

  private static final String COMMON = """
      org.apache.spark.sql.SparkSession spark;
      org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> df, sparseData, x;
      double[] theta, alpha;
      double mu, dMu;
      """;

  /** The names of the local-kernel block (its {@code a} is declared in the block). */
  private static final String LOCAL = """
      org.penrose.matrix.DoubleMatrix b, gX, dA, dB, tangent, cotangent;
      """;

  /** The names of the distributed blocks. */
  private static final String DISTRIBUTED = """
      org.penrose.engine.RowBlockMatrix a, b, dA, dB, pT;
      org.penrose.matrix.DoubleMatrix gX;
      """;

  private static final String IMPORTS = """
      import org.apache.spark.sql.*;
      import org.penrose.adapters.*;
      import org.penrose.check.*;
      import org.penrose.distributed.*;
      import org.penrose.engine.*;
      import org.penrose.factor.*;
      import org.penrose.matrix.*;
      import org.penrose.ml.*;
      import org.penrose.solver.*;
      import org.penrose.truncated.*;
      """;

  /** A compilation unit: the block's imports on top, the rest as a method body. */
  static String unit(String name, String block) {
    StringBuilder imports = new StringBuilder(IMPORTS);
    StringBuilder body = new StringBuilder();
    for (String line : block.lines().toList()) {
      (line.startsWith("import ") ? imports : body).append(line).append('\n');
    }
    boolean local = block.contains("PseudoInverse.of(") || block.contains("LeastSquares.solve(");
    return imports + "\n@SuppressWarnings(\"all\")\nclass " + name + " {\n" + COMMON + (local ? LOCAL : DISTRIBUTED)
        + "  void example() throws Exception {\n" + body + "  }\n}\n";
  }

  @Test
  void everyJavaBlockCompiles() throws IOException {
    List<String> blocks = new ArrayList<>(ReadmeCommandsIT.blocks(Files.readString(Launcher.root().resolve("README.md")),
        "java").values());
    assertTrue(blocks.size() >= 10, "README has " + blocks.size() + " java blocks");
    List<JavaFileObject> units = new ArrayList<>();
    for (int i = 0; i < blocks.size(); i++) {
      String name = "ReadmeExample" + (i + 1);
      String source = unit(name, blocks.get(i));
      units.add(new SimpleJavaFileObject(URI.create("string:///" + name + ".java"), JavaFileObject.Kind.SOURCE) {
        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
          return source;
        }
      });
    }
    Path target = Launcher.root().resolve("target");
    String classpath = target.resolve("classes") + java.io.File.pathSeparator
        + Files.readString(target.resolve("classpath.txt")).strip();
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    StringWriter errors = new StringWriter();
    boolean compiled = compiler.getTask(errors, null, null,
        List.of("-classpath", classpath, "-d", dir.toString(), "-proc:none", "-Xlint:none"), null, units).call();
    assertTrue(compiled, "README java blocks that do not compile:\n" + errors);
    for (int i = 0; i < blocks.size(); i++) {
      assertTrue(Files.exists(dir.resolve("ReadmeExample" + (i + 1) + ".class")), "block " + (i + 1) + " was compiled");
    }
  }
}
