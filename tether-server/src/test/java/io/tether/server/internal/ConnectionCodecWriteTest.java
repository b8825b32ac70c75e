package io.tether.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Ticker;
import io.tether.core.protocol.Frame;
import io.tether.server.Framing;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * ConnectionCodec owns the buffer it encodes a frame into until it hands it on: when the
 * encoding fails (the allocator is out of direct memory, or the frame cannot be encoded) the
 * write fails and no buffer is left unreleased. The leak the hardening issue saw under a 256 MB
 * heap ({@code LEAK: ByteBuf.release() was not called}, created in ConnectionCodec.write) was this:
 * the buffer grew inside FrameCodec.encode, the growth failed, and the exception left write()
 * with the buffer in hand.
 */
class ConnectionCodecWriteTest {
    /** Largest direct buffer the allocator below hands out: as if direct memory were nearly exhausted. */
    private static final int LIMIT = 1024;

    private final RecordingAllocator alloc = new RecordingAllocator(LIMIT);
    private EmbeddedChannel channel;

    @AfterEach
    void close() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    private EmbeddedChannel frameChannel() {
        ServerConfig config = ServerConfig.builder().build();
        ServerContext ctx = new ServerContext(config, new ServerHandler() { }, null,
                new HealthMonitor(List.of(), Duration.ofSeconds(1), Duration.ofSeconds(1)), null, Ticker.systemTicker());
        channel = new EmbeddedChannel();
        channel.config().setAllocator(alloc);
        ctx.createWheels(List.of(channel.eventLoop()));
        ServerConnection conn = new ServerConnection(1, channel, ctx, Framing.FRAME);
        channel.pipeline().addLast(new ConnectionCodec(conn, Framing.FRAME, config.packageMaxLength()));
        return channel;
    }

    @Test
    void aFrameWhoseBufferCannotBeAllocatedFailsItsWriteAndLeavesNoBuffer() {
        EmbeddedChannel ch = frameChannel();
        ChannelFuture f = ch.writeAndFlush(new Frame.Data(new byte[4 * LIMIT]));
        assertThat(f.isDone() && !f.isSuccess()).as("write of a frame larger than the allocator can give fails").isTrue();
        assertThat(alloc.unreleased()).as("buffers allocated for the failed write and never released").isEmpty();
    }

    @Test
    void aFrameThatCannotBeEncodedFailsItsWriteAndLeavesNoBuffer() {
        EmbeddedChannel ch = frameChannel();
        // A TLV field holds at most 65535 bytes: FrameCodec.encode throws half-way through.
        Frame.Welcome tooLong = new Frame.Welcome(1, 0, 0, 0, 0, 0, "n".repeat(70_000), null, false);
        alloc.limit = Integer.MAX_VALUE;
        ChannelFuture f = ch.writeAndFlush(tooLong);
        assertThat(f.isDone() && !f.isSuccess()).isTrue();
        assertThat(f.cause()).isInstanceOf(IllegalArgumentException.class);
        assertThat(alloc.unreleased()).as("buffers allocated for the failed write and never released").isEmpty();
    }

    @Test
    void aFrameIsEncodedIntoOneBufferOfItsExactSize() {
        EmbeddedChannel ch = frameChannel();
        alloc.limit = Integer.MAX_VALUE;
        ch.writeAndFlush(new Frame.Data(new byte[3000])).syncUninterruptibly();
        ByteBuf out = ch.readOutbound();
        try {
            assertThat(out.readableBytes()).isEqualTo(3005);
            assertThat(out.capacity()).as("no growth: allocated at its final size").isEqualTo(3005);
        } finally {
            out.release();
        }
    }
}
