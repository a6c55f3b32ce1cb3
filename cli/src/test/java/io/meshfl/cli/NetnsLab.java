package io.meshfl.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A network of Linux network namespaces the fault suite builds and removes itself: a hub namespace
 * holding a bridge, the test's own (root) namespace joined to it at {@link #HOST} (where a database
 * or a relay the test runs can be reached), and per scenario a set of {@link Parties}, one
 * namespace each, joined by veth pairs, addresses 10.77.0.x/24 that exist only inside the lab. A
 * party's link can be taken down and up from the hub. Needs root and iproute2; {@link #unavailable()}
 * says why not when either is missing.
 */
final class NetnsLab implements AutoCloseable {

    /** The test's own address in the lab. */
    static final String HOST = "10.77.0.254";

    private final String id;
    private final List<String> created = new ArrayList<>();
    private int links;

    private NetnsLab(String id) {
        this.id = id;
    }

    /** Why this machine cannot build namespaces (null when it can). */
    static String unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) return "network namespaces need root (running as " + System.getProperty("user.name") + ")";
        try {
            Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) return "'ip netns list' fails: " + new String(p.getInputStream().readAllBytes());
        } catch (IOException | InterruptedException e) {
            return "iproute2's 'ip' is not installed (" + e.getMessage() + ")";
        }
        return null;
    }

    /** Builds the hub, its bridge and the link of the test's own namespace ({@link #HOST}). */
    static NetnsLab create(String id) throws Exception {
        NetnsLab lab = new NetnsLab(id);
        try {
            String hub = lab.hub();
            ip("netns", "add", hub);
            lab.created.add(hub);
            in(hub, "ip", "link", "set", "lo", "up");
            in(hub, "ip", "link", "add", "br0", "type", "bridge");
            in(hub, "ip", "link", "set", "br0", "up");
            ip("link", "add", "mfl" + id + "r", "type", "veth", "peer", "name", "mfl" + id + "hr", "netns", hub);
            in(hub, "ip", "link", "set", "mfl" + id + "hr", "master", "br0", "up");
            ip("addr", "add", HOST + "/24", "dev", "mfl" + id + "r");
            ip("link", "set", "mfl" + id + "r", "up");
        } catch (Exception e) {
            lab.close();
            throw e;
        }
        return lab;
    }

    String hub() {
        return "mfl" + id + "-hub";
    }

    /** One namespace per party; party {@code i} gets address 10.77.0.{i+1}. Closing them removes them. */
    Parties parties(List<String> names) throws Exception {
        Parties p = new Parties(names);
        try {
            for (int i = 0; i < names.size(); i++) {
                String ns = p.namespace(i);
                ip("netns", "add", ns);
                p.made.add(ns);
                String inside = "mfl" + id + "p" + p.link[i];
                String outside = "mfl" + id + "h" + p.link[i];
                ip("link", "add", inside, "netns", ns, "type", "veth", "peer", "name", outside, "netns", hub());
                in(hub(), "ip", "link", "set", outside, "master", "br0", "up");
                in(ns, "ip", "link", "set", "lo", "up");
                in(ns, "ip", "addr", "add", Parties.address(i) + "/24", "dev", inside);
                in(ns, "ip", "link", "set", inside, "up");
            }
        } catch (Exception e) {
            p.close();
            throw e;
        }
        return p;
    }

    /** The parties of one scenario. */
    final class Parties implements AutoCloseable {
        private final List<String> names;
        private final int[] link;
        private final List<String> made = new ArrayList<>();

        private Parties(List<String> names) {
            this.names = List.copyOf(names);
            this.link = new int[names.size()];
            for (int i = 0; i < link.length; i++) link[i] = links++;
        }

        private String namespace(int i) {
            return "mfl" + id + "-" + link[i];
        }

        private static String address(int i) {
            return "10.77.0." + (i + 1);
        }

        private int index(String name) {
            int i = names.indexOf(name);
            if (i < 0) throw new IllegalArgumentException("no party '" + name + "' in the lab " + names);
            return i;
        }

        /** The address of party {@code name}, which exists only inside the lab. */
        String address(String name) {
            return address(index(name));
        }

        /** Cuts party {@code name} off the network (its end of the cable stays up; the hub's goes down). */
        void linkDown(String name) throws Exception {
            in(hub(), "ip", "link", "set", "mfl" + id + "h" + link[index(name)], "down");
        }

        void linkUp(String name) throws Exception {
            in(hub(), "ip", "link", "set", "mfl" + id + "h" + link[index(name)], "up");
        }

        /** The command prefix that runs a program inside party {@code name}'s namespace. */
        List<String> exec(String name) {
            return List.of("ip", "netns", "exec", namespace(index(name)));
        }

        @Override
        public void close() {
            remove(made);
        }
    }

    private static void in(String ns, String... cmd) throws Exception {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        all.addAll(List.of(cmd));
        run(all);
    }

    private static void ip(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("ip"));
        all.addAll(List.of(args));
        run(all);
    }

    private static void run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + " failed: " + out.strip());
    }

    private static void remove(List<String> namespaces) {
        for (String ns : namespaces) {
            try {
                run(List.of("ip", "netns", "del", ns));
            } catch (Exception e) {
                System.err.println("could not remove network namespace " + ns + ": " + e.getMessage());
            }
        }
        namespaces.clear();
    }

    /** Removes the hub (with it the bridge and the test's own link). */
    @Override
    public void close() {
        remove(created);
    }
}
