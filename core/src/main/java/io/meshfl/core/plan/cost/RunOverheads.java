package io.meshfl.core.plan.cost;

/**
 * What a run costs besides its arithmetic, measured on the reference machine (2 vCPU, an embedded
 * mesh over mutual TLS on loopback; docs/benchmarks.md, "Planner estimates"): the start of a run,
 * entity alignment, and the protocol calls of every round, each a request fanned out to the
 * parties with its sealing, auditing and, once a round, the checkpoint every party persists.
 * Pure functions; the planner adds them to each strategy's arithmetic.
 */
public final class RunOverheads {

    /** One protocol call fanned out to the parties and answered (split runs: 2.8-2.9 ms a call over 40 epochs). */
    public static final double CALL_SECONDS = 2.8e-3;
    /** A run's start: first sessions and code not yet compiled (breast_homo, 2 x 285 rows: 0.9 s before round 1). */
    public static final double START_SECONDS = 0.9;
    /** Reading a product's row and summing it for scaling at the start (default_credit_homo, 3 x 8,000 rows: 1.5 s before round 1). */
    public static final double START_SECONDS_PER_ROW = 2.5e-5;
    /** ECDH PSI per row and party (default-credit-hetero: 7.5 s for 30,000 rows on each of 2 parties). */
    public static final double PSI_SECONDS_PER_ROW_PARTY = 1.25e-4;
    /**
     * Calls' worth of a horizontal round: the fit on every node, the evaluation, the round's commit
     * and its audit (breast_homo: 25 ms a round over 30 rounds, the first ones still compiling).
     */
    public static final int HORIZONTAL_CALLS_PER_ROUND = 6;
    /** Local SGD per row, epoch and parameter on a node (default_credit_homo: 8,000 rows x 24 parameters in about 1.2 ms). */
    public static final double SGD_SECONDS_PER_ROW_PARAMETER = 6e-9;
    /**
     * Vertical linear epochs beyond the multi-exponentiations, per aligned row and host, at 1024-bit
     * keys and growing with the key size squared: every host encrypting its partial score of each
     * row, the guest folding them into the residuals, all of it sealed for the next party. Fitted to
     * default_credit_hetero (30,000 rows, 1 host, 1024 bits: 5.4 s an epoch beyond the rest) and
     * checked against breast_hetero (569 rows, 1 host, 2048 bits: 0.42 s, where this gives 0.41)
     * and motor_hetero (800 rows, 2 hosts, 1024 bits: 0.19 s, where this gives 0.29).
     */
    public static final double VERTICAL_SECONDS_PER_ROW_HOST_1024 = 1.8e-4;

    private RunOverheads() {
    }

    /** A run's start over {@code rows} rows on each of {@code parties} parties, and their entity alignment. */
    public static double start(long rows, int parties) {
        return startOver((double) rows * parties);
    }

    /** A run's start and entity alignment over {@code keys} rows in all, every party's together. */
    public static double startOver(double keys) {
        return START_SECONDS + (START_SECONDS_PER_ROW + PSI_SECONDS_PER_ROW_PARTY) * keys;
    }

    /** Every party's rows together (a party of unknown size counted as {@code otherwise}): what an alignment reads. */
    public static double keys(java.util.List<io.meshfl.core.plan.Plan.Participant> parts, long otherwise) {
        double keys = 0;
        for (var p : parts) keys += p.rows() >= 0 ? p.rows() : otherwise;
        return keys;
    }

    /** The seconds of {@code calls} protocol calls. */
    public static double calls(double calls) {
        return CALL_SECONDS * calls;
    }

    /** A horizontal run over {@code totalRows} rows: its start, then per round the calls and the largest node's local epochs. */
    public static double horizontal(int rounds, long totalRows, long largestNodeRows, int epochs, int params) {
        return START_SECONDS + START_SECONDS_PER_ROW * totalRows
                + rounds * (calls(HORIZONTAL_CALLS_PER_ROUND) + SGD_SECONDS_PER_ROW_PARAMETER * largestNodeRows * epochs * params);
    }

    /** The encrypted work of a vertical epoch besides its multi-exponentiations (see {@link #VERTICAL_SECONDS_PER_ROW_HOST_1024}). */
    public static double verticalEpoch(long rows, int parties, int keyBits) {
        double scale = (keyBits / 1024.0) * (keyBits / 1024.0);
        return scale * VERTICAL_SECONDS_PER_ROW_HOST_1024 * rows * Math.max(1, parties - 1);
    }
}
