package io.jvmm.cli.runc;

/** An error of jvmm-runc's, reported as runc reports its own: one line, exit status 1. */
final class RuncException extends RuntimeException {
    RuncException(String message) {
        super(message);
    }

    /** runc's words for an id that names no container. */
    static RuncException notExist(String id) {
        return new RuncException("container \"" + id + "\" does not exist");
    }
}
