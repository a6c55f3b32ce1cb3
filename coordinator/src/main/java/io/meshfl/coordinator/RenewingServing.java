package io.meshfl.coordinator;

import io.meshfl.core.trust.JobTicket;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A serving session that outlives what ends a session: when a call fails (a party's node restarted
 * and lost its index, the coordinator ended the session) it opens a fresh one under a fresh ticket
 * and asks again once; when the catalog shows a newer version of a product than the session's
 * ticket names ({@link #check}), it opens one over the new versions and closes the old, which keeps
 * answering until then and whenever a new one cannot be opened (said in {@link #status} and the log).
 */
public final class RenewingServing implements ServingScorer, AutoCloseable {

    private final Supplier<ServingClient> opener;
    private final Supplier<List<JobTicket.ProductVersion>> versions;
    private final Consumer<String> log;
    private final Duration backoff;
    private volatile ServingClient current;
    private volatile List<JobTicket.ProductVersion> serving;
    private volatile String status = "serving";
    private volatile long lastRenewal;

    /**
     * @param opener   opens a session over the products' current versions (plans, signs a ticket, opens)
     * @param versions the products' versions the catalog holds now
     * @param backoff  the least time between two renewals a failing call may ask for
     */
    public RenewingServing(Supplier<ServingClient> opener, Supplier<List<JobTicket.ProductVersion>> versions, Duration backoff, Consumer<String> log) {
        this.opener = opener;
        this.versions = versions;
        this.log = log;
        this.backoff = backoff;
        this.serving = versions.get();
        this.current = opener.get();
        this.lastRenewal = System.nanoTime();
    }

    @Override
    public ServingClient.Answer score(String[] keys) {
        ServingClient c = current;
        try {
            return c.score(keys);
        } catch (RuntimeException e) {
            if (System.nanoTime() - lastRenewal < backoff.toNanos() || !renew(c, "a call failed: " + e.getMessage())) throw e;
            return current.score(keys);
        }
    }

    /** Opens a session over the catalog's newer product versions, if any. */
    public void check() {
        List<JobTicket.ProductVersion> now;
        try {
            now = versions.get();
        } catch (RuntimeException e) {
            status = "serving; the catalog's product versions could not be read: " + e.getMessage();
            return;
        }
        if (now.equals(serving)) return;
        if (renew(current, "the catalog holds " + now + ", the session serves " + serving)) serving = now;
    }

    /** Replaces session {@code failed} with a fresh one; false (and the old one kept) when none can be opened. */
    private synchronized boolean renew(ServingClient failed, String why) {
        if (current != failed) return true;
        lastRenewal = System.nanoTime();
        ServingClient fresh;
        try {
            fresh = opener.get();
        } catch (RuntimeException e) {
            status = "serving session " + failed.session() + " kept; a new one could not be opened (" + why + "): " + e.getMessage();
            log.accept("serving: " + status);
            return false;
        }
        current = fresh;
        serving = versions.get();
        status = "serving";
        log.accept("serving: session " + fresh.session() + " replaces " + failed.session() + " (" + why + ")");
        try {
            failed.close();
        } catch (RuntimeException e) {
            log.accept("serving: the replaced session " + failed.session() + " did not close cleanly: " + e.getMessage());
        }
        return true;
    }

    /** "serving", or why the session in use is not the one the catalog's versions ask for. */
    public String status() {
        return status;
    }

    public ServingClient current() {
        return current;
    }

    @Override
    public String model() {
        return current.model();
    }

    @Override
    public String version() {
        return current.version();
    }

    @Override
    public void close() {
        current.close();
    }
}
