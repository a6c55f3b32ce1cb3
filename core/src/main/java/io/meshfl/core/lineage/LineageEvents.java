package io.meshfl.core.lineage;

import io.meshfl.core.catalog.Provenance;
import io.openlineage.client.OpenLineage;
import io.openlineage.client.OpenLineage.RunEvent;
import io.openlineage.client.OpenLineageClientUtils;

import java.net.URI;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds the OpenLineage run events of MeshFL's runs and promotions, pure functions of what the
 * catalog knows: START and COMPLETE or FAIL of every training and scoring run, and one COMPLETE
 * event per promotion. Inputs are the product versions used (schema from their contracts, version
 * and contract hash); the output is the model (or a scoring run's predictions). Nothing here sends
 * anything: see the coordinator's lineage sinks.
 */
public final class LineageEvents {

    /** Jobs of every MeshFL mesh live in this namespace. */
    public static final String JOB_NAMESPACE = "meshfl";

    /** Who produced the events, as OpenLineage asks: MeshFL and its version. */
    public static final URI PRODUCER = URI.create("https://meshfl.io/meshfl/" + Provenance.meshflVersion());

    private static final String TAG_SOURCE = "MESHFL";
    private static final OpenLineage OL = new OpenLineage(PRODUCER);

    private LineageEvents() {
    }

    /** A run started: it reads {@code inputs} and will make {@code outputs}. */
    public static RunEvent start(LineageRun run, List<? extends LineageDataset> inputs, List<? extends LineageDataset> outputs, Instant at) {
        return event(RunEvent.EventType.START, run, inputs, outputs, at, null, Map.of());
    }

    /** A run ended well: it read {@code inputs} and made {@code outputs}. */
    public static RunEvent complete(LineageRun run, List<? extends LineageDataset> inputs, List<? extends LineageDataset> outputs, Instant at) {
        return event(RunEvent.EventType.COMPLETE, run, inputs, outputs, at, null, Map.of());
    }

    /** A run did not succeed, saying why (the catalog's reason: no cell values, no paths); it made no output. */
    public static RunEvent fail(LineageRun run, List<? extends LineageDataset> inputs, String reason, Instant at) {
        return event(RunEvent.EventType.FAIL, run, inputs, List.of(), at, reason == null || reason.isBlank() ? "failed" : reason, Map.of());
    }

    /** A run was cancelled, saying by whom or why; it made no output. */
    public static RunEvent abort(LineageRun run, List<? extends LineageDataset> inputs, String reason, Instant at) {
        return event(RunEvent.EventType.ABORT, run, inputs, List.of(), at, reason == null || reason.isBlank() ? "cancelled" : reason, Map.of());
    }

    /**
     * A model version went to production: its inputs are the products it learned from (each
     * tagged with the owner who approved it), its output the model at stage production.
     */
    public static RunEvent promotion(LineageRun run, List<LineageDataset.Product> inputs, Map<String, String> approverByProduct,
                                     LineageDataset.Model model, Instant at) {
        return event(RunEvent.EventType.COMPLETE, run, inputs, List.of(model), at, null, approverByProduct);
    }

    /** The event as one line of JSON, exactly as a sink sends it. */
    public static String toJson(RunEvent event) {
        return OpenLineageClientUtils.toJson(event);
    }

    private static RunEvent event(RunEvent.EventType type, LineageRun run, List<? extends LineageDataset> inputs,
                                  List<? extends LineageDataset> outputs, Instant at, String error, Map<String, String> approvers) {
        List<OpenLineage.InputDataset> in = new ArrayList<>();
        for (LineageDataset d : inputs) in.add(OL.newInputDatasetBuilder().namespace(d.namespace()).name(d.name()).facets(facets(d, approvers)).build());
        List<OpenLineage.OutputDataset> out = new ArrayList<>();
        for (LineageDataset d : outputs) out.add(OL.newOutputDatasetBuilder().namespace(d.namespace()).name(d.name()).facets(facets(d, approvers)).build());
        return OL.newRunEventBuilder()
                .eventType(type)
                .eventTime(at.atZone(ZoneOffset.UTC))
                .run(OL.newRunBuilder().runId(run.runUuid()).facets(runFacets(run, error)).build())
                .job(OL.newJobBuilder().namespace(JOB_NAMESPACE).name(run.jobName()).facets(OL.newJobFacetsBuilder()
                        .jobType(OL.newJobTypeJobFacetBuilder().processingType("BATCH").integration(TAG_SOURCE).jobType(run.kind().name()).build())
                        .build()).build())
                .inputs(in)
                .outputs(out)
                .build();
    }

    private static OpenLineage.RunFacets runFacets(LineageRun run, String error) {
        List<OpenLineage.TagsRunFacetFields> tags = new ArrayList<>();
        // the catalog's own names for the run, so a lineage reader can find it in MeshFL
        tag(tags, "meshfl.run_id", run.kind() == LineageRun.Kind.PROMOTION ? null : run.key());
        tag(tags, "meshfl.job_id", run.jobId());
        tag(tags, "meshfl.strategy", run.strategy());
        tag(tags, "meshfl.submitter", run.submitter());
        OpenLineage.RunFacetsBuilder b = OL.newRunFacetsBuilder()
                .processing_engine(OL.newProcessingEngineRunFacetBuilder().name("MeshFL").version(Provenance.meshflVersion())
                        .openlineageAdapterVersion(libraryVersion()).build())
                .tags(OL.newTagsRunFacetBuilder().tags(tags).build());
        if (error != null) b.errorMessage(OL.newErrorMessageRunFacetBuilder().message(error).programmingLanguage("JAVA").build());
        return b.build();
    }

    /** The version of the OpenLineage library that writes the events, from its jar's manifest. */
    private static String libraryVersion() {
        Package p = OpenLineage.class.getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        return v == null || v.isBlank() ? "unknown" : v;
    }

    private static void tag(List<OpenLineage.TagsRunFacetFields> tags, String key, String value) {
        if (value != null && !value.isBlank()) tags.add(OL.newTagsRunFacetFieldsBuilder().key(key).value(value).source(TAG_SOURCE).build());
    }

    private static OpenLineage.DatasetFacets facets(LineageDataset d, Map<String, String> approvers) {
        OpenLineage.DatasetFacetsBuilder b = OL.newDatasetFacetsBuilder();
        List<OpenLineage.TagsDatasetFacetFields> tags = new ArrayList<>();
        if (d instanceof LineageDataset.Product p) {
            b.dataSource(OL.newDatasourceDatasetFacetBuilder().name(p.domain()).uri(URI.create(p.namespace())).build());
            List<OpenLineage.SchemaDatasetFacetFields> fields = new ArrayList<>();
            long ordinal = 1;
            for (LineageDataset.Column c : p.columns()) {
                fields.add(OL.newSchemaDatasetFacetFieldsBuilder().name(c.name()).type(c.type()).description(c.description())
                        .ordinal_position(ordinal++).build());
            }
            b.schema(OL.newSchemaDatasetFacetBuilder().fields(fields).build());
            OpenLineage.DatasetVersionDatasetFacetBuilder v = OL.newDatasetVersionDatasetFacetBuilder().datasetVersion(p.version());
            // the hash pins the exact contract: a version number alone could be reused for another contract elsewhere
            if (p.contractSha256() != null) v.put("contractSha256", p.contractSha256());
            b.version(v.build());
            b.ownership(OL.newOwnershipDatasetFacetBuilder().owners(List.of(OL.newOwnershipDatasetFacetOwnersBuilder()
                    .name("domain:" + p.domain()).type("OWNER").build())).build());
            b.datasetType(OL.newDatasetTypeDatasetFacetBuilder().datasetType("TABLE").build());
            String approver = approvers.get(p.productId());
            if (approver != null) tags.add(datasetTag("meshfl.approved_by", approver));
        } else if (d instanceof LineageDataset.Model m) {
            b.datasetType(OL.newDatasetTypeDatasetFacetBuilder().datasetType("MODEL").build());
            if (m.version() > 0) {
                OpenLineage.DatasetVersionDatasetFacetBuilder v = OL.newDatasetVersionDatasetFacetBuilder()
                        .datasetVersion(String.valueOf(m.version()));
                if (m.modelId() != null) v.put("modelId", m.modelId());
                b.version(v.build());
            }
            if (m.owner() != null) {
                b.ownership(OL.newOwnershipDatasetFacetBuilder().owners(List.of(OL.newOwnershipDatasetFacetOwnersBuilder()
                        .name(m.owner()).type("OWNER").build())).build());
            }
            if (m.modelId() != null) tags.add(datasetTag("meshfl.model_id", m.modelId()));
            if (m.stage() != null) tags.add(datasetTag("meshfl.stage", m.stage()));
            if (m.modelType() != null) tags.add(datasetTag("meshfl.model_type", m.modelType()));
            if (m.strategy() != null) tags.add(datasetTag("meshfl.strategy", m.strategy()));
        } else if (d instanceof LineageDataset.Predictions p) {
            b.datasetType(OL.newDatasetTypeDatasetFacetBuilder().datasetType("TABLE").build());
            b.ownership(OL.newOwnershipDatasetFacetBuilder().owners(List.of(OL.newOwnershipDatasetFacetOwnersBuilder()
                    .name("domain:" + p.requesterDomain()).type("OWNER").build())).build());
            if (p.modelId() != null) tags.add(datasetTag("meshfl.model_id", p.modelId()));
            tags.add(datasetTag("meshfl.rows", String.valueOf(p.rows())));
        }
        if (!tags.isEmpty()) b.tags(OL.newTagsDatasetFacetBuilder().tags(tags).build());
        return b.build();
    }

    private static OpenLineage.TagsDatasetFacetFields datasetTag(String key, String value) {
        return OL.newTagsDatasetFacetFieldsBuilder().key(key).value(value).source(TAG_SOURCE).build();
    }
}
