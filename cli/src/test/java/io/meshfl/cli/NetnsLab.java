package io.meshfl.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A network of Linux network namespaces the fault suite builds and removes itself: one namespace
 * per party, each joined by a veth pair to a bridge in a hub namespace, addresses 10.77.0.x/24
 * that exist only inside them. A party's link can be taken down and up from the hub. Needs root
 * and iproute2; {@link #unavailable()} says why not when either is missing.
 */
final class NetnsLab implements AutoCloseable {

    private final String id;
    private final List<String> parties;
    private final List<String> created = new ArrayList<>();

    private NetnsLab(String id, List<String> parties) {
        this.id = id;
        this.parties = List.copyOf(parties);
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

    /** Builds the hub and one namespace per party; party {@code i} gets address 10.77.0.{i+1}. */
    static NetnsLab create(String id, List<String> parties) throws Exception {
        NetnsLab lab = new NetnsLab(id, parties);
        try {
            lab.build();
        } catch (Exception e) {
            lab.close();
            throw e;
        }
        return lab;
    }

    private void build() throws Exception {
        String hub = hub();
        ip("netns", "add", hub);
        created.add(hub);
        in(hub, "ip", "link", "set", "lo", "up");
        in(hub, "ip", "link", "add", "br0", "type", "bridge");
        in(hub, "ip", "link", "set", "br0", "up");
        for (int i = 0; i < parties.size(); i++) {
            String ns = namespace(i);
            ip("netns", "add", ns);
            created.add(ns);
            String inside = "mfl" + id + "p" + i;
            String outside = "mfl" + id + "h" + i;
            ip("link", "add", inside, "netns", ns, "type", "veth", "peer", "name", outside, "netns", hub);
            in(hub, "ip", "link", "set", outside, "master", "br0", "up");
            in(ns, "ip", "link", "set", "lo", "up");
            in(ns, "ip", "addr", "add", address(i) + "/24", "dev", inside);
            in(ns, "ip", "link", "set", inside, "up");
        }
    }

    String hub() {
        return "mfl" + id + "-hub";
    }

    /** The namespace of party {@code name}. */
    String namespace(String name) {
        return namespace(index(name));
    }

    private String namespace(int i) {
        return "mfl" + id + "-" + i;
    }

    /** The address of party {@code name}, which exists only inside the lab. */
    String address(String name) {
        return address(index(name));
    }

    private static String address(int i) {
        return "10.77.0." + (i + 1);
    }

    private int index(String name) {
        int i = parties.indexOf(name);
        if (i < 0) throw new IllegalArgumentException("no party '" + name + "' in the lab " + parties);
        return i;
    }

    /** Cuts party {@code name} off the network (its end of the cable stays up; the hub's goes down). */
    void linkDown(String name) throws Exception {
        in(hub(), "ip", "link", "set", "mfl" + id + "h" + index(name), "down");
    }

    void linkUp(String name) throws Exception {
        in(hub(), "ip", "link", "set", "mfl" + id + "h" + index(name), "up");
    }

    /** The command prefix that runs a program inside party {@code name}'s namespace. */
    List<String> exec(String name) {
        return List.of("ip", "netns", "exec", namespace(name));
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

    /** Removes every namespace it made (with them go their veth ends and the bridge). */
    @Override
    public void close() {
        for (String ns : created) {
            try {
                run(List.of("ip", "netns", "del", ns));
            } catch (Exception e) {
                System.err.println("could not remove network namespace " + ns + ": " + e.getMessage());
            }
        }
        created.clear();
    }
}
