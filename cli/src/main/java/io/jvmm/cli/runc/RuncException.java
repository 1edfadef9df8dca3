package io.jvmm.cli.runc;

/** An error of jvmm-runc's, reported as runc reports its own: one line, exit status 1 unless runc's is another. */
final class RuncException extends RuntimeException {
    private final int status;

    RuncException(String message) {
        this(message, 1);
    }

    RuncException(String message, int status) {
        super(message);
        this.status = status;
    }

    /** The exit status runc gives this error. */
    int status() {
        return status;
    }

    /** runc's words for an id that names no container. */
    static RuncException notExist(String id) {
        return new RuncException("container \"" + id + "\" does not exist");
    }
}
