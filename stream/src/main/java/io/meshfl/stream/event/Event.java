package io.meshfl.stream.event;

/**
 * One event of a streaming product: its id (the join key), its event time in epoch milliseconds,
 * and the text of its schema's columns in the contract's order (empty where the event left one out
 * of an optional column).
 */
public record Event(String key, long time, String[] cells) {
}
