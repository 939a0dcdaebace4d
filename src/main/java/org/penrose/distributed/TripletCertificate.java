package org.penrose.distributed;

import java.io.Serializable;
import java.util.List;
import org.penrose.linalg.DoubleMatrix;

/** The sums a certificate needs, reduced in one pass. */
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
}
