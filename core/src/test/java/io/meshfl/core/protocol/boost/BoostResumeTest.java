package io.meshfl.core.protocol.boost;

import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.protocol.RunCheckpoint;
import io.meshfl.core.protocol.horizontal.RoundSummary;
import io.meshfl.core.protocol.horizontal.RunObserver;
import io.meshfl.core.protocol.horizontal.RunOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A SecureBoost run goes on from the tree every party persisted: parties restarted with nothing
 * but their run folders (the guest under a new Paillier key) build exactly the trees and the model
 * of the undisturbed run.
 */
class BoostResumeTest {

    @TempDir
    Path dir;

    /** Follows the trees; at tree {@code snapshotAt} copies every party's run folders, as a crash would leave them. */
    private final class Follower implements RunObserver {
        final List<RoundSummary> trees = new ArrayList<>();
        final List<RunCheckpoint> checkpoints = new ArrayList<>();
        final int snapshotAt;

        Follower(int snapshotAt) {
            this.snapshotAt = snapshotAt;
        }

        @Override
        public void round(RoundSummary s) {
            trees.add(s);
        }

        @Override
        public void round(RoundSummary s, RunCheckpoint c) {
            trees.add(s);
            checkpoints.add(c);
            if (s.round() == snapshotAt) copy(dir.resolve("first"), dir.resolve("crash"));
        }
    }

    private BoostProtocolTest.World world(String runs) {
        BoostProtocolTest.World w = new BoostProtocolTest.World(400, 3, false, dir.resolve("out-" + runs));
        for (BoostProtocolTest.DataParty p : List.of(w.bank, w.shop, w.telco)) p.runs = dir.resolve(runs).resolve(p.domain());
        return w;
    }

    @Test
    void partiesRestartedFromTheirPersistedPartsBuildTheUndisturbedRunsRemainingTreesExactly() {
        JobSpec.BoostSettings s = new JobSpec.BoostSettings(4, 3, 0.3, 16, 1e-3, 1.0, 0.0, 1024, 1 << 16);
        JobSpec job = BoostProtocolTest.job(s);
        Follower undisturbed = new Follower(2);
        BoostProtocolTest.World first = world("first");
        new BoostRunner(job, first.plan(), first.channels(), undisturbed).run("job", "run");
        assertEquals(4, undisturbed.checkpoints.size(), "every tree is committed with every party's part");

        Follower resumed = new Follower(-1);
        BoostProtocolTest.World restarted = world("crash");
        RunOutcome after = new BoostRunner(job, restarted.plan(), restarted.channels(), resumed)
                .resume(undisturbed.checkpoints.get(1), undisturbed.trees.subList(0, 2)).run("job", "run");

        assertEquals(List.of(3, 4), resumed.trees.stream().map(RoundSummary::round).toList(), "it goes on after tree 2");
        for (int i = 0; i < 2; i++) {
            assertEquals(undisturbed.trees.get(i + 2).metrics().get("auc"), resumed.trees.get(i).metrics().get("auc"), "auc after tree " + (i + 3));
            assertEquals(undisturbed.trees.get(i + 2).metrics().get("log_loss"), resumed.trees.get(i).metrics().get("log_loss"),
                    "log loss after tree " + (i + 3));
        }
        for (var pair : List.of(List.of(first.bank, restarted.bank), List.of(first.shop, restarted.shop), List.of(first.telco, restarted.telco))) {
            assertEquals(new String(pair.get(0).modelPart("run"), StandardCharsets.UTF_8), new String(pair.get(1).modelPart("run"), StandardCharsets.UTF_8),
                    "the model part of " + pair.get(0).domain());
        }
        assertEquals(4, after.rounds().size());
        assertEquals(2.0, after.metrics().get("resumed_from_round"));
    }

    private static void copy(Path from, Path to) {
        try (var files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
