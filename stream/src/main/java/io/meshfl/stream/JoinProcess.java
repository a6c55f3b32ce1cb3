package io.meshfl.stream;

import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.contract.Durations;
import io.meshfl.stream.blocks.BlockWriter;
import io.meshfl.stream.blocks.CountsFile;
import io.meshfl.stream.blocks.Manifest;
import io.meshfl.stream.ingest.PartsIngest;
import io.meshfl.core.crypto.psi.PsiKey;
import io.meshfl.stream.join.IdBlinding;
import io.meshfl.stream.join.JoinKey;
import io.meshfl.stream.join.Reblinder;
import io.meshfl.stream.join.JoinSpec;
import io.meshfl.stream.join.StreamParty;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.function.Consumer;

/**
 * Runs one party of a stream join, for ever or, for a bounded join (a backfill, a test), until its
 * input ends: the leader, once it has processed all its topic holds for {@code idle}, marks the end
 * on the leader-ids topic; the follower, once it has the leader's marks and has joined and written
 * everything up to them. Progress goes to {@code log} every few seconds, and the leader keeps its
 * counts per block in its state folder ({@link CountsFile}) for writing its half of the blocks.
 */
public final class JoinProcess {

    /** What one party needs: the job, its side, its contract, its secret and the other's public key, its folders. */
    public record Options(JoinSpec spec, JoinSpec.Side side, DataContract contract, byte[] secret, byte[] peerPublic,
                          Path state, Path blocks, Duration idle) {
    }

    private JoinProcess() {
    }

    /** Runs one party; returns the follower's manifest (null for the leader) at the end of a bounded join, or never without {@code idle}. */
    public static Manifest run(Options o, Consumer<String> log) throws InterruptedException {
        JoinKey key = JoinKey.agree(o.secret(), o.peerPublic(), o.spec());
        boolean blinded = o.spec().ids() == JoinSpec.Ids.BLINDED;
        PsiKey blindingKey = blinded ? IdBlinding.key(o.secret(), o.spec().job()) : null;
        io.meshfl.core.trust.PrivateFiles.directory(o.state(), "the stream join's state folder");
        // a stream that arrives as files goes into its topic first, each part once, while the join reads the topic
        try (PartsIngest parts = o.contract().server().stream().parts() == null ? null : PartsIngest.start(o.contract(), log);
             StreamParty party = StreamParty.start(o.spec(), o.side(), o.contract(), key, blindingKey, o.state(), log)) {
            try {
                if (!party.awaitRunning(Duration.ofMinutes(2))) throw new IllegalStateException("the stream application did not start in 2 minutes");
                if (o.side() == JoinSpec.Side.LEADER) {
                    try (Reblinder reblinder = blinded ? Reblinder.start(o.spec(), o.contract().server().stream().bootstrap(), key, blindingKey,
                            o.state(), log) : null) {
                        return lead(o, party, parts, reblinder, log);
                    }
                }
                return follow(o, party, parts, log);
            } catch (RuntimeException e) {
                // a failed stream task makes later calls on the application fail too ("not running"): what failed first is said
                party.failIfFailed();
                throw e;
            }
        }
    }

    /** True when the party's input is all in its topic: always for a topic others write; for parts, once every arrived part is in. */
    private static boolean partsIn(PartsIngest parts) {
        if (parts == null) return true;
        parts.failIfFailed();
        return parts.idle();
    }

    private static String partsLine(PartsIngest parts) {
        return parts == null ? "" : " (" + parts.sent() + " events from its parts in the topic" + (parts.rejected() == 0 ? "" : ", "
                + parts.rejected() + " rows not sent") + (parts.idle() ? "" : ", parts still going in") + ")";
    }

    private static Manifest lead(Options o, StreamParty party, PartsIngest parts, Reblinder reblinder, Consumer<String> log) throws InterruptedException {
        long caughtUpSince = -1;
        long lastLog = 0;
        long lastCheck = 0;
        boolean ended = false;
        while (true) {
            if (!ended) party.failIfFailed();
            if (parts != null) parts.failIfFailed();
            if (reblinder != null) reblinder.failIfFailed();
            long now = System.nanoTime();
            if (ended) {
                // a blinded join's leader answers the follower's batches until the follower has sent its last
                if (reblinder.followerDone()) {
                    log.accept("leader: the follower marked its end; " + reblinder.points() + " of its ids blinded" + refusedBatches(reblinder));
                    return null;
                }
                Thread.sleep(200);
                continue;
            }
            if (now - lastLog > 5_000_000_000L) {
                log.accept("leader: " + party.lag() + " events behind its topic, " + party.malformed() + " malformed" + partsLine(parts)
                        + (reblinder == null ? "" : ", " + reblinder.points() + " of the follower's ids blinded" + refusedBatches(reblinder)));
                try {
                    CountsFile.write(o.state(), party.allCounts());
                } catch (RuntimeException e) {
                    // a rebalance or restoration: the next snapshot takes it; the last one is written before the end mark
                    log.accept("leader: counts per block not saved this time (" + e.getMessage() + ")");
                }
                lastLog = now;
            }
            if (o.idle() != null && now - lastCheck > 1_000_000_000L) {
                lastCheck = now;
                if (!partsIn(parts) || !party.caughtUp()) caughtUpSince = -1;
                else if (caughtUpSince < 0) caughtUpSince = now;
                else if (now - caughtUpSince > o.idle().toNanos()) {
                    CountsFile.write(o.state(), party.allCounts());
                    party.markEnd();
                    log.accept("leader: its input is exhausted; end marked");
                    if (reblinder == null) return null;
                    ended = true;
                }
            }
            Thread.sleep(200);
        }
    }

    /** Said whenever batches on the follower-blinded topic were refused: someone other than the follower asked for blinding. */
    private static String refusedBatches(Reblinder r) {
        long n = r.refused();
        return n == 0 ? "" : "; " + n + " records on the follower-blinded topic refused: their seal does not open under the job's key, "
                + "so someone other than the follower asked for ids to be blinded, and they were not answered";
    }

    private static Manifest follow(Options o, StreamParty party, PartsIngest parts, Consumer<String> log) throws InterruptedException {
        try (BlockWriter w = new BlockWriter(o.spec(), o.contract().server().stream().bootstrap(), o.blocks(),
                new io.meshfl.stream.event.EventCodec(o.contract()).columns(), party.joinTasks(), party::counts)) {
            long doneSince = -1;
            long lastLog = 0;
            long lastCheck = 0;
            long read = 0;
            long lastSourceCheck = 0;
            while (true) {
                party.failIfFailed();
                if (parts != null) parts.failIfFailed();
                int n = w.poll(Duration.ofMillis(200));
                read += n;
                long now = System.nanoTime();
                if (o.spec().ids() == JoinSpec.Ids.BLINDED && now - lastSourceCheck > 1_000_000_000L) {
                    // the blocks of a partition that has gone quiet are sent only once it is read to its end
                    party.checkSources();
                    lastSourceCheck = now;
                }
                if (now - lastLog > 5_000_000_000L) {
                    w.recordRefused(party.refused());
                    log.accept("follower: " + party.lag() + " events behind" + partsLine(parts) + ", " + read + " records read (matches and join progress), " + w.manifest().blocks().size()
                            + " blocks written (" + w.manifest().rows() + " rows), " + w.pending() + " waiting for their block to close, "
                            + party.droppedByJoin() + " dropped by the join"
                            + (o.spec().ids() == JoinSpec.Ids.BLINDED ? ", " + party.waitingForBlinding() + " events waiting for their batch to come back blinded" : "")
                            + refused(party));
                    lastLog = now;
                }
                if (n > 0) doneSince = -1;
                if (o.idle() != null && n == 0 && now - lastCheck > 1_000_000_000L) {
                    lastCheck = now;
                    // a bounded join ends once the leader has marked its end and everything up to the marks is joined and read
                    if (!partsIn(parts) || !party.leaderEnded() || !party.caughtUp() || party.waitingForBlinding() > 0) doneSince = -1;
                    else if (doneSince < 0) doneSince = now;
                    else if (now - doneSince > o.idle().toNanos()) {
                        w.flush(party.lastCountedBlock());
                        w.recordRefused(party.refused());
                        if (o.spec().ids() == JoinSpec.Ids.BLINDED) party.markFollowerEnd();
                        log.accept("follower: done; " + w.manifest().blocks().size() + " blocks, " + w.manifest().rows() + " rows, "
                                + party.droppedByJoin() + " dropped by the join, " + w.manifest().lateMatches() + " matches after their block"
                                + refused(party));
                        return w.manifest();
                    }
                }
            }
        }
    }

    /** Said whenever records on the leader-ids topic were refused: someone other than the leader writes to it. */
    private static String refused(StreamParty party) {
        long n = party.refused();
        return n == 0 ? "" : "; " + n + " records on the leader-ids topic refused: their seal does not open under the job's key, "
                + "so someone other than the leader wrote them (ids, times or end marks), and they were not joined";
    }

    /**
     * A key file as {@code meshfl stream keys} writes it (hex). A secret key that other accounts on
     * the host may read is refused, naming the file, as the nodes' TLS keys are.
     */
    public static byte[] readKey(Path file, boolean secret) throws java.io.IOException {
        if (secret) io.meshfl.core.trust.PrivateFiles.requirePrivateFile(file, "the stream join's secret key");
        try {
            return HexFormat.of().parseHex(Files.readString(file).strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the key file " + file + " does not hold a hex key (meshfl stream keys writes one)", e);
        }
    }

    /**
     * {@code JoinProcess leader|follower CONTRACT JOB SECRET_FILE PEER_PUBLIC_FILE STATE BLOCKS WITHIN SPAN IDLE [IDS]}: one party in
     * its own process, as the tests run it (and kill it). The key files hold hex; the secret's file should be readable by its
     * owner only (keys never go on a command line, where other users of the host could read them).
     */
    public static void main(String[] args) throws Exception {
        DataContract c = ContractLoader.load(Path.of(args[1]), false);
        JoinSpec spec = new JoinSpec(args[2], Durations.parse(args[7]), Durations.parse(args[8]), Duration.ofMinutes(10),
                args.length > 10 ? JoinSpec.Ids.valueOf(args[10]) : JoinSpec.Ids.HASHED);
        Options o = new Options(spec, JoinSpec.Side.valueOf(args[0].toUpperCase(java.util.Locale.ROOT)), c,
                readKey(Path.of(args[3]), true), readKey(Path.of(args[4]), false), Path.of(args[5]), Path.of(args[6]), Durations.parse(args[9]));
        run(o, line -> System.out.println(line));
        System.out.println("done");
        System.exit(0);
    }
}
