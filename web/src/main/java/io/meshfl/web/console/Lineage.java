package io.meshfl.web.console;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's lineage as inline SVG drawn on the server: the product versions its run learned from,
 * boxed by domain, an arrow from each to the run, and one from the run to the model. Drawn here
 * rather than in the browser so it needs no script and its text is escaped like every other value.
 */
final class Lineage {

    private Lineage() {
    }

    /** One product version the run read, as the lineage shows it. */
    record Source(String product, String version, String domain, String role) {
    }

    private static final int LEFT = 10, COL = 270, BOX_H = 26, GAP = 8, HEAD = 24, MID = 350, MID_W = 270, RIGHT = 690, RIGHT_W = 260;

    /** The SVG ({@code svg#lineage}) from {@code sources} to run {@code runId} to model {@code modelId}. */
    static String svg(List<Source> sources, String runId, String strategy, String modelId, String modelType) {
        Map<String, List<Source>> byDomain = new LinkedHashMap<>();
        for (Source s : sources) byDomain.computeIfAbsent(s.domain() == null ? "" : s.domain(), d -> new ArrayList<>()).add(s);

        StringBuilder boxes = new StringBuilder();
        StringBuilder arrows = new StringBuilder();
        int y = 10;
        for (var e : byDomain.entrySet()) {
            int h = HEAD + e.getValue().size() * (BOX_H + GAP);
            boxes.append("<g class=\"domain\"><rect x=\"").append(LEFT).append("\" y=\"").append(y).append("\" width=\"").append(COL).append("\" height=\"")
                    .append(h).append("\" rx=\"6\"/><text class=\"domain-name\" x=\"").append(LEFT + 10).append("\" y=\"").append(y + 16).append("\">")
                    .append(Html.esc(e.getKey().isEmpty() ? "(domain unknown)" : e.getKey())).append("</text>");
            int by = y + HEAD;
            for (Source s : e.getValue()) {
                String label = s.product() + "@" + s.version();
                boolean evaluate = "evaluate".equals(s.role());
                boxes.append("<g class=\"product").append(evaluate ? " evaluate" : "").append("\"><title>").append(Html.esc(label))
                        .append(s.role() == null || s.role().isEmpty() ? "" : Html.esc(" (" + s.role() + ")")).append("</title><rect x=\"").append(LEFT + 10)
                        .append("\" y=\"").append(by).append("\" width=\"").append(COL - 20).append("\" height=\"").append(BOX_H)
                        .append("\" rx=\"4\"/><text x=\"").append(LEFT + 18).append("\" y=\"").append(by + 17).append("\">").append(Html.esc(label))
                        .append("</text></g>");
                arrows.append("<line class=\"arrow").append(evaluate ? " evaluate" : "").append("\" x1=\"").append(LEFT + COL - 10).append("\" y1=\"")
                        .append(by + BOX_H / 2).append("\" x2=\"").append(MID).append("\" y2=\"%RUN_Y%\" marker-end=\"url(#lineage-arrow)\"/>");
                by += BOX_H + GAP;
            }
            boxes.append("</g>");
            y += h + 10;
        }
        int height = Math.max(y, 120);
        int runY = height / 2;
        String runArrows = arrows.toString().replace("%RUN_Y%", Integer.toString(runY));

        StringBuilder b = new StringBuilder();
        b.append("<svg id=\"lineage\" class=\"lineage\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 ").append(RIGHT + RIGHT_W + 10)
                .append(' ').append(height).append("\" width=\"").append(RIGHT + RIGHT_W + 10).append("\" height=\"").append(height).append("\">")
                .append("<title>").append(Html.esc("Lineage of model " + modelId)).append("</title>")
                .append("<defs><marker id=\"lineage-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" ")
                .append("orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\"/></marker></defs>");
        b.append(boxes).append(runArrows);
        b.append("<g class=\"run\"><rect x=\"").append(MID).append("\" y=\"").append(runY - 24).append("\" width=\"").append(MID_W)
                .append("\" height=\"48\" rx=\"6\"/><text x=\"").append(MID + 10).append("\" y=\"").append(runY - 6).append("\">run ")
                .append(Html.esc(runId)).append("</text><text class=\"sub\" x=\"").append(MID + 10).append("\" y=\"").append(runY + 13).append("\">")
                .append(Html.esc(strategy)).append("</text></g>");
        b.append("<line class=\"arrow\" x1=\"").append(MID + MID_W).append("\" y1=\"").append(runY).append("\" x2=\"").append(RIGHT).append("\" y2=\"")
                .append(runY).append("\" marker-end=\"url(#lineage-arrow)\"/>");
        b.append("<g class=\"model\"><rect x=\"").append(RIGHT).append("\" y=\"").append(runY - 24).append("\" width=\"").append(RIGHT_W)
                .append("\" height=\"48\" rx=\"6\"/><text x=\"").append(RIGHT + 10).append("\" y=\"").append(runY - 6).append("\">model ")
                .append(Html.esc(modelId)).append("</text><text class=\"sub\" x=\"").append(RIGHT + 10).append("\" y=\"").append(runY + 13).append("\">")
                .append(Html.esc(modelType)).append("</text></g>");
        return b.append("</svg>").toString();
    }
}
