package io.tether.cluster.internal;

import io.tether.server.session.Session;
import io.tether.server.session.SessionStore.Claim;
import io.tether.server.session.SessionStore.Image;
import io.tether.server.session.SessionStore.Refused;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One resume at this node, as the {@code rclaim} script answers it: the session is here, or moves
 * here (from a node that let it go, or was claimed dead), or cannot come back; while its node
 * still holds it the script asks that node to hand it over, and this asks again, every 20 ms
 * doubling to 200 ms, for at most {@link KeptSessions#claimPatienceMs}, and only while the
 * client still waits.
 */
final class ResumeClaim {
    private final KeptSessions kept;
    private final byte[] token;
    private final String tok;
    private final String newTok;
    private final long received;
    private final BooleanSupplier waiting;
    private final long deadline;
    private final CompletableFuture<Claim> result = new CompletableFuture<>();

    ResumeClaim(KeptSessions kept, byte[] token, byte[] newToken, long received, BooleanSupplier waiting) {
        this.kept = kept;
        this.token = token;
        this.tok = ClusterTokens.hash(token);
        this.newTok = ClusterTokens.hash(newToken);
        this.received = received;
        this.waiting = waiting;
        this.deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(kept.claimPatienceMs());
    }

    CompletableFuture<Claim> start() {
        attempt(20, false);
        return result;
    }

    private void attempt(long retryMs, boolean force) {
        if (!waiting.getAsBoolean()) {
            result.completeExceptionally(new Refused("the client left while the session was being handed over", false));
            return;
        }
        kept.claimScript(tok, newTok, received, force).whenComplete((r, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
                return;
            }
            switch (Scripts.s(r.get(0))) {
                case "local" -> {
                    Session s = kept.local(Scripts.s(r.get(1)));
                    if (s != null) {
                        result.complete(Claim.local(s));
                    } else {
                        // Ours in Redis, but no session here: a claim whose client left before its
                        // WELCOME. Take it again from Redis, with the token the client holds.
                        attempt(retryMs, true);
                    }
                }
                case "unknown" -> result.completeExceptionally(kept.tokens().ofPastEpoch(token)
                        ? new Refused("the session cannot be recovered: Redis lost its data (its token is of an earlier "
                                + "cluster epoch)", true)
                        : new Refused("unknown, expired or already used resume token", false));
                case "gone" -> result.completeExceptionally(new Refused("the session cannot be recovered: "
                        + Scripts.s(r.get(1)), true));
                case "wait" -> {
                    if (System.nanoTime() - deadline > 0) {
                        result.completeExceptionally(new java.util.concurrent.TimeoutException("the node holding the session "
                                + "did not hand it over in " + kept.claimPatienceMs() + " ms"));
                    } else {
                        kept.thread().schedule(() -> attempt(Math.min(200, retryMs * 2), false), retryMs, TimeUnit.MILLISECONDS);
                    }
                }
                default -> {
                    Image img = image(r);
                    kept.arriving(img, Scripts.s(r.get(1)));
                    result.complete(Claim.moved(img));
                }
            }
        });
    }

    /** {'moved', gid, user, groups, attributes, in, acked, m1, m2, ...} as the server's Image. */
    private Image image(List<Object> r) {
        String user = Scripts.s(r.get(2));
        String groups = Scripts.s(r.get(3));
        List<byte[]> unacked = new ArrayList<>();
        for (int i = 7; i < r.size(); i++) {
            unacked.add((byte[]) r.get(i));
        }
        return new Image(user.isEmpty() ? null : user, groups.isEmpty() ? Set.of() : Set.of(groups.split("\n")),
                kept.attributes().decode((byte[]) r.get(4)), Long.parseLong(Scripts.s(r.get(5))),
                Long.parseLong(Scripts.s(r.get(6))), unacked);
    }
}
