package io.jvmm.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a TOML file into a Jackson tree and names TOML value types for error messages.
 * Kept apart from {@link HacFile} so Jackson is loaded only when a hac file is actually given.
 */
final class TomlTree {
    private TomlTree() {}

    /** The whole document as a table; every failure is a one-line {@link HacFileException}. */
    static ObjectNode read(Path file) {
        if (!Files.exists(file)) throw new HacFileException(file, null, "no such file");
        if (Files.isDirectory(file)) throw new HacFileException(file, null, "is a directory, not a hac.toml file");
        String text;
        try {
            text = Files.readString(file);
        } catch (CharacterCodingException e) {
            throw new HacFileException(file, null, "is not UTF-8 text (TOML files must be UTF-8)");
        } catch (AccessDeniedException e) {
            throw new HacFileException(file, null, "cannot be read: permission denied");
        } catch (IOException e) {
            throw new HacFileException(file, null, "cannot be read: " + e.getMessage());
        }
        try {
            JsonNode root = new TomlMapper().readTree(text);
            // An empty document reads as a missing node; treat it as an empty table (all defaults).
            return root instanceof ObjectNode table ? table : new TomlMapper().createObjectNode();
        } catch (StreamReadException e) {
            throw new HacFileException(file, null, "TOML syntax error" + where(e.getLocation()) + ": "
                    + oneLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new HacFileException(file, null, "TOML syntax error: " + oneLine(e.getMessage()));
        }
    }

    private static String where(JsonLocation loc) {
        if (loc == null || loc.getLineNr() < 1) return "";
        return " at line " + loc.getLineNr() + (loc.getColumnNr() > 0 ? ", column " + loc.getColumnNr() : "");
    }

    private static String oneLine(String s) {
        return s == null ? "malformed document" : s.replaceAll("\\s*\\R\\s*", " ").trim();
    }

    /** "string \"lots\"", "float 1.5", "table", ...: what the user wrote, for "expected X, got Y" messages. */
    static String describe(JsonNode v) {
        if (v.isTextual()) return "string \"" + v.textValue() + "\"";
        if (v.isIntegralNumber()) return "integer " + v.asText();
        if (v.isNumber()) return "float " + v.asText();
        if (v.isBoolean()) return "boolean " + v.asText();
        if (v.isArray()) return "array";
        if (v.isObject()) return "table";
        return v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }
}
