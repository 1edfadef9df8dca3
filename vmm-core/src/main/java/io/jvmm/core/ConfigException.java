package io.jvmm.core;

/** A VM setting that is wrong; the message names the setting: {@code memory: must be between ...}. */
public final class ConfigException extends VmmException {
    private static final long serialVersionUID = 1L;
    private final String key;

    public ConfigException(String key, String problem) {
        super(key + ": " + problem);
        this.key = key;
    }

    /** The setting's name, as in hac.toml where it has one. */
    public String key() {
        return key;
    }
}
