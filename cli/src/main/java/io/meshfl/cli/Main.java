package io.meshfl.cli;

import io.meshfl.core.MeshflException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code meshfl} command. */
@Command(name = "meshfl", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Federated learning across the domains of a data mesh.",
        subcommands = {DemoCommand.class, RunCommand.class, PlanCommand.class, CoordinatorCommand.class, NodeCommand.class, CertsCommand.class,
                CatalogCommand.class, RunsCommand.class, IntegrateCommand.class, CalibrateCommand.class, PredictCommand.class, ServeCommand.class, ModelsCommand.class, SimulateCommand.class, AuditCommand.class, ValidateCommand.class, StreamCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code: 0 ok, 2 a MeshFL error (printed as one clear line), 1 otherwise. */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof MeshflException me) {
                cmd.getErr().println("error: " + me);
                // on this machine the detail may be shown: it stays here (a file path, the offending value)
                for (Throwable t = me; t != null; t = t.getCause()) {
                    if (t instanceof MeshflException m && m.localDetail() != null) {
                        cmd.getErr().println("  detail (this machine only): " + m.localDetail());
                        break;
                    }
                }
                return 2;
            }
            throw ex;
        });
        return cl.execute(args);
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            if (v == null) v = fromResource();
            return new String[]{"MeshFL " + (v == null ? "dev" : v) + " (Java " + System.getProperty("java.version") + ")"};
        }

        /** The version Maven wrote into version.properties, for runs from classes (an image, an IDE) rather than the jar. */
        private static String fromResource() {
            try (java.io.InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in == null) return null;
                java.util.Properties p = new java.util.Properties();
                p.load(in);
                String v = p.getProperty("version");
                return v == null || v.startsWith("${") ? null : v;
            } catch (java.io.IOException e) {
                return null;
            }
        }
    }
}
