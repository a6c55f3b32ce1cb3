package io.meshfl.web;

/**
 * Asks the JDK's HTTP server to send without waiting (TCP_NODELAY). It writes a reply's headers and
 * its body apart; under Nagle's algorithm the body then waits for the client's acknowledgement of
 * the headers, which a client delays by up to 40 ms, so every request took at least that long. The
 * JDK reads the setting once, when its server first loads: this runs before any server of this
 * process starts (an operator's own {@code -Dsun.net.httpserver.nodelay=false} is kept).
 */
public final class NoDelay {

    static final String PROPERTY = "sun.net.httpserver.nodelay";

    private NoDelay() {
    }

    public static void ask() {
        if (System.getProperty(PROPERTY) == null) System.setProperty(PROPERTY, "true");
    }
}
