package io.meshfl.cli;

import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.contract.Durations;
import io.meshfl.stream.JoinProcess;
import io.meshfl.stream.ingest.PartsIngest;
import io.meshfl.stream.blocks.BlockWriter;
import io.meshfl.stream.blocks.LeaderBlocks;
import io.meshfl.stream.blocks.Manifest;
import io.meshfl.stream.gen.AdsStream;
import io.meshfl.stream.join.JoinKey;
import io.meshfl.stream.join.JoinSpec;
import io.meshfl.stream.join.WindowCounts;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Locale;

/**
 * {@code meshfl stream}: streaming data products. {@code keys} makes a party's key pair for one
 * join, {@code generate} plays the advertising example into Kafka, {@code ingest} moves a file stream's
 * parts into its topic (a join does it itself), {@code join} runs one party of a
 * private windowed join, {@code leader-blocks} writes the leader's half of the joined blocks.
 */
@Command(name = "stream", mixinStandardHelpOptions = true,
        description = "Streaming products: join two domains' Kafka streams privately into joined-data blocks.",
        subcommands = {StreamKeys.class, StreamCommand.Generate.class, StreamCommand.Ingest.class, StreamCommand.Join.class, StreamCommand.LeaderHalf.class,
                StreamCommand.Report.class, StreamTrain.class})
final class StreamCommand {

    /** Durations written as 30m, 60s, PT1M. */
    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            Duration d = Durations.parse(value);
            if (d == null) throw new IllegalArgumentException("expected a duration such as 30m, 60s or PT1M, found '" + value + "'");
            return d;
        }
    }

    private static void say(String line) {
        System.out.println(LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + " " + line);
    }

    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "Play the advertising example into Kafka: impressions (platform) and conversions (advertiser), with a known answer.")
    static final class Generate implements Runnable {
        @picocli.CommandLine.Mixin
        KafkaOptions kafka = new KafkaOptions();

        @Option(names = "--bootstrap", required = true, description = "Kafka bootstrap servers, such as 127.0.0.1:9092.")
        String bootstrap;

        @Option(names = "--impressions", defaultValue = "1000000", description = "Impressions to generate (default ${DEFAULT-VALUE}).")
        long impressions;

        @Option(names = "--rate", defaultValue = "50", description = "Impressions per second of event time (default ${DEFAULT-VALUE}).")
        int rate;

        @Option(names = "--partitions", defaultValue = "2", description = "Partitions of each topic (default ${DEFAULT-VALUE}).")
        int partitions;

        @Option(names = "--seed", defaultValue = "42", description = "Generator seed (default ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--truth", description = "Write the impression ids the join should find here, one per line.")
        Path truthFile;

        @Option(names = "--impressions-contract", description = "Write the impressions as this contract says (its topic, and Avro records when its "
                + "format is avro); default JSON to ads.impressions.")
        Path impressionsContract;

        @Option(names = "--conversions-contract", description = "Likewise for the conversions; default JSON to ads.conversions.")
        Path conversionsContract;

        @Override
        public void run() {
            kafka.apply();
            AdsStream.Settings base = AdsStream.Settings.of(impressions, seed);
            AdsStream.Settings s = new AdsStream.Settings(impressions, seed, base.startMillis(), rate, partitions, base.within(),
                    base.watermarkDelay(), base.lateShare(), base.outsideShare());
            DataContract imps = impressionsContract == null ? null : ContractLoader.load(impressionsContract, false);
            DataContract convs = conversionsContract == null ? null : ContractLoader.load(conversionsContract, false);
            AdsStream.Truth t = AdsStream.play(s, bootstrap, topic(imps, "ads.impressions"), topic(convs, "ads.conversions"),
                    values(imps), values(convs), StreamCommand::say);
            say(String.format(Locale.ROOT, "%,d impressions, %,d conversions: %,d should join (within %s, on time), %,d arrive too late, "
                    + "%,d fall outside the window", t.impressions(), t.conversions(), t.matched().size(), s.within(), t.late(), t.outside()));
            if (truthFile != null) {
                try {
                    Files.write(truthFile, t.matched().stream().sorted().toList());
                } catch (IOException e) {
                    throw new UncheckedIOException("the truth file cannot be written: " + e.getMessage(), e);
                }
                say("the ids that should join: " + truthFile);
            }
        }
    }

    /** The topic a contract names (it must be a stream), or the default. */
    static String topic(DataContract c, String otherwise) {
        if (c == null) return otherwise;
        if (c.server().stream() == null) throw new IllegalArgumentException("product " + c.id() + " is not a stream (its server is not of type kafka)");
        return c.server().stream().topic();
    }

    /** How a contract's events are written: Avro records of its schema, or the generator's JSON. */
    static java.util.function.UnaryOperator<byte[]> values(DataContract c) {
        return c != null && c.server().stream().format() == io.meshfl.core.contract.Server.Format.AVRO ? AdsStream.avro(c) : v -> v;
    }

    @Command(name = "join", mixinStandardHelpOptions = true,
            description = "Run one party of a private windowed stream join on its own Kafka cluster.")
    static final class Join implements Runnable {
        @picocli.CommandLine.Mixin
        KafkaOptions kafka = new KafkaOptions();

        @Option(names = "--side", required = true, description = "leader (its events define the examples) or follower (runs the join, writes blocks).")
        String side;

        @Option(names = "--contract", required = true, description = "This party's streaming product contract (a kafka server).")
        Path contract;

        @Option(names = "--job", required = true, description = "The join's name, the same on both sides; it names the topics.")
        String job;

        @Option(names = "--key", required = true, description = "This party's secret key file (meshfl stream keys).")
        Path key;

        @Option(names = "--peer-public", required = true, description = "The other party's public key file (signed by its node with --tls-dir).")
        Path peerPublic;

        @Option(names = "--tls-dir", paramLabel = "DIR", description = "This domain node's certificate folder (meshfl certs): take the other "
                + "party's key only signed by the node of --peer-domain for this join, under the mesh CA.")
        Path tlsDir;

        @Option(names = "--peer-domain", description = "With --tls-dir: the other party's domain.")
        String peerDomain;

        @Option(names = "--state", required = true, description = "Folder for Kafka Streams' local state.")
        Path state;

        @Option(names = "--blocks", description = "The follower's joined-data product folder (blocks and manifest).")
        Path blocks;

        @Option(names = "--within", defaultValue = "30m", converter = DurationConverter.class,
                description = "A follower event joins a leader event from 0 to this after it (default ${DEFAULT-VALUE}).")
        Duration within;

        @Option(names = "--block-span", defaultValue = "5m", converter = DurationConverter.class,
                description = "Event time one block covers (default ${DEFAULT-VALUE}).")
        Duration span;

        @Option(names = "--skew", defaultValue = "10m", converter = DurationConverter.class,
                description = "Disorder allowed at the joiner, at least each stream's watermark delay (default ${DEFAULT-VALUE}).")
        Duration skew;

        @Option(names = "--ids", defaultValue = "hashed",
                description = "How ids are compared, the same on both sides: hashed (a keyed hash, for ids that identify nobody) or blinded "
                        + "(blinded by both parties as in PSI, the follower's per block of event time; required for ids the contract "
                        + "classifies pii). Default ${DEFAULT-VALUE}.")
        String ids;

        @Option(names = "--until-end", converter = DurationConverter.class,
                description = "Stop when the input has ended: the leader after its topic has been fully read for this long (then it marks the end), "
                        + "the follower after the leader's end and all matches are written. Without it the party runs until stopped.")
        Duration untilEnd;

        @Override
        public void run() {
            kafka.apply();
            JoinSpec.Side s = StreamKeys.side(side);
            if (s == JoinSpec.Side.FOLLOWER && blocks == null) throw new IllegalArgumentException("--blocks: the follower writes the joined blocks there");
            JoinSpec.Ids how = switch (ids.strip().toLowerCase(Locale.ROOT)) {
                case "hashed" -> JoinSpec.Ids.HASHED;
                case "blinded" -> JoinSpec.Ids.BLINDED;
                default -> throw new IllegalArgumentException("--ids: expected hashed or blinded, found '" + ids + "'");
            };
            DataContract c = ContractLoader.load(contract, false);
            try {
                JoinProcess.Options o = new JoinProcess.Options(new JoinSpec(job, within, span, skew, how), s, c,
                        JoinProcess.readKey(key, true), StreamKeys.peerPublic(peerPublic, tlsDir, peerDomain, job, s, StreamCommand::say), state, blocks, untilEnd);
                say(s.name().toLowerCase(Locale.ROOT) + " of stream join '" + job + "' (" + how.name().toLowerCase(Locale.ROOT) + " ids) on "
                        + c.server().describe());
                Manifest m = JoinProcess.run(o, StreamCommand::say);
                if (m != null) say("blocks and manifest in " + blocks);
            } catch (IOException e) {
                throw new UncheckedIOException("a key file cannot be read: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Command(name = "ingest", mixinStandardHelpOptions = true,
            description = "Move a file stream's parts (servers[0].parts of its contract) into its topic, every row of every complete part once; "
                    + "a join of the product does this itself.")
    static final class Ingest implements Runnable {
        @picocli.CommandLine.Mixin
        KafkaOptions kafka = new KafkaOptions();

        @Option(names = "--contract", required = true, description = "The streaming product's contract (a kafka server with parts).")
        Path contract;

        @Option(names = "--until-idle", converter = DurationConverter.class,
                description = "Stop once every part that has arrived is in the topic and none has arrived for this long. Without it the ingester runs until stopped.")
        Duration untilIdle;

        @Override
        public void run() {
            kafka.apply();
            DataContract c = ContractLoader.load(contract, false);
            say("parts of " + c.id() + " into " + c.server().describe());
            try (PartsIngest in = PartsIngest.start(c, StreamCommand::say)) {
                long idleSince = -1;
                long lastLog = System.nanoTime();
                while (true) {
                    in.failIfFailed();
                    long now = System.nanoTime();
                    if (!in.idle()) idleSince = -1;
                    else if (idleSince < 0) idleSince = now;
                    else if (untilIdle != null && now - idleSince > untilIdle.toNanos()) break;
                    if (now - lastLog > 10_000_000_000L) {
                        say(in.sent() + " events in the topic" + (in.idle() ? ", waiting for parts" : ""));
                        lastLog = now;
                    }
                    Thread.sleep(200);
                }
                say("done: " + in.progress().size() + " parts, " + in.sent() + " events in the topic"
                        + (in.rejected() == 0 ? "" : ", " + in.rejected() + " rows not sent (they do not fit the contract)"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Command(name = "leader-blocks", mixinStandardHelpOptions = true,
            description = "Write the leader's half of the joined blocks from the positions the follower's blocks list, in their order.")
    static final class LeaderHalf implements Runnable {
        @picocli.CommandLine.Mixin
        KafkaOptions kafka = new KafkaOptions();

        @Option(names = "--contract", required = true, description = "The leader's streaming product contract.")
        Path contract;

        @Option(names = "--job", required = true, description = "The join's name.")
        String job;

        @Option(names = "--positions", required = true, description = "The follower's block folder (its block-N.refs files hold the leader positions).")
        Path positions;

        @Option(names = "--out", required = true, description = "The leader's joined-data product folder.")
        Path out;

        @Option(names = "--block-span", defaultValue = "5m", converter = DurationConverter.class, description = "As in the join (default ${DEFAULT-VALUE}).")
        Duration span;

        @Option(names = "--state", description = "The leader's state folder of the join: its counts per block (counts.json) go into the manifest.")
        Path state;

        @Option(names = "--follow", converter = DurationConverter.class,
                description = "Keep writing blocks as the follower's manifest lists new ones, and stop once it has listed none for this long.")
        Duration follow;

        @Override
        public void run() {
            kafka.apply();
            DataContract c = ContractLoader.load(contract, false);
            if (state == null) say("no --state: the leader's counts per block are written as unknown (-1)");
            try (LeaderBlocks lb = new LeaderBlocks(new JoinSpec(job, Duration.ZERO, span, Duration.ZERO), c, out)) {
                long quietSince = System.nanoTime();
                while (true) {
                    Manifest follower = Manifest.read(positions);
                    if (follower == null && follow == null) throw new IllegalArgumentException("--positions: no manifest in " + positions);
                    int wrote = follower == null ? 0 : writeNew(lb, follower);
                    if (wrote > 0) {
                        say(wrote + " blocks written; " + lb.manifest().blocks().size() + " blocks, " + lb.manifest().rows() + " rows in " + out);
                        quietSince = System.nanoTime();
                    }
                    if (follow == null || System.nanoTime() - quietSince > follow.toNanos()) break;
                    Thread.sleep(500);
                }
                say(lb.manifest().blocks().size() + " blocks, " + lb.manifest().rows() + " rows in " + out);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Writes the follower's blocks this side has not written yet, with the leader's counts as its join last saved them. */
        private int writeNew(LeaderBlocks lb, Manifest follower) {
            long last = lb.manifest().blocks().isEmpty() ? Long.MIN_VALUE : lb.manifest().lastIndex();
            java.util.SortedMap<Long, WindowCounts> counts = state == null ? null
                    : io.meshfl.stream.blocks.CountsFile.read(state.resolve(io.meshfl.stream.blocks.CountsFile.FILE));
            int n = 0;
            for (Manifest.Block b : follower.blocks()) {
                if (b.index() <= last) continue;
                lb.write(b.index(), BlockWriter.leaderRefs(positions, b.index()), counts == null ? WindowCounts.UNKNOWN : counts.getOrDefault(b.index(), WindowCounts.ZERO));
                n++;
            }
            return n;
        }
    }

    @Command(name = "report", mixinStandardHelpOptions = true,
            description = "What a stream join did per window, from the block manifests: each side's events in, late and malformed, the examples "
                    + "joined, when each block was written; totals with the records refused on the leader-ids topic. JSON and a page with a chart.")
    static final class Report implements Runnable {
        @Option(names = "--blocks", required = true, description = "The follower's block folder (its manifest.json).")
        Path blocks;

        @Option(names = "--leader-blocks", description = "The leader's block folder, for its counts per window beside the follower's.")
        Path leaderBlocks;

        @Option(names = "--out", required = true, description = "The report's JSON file; the page is written beside it (.html).")
        Path out;

        @Override
        public void run() {
            Manifest follower = Manifest.read(blocks);
            if (follower == null) throw new IllegalArgumentException("--blocks: no " + Manifest.FILE + " in " + blocks);
            Manifest leader = null;
            if (leaderBlocks != null) {
                leader = Manifest.read(leaderBlocks);
                if (leader == null) throw new IllegalArgumentException("--leader-blocks: no " + Manifest.FILE + " in " + leaderBlocks);
            }
            var r = io.meshfl.stream.report.JoinReport.of(follower, leader);
            try {
                Path html = Reports.write(out, io.meshfl.stream.report.JoinReport.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(r),
                        io.meshfl.stream.report.JoinReport.html(r));
                var t = r.path("totals");
                say(t.path("windows").asLong() + " windows, " + t.path("joined").asLong() + " joined examples, " + t.path("follower_late").asLong()
                        + " late on the follower's side" + (t.has("leader_late") ? ", " + t.path("leader_late").asLong() + " on the leader's" : "")
                        + ", " + t.path("leader_records_refused").asLong() + " leader-ids records refused; report in " + out.toAbsolutePath() + " and " + html);
                for (var p : r.path("problems")) say("problem: " + p.asText());
            } catch (IOException e) {
                throw new UncheckedIOException("the report cannot be written: " + e.getMessage(), e);
            }
        }
    }
}
