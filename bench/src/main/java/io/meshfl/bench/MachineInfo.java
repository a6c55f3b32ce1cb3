package io.meshfl.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/** Writes the machine block: {@code nproc}, CPU model, {@code java -version}, {@code free -g} and the date. */
public final class MachineInfo {

    private MachineInfo() {
    }

    public static void main(String[] args) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        StringBuilder md = new StringBuilder();
        md.append("Date: ").append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")))
                .append(". The machine is shared with other work, so timings carry noise.\n\n```\n");
        md.append("$ nproc\n").append(sh("nproc"));
        md.append("$ lscpu | grep 'Model name'\n").append(sh("lscpu | grep 'Model name'"));
        md.append("$ java -version\n").append(sh("'" + java + "' -version 2>&1"));
        md.append("$ free -g\n").append(sh("free -g"));
        md.append("```\n");
        Docs.replaceBlock(Docs.docPath(args), "machine", md.toString());
    }

    static String sh(String cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out.endsWith("\n") ? out : out + "\n";
    }
}
