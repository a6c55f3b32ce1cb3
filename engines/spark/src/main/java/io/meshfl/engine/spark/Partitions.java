package io.meshfl.engine.spark;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.PartitionPruningRDD;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

import java.io.Serializable;

/** A job over some partitions of a dataset only: the others are not even scheduled. */
final class Partitions {

    private Partitions() {
    }

    /** Partitions {@code first..last} (inclusive) of {@code rdd}. */
    static <T> JavaRDD<T> only(JavaRDD<T> rdd, int first, int last) {
        return new JavaRDD<>(PartitionPruningRDD.create(rdd.rdd(), new Between(first, last)), ClassTag$.MODULE$.apply(Object.class));
    }

    private static final class Between extends AbstractFunction1<Object, Object> implements Serializable {
        private final int first;
        private final int last;

        Between(int first, int last) {
            this.first = first;
            this.last = last;
        }

        @Override
        public Object apply(Object index) {
            int i = (Integer) index;
            return i >= first && i <= last;
        }
    }
}
