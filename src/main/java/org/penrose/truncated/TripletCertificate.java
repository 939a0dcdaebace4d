package org.penrose.truncated;

import java.io.Serializable;
import java.util.List;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.MatrixBlock;

/** The sums a certificate needs (one block's terms, merged in one pass), and the triplets when they pass. */
final class TripletCertificate implements Serializable {
  private static final long serialVersionUID = 1L;
  /** {@code ||A v_i - s_i u_i||^2} per triplet. */
  final double[] leftSquared;
  /** {@code A^T U} ({@code n x r}). */
  final DoubleMatrix transposeProduct;
  /** {@code U^T U} ({@code r x r}). */
  final DoubleMatrix gram;

  TripletCertificate(double[] leftSquared, DoubleMatrix transposeProduct, DoubleMatrix gram) {
    this.leftSquared = leftSquared;
    this.transposeProduct = transposeProduct;
    this.gram = gram;
  }

  static TripletCertificate merge(List<TripletCertificate> parts) {
    double[] left = parts.get(0).leftSquared.clone();
    DoubleMatrix product = parts.get(0).transposeProduct;
    DoubleMatrix gram = parts.get(0).gram;
    for (int p = 1; p < parts.size(); p++) {
      for (int i = 0; i < left.length; i++) {
        left[i] += parts.get(p).leftSquared[i];
      }
      product = product.plusScaled(1.0, parts.get(p).transposeProduct);
      gram = gram.plusScaled(1.0, parts.get(p).gram);
    }
    return new TripletCertificate(left, product, gram);
  }

  /**
   * One row block's terms of the certificate: {@code ||A_i v_j - s_j u_ij||^2} from {@code A_i V}
   * ({@code images}), {@code A_i^T U_i} and {@code U_i^T U_i}.
   */
  static TripletCertificate ofBlock(MatrixBlock block, DoubleMatrix u, DoubleMatrix images, double[] s) {
    double[] left = new double[s.length];
    for (int j = 0; j < s.length; j++) {
      for (int i = 0; i < u.rows(); i++) {
        double e = images.get(i, j) - s[j] * u.get(i, j); // A_i V - U_i S
        left[j] += e * e;
      }
    }
    return new TripletCertificate(left, block.transposeTimes(u), u.transposeTimes(u));
  }

  /**
   * The certification of the triplets {@code (U, s, V)} these sums were computed for, when they pass:
   * residuals {@code ||A v_i - s_i u_i||} and {@code ||A^T u_i - s_i v_i||} at most {@code tolerance * s_1}.
   * Null when they do not.
   */
  TruncatedSvd.Certification passed(DoubleMatrix vk, double[] s, double[] next, double tolerance) {
    int r = s.length;
    double[] leftRes = new double[r];
    double[] rightRes = new double[r];
    double worst = 0;
    for (int i = 0; i < r; i++) {
      leftRes[i] = Math.sqrt(leftSquared[i]);
      double sum = 0; // ||A^T u_i - s_i v_i||^2
      for (int j = 0; j < vk.rows(); j++) {
        double e = transposeProduct.get(j, i) - s[i] * vk.get(j, i);
        sum += e * e;
      }
      rightRes[i] = Math.sqrt(sum);
      worst = Math.max(worst, Math.max(leftRes[i], rightRes[i]));
    }
    double scale = r == 0 || s[0] == 0 ? 1 : s[0];
    if (worst > tolerance * scale) {
      return null;
    }
    double uOrth = gram.plusScaled(-1.0, DoubleMatrix.identity(r)).maxAbs();
    double vOrth = vk.transposeTimes(vk).plusScaled(-1.0, DoubleMatrix.identity(r)).maxAbs();
    return new TruncatedSvd.Certification(leftRes, rightRes, next, tolerance, uOrth, vOrth);
  }
}
