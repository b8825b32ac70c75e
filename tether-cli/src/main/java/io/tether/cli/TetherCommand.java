package io.tether.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tether} command. */
@Command(name = "tether", mixinStandardHelpOptions = true, versionProvider = TetherCommand.Version.class,
        description = "Long-lived TCP connections that stay honest.",
        subcommands = {ServerCommand.class, ClientCommand.class, StatusCommand.class, LabCommand.class, BenchCommand.class})
public final class TetherCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        if (args.length > 0 && "client".equals(args[0])) {
            // The client prints received messages on stdout; its logs must not mix with them.
            System.setProperty("tether.log.target", "System.err");
        }
        System.exit(commandLine().execute(args));
    }

    /** The command tree, with the server's config keys added as flags. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new TetherCommand());
        ServerCommand.addConfigFlags(cl.getSubcommands().get("server").getCommandSpec());
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println("tether: " + e.getMessage());
            return 2;
        });
        return cl;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = TetherCommand.class.getPackage().getImplementationVersion();
            return new String[] {"tether " + (v == null ? "dev" : v)};
        }
    }
}
