package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.ProductRecord;
import io.meshfl.core.catalog.RoundRecord;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.plan.Planner;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.horizontal.HorizontalRunner;
import io.meshfl.core.protocol.horizontal.RunObserver;
import io.meshfl.core.protocol.horizontal.RoundSummary;
import io.meshfl.core.protocol.horizontal.RunOutcome;
import io.meshfl.core.report.RunReport;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs one job on the coordinator, in the one direction data flows: job -> catalog -> plan ->
 * protocol -> nodes -> aggregate -> run record. Every run, failed or not, ends in the catalog.
 */
public final class JobRunner {

    private final Catalog catalog;
    private final NodeRegistry registry;

    public JobRunner(Catalog catalog, NodeRegistry registry) {
        this.catalog = catalog;
        this.registry = registry;
    }

    /** The products the catalog knows, parsed back into contracts (schema and policy only). */
    public Map<String, Planner.ProductView> productViews() {
        Map<String, Planner.ProductView> out = new LinkedHashMap<>();
        for (ProductRecord p : catalog.products()) {
            DataContract c = ContractLoader.parse(p.contractYaml(), Path.of("catalog:" + p.id() + "@" + p.version()), false);
            out.put(p.id(), new Planner.ProductView(c, p.rows()));
        }
        return out;
    }

    public Plan plan(JobSpec job) {
        return Planner.plan(job, productViews());
    }

    public ObjectNode run(JobSpec job, String specYaml, JobObserver observer) {
        var jobRecord = catalog.createJob(job.name(), specYaml);
        Plan plan = plan(job);
        observer.plan(plan.explain());
        Map<String, NodeChannel> channels = new LinkedHashMap<>();
        for (String d : plan.domains()) {
            NodeChannel ch = registry.channel(d).filter(x -> registry.alive(d)).orElseThrow(() -> new MeshflException(
                    ErrorCode.TOO_FEW_NODES, "no live node of domain '" + d + "' is registered with the coordinator; start one with "
                    + "'meshfl node --domain " + d + " ...'"));
            channels.put(d, ch);
        }
        String planJson = RunReport.JSON.valueToTree(plan).toString();
        String configJson = RunReport.JSON.valueToTree(job).toString();
        RunRecord run = catalog.startRun(jobRecord.id(), plan.strategy(), planJson, configJson, job.seed(),
                plan.participants().stream().map(Plan.Participant::productId).toList());
        long[] start = traffic(channels);
        try {
            RunObserver ro = new RunObserver() {
                @Override
                public void round(RoundSummary s) {
                    catalog.recordRound(run.id(), new RoundRecord(s.round(), s.seconds(), s.bytesSent(), s.bytesReceived(),
                            s.nodesOk(), s.failures().size(), RunReport.JSON.valueToTree(s.metrics()).toString()));
                    observer.round(s);
                }

                @Override
                public void log(String line) {
                    observer.log(line);
                }
            };
            RunOutcome out = new HorizontalRunner(job, plan, channels, registry::alive, ro).run(jobRecord.id(), run.id());
            String metricsJson = RunReport.JSON.valueToTree(out.metrics()).toString();
            String provenance = Provenances.of(jobRecord.id(), run.id(), job, plan, out).toString();
            var model = catalog.saveModel(run.id(), plan.model().type().name().toLowerCase(), out.params(), provenance);
            catalog.finishRun(run.id(), metricsJson, out.bytesSent(), out.bytesReceived());
            ObjectNode report = RunReport.build(jobRecord.id(), run.id(), model.id(), job, plan, out);
            report.set("provenance", RunReport.JSON.readTree(provenance));
            return report;
        } catch (RuntimeException e) {
            long[] now = traffic(channels);
            String msg = e instanceof MeshflException me ? me.toString() : e.toString();
            catalog.failRun(run.id(), msg, now[0] - start[0], now[1] - start[1]);
            throw e;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new MeshflException(ErrorCode.INTERNAL, "provenance is not valid JSON: " + e.getMessage(), e);
        }
    }

    private static long[] traffic(Map<String, NodeChannel> channels) {
        long s = 0, r = 0;
        for (NodeChannel c : channels.values()) {
            s += c.bytesSent();
            r += c.bytesReceived();
        }
        return new long[]{s, r};
    }
}
