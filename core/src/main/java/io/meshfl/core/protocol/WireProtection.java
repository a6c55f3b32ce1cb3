package io.meshfl.core.protocol;

import io.meshfl.core.protocol.session.SessionSteps;

import java.util.ArrayList;
import java.util.List;

/**
 * What protects one message between the coordinator and a node, in the words of the audit log:
 * what kind of content crosses and under which protection (blinded curve points, Paillier
 * ciphertexts, payloads sealed node to node, masked or noised values, or plaintext aggregates).
 * A pure function of the message, so the log says what was sent, not what was meant to be.
 */
public final class WireProtection {

    private WireProtection() {
    }

    /** The protection label of {@code m}, e.g. {@code "paillier ciphertexts, sealed node-to-node"}. */
    public static String of(Message m) {
        if (m.failed()) return "error report";
        boolean request = "coordinator".equals(m.sender());
        if (m.tensors().isEmpty() && m.blobs().isEmpty()) {
            return request ? "instructions" : m.metrics().isEmpty() ? "acknowledgement" : "counts and metrics";
        }
        List<String> parts = new ArrayList<>();
        parts.add(content(m.protocol(), m.step(), request, m));
        if (m.blobs().keySet().stream().anyMatch(k -> k.startsWith("to:") || k.startsWith("from:"))) parts.add("sealed node-to-node");
        if (!m.protocol().equals(SessionSteps.PROTOCOL) && m.blobs().containsKey(SessionSteps.TICKET)) {
            parts.add("signed job ticket");
        }
        return String.join(", ", parts);
    }

    private static String content(String protocol, String step, boolean request, Message m) {
        if (step.equals("checkpoint") && !protocol.equals("session")) return request ? "instructions" : "digest of the party's persisted part";
        return switch (protocol) {
            case "session" -> switch (step) {
                case "authorize" -> request ? "signed job ticket" : "acknowledgement";
                case "end" -> request ? "signed seal of the catalog's chains" : "acknowledgement";
                default -> "session " + step;
            };
            case "psi" -> switch (step) {
                case "keys" -> request ? "instructions" : "set size only";
                case "blind", "reblind" -> "ecdh-blinded keys in a secret order";
                case "align" -> request ? "matched positions in the node's secret order" : "counts only";
                default -> "psi " + step;
            };
            case "horizontal" -> switch (step) {
                case "prepare" -> request ? "instructions" : "per-column sums";
                case "scale" -> request ? "federated mean and deviation" : "acknowledgement";
                case "fit" -> request ? "global model" : updateProtection(m);
                case "evaluate" -> request ? "global model" : "metric sums and score histogram";
                case "secagg_setup", "secagg_share_keys", "secagg_collect_masked", "secagg_unmask" -> secagg(step, request);
                default -> request ? "instructions" : "acknowledgement";
            };
            case "vertical", "secureboost" -> switch (step) {
                case "setup", "peers" -> "public keys";
                case "update" -> request ? "masked gradient decryptions" : "weight change only";
                case "evaluate", "score" -> "partial scores";
                case "save", "keep" -> request ? "instructions" : "acknowledgement";
                default -> "paillier ciphertexts";
            };
            case "vertical-infer", "secureboost-infer", "split-infer" -> request ? "instructions" : "partial scores or split bits";
            case "vertical-serve", "secureboost-serve", "split-serve", "horizontal-serve" -> switch (step) {
                case "lookup" -> request ? "blinded entity keys" : switch (protocol) {
                    case "secureboost-serve" -> "split bits sealed for the guest";
                    case "split-serve" -> splitActivations(m) + ", coverage sealed for the requester";
                    case "horizontal-serve" -> "predictions sealed for the requester";
                    default -> "partial scores sealed for the requester";
                };
                case "finish" -> protocol.equals("split-serve") ? (request ? "cut-layer activations of the parties" : "logits of the top")
                        : request ? "blinded entity keys and relayed sealed split bits" : "predictions sealed for the requester";
                case "key" -> request ? "session key sealed for this party" : "acknowledgement";
                case "peers" -> request ? "other parties' public keys" : "acknowledgement";
                case "prepare" -> request ? (protocol.equals("horizontal-serve") ? "global model" : "instructions") : "public key";
                default -> request ? "instructions" : "acknowledgement";
            };
            case "split" -> switch (step) {
                case "batch", "backward" -> request ? "cut-layer gradients" : splitActivations(m);
                case "loss" -> request ? "logits" : "loss gradients";
                case "labels" -> request ? "instructions" : "training labels (split.labels: coordinator)";
                case "evaluate" -> request ? "instructions" : splitActivations(m);
                case "metrics" -> "metrics";
                default -> request ? "instructions" : "acknowledgement";
            };
            case "rows" -> request ? "instructions" : "raw rows (the product's policy lets them leave)";
            default -> protocol + " " + step;
        };
    }

    private static String updateProtection(Message m) {
        String p = "model update";
        if (m.metrics().containsKey("dp_unclipped")) p += " clipped at the node";
        if (m.metrics().containsKey("dp_local_noise_sd")) p += " with local gaussian noise (sd " + m.metrics().get("dp_local_noise_sd") + ")";
        return p;
    }

    private static String secagg(String step, boolean request) {
        return switch (step) {
            case "secagg_collect_masked" -> request ? "global model and relayed sealed shares" : "masked update (SecAgg+)";
            case "secagg_unmask" -> request ? "survivor and drop-out lists" : "shares of seeds (SecAgg+)";
            default -> "public keys and sealed shares (SecAgg+)";
        };
    }

    private static String splitActivations(Message m) {
        return m.metrics().getOrDefault("activation_noise", 0.0) > 0 ? "cut-layer activations with gaussian noise" : "cut-layer activations";
    }
}
