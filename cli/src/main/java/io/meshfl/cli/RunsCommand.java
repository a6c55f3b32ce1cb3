package io.meshfl.cli;

import io.grpc.ManagedChannel;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.proto.CoordinatorServiceGrpc;
import io.meshfl.proto.JobEvent;
import io.meshfl.proto.RunRef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Iterator;
import java.util.concurrent.Callable;

/** {@code meshfl runs follow|cancel RUN}: re-attach to a run on a running coordinator, or ask it to stop. */
@Command(name = "runs", mixinStandardHelpOptions = true, description = "Follow or cancel a run on a running coordinator.",
        subcommands = {RunsCommand.Follow.class, RunsCommand.Cancel.class})
final class RunsCommand implements Runnable {

    @Override
    public void run() {
        throw new MeshflException(ErrorCode.JOB_INVALID, "choose a subcommand: follow, cancel (see 'meshfl runs --help')");
    }

    /** The options of both subcommands: the run, the coordinator, and who calls it. */
    static class Target {
        @Parameters(paramLabel = "RUN_ID", description = "The run (see 'meshfl catalog runs').")
        String runId;

        @Option(names = "--coordinator", required = true, description = "host:port of the coordinator driving the run; several, comma-separated, for a coordinator with a standby.")
        String coordinator;
    }

    @Command(name = "follow", mixinStandardHelpOptions = true, description = "Show a run's rounds so far, then follow it live until it ends.")
    static final class Follow implements Callable<Integer> {
        @Mixin
        Target target;

        @Mixin
        SubmitterTlsOptions tls;

        @Override
        public Integer call() {
            ManagedChannel ch = tls.dialCoordinator(target.coordinator);
            try {
                Iterator<JobEvent>[] events = new Iterator[1];
                TlsOptions.explainRefusal(target.coordinator, tls.usingTls(), () -> {
                    events[0] = CoordinatorServiceGrpc.newBlockingStub(ch).followRun(RunRef.newBuilder().setRunId(target.runId).build());
                    events[0].hasNext();
                });
                long start = System.nanoTime();
                while (TlsOptions.next(events[0], target.coordinator, " while following run " + target.runId + "; follow it again when it is back")) {
                    JobEvent e = events[0].next();
                    switch (e.getKindCase()) {
                        case ROUND -> System.out.println(Progress.line(e.getRound(), (System.nanoTime() - start) / 1e9));
                        case LOG -> System.out.println("  " + e.getLog());
                        case ERROR -> throw new MeshflException(ErrorCode.COORDINATOR_FAILURE, e.getError());
                        case ENDED -> {
                            System.out.println("run " + e.getEnded().getRunId() + " ended " + e.getEnded().getStatus()
                                    + (e.getEnded().getReason().isEmpty() ? "" : ": " + e.getEnded().getReason()));
                            return e.getEnded().getStatus().equals("SUCCEEDED") ? 0 : 1;
                        }
                        default -> { }
                    }
                }
                throw new MeshflException(ErrorCode.COORDINATOR_FAILURE, "the coordinator closed the stream before run " + target.runId + " ended");
            } finally {
                ch.shutdownNow();
            }
        }

    }

    @Command(name = "cancel", mixinStandardHelpOptions = true,
            description = "Ask a run to stop after its current round; it ends CANCELLED and its parties drop what they hold of it.")
    static final class Cancel implements Callable<Integer> {
        @Mixin
        Target target;

        @Mixin
        SubmitterTlsOptions tls;

        @Override
        public Integer call() {
            ManagedChannel ch = tls.dialCoordinator(target.coordinator);
            try {
                io.meshfl.proto.CancelReply[] r = new io.meshfl.proto.CancelReply[1];
                TlsOptions.explainRefusal(target.coordinator, tls.usingTls(), () ->
                        r[0] = CoordinatorServiceGrpc.newBlockingStub(ch).cancelRun(RunRef.newBuilder().setRunId(target.runId).build()));
                if (!r[0].getAccepted()) throw new MeshflException(ErrorCode.JOB_INVALID, r[0].getMessage());
                System.out.println(r[0].getMessage());
                return 0;
            } finally {
                ch.shutdownNow();
            }
        }
    }
}
