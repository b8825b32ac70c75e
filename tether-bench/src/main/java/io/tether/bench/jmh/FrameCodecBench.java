package io.tether.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.tether.core.protocol.Frame;
import io.tether.core.protocol.FrameCodec;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/** Encode and decode cost of the frame protocol's hot frames (PING, PONG, a DATA of a given size). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FrameCodecBench {

    @Param({"64", "1024"})
    int dataBytes;

    ByteBuf out;
    ByteBuf encodedPing;
    ByteBuf encodedData;
    Frame.Ping ping = new Frame.Ping(42);
    Frame.Pong pong = new Frame.Pong(42, true, "");
    Frame.Data data;

    @Setup(Level.Trial)
    public void setUp() {
        out = PooledByteBufAllocator.DEFAULT.directBuffer(4096);
        data = new Frame.Data(new byte[dataBytes]);
        encodedPing = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        FrameCodec.encode(ping, encodedPing);
        encodedData = PooledByteBufAllocator.DEFAULT.directBuffer(dataBytes + 16);
        FrameCodec.encode(data, encodedData);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        out.release();
        encodedPing.release();
        encodedData.release();
    }

    @Benchmark
    public int encodePing() {
        out.clear();
        FrameCodec.encode(ping, out);
        return out.writerIndex();
    }

    @Benchmark
    public int encodePong() {
        out.clear();
        FrameCodec.encode(pong, out);
        return out.writerIndex();
    }

    @Benchmark
    public int encodeData() {
        out.clear();
        FrameCodec.encode(data, out);
        return out.writerIndex();
    }

    @Benchmark
    public Frame decodePing() {
        encodedPing.readerIndex(0);
        return FrameCodec.decode(encodedPing, 1 << 20);
    }

    @Benchmark
    public Frame decodeData() {
        encodedData.readerIndex(0);
        return FrameCodec.decode(encodedData, 1 << 20);
    }
}
