package io.tether.core.config;

import java.util.function.BiConsumer;

/**
 * One configuration key: its name (snake_case, Swoole's where Swoole has one), its default as
 * shown to people, what it means, and how a raw value lands on a builder.
 *
 * @param <B> the builder the value is applied to
 */
public record Setting<B>(String key, String defaultText, String description, BiConsumer<B, Object> applier) {

    /** The command-line flag for this key: {@code heartbeat_idle_time} -> {@code --heartbeat-idle-time}. */
    public String flag() {
        return "--" + key.replace('_', '-').replace('.', '-');
    }

    public void apply(B builder, Object raw) {
        applier.accept(builder, raw);
    }
}
