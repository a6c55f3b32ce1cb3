package io.meshfl.bench;

import io.meshfl.core.crypto.paillier.CipherSums;
import io.meshfl.core.crypto.paillier.PaillierPublicKey;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encrypted histogram sums, reported as nanoseconds per modular multiplication modulo n^2: one
 * BigInteger multiply and mod, one Montgomery product as {@link CipherSums} does it, and the whole
 * {@link CipherSums#sums} call on {@value #ROWS} rows x {@value #KEYS} keys x {@value #BUCKETS}
 * buckets next to the same sums done with BigInteger (both over all cores, so their per-product
 * time is wall-clock time divided by the products).
 *
 * <p>Ciphertexts are random residues modulo n^2 of a random odd n: the cost of a product does not
 * depend on n being a real key, and this avoids generating keys and encrypting in the set-up.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class CipherSumsBenchmark {

    public static final int ROWS = 20_000;
    public static final int KEYS = 8;
    public static final int BUCKETS = 32;
    /** Products per invocation of the single-product benchmarks. */
    static final int CHAIN = 256;

    @Param({"1024", "2048"})
    public int keyBits;

    PaillierPublicKey pk;
    BigInteger nSquared;
    BigInteger[] cts;
    int[] rows;
    byte[][] bucketOf;
    CipherSums sums;

    Object mont;
    MethodHandle montMul;
    long[] acc;
    int[] montCts;
    long[] scratch;
    int limbs;

    @Setup(Level.Trial)
    public void setUp() throws ReflectiveOperationException {
        Random rnd = new Random(keyBits);
        pk = new PaillierPublicKey(new BigInteger(keyBits, rnd).setBit(keyBits - 1).setBit(0));
        nSquared = pk.nSquared();
        cts = new BigInteger[ROWS];
        for (int i = 0; i < ROWS; i++) cts[i] = new BigInteger(2 * keyBits + 64, rnd).mod(nSquared);
        rows = IntStream.range(0, ROWS).toArray();
        bucketOf = new byte[KEYS][ROWS];
        for (byte[] key : bucketOf) for (int i = 0; i < ROWS; i++) key[i] = (byte) rnd.nextInt(BUCKETS);
        sums = new CipherSums(pk, cts);
        setUpMontgomery();
    }

    /** The Montgomery multiplier is package-private in the core; reach it reflectively to time it alone. */
    private void setUpMontgomery() throws ReflectiveOperationException {
        Class<?> type = Class.forName("io.meshfl.core.crypto.paillier.Montgomery");
        Constructor<?> ctor = type.getDeclaredConstructor(BigInteger.class);
        ctor.setAccessible(true);
        mont = ctor.newInstance(nSquared);
        Method limbsOf = type.getDeclaredMethod("limbs");
        limbsOf.setAccessible(true);
        limbs = (int) limbsOf.invoke(mont);
        Method toMontgomery = type.getDeclaredMethod("toMontgomery", BigInteger.class, int[].class, int.class);
        toMontgomery.setAccessible(true);
        montCts = new int[CHAIN * limbs];
        for (int i = 0; i < CHAIN; i++) toMontgomery.invoke(mont, cts[i], montCts, i * limbs);
        Method mul = type.getDeclaredMethod("mul", long[].class, int[].class, int.class, long[].class);
        mul.setAccessible(true);
        montMul = MethodHandles.lookup().unreflect(mul)
                .asType(MethodType.methodType(void.class, Object.class, long[].class, int[].class, int.class, long[].class));
        acc = new long[limbs];
        for (int j = 0; j < limbs; j++) acc[j] = montCts[j];
        scratch = new long[limbs + 1];
    }

    @Benchmark
    @OperationsPerInvocation(CHAIN)
    public BigInteger bigIntegerMulMod() {
        BigInteger a = cts[CHAIN];
        for (int i = 0; i < CHAIN; i++) a = a.multiply(cts[i]).mod(nSquared);
        return a;
    }

    @Benchmark
    @OperationsPerInvocation(CHAIN)
    public long montgomeryMul() throws Throwable {
        for (int i = 0; i < CHAIN; i++) montMul.invokeExact(mont, acc, montCts, i * limbs, scratch);
        return acc[0];
    }

    /** Per ciphertext: the conversion into Montgomery form that the constructor does once. */
    @Benchmark
    @OperationsPerInvocation(ROWS)
    @Warmup(iterations = 1, time = 2)
    @Measurement(iterations = 2, time = 2)
    public CipherSums prepare() {
        return new CipherSums(pk, cts);
    }

    /** Per row and key: ROWS * KEYS - KEYS * BUCKETS products plus the conversions out, spread over all cores. */
    @Benchmark
    @OperationsPerInvocation(ROWS * KEYS)
    public BigInteger[][] sums() {
        return sums.sums(rows, bucketOf, BUCKETS);
    }

    /** The same sums with BigInteger multiply and mod, parallel over keys as before. */
    @Benchmark
    @OperationsPerInvocation(ROWS * KEYS)
    @Warmup(iterations = 1, time = 2)
    @Measurement(iterations = 2, time = 2)
    public BigInteger[][] sumsBigInteger() {
        BigInteger[][] out = new BigInteger[KEYS][];
        IntStream.range(0, KEYS).parallel().forEach(k -> {
            BigInteger[] a = new BigInteger[BUCKETS];
            byte[] bucket = bucketOf[k];
            for (int r : rows) {
                int b = bucket[r] & 0xFF;
                a[b] = a[b] == null ? cts[r] : a[b].multiply(cts[r]).mod(nSquared);
            }
            for (int b = 0; b < BUCKETS; b++) if (a[b] == null) a[b] = BigInteger.ONE;
            out[k] = a;
        });
        return out;
    }

    /** Checks that the timed sums and the BigInteger sums agree, so both do the same work. */
    static void agree() throws ReflectiveOperationException {
        CipherSumsBenchmark b = new CipherSumsBenchmark();
        for (int bits : new int[] {1024, 2048}) {
            b.keyBits = bits;
            b.setUp();
            if (!Arrays.deepEquals(b.sums(), b.sumsBigInteger())) {
                throw new IllegalStateException("CipherSums disagrees with BigInteger at " + bits + " bits");
            }
        }
    }

    public static void main(String[] args) throws Exception {
        agree();
        System.out.println("CipherSums agrees with BigInteger sums at 1024 and 2048 bits");
    }
}
