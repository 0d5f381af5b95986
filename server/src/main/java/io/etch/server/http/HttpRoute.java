package io.etch.server.http;

/**
 * One HTTP/1.1 endpoint of the client port. Called on the connection's event loop: answer there when it is
 * cheap, else hand the work to {@link HttpExchange#blockingExecutor()} or answer when a future completes.
 * Must answer the exchange exactly once (a route that throws gets a 500).
 */
@FunctionalInterface
public interface HttpRoute {
    /** Serves {@code exchange}. */
    void serve(HttpExchange exchange);
}
