package io.meshfl.core.crypto.psi;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.curve.X25519Engine;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Blinds entity keys and other parties' points with one party's {@link PsiKey}. Points travel
 * packed: point {@code i} is bytes {@code [32i, 32i+32)} of one array, an X25519 u-coordinate.
 *
 * <p>{@code blindKeys} computes {@code a*H(k)} for each key, {@code reblind} computes
 * {@code a*P} for each received point. Since scalar multiplication commutes, a key held by
 * every party ends up as the same value once all parties' keys were applied, in any order.
 *
 * <p>Thread-safe. Work is split into small ranges claimed by up to {@code threads} threads (the
 * calling thread included); the helper threads are daemons that exit when idle, so a blinder
 * needs no closing. Large inputs are meant to be fed in batches with
 * {@link #blindKeys(String[], int, int)}.
 */
public final class Blinder {
    /** Points per claimed range: large enough to amortise the claim, small enough to balance load. */
    private static final int CHUNK = 64;
    private static final int MAX_POINTS = Integer.MAX_VALUE / 32;
    private static final AtomicInteger THREAD_IDS = new AtomicInteger();

    private final PsiKey key;
    private final X25519Engine x25519;
    private final int threads;
    private final ThreadPoolExecutor helpers;

    /** A blinder with {@code key} that uses up to {@code threads} threads per call, on this JVM's X25519 engine. */
    public Blinder(PsiKey key, int threads) {
        this(key, threads, X25519Engine.get());
    }

    /** A blinder on a given X25519 engine (the engines give the same bytes; tests and benchmarks compare them). */
    public Blinder(PsiKey key, int threads, X25519Engine x25519) {
        if (key == null) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "blinder needs a PSI key, got null");
        }
        if (threads < 1) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "blinder needs at least 1 thread, got " + threads);
        }
        this.key = key;
        this.x25519 = x25519;
        this.threads = threads;
        if (threads == 1) {
            helpers = null;
        } else {
            helpers = new ThreadPoolExecutor(threads - 1, threads - 1, 30, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), r -> {
                        Thread t = new Thread(r, "meshfl-psi-blinder-" + THREAD_IDS.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
            helpers.allowCoreThreadTimeOut(true);
        }
    }

    /** Threads used per call. */
    public int threads() {
        return threads;
    }

    /** {@code a*H(k)} for every key (UTF-8 encoded), packed in input order. */
    public byte[] blindKeys(List<String> keys) {
        if (keys == null) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "blindKeys got a null key list");
        }
        String[] array = keys.toArray(new String[0]);
        return blindKeys(array, 0, array.length);
    }

    /** {@code a*H(k)} for {@code keys[from..to)}, packed in order; point 0 is {@code keys[from]}. */
    public byte[] blindKeys(String[] keys, int from, int to) {
        if (keys == null) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "blindKeys got a null key array");
        }
        if (from < 0 || to > keys.length || from > to) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE,
                    "blindKeys range [" + from + ", " + to + ") is outside the " + keys.length + " keys");
        }
        int n = checkCount(to - from);
        byte[] scalar = key.scalar();
        byte[] out = new byte[n * 32];
        HashToCurve h2c = HashToCurve.meshfl();
        AtomicInteger lowOrder = new AtomicInteger(Integer.MAX_VALUE);
        run(n, (w, lo, hi) -> {
            // keys hashed to the curve a batch at a time, so that one inversion serves the whole batch
            for (int b = lo; b < hi; b += HashToCurve.BATCH) {
                int e = Math.min(hi, b + HashToCurve.BATCH);
                for (int i = b; i < e; i++) {
                    String k = keys[from + i];
                    if (k == null) {
                        throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "key at index " + (from + i) + " is null");
                    }
                    int len = w.utf8(k, from + i);
                    h2c.prepare(w.h2c, w.utf8, 0, len, i - b);
                }
                HashToCurve.finishBatch(w.h2c, e - b, w.points, 0);
                for (int i = b; i < e; i++) {
                    if (!x25519.agree(scalar, 0, w.points, (i - b) * 32, out, i * 32)) {
                        lowOrder.accumulateAndGet(from + i, Math::min);
                    }
                }
            }
        });
        if (lowOrder.get() != Integer.MAX_VALUE) {
            // Reachable only if SHA-512 output hits one of a handful of field elements.
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE,
                    "key at index " + lowOrder.get() + " hashes to a low-order point");
        }
        return out;
    }

    /**
     * {@code a*P} for each 32-byte point of {@code packedPoints}, in order. Refuses input whose
     * length is not a multiple of 32, and any point of small order (the all-zero encoding,
     * {@code u = 1}, the order-8 points and their non-canonical encodings, and their twist
     * counterparts): those give the all-zero result because the scalar is a multiple of 8, and
     * a party sending them would get values that carry no blinding.
     */
    public byte[] reblind(byte[] packedPoints) {
        if (packedPoints == null) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "reblind got null instead of packed points");
        }
        if (packedPoints.length % 32 != 0) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE,
                    "packed points are " + packedPoints.length + " bytes, not a multiple of 32");
        }
        int n = packedPoints.length / 32;
        byte[] scalar = key.scalar();
        byte[] out = new byte[packedPoints.length];
        AtomicInteger invalid = new AtomicInteger(Integer.MAX_VALUE);
        run(n, (w, lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                if (!x25519.agree(scalar, 0, packedPoints, i * 32, out, i * 32)) {
                    invalid.accumulateAndGet(i, Math::min);
                }
            }
        });
        if (invalid.get() != Integer.MAX_VALUE) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE,
                    "invalid point at index " + invalid.get() + ": it has small order");
        }
        return out;
    }

    private static int checkCount(int n) {
        if (n > MAX_POINTS) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE,
                    n + " keys in one call exceed " + MAX_POINTS + "; blind them in batches");
        }
        return n;
    }

    private interface RangeTask {
        void run(Work w, int from, int to);
    }

    /** Runs {@code task} over {@code [0, n)} in claimed chunks, on this thread plus helpers. */
    private void run(int n, RangeTask task) {
        int chunks = (n + CHUNK - 1) / CHUNK;
        if (helpers == null || chunks <= 1) {
            task.run(new Work(), 0, n);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        Runnable loop = () -> {
            Work w = new Work();
            int start;
            while ((start = next.getAndAdd(CHUNK)) < n) {
                task.run(w, start, Math.min(n, start + CHUNK));
            }
        };
        int extra = Math.min(threads - 1, chunks - 1);
        Future<?>[] futures = new Future<?>[extra];
        for (int i = 0; i < extra; i++) {
            futures[i] = helpers.submit(loop);
        }
        Throwable failure = null;
        try {
            loop.run();
        } catch (RuntimeException | Error e) {
            failure = e;
            next.set(n);
        }
        boolean interrupted = false;
        for (Future<?> f : futures) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause();
                    }
                    next.set(n);
                    break;
                } catch (InterruptedException e) {
                    // Helpers still write into the caller's output, so wait for them before leaving.
                    interrupted = true;
                    next.set(n);
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
            if (failure == null) {
                throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "blinding was interrupted");
            }
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error err) {
            throw err;
        }
        if (failure != null) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "blinding failed: " + failure, failure);
        }
    }

    /** Per-thread buffers of one call. */
    private static final class Work {
        final HashToCurve.Scratch h2c = new HashToCurve.Scratch();
        final byte[] points = new byte[HashToCurve.BATCH * 32];
        byte[] utf8 = new byte[64];

        /** Encodes {@code s} as UTF-8 into {@link #utf8}; unpaired surrogates are refused, not replaced, so distinct keys never share bytes. */
        int utf8(String s, int index) {
            int n = s.length();
            if (utf8.length < 3 * n) {
                utf8 = new byte[Math.max(3 * n, 2 * utf8.length)];
            }
            byte[] b = utf8;
            int p = 0;
            for (int i = 0; i < n; i++) {
                char c = s.charAt(i);
                if (c < 0x80) {
                    b[p++] = (byte) c;
                } else if (c < 0x800) {
                    b[p++] = (byte) (0xC0 | (c >>> 6));
                    b[p++] = (byte) (0x80 | (c & 0x3F));
                } else if (Character.isSurrogate(c)) {
                    char d = i + 1 < n ? s.charAt(i + 1) : 0;
                    if (!Character.isHighSurrogate(c) || !Character.isLowSurrogate(d)) {
                        throw new MeshflException(ErrorCode.CRYPTO_FAILURE,
                                "key at index " + index + " is not valid Unicode: unpaired surrogate at char " + i);
                    }
                    int cp = Character.toCodePoint(c, d);
                    i++;
                    b[p++] = (byte) (0xF0 | (cp >>> 18));
                    b[p++] = (byte) (0x80 | ((cp >>> 12) & 0x3F));
                    b[p++] = (byte) (0x80 | ((cp >>> 6) & 0x3F));
                    b[p++] = (byte) (0x80 | (cp & 0x3F));
                } else {
                    b[p++] = (byte) (0xE0 | (c >>> 12));
                    b[p++] = (byte) (0x80 | ((c >>> 6) & 0x3F));
                    b[p++] = (byte) (0x80 | (c & 0x3F));
                }
            }
            return p;
        }
    }
}
