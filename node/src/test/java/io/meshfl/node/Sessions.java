package io.meshfl.node;

import io.meshfl.core.contract.DataContract;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.session.SessionSteps;
import io.meshfl.core.trust.JobTicket;
import io.meshfl.core.trust.SignedTicket;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;

/** Opens runs on a node under test the way the coordinator does: a job ticket first. */
final class Sessions {

    private Sessions() {
    }

    /** An authorize request carrying an unsigned ticket of {@code submitter} (nodes without a CA take it at its word). */
    static Message authorize(String jobId, String runId, String strategy, String purpose, String submitter, DataContract... products) {
        JobTicket t = new JobTicket(JobTicket.VERSION, submitter, purpose, jobId, strategy, "0".repeat(64), JobTicket.freshNonce(),
                Arrays.stream(products).map(c -> new JobTicket.ProductVersion(c.id(), c.version())).toList(), null, System.currentTimeMillis());
        return Message.request(jobId, runId, SessionSteps.PROTOCOL, SessionSteps.AUTHORIZE, 0, "node")
                .withBlobs(Map.of("ticket", SignedTicket.unsigned(t).encode()));
    }

    /** Authorizes a training run of the products' own domain on {@code node}, or fails the test. */
    static void open(DomainNode node, String jobId, String runId, String strategy, DataContract... products) {
        Message reply = node.handle(authorize(jobId, runId, strategy, JobTicket.TRAIN, "domain:" + products[0].domain(), products));
        assertFalse(reply.failed(), () -> reply.error().message());
    }
}
