package org.penrose.engine;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.InvalidInputException;
import scala.Tuple2;

/**
 * A tree reduction whose merge order is fixed by partition index, never by task completion order,
 * so the same input and partitioning give the same bits (floating-point merges are not associative
 * bit for bit). Spark's own {@code reduce}/{@code treeAggregate} merge partial results in the order
 * tasks finish.
 *
 * <p>Each level groups {@code fanIn} consecutive items (by position) and merges each group in
 * position order, in Spark tasks; once at most {@code fanIn} items remain they are collected and
 * merged on the driver. The driver therefore holds at most {@code fanIn} items at once.
 */
public final class DeterministicReduce {
  private DeterministicReduce() {}

  /** Merges a list of items given in order. */
  public interface Merge<T> extends Serializable {
    T merge(List<T> inOrder);
  }

  /** Merges two items, the left one's rows (or terms) first. */
  public interface Pairwise<T> extends Serializable {
    T merge(T left, T right);
  }

  /** The {@link Merge} that folds a list left to right with {@code pairwise}. */
  public static <T> Merge<T> leftFold(Pairwise<T> pairwise) {
    return inOrder -> {
      T merged = inOrder.get(0);
      for (int i = 1; i < inOrder.size(); i++) {
        merged = pairwise.merge(merged, inOrder.get(i));
      }
      return merged;
    };
  }

  /** {@link #reduce} with the fan-in of {@link Tsqr#DEFAULT_FAN_IN}. */
  public static <T> T reduce(JavaRDD<T> perPartition, Merge<T> merge) {
    return reduce(perPartition, Tsqr.DEFAULT_FAN_IN, merge);
  }

  /**
   * Reduces the items of an RDD that holds exactly one item per partition, in partition order.
   *
   * @param perPartition one item per partition (partition {@code i} holds item {@code i})
   * @param fanIn how many items one merge takes (at least 2)
   */
  public static <T> T reduce(JavaRDD<T> perPartition, int fanIn, Merge<T> merge) {
    if (fanIn < 2) {
      throw new InvalidInputException("fan-in must be at least 2, got " + fanIn);
    }
    JavaPairRDD<Long, T> level = perPartition.mapPartitionsWithIndex((index, items) -> {
      List<Tuple2<Long, T>> out = new ArrayList<>(1);
      int count = 0;
      while (items.hasNext()) {
        out.add(new Tuple2<>((long) index, items.next()));
        count++;
      }
      if (count != 1) {
        throw new IllegalStateException("partition " + index + " produced " + count + " items, expected 1");
      }
      return out.iterator();
    }, true).mapToPair(t -> t);
    long count = perPartition.getNumPartitions();
    while (count > fanIn) {
      long groups = (count + fanIn - 1) / fanIn;
      int parts = (int) Math.min(groups, Integer.MAX_VALUE);
      level = level
          .mapToPair(t -> new Tuple2<>(t._1() / fanIn, t))
          .groupByKey(new HashPartitioner(parts))
          .mapToPair(group -> new Tuple2<>(group._1(), mergeInOrder(group._2(), merge)));
      count = groups;
    }
    List<Tuple2<Long, T>> last = new ArrayList<>(level.collect());
    return mergeInOrder(last, merge);
  }

  /**
   * The same tree as {@link #reduce} over items held locally (item {@code i} in the place of partition
   * {@code i}): groups of {@code fanIn} consecutive items merged in order, level by level, then the
   * last at most {@code fanIn} merged. Gives the bits {@link #reduce} gives for the same items.
   */
  public static <T> T reduceInOrder(List<T> items, int fanIn, Merge<T> merge) {
    if (fanIn < 2) {
      throw new InvalidInputException("fan-in must be at least 2, got " + fanIn);
    }
    List<T> level = items;
    while (level.size() > fanIn) {
      List<T> next = new ArrayList<>((level.size() + fanIn - 1) / fanIn);
      for (int from = 0; from < level.size(); from += fanIn) {
        next.add(merge.merge(new ArrayList<>(level.subList(from, Math.min(level.size(), from + fanIn)))));
      }
      level = next;
    }
    return merge.merge(level);
  }

  private static <T> T mergeInOrder(Iterable<Tuple2<Long, T>> items, Merge<T> merge) {
    List<Tuple2<Long, T>> sorted = new ArrayList<>();
    items.forEach(sorted::add);
    sorted.sort(Comparator.comparingLong(Tuple2::_1));
    List<T> values = new ArrayList<>(sorted.size());
    for (Tuple2<Long, T> t : sorted) {
      values.add(t._2());
    }
    return merge.merge(values);
  }

  /** Sum of equally shaped matrices, added in list order (a {@link Merge} for {@link #reduce}). */
  public static DoubleMatrix sum(List<DoubleMatrix> terms) {
    List<DoubleMatrix> copied = new ArrayList<>(terms);
    copied.set(0, terms.get(0).copy());
    return sumInto(copied);
  }

  /**
   * {@link #sum} added into the first term, which is returned (the same bits, no new matrix): for terms that are
   * the caller's to overwrite.
   */
  public static DoubleMatrix sumInto(List<DoubleMatrix> terms) {
    double[] s = terms.get(0).values();
    for (int t = 1; t < terms.size(); t++) {
      double[] v = terms.get(t).values();
      for (int i = 0; i < s.length; i++) {
        s[i] += v[i];
      }
    }
    return terms.get(0);
  }
}
