package io.meshfl.core.protocol;

import io.meshfl.core.protocol.horizontal.RoundSummary;
import io.meshfl.core.protocol.horizontal.RunOutcome;

import java.util.List;

/**
 * The coordinator side of a protocol whose state lives on its parties (vertical, split network,
 * boosted trees): it goes on from a committed round after a restart ({@link #resume}) or after
 * losing a party ({@link #recovery}).
 */
public interface PartyStateRunner {

    /** Goes on after {@code checkpoint}, committed by an earlier coordinator; {@code before} are the rounds it recorded. */
    PartyStateRunner resume(RunCheckpoint checkpoint, List<RoundSummary> before);

    /** Lets the run go on from its last committed round after losing a party, when {@code r} has every party back. */
    PartyStateRunner recovery(PartyResume.Recovery r);

    RunOutcome run(String jobId, String runId);
}
