package io.jvmm.agent;

/** Constants of the guest agent wire protocol (see {@code guest-agent/PROTOCOL.md}). */
public final class AgentProtocol {
    private AgentProtocol() {}

    /** The version byte of every frame header. */
    public static final int VERSION = 1;
    /** The protocol this host speaks, announced by the agent in HELLO: 2 adds containers. */
    public static final int PROTOCOL = 2;
    /** The oldest agent protocol this host still drives (everything but containers). */
    public static final int MIN_PROTOCOL = 1;
    /** Largest payload a receiver accepts; anything above is a protocol error. */
    public static final int MAX_PAYLOAD = 1 << 20;
    /** Data frames carry at most this much by convention. */
    public static final int DATA_CHUNK = 64 * 1024;
    /** Largest {@code str}, in UTF-8 bytes. */
    public static final int MAX_STRING = 64 * 1024;
    /** Largest {@code strs} count. */
    public static final int MAX_STRINGS = 4096;

    public static final int HEADER_SIZE = 8;
    /** vsock port the agent listens on. */
    public static final int DEFAULT_PORT = 1024;
    /** vsock port on the host (CID 2) the agent sends HELLO to. */
    public static final int READY_PORT = 1025;

    public static final int HOST_CID = 2;

    public static final int HELLO = 0x01;
    public static final int EXEC = 0x10;
    public static final int STARTED = 0x11;
    public static final int STDOUT = 0x12;
    public static final int STDERR = 0x13;
    public static final int EXIT = 0x14;
    public static final int STDIN = 0x20;
    public static final int SIGNAL = 0x21;
    public static final int RESIZE = 0x22;
    public static final int COPY_IN = 0x30;
    public static final int DATA = 0x31;
    public static final int COPY_OUT = 0x32;
    public static final int STAT = 0x33;
    public static final int POWEROFF = 0x40;
    public static final int PING = 0x41;
    public static final int PS = 0x42;
    public static final int CONTAINER_CREATE = 0x50;
    public static final int CONTAINER_START = 0x51;
    public static final int CONTAINER_SIGNAL = 0x52;
    public static final int CONTAINER_WAIT = 0x53;
    public static final int CONTAINER_STATUS = 0x54;
    public static final int CONTAINER_DELETE = 0x55;
    public static final int CONTAINER_LOGS = 0x56;
    public static final int CONTAINER_LIST = 0x57;
    public static final int CONTAINER_STATS = 0x58;
    public static final int CONTAINER_ATTACH = 0x59;
    public static final int CONTAINER_UPDATE = 0x5A;
    public static final int OK = 0x7e;
    public static final int ERROR = 0x7f;

    /** EXEC flags. */
    public static final int EXEC_TTY = 1, EXEC_STDIN = 2, EXEC_WORKLOAD = 4;

    /** CONTAINER_CREATE, CONTAINER_WAIT, CONTAINER_DELETE and CONTAINER_LOGS flags. */
    public static final int CONTAINER_TTY = 1, CONTAINER_READONLY = 2, CONTAINER_STDIN = 4;

    /** CONTAINER_CREATE's process security flags. */
    public static final int SECURITY_NO_NEW_PRIVS = 1, SECURITY_CAPS = 2, SECURITY_UMASK = 4;

    public static final int WAIT_BLOCK = 1, DELETE_FORCE = 1, LOGS_FOLLOW = 1, LOGS_NEW = 2;

    /** errno EPROTO, the code of an ERROR about a malformed frame. */
    public static final int EPROTO = 71;

    /** Whether {@code type} is a frame type of this protocol version. */
    public static boolean isKnownType(int type) {
        return switch (type) {
            case HELLO,
                    EXEC,
                    STARTED,
                    STDOUT,
                    STDERR,
                    EXIT,
                    STDIN,
                    SIGNAL,
                    RESIZE,
                    COPY_IN,
                    DATA,
                    COPY_OUT,
                    STAT,
                    POWEROFF,
                    PING,
                    PS,
                    CONTAINER_CREATE,
                    CONTAINER_START,
                    CONTAINER_SIGNAL,
                    CONTAINER_WAIT,
                    CONTAINER_STATUS,
                    CONTAINER_DELETE,
                    CONTAINER_LOGS,
                    CONTAINER_LIST,
                    CONTAINER_STATS,
                    CONTAINER_ATTACH,
                    CONTAINER_UPDATE,
                    OK,
                    ERROR -> true;
            default -> false;
        };
    }

    /** The name of a frame type, for messages. */
    public static String typeName(int type) {
        return switch (type) {
            case HELLO -> "HELLO";
            case EXEC -> "EXEC";
            case STARTED -> "STARTED";
            case STDOUT -> "STDOUT";
            case STDERR -> "STDERR";
            case EXIT -> "EXIT";
            case STDIN -> "STDIN";
            case SIGNAL -> "SIGNAL";
            case RESIZE -> "RESIZE";
            case COPY_IN -> "COPY_IN";
            case DATA -> "DATA";
            case COPY_OUT -> "COPY_OUT";
            case STAT -> "STAT";
            case POWEROFF -> "POWEROFF";
            case PING -> "PING";
            case PS -> "PS";
            case CONTAINER_CREATE -> "CONTAINER_CREATE";
            case CONTAINER_START -> "CONTAINER_START";
            case CONTAINER_SIGNAL -> "CONTAINER_SIGNAL";
            case CONTAINER_WAIT -> "CONTAINER_WAIT";
            case CONTAINER_STATUS -> "CONTAINER_STATUS";
            case CONTAINER_DELETE -> "CONTAINER_DELETE";
            case CONTAINER_LOGS -> "CONTAINER_LOGS";
            case CONTAINER_LIST -> "CONTAINER_LIST";
            case CONTAINER_STATS -> "CONTAINER_STATS";
            case CONTAINER_ATTACH -> "CONTAINER_ATTACH";
            case CONTAINER_UPDATE -> "CONTAINER_UPDATE";
            case OK -> "OK";
            case ERROR -> "ERROR";
            default -> String.format("0x%02x", type);
        };
    }
}
