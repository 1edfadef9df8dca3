package io.jvmm.image.rootfs;

import io.jvmm.image.ImageException;
import java.nio.file.Path;

/**
 * A layer could not be turned into a root file system: corrupt or truncated data, an entry the
 * image format cannot represent, or (see {@link UnsafeEntryException}) an entry that would escape
 * the root. The message is one line naming the layer (index and file) and, when known, the entry.
 * Unchecked and of kind BAD_INPUT, like the rest of the image module's {@link ImageException}s.
 */
public class RootfsException extends ImageException {
    private static final long serialVersionUID = 1L;

    private final transient Path layer;
    private final int layerIndex;
    private final String entry;

    public RootfsException(String message) {
        this(-1, null, null, message, null);
    }

    public RootfsException(int layerIndex, Path layer, String entry, String message, Throwable cause) {
        super(Kind.BAD_INPUT, format(layerIndex, layer, entry, message), cause);
        this.layer = layer;
        this.layerIndex = layerIndex;
        this.entry = entry;
    }

    /** The layer blob, or null when the error is not about one layer (e.g. writing the image). */
    public Path layer() {
        return layer;
    }

    /** Index of the layer in the list given to the builder (0 = bottom), or -1. */
    public int layerIndex() {
        return layerIndex;
    }

    /** The tar entry name as found in the layer, or null. */
    public String entry() {
        return entry;
    }

    private static String format(int index, Path layer, String entry, String message) {
        StringBuilder sb = new StringBuilder();
        if (layer != null) {
            sb.append("layer ")
                    .append(index + 1)
                    .append(" (")
                    .append(layer.getFileName())
                    .append(")");
            if (entry != null)
                sb.append(", entry \"").append(abbreviated(printable(entry))).append('"');
            sb.append(": ");
        }
        sb.append(message);
        return sb.toString().replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }

    /** A name of thousands of characters (a refused deep path) keeps the message one readable line. */
    static String abbreviated(String s) {
        int head = 100;
        int tail = 40;
        if (s.length() <= head + tail + 40) return s;
        if (Character.isHighSurrogate(s.charAt(head - 1))) head--;
        if (Character.isLowSurrogate(s.charAt(s.length() - tail))) tail--;
        return s.substring(0, head) + "…[" + (s.length() - head - tail) + " more characters]…"
                + s.substring(s.length() - tail);
    }

    static String printable(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02x", (int) c));
            else sb.append(c);
        }
        return sb.toString();
    }
}
