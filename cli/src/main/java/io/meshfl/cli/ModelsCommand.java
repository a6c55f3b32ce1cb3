package io.meshfl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.ManagedChannel;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.report.RunReport;
import io.meshfl.core.trust.Signer;
import io.meshfl.proto.CoordinatorServiceGrpc;
import io.meshfl.proto.ModelsRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * The model registry of a running coordinator: every stored model is a candidate version of its
 * job's name until the owner of every product it learned from approves it, signing the registry's
 * statement with its domain's certificate; then its owner promotes it to production, which
 * publishes the contract of its output port, or retires it.
 */
@Command(name = "models", mixinStandardHelpOptions = true, description = "The model registry: list, show, approve, promote and retire models.",
        subcommands = {ModelsCommand.ListModels.class, ModelsCommand.Show.class, ModelsCommand.Approve.class, ModelsCommand.Promote.class,
                ModelsCommand.Retire.class})
final class ModelsCommand {

    /** Where the registry is, and as whom to ask. */
    static class Target {
        @Option(names = "--coordinator", required = true, description = "host:port of the coordinator; several, comma-separated, for one with a standby.")
        String coordinator;

        @Mixin
        SubmitterTlsOptions tls;

        /** The registry's answer to {@code request}, as JSON; a refusal as an error carrying the coordinator's reason. */
        JsonNode ask(ModelsRequest request) {
            ManagedChannel ch = tls.dialCoordinator(coordinator);
            try {
                String[] json = new String[1];
                TlsOptions.explainRefusal(coordinator, tls.usingTls(), () -> json[0] = CoordinatorServiceGrpc.newBlockingStub(ch)
                        .withDeadlineAfter(60, java.util.concurrent.TimeUnit.SECONDS).models(request).getJson());
                return RunReport.JSON.readTree(json[0]);
            } catch (io.grpc.StatusRuntimeException e) {
                throw new MeshflException(ErrorCode.POLICY_VIOLATION, "the registry refused: " + e.getStatus().getDescription());
            } catch (java.io.IOException e) {
                throw new MeshflException(ErrorCode.COORDINATOR_FAILURE, "the registry's answer does not read as JSON: " + e.getMessage());
            } finally {
                ch.shutdownNow();
            }
        }
    }

    /** A command about one model: its id and where to ask. */
    abstract static class OneModel implements Callable<Integer> {
        @Parameters(paramLabel = "MODEL_ID")
        String modelId;

        @Mixin
        Target target;

        /** The registry's answer to {@code action} on this model. */
        JsonNode ask(String action, String reason) {
            return target.ask(ModelsRequest.newBuilder().setAction(action).setModelId(modelId).setReason(reason == null ? "" : reason).build());
        }
    }

    static void print(JsonNode card) throws Exception {
        System.out.println(RunReport.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(card));
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The models you may see: name, version, stage, owner, missing approvals.")
    static final class ListModels implements Callable<Integer> {
        @Mixin
        Target target;

        @Override
        public Integer call() {
            JsonNode r = target.ask(ModelsRequest.newBuilder().setAction("list").build());
            System.out.printf(Locale.ROOT, "%-28s %-24s %4s %-10s %-22s %s%n", "MODEL", "NAME", "VER", "STAGE", "OWNER", "MISSING APPROVALS");
            for (JsonNode m : r.path("models")) {
                System.out.printf(Locale.ROOT, "%-28s %-24s %4d %-10s %-22s %s%n", m.path("model_id").asText(), m.path("name").asText(),
                        m.path("version").asInt(), m.path("stage").asText(), m.path("owner").asText(),
                        m.path("missing_approvals").asText().isEmpty() ? "-" : m.path("missing_approvals").asText());
            }
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "A model's card: purpose, data (product versions and contract hashes), "
            + "metrics, privacy, limits, approvals, what each missing owner signs, stages and, once promoted, its output contract.")
    static final class Show extends OneModel {
        @Override
        public Integer call() throws Exception {
            print(ask("show", null));
            return 0;
        }
    }

    @Command(name = "approve", mixinStandardHelpOptions = true, description = "As the owner of products a model learned from (--tls-identity "
            + "domain:NAME), sign the registry's statement for each of your products (or --product) with your domain's key and send the approval.")
    static final class Approve extends OneModel {
        @Option(names = "--product", description = "Approve only this product (default: every product of your domain the model learned from).")
        String product;

        @Override
        public Integer call() throws Exception {
            Signer signer = target.tls.signer();
            if (signer == null) {
                throw new MeshflException(ErrorCode.POLICY_VIOLATION, "an approval is signed with the owner's certificate; give --tls-dir and "
                        + "--tls-identity domain:NAME (not --insecure)");
            }
            String domain = target.tls.tlsIdentity.startsWith("domain:") ? target.tls.tlsIdentity.substring(7) : null;
            JsonNode card = ask("show", null);
            List<JsonNode> mine = new ArrayList<>();
            for (JsonNode t : card.path("to_approve")) {
                if (product != null ? product.equals(t.path("product").asText()) : t.path("owner").asText().equals(domain)) mine.add(t);
            }
            if (mine.isEmpty()) {
                throw new MeshflException(ErrorCode.POLICY_VIOLATION, "model " + modelId + " awaits no approval of " + (product != null ? product
                        : "a product of " + target.tls.tlsIdentity) + "; still to approve: " + card.path("to_approve").findValuesAsText("product"));
            }
            for (JsonNode t : mine) {
                byte[] statement = t.path("statement").asText().getBytes(StandardCharsets.UTF_8);
                card = target.ask(ModelsRequest.newBuilder().setAction("approve").setModelId(modelId).setProduct(t.path("product").asText())
                        .setSignature(com.google.protobuf.ByteString.copyFrom(signer.sign(statement)))
                        .setCertificate(com.google.protobuf.ByteString.copyFrom(signer.certificate().getEncoded())).build());
                System.out.println("approved " + t.path("product").asText() + " for model " + modelId + " as " + target.tls.tlsIdentity);
            }
            System.out.println("model " + modelId + " is " + card.path("stage").asText() + (card.path("to_approve").isEmpty() ? ""
                    : "; still to approve: " + card.path("to_approve").findValuesAsText("product")));
            return 0;
        }
    }

    @Command(name = "promote", mixinStandardHelpOptions = true, description = "Promote an approved model to production (its owner or the "
            + "operator); the version of its name in production before is retired, its output contract published.")
    static final class Promote extends OneModel {
        @Override
        public Integer call() throws Exception {
            JsonNode card = ask("promote", null);
            System.out.println("model " + card.path("name").asText() + " v" + card.path("version").asInt() + " (" + modelId + ") is in production");
            for (JsonNode d : card.path("lineage")) {
                if (!d.path("delivered").asBoolean(true)) System.out.println("LINEAGE EVENT NOT DELIVERED: the promotion: " + d.path("reason").asText());
            }
            return 0;
        }
    }

    @Command(name = "retire", mixinStandardHelpOptions = true, description = "Retire a model version (its owner or the operator).")
    static final class Retire extends OneModel {
        @Option(names = "--reason", description = "Why, kept in the model's history.")
        String reason;

        @Override
        public Integer call() throws Exception {
            ask("retire", reason);
            System.out.println("model " + modelId + " is retired");
            return 0;
        }
    }
}
