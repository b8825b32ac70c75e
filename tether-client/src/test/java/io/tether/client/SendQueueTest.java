package io.tether.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tether.client.internal.SendQueue;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class SendQueueTest {

    @Test
    void keepsOrderAndCountsMessagesAndBytes() {
        SendQueue q = new SendQueue(10, 100);
        q.add(new byte[3], new CompletableFuture<>(), "test");
        q.add(new byte[5], new CompletableFuture<>(), "test");
        assertThat(q.size()).isEqualTo(2);
        assertThat(q.bytes()).isEqualTo(8);
        assertThat(q.poll().message()).hasSize(3);
        assertThat(q.bytes()).isEqualTo(5);
        assertThat(q.poll().message()).hasSize(5);
        assertThat(q.poll()).isNull();
        assertThat(q.isEmpty()).isTrue();
        assertThat(q.bytes()).isZero();
    }

    @Test
    void refusesPastTheMessageBoundNamingIt() {
        SendQueue q = new SendQueue(2, 1000);
        q.add(new byte[1], new CompletableFuture<>(), "state RECONNECTING");
        q.add(new byte[1], new CompletableFuture<>(), "state RECONNECTING");
        assertThatThrownBy(() -> q.add(new byte[1], new CompletableFuture<>(), "state RECONNECTING"))
                .isInstanceOf(QueueFullException.class)
                .hasMessageContaining("max_queued_messages = 2").hasMessageContaining("state RECONNECTING")
                .satisfies(e -> assertThat(((QueueFullException) e).bound()).isEqualTo("max_queued_messages"));
        assertThat(q.size()).isEqualTo(2);
    }

    @Test
    void refusesPastTheByteBoundButTakesWhatFits() {
        SendQueue q = new SendQueue(100, 10);
        q.add(new byte[10], new CompletableFuture<>(), "x");
        assertThatThrownBy(() -> q.add(new byte[1], new CompletableFuture<>(), "x"))
                .isInstanceOf(QueueFullException.class).hasMessageContaining("max_queued_bytes = 10")
                .satisfies(e -> assertThat(((QueueFullException) e).limit()).isEqualTo(10));
        q.poll();
        q.add(new byte[0], new CompletableFuture<>(), "x");
        q.add(new byte[10], new CompletableFuture<>(), "x");
        assertThat(q.size()).isEqualTo(2);
    }

    @Test
    void failAllFailsEveryFutureInOrder() {
        SendQueue q = new SendQueue(10, 100);
        CompletableFuture<Void> a = new CompletableFuture<>();
        CompletableFuture<Void> b = new CompletableFuture<>();
        q.add(new byte[1], a, "x");
        q.add(new byte[1], b, "x");
        RuntimeException why = new RuntimeException("closed");
        q.failAll(why);
        assertThat(a).isCompletedExceptionally();
        assertThat(b).isCompletedExceptionally();
        assertThat(q.isEmpty()).isTrue();
        assertThat(q.bytes()).isZero();
    }

    @Test
    void putBackMessagesComeFirstInTheirOwnOrderAndAreNeverRefused() {
        SendQueue q = new SendQueue(2, 100);
        q.add(new byte[] {3}, new CompletableFuture<>(), "x");
        q.add(new byte[] {4}, new CompletableFuture<>(), "x");
        q.putBack(new SendQueue.Pending(new byte[] {1}, new CompletableFuture<>()));
        q.putBack(new SendQueue.Pending(new byte[] {2}, new CompletableFuture<>()));
        assertThat(q.size()).isEqualTo(4);
        assertThat(q.bytes()).isEqualTo(4);
        assertThatThrownBy(() -> q.add(new byte[1], new CompletableFuture<>(), "x")).isInstanceOf(QueueFullException.class);
        for (int expected = 1; expected <= 4; expected++) {
            assertThat(q.poll().message()).containsExactly(expected);
        }
        assertThat(q.isEmpty()).isTrue();
    }
}
