package io.tether.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.AppenderAttachable;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command's logging, set from {@code TETHER_LOG_LEVEL}, {@code --log-level} and
 * {@code --log-format} over logback.xml. Every value is checked: Logback reads a level it does not
 * know as DEBUG, and a typo must be an error, not a flood (or silence).
 */
final class Logs {
    /** The environment variable that sets the level when {@code --log-level} is not given. */
    static final String ENV = "TETHER_LOG_LEVEL";
    static final String LEVELS = "error, warn, info, debug or trace";
    /** Where logback.xml's console appender is, behind the async one. */
    private static final String ASYNC = "ASYNC";
    private static final String CONSOLE = "CONSOLE";

    private Logs() {
    }

    /** The level {@code text} names (any case), or null. */
    static Level level(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "error" -> Level.ERROR;
            case "warn" -> Level.WARN;
            case "info" -> Level.INFO;
            case "debug" -> Level.DEBUG;
            case "trace" -> Level.TRACE;
            default -> null;
        };
    }

    static String notALevel(String where, String text) {
        return where + ": '" + text + "' is not a log level; use " + LEVELS;
    }

    /** What is wrong with {@code TETHER_LOG_LEVEL}, or null when it is unset, empty or a level. */
    static String envProblem(String value) {
        return value == null || value.isBlank() || level(value) != null ? null : notALevel(ENV, value);
    }

    /** Applies a valid {@code TETHER_LOG_LEVEL}; unset or empty is INFO. */
    static void fromEnv(String value) {
        setLevel(value == null || value.isBlank() ? Level.INFO : level(value));
    }

    /** The level of everything but the lifecycle lines (listening, stopped), which always show. */
    static void setLevel(Level level) {
        context().getLogger(Logger.ROOT_LOGGER_NAME).setLevel(level);
    }

    /** Sends the console output to stderr (the client's stdout carries the messages it receives). */
    static void toStderr() {
        ConsoleAppender<ILoggingEvent> console = console();
        if (console != null) {
            console.stop();
            console.setTarget("System.err");
            console.start();
        }
    }

    /**
     * One JSON object per line (Logback's JsonEncoder): timestamp in epoch milliseconds, level,
     * thread, logger, the message's pattern and arguments, and the formatted message. False when
     * a logging config of the user's own (logback.configurationFile) has no tether console.
     */
    static boolean json() {
        LoggerContext ctx = context();
        ConsoleAppender<ILoggingEvent> console = console();
        if (console == null) {
            return false;
        }
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(ctx);
        encoder.setWithSequenceNumber(false);
        encoder.setWithNanoseconds(false);
        encoder.setWithContext(false);
        encoder.setWithFormattedMessage(true);
        encoder.start();
        console.stop();
        console.setEncoder(encoder);
        console.start();
        return true;
    }

    /** Writes out what the async appender still holds; called before the JVM exits. */
    static void stop() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
            ctx.stop();
        }
    }

    private static LoggerContext context() {
        return (LoggerContext) LoggerFactory.getILoggerFactory();
    }

    /** logback.xml's console appender (behind the async one), or null under another config. */
    @SuppressWarnings("unchecked")
    private static ConsoleAppender<ILoggingEvent> console() {
        Appender<ILoggingEvent> async = context().getLogger(Logger.ROOT_LOGGER_NAME).getAppender(ASYNC);
        return async instanceof AppenderAttachable<?> a
                && ((AppenderAttachable<ILoggingEvent>) a).getAppender(CONSOLE) instanceof ConsoleAppender<ILoggingEvent> c ? c : null;
    }
}
