package org.penrose.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.penrose.matrix.SparseEntries;
import scala.Tuple2;

/**
 * Moves chunks of matrix entries to the partitions that own their rows: partition {@code p} of the
 * result holds, as one {@link SparseEntries}, every entry with {@code starts[p] <= row < starts[p+1]}.
 * Each chunk is cut by row range before the shuffle (no per-entry records), and a partition
 * concatenates its pieces in the order of the chunks they came from, so duplicates are later summed
 * in the same order whatever the task timing.
 */
public final class EntryShuffle {
  private EntryShuffle() {}

  /** Sends key {@code p} (an Integer) to partition {@code p}. */
  public static final class IndexPartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final int parts;

    public IndexPartitioner(int parts) {
      this.parts = parts;
    }

    @Override
    public int numPartitions() {
      return parts;
    }

    @Override
    public int getPartition(Object key) {
      return (Integer) key;
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof IndexPartitioner && ((IndexPartitioner) other).parts == parts;
    }

    @Override
    public int hashCode() {
      return parts;
    }
  }

  /** The entries regrouped by the row ranges {@code [starts[p], starts[p+1])}, one chunk per range. */
  public static JavaRDD<SparseEntries> byRowRanges(JavaRDD<SparseEntries> entries, long[] starts) {
    long[] ranges = starts.clone();
    int parts = ranges.length - 1;
    return entries.mapPartitionsWithIndex((chunk, it) -> {
      List<Tuple2<Integer, Tuple2<Integer, SparseEntries>>> out = new ArrayList<>();
      while (it.hasNext()) {
        SparseEntries[] split = it.next().splitByRows(ranges);
        for (int p = 0; p < split.length; p++) {
          if (split[p] != null) {
            out.add(new Tuple2<>(p, new Tuple2<>(chunk, split[p])));
          }
        }
      }
      return out.iterator();
    }, true).mapToPair(t -> t).partitionBy(new IndexPartitioner(parts)).mapPartitions(it -> {
      List<Tuple2<Integer, SparseEntries>> pieces = new ArrayList<>();
      it.forEachRemaining(t -> pieces.add(t._2()));
      pieces.sort(Comparator.comparingInt(Tuple2::_1));
      SparseEntries merged = new SparseEntries();
      for (Tuple2<Integer, SparseEntries> piece : pieces) {
        SparseEntries e = piece._2();
        for (int k = 0; k < e.size(); k++) {
          merged.add(e.row(k), e.col(k), e.value(k));
        }
      }
      return Collections.singletonList(merged).iterator();
    }, true);
  }
}
