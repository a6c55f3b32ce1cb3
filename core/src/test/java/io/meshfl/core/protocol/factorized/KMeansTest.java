package io.meshfl.core.protocol.factorized;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KMeansTest {

    @Test
    void factorizedClusteringEqualsMaterialized() {
        Random rnd = new Random(21);
        NormalizedMatrix t = Schemas.star(rnd, 400, 3, new int[]{20, 40}, new int[]{4, 2});
        KMeans.Result f = KMeans.fit(t, 4, 30, 5);
        KMeans.Result m = KMeans.fit(t.materialize(), 4, 30, 5);
        assertArrayEquals(m.assignment(), f.assignment());
        assertArrayEquals(m.centroids(), f.centroids(), 1e-9);
        assertEquals(m.iterations(), f.iterations());
    }

    @Test
    void everyRowEndsAtItsNearestCentroidWhichIsItsClusterMean() {
        Random rnd = new Random(22);
        NormalizedMatrix t = Schemas.star(rnd, 300, 2, new int[]{30}, new int[]{3});
        KMeans.Result r = KMeans.fit(t, 3, 100, 9);
        assertTrue(r.iterations() < 100, "converged");
        DenseMatrix dense = t.materialize();
        int d = t.cols();
        double[][] sums = new double[3][d];
        int[] counts = new int[3];
        for (int i = 0; i < t.rows(); i++) {
            int nearest = -1;
            double best = Double.POSITIVE_INFINITY;
            for (int j = 0; j < 3; j++) {
                double dist = 0;
                for (int l = 0; l < d; l++) {
                    double e = dense.data()[i * d + l] - r.centroids()[j * d + l];
                    dist += e * e;
                }
                if (dist < best) {
                    best = dist;
                    nearest = j;
                }
            }
            assertEquals(nearest, r.assignment()[i], "row " + i);
            counts[nearest]++;
            for (int l = 0; l < d; l++) sums[nearest][l] += dense.data()[i * d + l];
        }
        for (int j = 0; j < 3; j++) {
            for (int l = 0; l < d; l++) assertEquals(sums[j][l] / counts[j], r.centroids()[j * d + l], 1e-12);
        }
    }

    @Test
    void separatedClustersInAJoinedSourceAreRecovered() {
        // the cluster lives only in the dimension source: two groups of dimension rows far apart
        Random rnd = new Random(23);
        int n0 = 200;
        int nk = 10;
        double[] dim = new double[nk * 2];
        for (int r = 0; r < nk; r++) {
            double centre = r < 5 ? -10 : 10;
            dim[r * 2] = centre + rnd.nextGaussian() * 0.1;
            dim[r * 2 + 1] = centre + rnd.nextGaussian() * 0.1;
        }
        int[] fk = Schemas.manyToOne(rnd, n0, nk);
        NormalizedMatrix t = NormalizedMatrix.of(3, Source.contiguous("fact", n0, 1, Schemas.random(rnd, n0), 0),
                new Join(Source.contiguous("dim", nk, 2, dim, 1), fk));
        KMeans.Result r = KMeans.fit(t, 2, 50, 1);
        for (int i = 0; i < n0; i++) {
            for (int l = 0; l < n0; l++) {
                assertEquals(fk[i] < 5 == fk[l] < 5, r.assignment()[i] == r.assignment()[l], "rows " + i + " and " + l);
            }
        }
    }

    @Test
    void kOutsideTheRowCountIsRefused() {
        NormalizedMatrix t = NormalizedMatrix.of(1, Source.contiguous("fact", 3, 1, new double[]{1, 2, 3}, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KMeans.fit(t, 4, 10, 1));
        assertEquals("k must be in 1..3 (the number of rows), got 4", e.getMessage());
    }
}
