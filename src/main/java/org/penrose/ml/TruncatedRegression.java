package org.penrose.ml;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.penrose.distributed.DistributedLstsq;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.ShiftedBlock;
import org.penrose.truncated.TruncatedSvd;
import org.penrose.truncated.TruncatedSvdOptions;

/**
 * The estimator's truncated route, for designs of more than 4096 columns or a fixed {@code rank}:
 * principal-component regression. With an intercept the weighted design {@code sqrt(w) X} is
 * centered at the weighted column means {@code mu} without densifying it (row blocks
 * {@code S = sqrt(w) X - sqrt(w) mu^T}, a {@link ShiftedBlock} over the sparse or dense blocks), and
 * the label at its weighted mean {@code ybar}; without one nothing is centered. The columns are
 * equilibrated to unit (centered) norm ({@code S D^-1}), the certified truncated SVD of the scaled
 * design gives {@code z = V_k S_k^-1 U_k^T sqrt(w) (y - ybar)}, {@code beta = D^-1 z} and the
 * intercept {@code ybar - mu . beta}: the least-squares fit restricted to the leading {@code k}
 * principal components. The rank is the given one, or the one the cut-off decides (up to
 * {@code maxRank}); singular values at or below the cut-off are dropped either way. No standard
 * errors or dependent columns are reported on this route.
 */
final class TruncatedRegression {
  private TruncatedRegression() {}

  static LeastSquaresFit fit(JavaRDD<Row> rows, DesignRows design, boolean intercept,
      boolean equilibrate, RankCutoff cutoff, Integer rank, TruncatedSvdOptions options, List<String> names) {
    ScaledDesign scaled = ScaledDesign.of(rows, design, intercept,
        equilibrate ? ScaledDesign.Scaling.EQUILIBRATE : ScaledDesign.Scaling.NONE);
    RowBlockMatrix a = scaled.a;
    int p = a.cols();
    TruncatedSvd svd = rank != null ? TruncatedSvd.compute(a, rank, options)
        : TruncatedSvd.byCutoff(a, cutoff, options);
    DistributedLstsq ls = DistributedLstsq.fromSvd(a, scaled.y, svd, cutoff);
    double[] beta = scaled.coefficients(ls.solution().values());
    double tss = scaled.totalSumOfSquares(intercept);
    double rss = ls.residualSumOfSquares()[0];
    scaled.unpersist();
    svd.u().unpersist();
    double[] coefficients = intercept ? beta : Arrays.copyOfRange(beta, design.designColumns() - p, p);
    Double fittedIntercept = intercept ? scaled.intercept(beta) : null;
    return LeastSquaresFit.of(new LeastSquaresFit.Coefficients(coefficients, fittedIntercept, null, null),
        new LeastSquaresFit.RankDecision(ls.rank(), ls.singularValues(), ls.threshold(), List.of()),
        new LeastSquaresFit.Goodness(rss, tss > 0 ? 1 - rss / tss : null, (long) scaled.sums[3]), List.copyOf(names), 0,
        null);
  }
}
