package io.jvmm.shim.ttrpc;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One ttrpc service: its full protobuf name ({@code containerd.task.v2.Task}) and its unary methods, each
 * a parser for the request and a handler returning the response.
 */
public final class TtrpcService {
    /** A method's body: the parsed request in, the response out, failures as {@link TtrpcException}. */
    @FunctionalInterface
    public interface Handler<Q> {
        Message handle(Q request) throws InterruptedException;
    }

    private record Method<Q>(Parser<Q> parser, Handler<Q> handler) {
        byte[] call(String fullName, byte[] payload) throws InterruptedException {
            Q request;
            try {
                request = parser.parseFrom(payload);
            } catch (InvalidProtocolBufferException e) {
                throw TtrpcException.invalidArgument(fullName + ": the request does not parse: " + e.getMessage());
            }
            return handler.handle(request).toByteArray();
        }
    }

    private final String name;
    private final Map<String, Method<?>> methods;

    private TtrpcService(String name, Map<String, Method<?>> methods) {
        this.name = name;
        this.methods = Map.copyOf(methods);
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    /** Calls {@code method} with the encoded request; the encoded response. */
    byte[] call(String method, byte[] payload) throws InterruptedException {
        Method<?> m = methods.get(method);
        if (m == null) throw TtrpcException.unimplemented("method " + name + "/" + method + " is not implemented");
        return m.call(name + "/" + method, payload);
    }

    public static final class Builder {
        private final String name;
        private final Map<String, Method<?>> methods = new LinkedHashMap<>();

        private Builder(String name) {
            this.name = name;
        }

        public <Q> Builder unary(String method, Parser<Q> parser, Handler<Q> handler) {
            if (methods.putIfAbsent(method, new Method<>(parser, handler)) != null)
                throw new IllegalArgumentException(name + "/" + method + " registered twice");
            return this;
        }

        public TtrpcService build() {
            return new TtrpcService(name, methods);
        }
    }
}
