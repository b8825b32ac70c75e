package io.tether.client;

/**
 * A connection attempt's TLS handshake failed: the server's certificate is not trusted or not for
 * the host connected to, the server refused this client's certificate, or the server does not
 * speak TLS. The message says which and what to change; the cause is the engine's exception.
 * Reported as the {@link StateChange#cause()} of the attempt; the client goes on retrying with
 * backoff, as after any failed attempt.
 */
public class TlsHandshakeException extends TetherClientException {
    private static final long serialVersionUID = 1L;

    public TlsHandshakeException(String message, Throwable cause) {
        super(message, cause);
    }
}
