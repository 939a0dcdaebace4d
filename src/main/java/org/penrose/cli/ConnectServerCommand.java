package org.penrose.cli;

import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.connect.service.SparkConnectService$;
import org.penrose.python.PenroseRelationPlugin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code penrose connect-server}: a Spark Connect server whose sessions have Penrose installed (the
 * SQL functions and {@code lstsq_agg} from the session extension of {@code conf/spark-defaults.conf},
 * the spark.ml stages found by ServiceLoader, {@code penrose.linalg} through {@link PenroseRelationPlugin},
 * the executors' BLAS plugin), for PySpark's
 * {@code SparkSession.builder.remote("sc://host:port")}. It runs until it is stopped (Ctrl-C, SIGTERM).
 */
@Command(name = "connect-server", mixinStandardHelpOptions = true,
    description = "Run a Spark Connect server with Penrose installed, until stopped (Ctrl-C).")
final class ConnectServerCommand implements Callable<Integer> {
  @Option(names = "--port", defaultValue = "15002", paramLabel = "PORT",
      description = "The port to listen on (default ${DEFAULT-VALUE}, Spark Connect's; 0: any free one).")
  int port;

  @Option(names = "--host", defaultValue = "localhost", paramLabel = "HOST",
      description = "The address to bind (default ${DEFAULT-VALUE}: this machine only).")
  String host;

  @Override
  public Integer call() throws Exception {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--port must be in 0..65535 (0: any free port), got " + port);
    }
    SparkJob.beforeSparkStarts();
    SparkConf conf = new SparkConf().setIfMissing("spark.app.name", "penrose connect-server")
        .setIfMissing("spark.master", "local[*]")
        .set("spark.connect.grpc.binding.port", Integer.toString(port))
        .set("spark.connect.grpc.binding.address", host)
        .set("spark.connect.extensions.relation.classes", PenroseRelationPlugin.class.getName());
    SparkContext sc = SparkContext.getOrCreate(conf);
    SparkConnectService$.MODULE$.start(sc);
    System.out.printf("connect-server: listening on sc://%s:%d (master %s); Ctrl-C stops it%n", host,
        SparkConnectService$.MODULE$.server().getPort(), sc.master());
    System.out.flush();
    Runtime.getRuntime().addShutdownHook(new Thread(sc::stop));
    SparkConnectService$.MODULE$.server().awaitTermination();
    return 0;
  }
}
