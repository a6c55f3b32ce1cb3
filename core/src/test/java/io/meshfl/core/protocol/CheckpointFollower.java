package io.meshfl.core.protocol;

import io.meshfl.core.protocol.horizontal.RoundSummary;
import io.meshfl.core.protocol.horizontal.RunObserver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Follows a run's rounds and the checkpoints committed with them, as the coordinator's catalog
 * would; at round {@code snapshotAt} copies the parties' run folders ({@code from}) to {@code to},
 * which is what a crash right after that commit leaves on the parties' disks.
 */
public final class CheckpointFollower implements RunObserver {

    public final List<RoundSummary> rounds = new ArrayList<>();
    public final List<RunCheckpoint> checkpoints = new ArrayList<>();
    private final int snapshotAt;
    private final Path from;
    private final Path to;

    public CheckpointFollower(int snapshotAt, Path from, Path to) {
        this.snapshotAt = snapshotAt;
        this.from = from;
        this.to = to;
    }

    /** A follower that copies nothing. */
    public CheckpointFollower() {
        this(-1, null, null);
    }

    @Override
    public void round(RoundSummary s) {
        rounds.add(s);
    }

    @Override
    public void round(RoundSummary s, RunCheckpoint c) {
        rounds.add(s);
        checkpoints.add(c);
        if (s.round() == snapshotAt) copy(from, to);
    }

    /** The round numbers followed, in order. */
    public List<Integer> numbers() {
        return rounds.stream().map(RoundSummary::round).toList();
    }

    private static void copy(Path from, Path to) {
        try (var files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
