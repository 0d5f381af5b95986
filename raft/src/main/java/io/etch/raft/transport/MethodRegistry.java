package io.etch.raft.transport;

import io.grpc.HandlerRegistry;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Methods by full name, addable while the server runs (what grpc-util's MutableHandlerRegistry does). Thread-safe. */
final class MethodRegistry extends HandlerRegistry {

    private final Map<String, ServerServiceDefinition> services = new ConcurrentHashMap<>();
    private final Map<String, ServerMethodDefinition<?, ?>> methods = new ConcurrentHashMap<>();

    /** Adds or replaces a service (by service name). */
    synchronized void addService(ServerServiceDefinition service) {
        ServerServiceDefinition previous = services.put(service.getServiceDescriptor().getName(), service);
        if (previous != null) {
            for (ServerMethodDefinition<?, ?> m : previous.getMethods()) {
                methods.remove(m.getMethodDescriptor().getFullMethodName());
            }
        }
        for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
            methods.put(m.getMethodDescriptor().getFullMethodName(), m);
        }
    }

    @Override
    public List<ServerServiceDefinition> getServices() {
        return List.copyOf(services.values());
    }

    @Override
    public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
        return methods.get(methodName);
    }
}
