package io.meshfl.cli;

import io.meshfl.stream.KafkaBroker;
import io.meshfl.stream.ingest.PartsIngest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code meshfl stream ingest}: a file stream's parts into its topic from the command line, ending once no part arrives. */
class StreamIngestCommandTest {

    @Test
    void ingestMovesTheArrivedPartsAndStopsWhenIdle(@TempDir Path dir) throws Exception {
        try (KafkaBroker broker = KafkaBroker.start()) {
            Path contract = dir.resolve("conversions.yaml");
            Files.writeString(contract, Files.readString(Path.of("..", "examples", "ads-stream", "advertiser.conversions.yaml"))
                    .replace("127.0.0.1:9092", broker.bootstrap()).replace("watermarkDelay: 60s", "watermarkDelay: 60s\n    parts: in/part-*.csv"));
            Path in = Files.createDirectories(dir.resolve("in"));
            for (int p = 1; p <= 2; p++) {
                StringBuilder b = new StringBuilder("impression_id,ts,basket_value,pages_viewed,returning,purchased\n");
                for (int i = 0; i < 50; i++) b.append("p").append(p).append("-").append(i).append(",").append(1_700_000_000_000L + i).append(",1.5,2,0,1\n");
                Files.writeString(in.resolve("part-" + p + ".csv"), b.toString());
            }
            PrintStream was = System.out;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int code;
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            try {
                code = Main.execute("stream", "ingest", "--contract", contract.toString(), "--until-idle", "2s");
            } finally {
                System.setOut(was);
            }
            String said = out.toString(StandardCharsets.UTF_8);
            assertEquals(0, code, said);
            assertTrue(said.contains("done: 2 parts, 100 events in the topic"), said);
            // a second run finds both parts in and sends nothing again
            try (PartsIngest again = PartsIngest.start(io.meshfl.core.contract.ContractLoader.load(contract, false), s -> { })) {
                assertEquals(100, again.sent());
                assertEquals(2, again.progress().size());
            }
        }
    }
}
