package io.jvmm.runtime.boot;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlFactory;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Reads a TOML file into a Jackson tree and names TOML value types for error messages.
 * Kept apart from {@link HacFile} so Jackson is loaded only when a hac file is actually given. The
 * tree is built from jackson-dataformat-toml's token stream, not through a {@code TomlMapper}: an
 * ObjectMapper loads some 500 classes of data binding that a tree of a few tables never uses, all on
 * the start-up path of {@code jvmm boot --hac}.
 */
final class TomlTree {
    private TomlTree() {}

    /** Parses a small document, so that every class a real read needs is loaded and initialised. */
    static void preload() {
        try (JsonParser parser = new TomlFactory().createParser("[t]\nk = 1\ns = \"v\"\nb = true\na = [1.5]\n")) {
            if (parser.nextToken() == JsonToken.START_OBJECT) table(parser);
        } catch (IOException | RuntimeException e) {
            // only a warm-up: the real read reports its own errors
        }
    }

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
        try (JsonParser parser = new TomlFactory().createParser(text)) {
            // An empty document has no tokens; it is an empty table (all defaults).
            return parser.nextToken() == JsonToken.START_OBJECT ? table(parser) : NODES.objectNode();
        } catch (StreamReadException e) {
            throw new HacFileException(
                    file, null, "TOML syntax error" + where(e.getLocation()) + ": " + oneLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new HacFileException(file, null, "TOML syntax error: " + oneLine(e.getMessage()));
        }
    }

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** The table whose START_OBJECT the parser is on, up to its END_OBJECT. */
    private static ObjectNode table(JsonParser p) throws IOException {
        ObjectNode table = NODES.objectNode();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            p.nextToken();
            table.set(key, value(p));
        }
        return table;
    }

    /** The value whose first token the parser is on. */
    private static JsonNode value(JsonParser p) throws IOException {
        return switch (p.currentToken()) {
            case START_OBJECT -> table(p);
            case START_ARRAY -> {
                ArrayNode array = NODES.arrayNode();
                while (p.nextToken() != JsonToken.END_ARRAY) array.add(value(p));
                yield array;
            }
            case VALUE_STRING -> NODES.textNode(p.getText());
            case VALUE_NUMBER_INT ->
                switch (p.getNumberType()) {
                    case INT -> NODES.numberNode(p.getIntValue());
                    case LONG -> NODES.numberNode(p.getLongValue());
                    default -> NODES.numberNode(p.getBigIntegerValue());
                };
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(p.getDoubleValue());
            case VALUE_TRUE, VALUE_FALSE -> NODES.booleanNode(p.getBooleanValue());
            case VALUE_EMBEDDED_OBJECT -> NODES.pojoNode(p.getEmbeddedObject());
            default -> throw new JsonParseException(p, "unexpected token " + p.currentToken());
        };
    }

    private static String where(JsonLocation loc) {
        if (loc == null || loc.getLineNr() < 1) return "";
        return " at line " + loc.getLineNr() + (loc.getColumnNr() > 0 ? ", column " + loc.getColumnNr() : "");
    }

    private static String oneLine(String s) {
        return s == null
                ? "malformed document"
                : s.replaceAll("\\s*\\R\\s*", " ").trim();
    }

    /** "string \"lots\"", "float 1.5", "table", ...: what the user wrote, for "expected X, got Y" messages. */
    static String describe(JsonNode v) {
        if (v.isTextual()) return "string \"" + v.textValue() + "\"";
        if (v.isIntegralNumber()) return "integer " + v.asText();
        if (v.isNumber()) return "float " + v.asText();
        if (v.isBoolean()) return "boolean " + v.asText();
        if (v.isArray()) return "array";
        if (v.isObject()) return "table";
        return v.getNodeType().name().toLowerCase(Locale.ROOT);
    }
}
