package io.jvmm.shim.ttrpc;

/**
 * An RPC's failure as the peer sees it: a gRPC status code and a one-line message. containerd maps the
 * codes to its errdefs (NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, UNIMPLEMENTED...).
 */
public final class TtrpcException extends RuntimeException {
    private final Code code;

    public TtrpcException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public Code code() {
        return code;
    }

    public static TtrpcException notFound(String message) {
        return new TtrpcException(Code.NOT_FOUND, message);
    }

    public static TtrpcException alreadyExists(String message) {
        return new TtrpcException(Code.ALREADY_EXISTS, message);
    }

    public static TtrpcException failedPrecondition(String message) {
        return new TtrpcException(Code.FAILED_PRECONDITION, message);
    }

    public static TtrpcException invalidArgument(String message) {
        return new TtrpcException(Code.INVALID_ARGUMENT, message);
    }

    public static TtrpcException unimplemented(String message) {
        return new TtrpcException(Code.UNIMPLEMENTED, message);
    }

    @Override
    public String toString() {
        return code + ": " + getMessage();
    }

    /** gRPC's status codes, by number. */
    public enum Code {
        OK,
        CANCELLED,
        UNKNOWN,
        INVALID_ARGUMENT,
        DEADLINE_EXCEEDED,
        NOT_FOUND,
        ALREADY_EXISTS,
        PERMISSION_DENIED,
        RESOURCE_EXHAUSTED,
        FAILED_PRECONDITION,
        ABORTED,
        OUT_OF_RANGE,
        UNIMPLEMENTED,
        INTERNAL,
        UNAVAILABLE,
        DATA_LOSS,
        UNAUTHENTICATED;

        public static Code of(int number) {
            Code[] all = values();
            return number >= 0 && number < all.length ? all[number] : UNKNOWN;
        }
    }
}
