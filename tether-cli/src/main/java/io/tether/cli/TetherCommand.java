package io.tether.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tether} command. */
@Command(name = "tether", mixinStandardHelpOptions = true, versionProvider = TetherCommand.Version.class,
        description = "Long-lived TCP connections that stay honest.",
        subcommands = {ServerCommand.class, ClientCommand.class, StatusCommand.class, ClusterCommand.class, LabCommand.class, BenchCommand.class})
public final class TetherCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    LogOptions logOptions;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        int status = run(args);
        Logs.stop();
        System.exit(status);
    }

    /** Runs the command line; returns the exit status. */
    static int run(String[] args) {
        // Checked before anything logs: Logback would read a misspelt level as DEBUG.
        String env = System.getenv(Logs.ENV);
        String problem = Logs.envProblem(env);
        if (problem != null) {
            System.err.println("tether: " + problem);
            return 2;
        }
        Logs.fromEnv(env);
        return commandLine().execute(args);
    }

    /** The command tree, with the server's config keys added as flags. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new TetherCommand());
        ServerCommand.addConfigFlags(cl.getSubcommands().get("server").getCommandSpec());
        cl.setExecutionStrategy(parsed -> {
            if (parsed.subcommand() != null && "client".equals(parsed.subcommand().commandSpec().name())) {
                Logs.toStderr(); // the client's stdout carries the messages it receives
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        cl.setParameterExceptionHandler(TetherCommand::badInput);
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println(line.getCommandSpec().qualifiedName() + ": " + e.getMessage());
            return 2;
        });
        return cl;
    }

    /**
     * A bad option or argument: the error, any suggestion, and where to read more, without the full
     * help (131 lines for the server, which scrolled the error out of sight).
     */
    private static int badInput(CommandLine.ParameterException e, String[] args) {
        CommandLine line = e.getCommandLine();
        PrintWriter err = line.getErr();
        String name = line.getCommandSpec().qualifiedName();
        err.println(name + ": " + e.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        err.println("Try '" + name + " --help' for more information.");
        err.flush();
        return line.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** {@code tether 0.1.0 (commit 19a2636c0d1e)}: the Maven version and the git commit, filled in by the build. */
    static final class Version implements CommandLine.IVersionProvider {
        static final String RESOURCE = "/io/tether/cli/version.properties";

        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = TetherCommand.class.getResourceAsStream(RESOURCE)) {
                if (in != null) {
                    p.load(in);
                }
            }
            String version = filled(p.getProperty("version"));
            String commit = filled(p.getProperty("commit"));
            return new String[] {"tether " + (version == null ? "(version unknown: not built by Maven)" : version)
                    + (commit == null ? "" : " (commit " + commit + ")"),
                    "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
        }

        /** A value Maven filled in, or null when it is missing or still a placeholder (no git at build time). */
        private static String filled(String value) {
            return value == null || value.isBlank() || value.contains("${") ? null : value.trim();
        }
    }
}
