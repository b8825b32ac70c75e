package io.tether.cli;

import ch.qos.logback.classic.Level;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code --log-level} and {@code --log-format}, mixed into every command; applied as they are parsed. */
final class LogOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--log-level", paramLabel = "LEVEL", order = 1000,
            description = "error, warn, info, debug or trace. Default: $TETHER_LOG_LEVEL, else info. "
                    + "debug adds a line per received message and every connect and close; "
                    + "the listening and stopped lines show at any level.")
    void level(String value) {
        Level level = Logs.level(value);
        if (level == null) {
            throw new ParameterException(mixee.commandLine(), Logs.notALevel("--log-level", value));
        }
        Logs.setLevel(level);
    }

    @Option(names = "--log-format", paramLabel = "FORMAT", order = 1001,
            description = "text (ISO-8601 time, level, message) or json (one JSON object per line). Default: text.")
    void format(String value) {
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "text" -> { }
            case "json" -> {
                if (!Logs.json()) {
                    throw new ParameterException(mixee.commandLine(),
                            "--log-format json: the logging config in use (-Dlogback.configurationFile) has no console appender named CONSOLE");
                }
            }
            default -> throw new ParameterException(mixee.commandLine(), "--log-format: '" + value + "' is not a log format; use text or json");
        }
    }
}
