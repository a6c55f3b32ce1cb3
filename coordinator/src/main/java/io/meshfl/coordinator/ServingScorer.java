package io.meshfl.coordinator;

/** What a serving endpoint asks of a session: scores, and the model's name and version. */
public interface ServingScorer {

    ServingClient.Answer score(String[] keys);

    String model();

    String version();
}
