package io.meshfl.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.function.Function;

/**
 * One page of a list: {@code items}, the {@code total} the caller may see, and the {@code offset}
 * of the next page ({@code next}, absent on the last). Every list route takes {@code offset} and
 * {@code limit} (default 50, at most 500).
 */
public final class Page {

    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;

    private Page() {
    }

    /** A page the database cut: {@code items} from the request's offset, of {@code total} in all. */
    public static <T> ObjectNode counted(List<T> items, long total, Request r, Function<T, JsonNode> view) {
        int offset = r.intParam("offset", 0, 0, Integer.MAX_VALUE);
        int limit = r.intParam("limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        ObjectNode page = Json.MAPPER.createObjectNode();
        ArrayNode out = page.putArray("items");
        for (T t : items) out.add(view.apply(t));
        page.put("total", total);
        page.put("offset", offset);
        page.put("limit", limit);
        if (offset + (long) items.size() < total) page.put("next", offset + items.size());
        return page;
    }

    public static <T> ObjectNode of(List<T> all, Request r, Function<T, JsonNode> view) {
        int offset = r.intParam("offset", 0, 0, Integer.MAX_VALUE);
        int limit = r.intParam("limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        ObjectNode page = Json.MAPPER.createObjectNode();
        ArrayNode items = page.putArray("items");
        int end = (int) Math.min(all.size(), (long) offset + limit);
        for (int i = offset; i < end; i++) items.add(view.apply(all.get(i)));
        page.put("total", all.size());
        page.put("offset", offset);
        page.put("limit", limit);
        if (end < all.size()) page.put("next", end);
        return page;
    }
}
