package io.etch.server.http;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The HTTP/1.1 route table of the client port: exact paths ({@code /health}) and path prefixes
 * ({@code /v3/}); an exact match wins, then the longest prefix. Filled before the server starts, read-only
 * afterwards.
 */
public final class HttpRoutes {
    private final Map<String, HttpRoute> exact = new HashMap<>();
    private final List<Map.Entry<String, HttpRoute>> prefixes = new ArrayList<>();

    /** Serves {@code path} exactly with {@code route}; a later registration of the same path replaces it. */
    public HttpRoutes add(String path, HttpRoute route) {
        exact.put(path, route);
        return this;
    }

    /** Serves every path starting with {@code prefix} (and not matched exactly) with {@code route}. */
    public HttpRoutes addPrefix(String prefix, HttpRoute route) {
        prefixes.add(Map.entry(prefix, route));
        prefixes.sort((a, b) -> b.getKey().length() - a.getKey().length());
        return this;
    }

    /** The route for {@code path}, or {@code null}. */
    HttpRoute find(String path) {
        HttpRoute r = exact.get(path);
        if (r != null) {
            return r;
        }
        for (Map.Entry<String, HttpRoute> e : prefixes) {
            if (path.startsWith(e.getKey())) {
                return e.getValue();
            }
        }
        return null;
    }
}
