package io.meshfl.stream.join;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.psi.PsiKey;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The leader's second Kafka Streams application in a blinded join ({@link Reblind}): it blinds the
 * follower's batches a second time for as long as the follower sends them, which may be after the
 * leader's own input has ended; a bounded join's leader stops it once the follower has marked its
 * end on every partition and everything before the marks is answered.
 */
public final class Reblinder implements AutoCloseable {

    private final JoinSpec spec;
    private final KafkaStreams streams;
    private final Admin admin;
    private final int partitions;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    private Reblinder(JoinSpec spec, KafkaStreams streams, Admin admin, int partitions) {
        this.spec = spec;
        this.streams = streams;
        this.admin = admin;
        this.partitions = partitions;
    }

    /** Starts it once the follower has created its topics (waiting up to two minutes for them). */
    public static Reblinder start(JoinSpec spec, String bootstrap, JoinKey key, PsiKey blindingKey, Path stateDir, Consumer<String> log) {
        Admin admin = Admin.create(io.meshfl.stream.KafkaConnection.client(bootstrap));
        int partitions;
        try {
            partitions = JoinApps.awaitTopic(admin, spec.followerBlindedTopic(), "the follower's blinded ids", Duration.ofMinutes(2), log);
            JoinApps.awaitTopic(admin, spec.reblindedTopic(), "the follower's topic of answers", Duration.ofMinutes(2), log);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            admin.close();
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "interrupted while waiting for the follower's topics");
        } catch (ExecutionException e) {
            admin.close();
            if (e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) {
                // a follower that compares ids by keyed hash never makes them
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "the follower of blinded join " + spec.job() + " has not made its topics in 2 "
                        + "minutes: it is not running, or it compares ids by keyed hash (--ids hashed); run both with --ids blinded");
            }
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "the follower's topics of blinded join " + spec.job()
                    + " cannot be described at " + bootstrap + ": " + e.getCause().getMessage());
        }
        KafkaStreams streams = new KafkaStreams(Topologies.reblinder(spec, key, blindingKey),
                JoinApps.properties(spec.reblinderApplicationId(), bootstrap, stateDir));
        Reblinder r = new Reblinder(spec, streams, admin, partitions);
        streams.setUncaughtExceptionHandler(e -> {
            r.failure.set(e);
            log.accept("the leader's reblinder failed: " + e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.start();
        return r;
    }

    /** Whether the follower has marked its end on every partition and every batch before the marks is answered. */
    public boolean followerDone() {
        return count(Reblind.ENDED) >= partitions && JoinApps.caughtUp(admin, spec.reblinderApplicationId(), List.of(spec.followerBlindedTopic()));
    }

    /** The follower's ids blinded a second time so far. */
    public long points() {
        return count(Reblind.POINTS);
    }

    /** Records on the follower-blinded topic that were not the follower's (their seal did not open), not answered. */
    public long refused() {
        return count(Reblind.REFUSED);
    }

    private long count(String key) {
        return JoinApps.sum(streams, Reblind.COUNTS, key, partitions);
    }

    public void failIfFailed() {
        Throwable t = failure.get();
        if (t != null) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "the leader's reblinder failed: " + t.getMessage(), t);
    }

    @Override
    public void close() {
        streams.close(Duration.ofSeconds(30));
        admin.close(Duration.ofSeconds(5));
    }
}
