package io.jvmm.runc;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;

/**
 * Reads an OCI bundle: parses its config.json ({@link OciSpec}) and checks it ({@link SpecValidator}).
 * Values are bound as strictly as Go's encoding/json binds them for runc: no string for a number, no
 * number for a string, no fraction for an integer. Every error is a one-line {@link BundleException}.
 */
public final class BundleReader {
    public static final String CONFIG = "config.json";

    private static final ObjectMapper JSON = strictMapper();

    private BundleReader() {}

    /** The bundle in {@code bundleDir}, checked. */
    public static Bundle read(Path bundleDir) {
        Path dir = bundleDir.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) throw new BundleException("bundle " + dir + " is not a directory");
        Path config = dir.resolve(CONFIG);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(config);
        } catch (NoSuchFileException e) {
            throw new BundleException("JSON specification file " + CONFIG + " not found in bundle " + dir);
        } catch (IOException e) {
            throw new BundleException("cannot read " + config + ": " + e.getMessage(), e);
        }
        OciSpec spec = parse(bytes);
        Path rootfs = SpecValidator.validate(spec, dir);
        return new Bundle(dir, rootfs, spec);
    }

    /** config.json's text as an {@link OciSpec}, not yet checked. */
    public static OciSpec parse(byte[] json) {
        if (new String(json, StandardCharsets.UTF_8).isBlank()) throw BundleException.config("is empty");
        OciSpec spec;
        try {
            spec = JSON.readValue(json, OciSpec.class);
        } catch (MismatchedInputException e) {
            throw mismatch(e);
        } catch (JsonProcessingException e) {
            throw BundleException.config(
                    "invalid JSON" + at(e.getLocation()) + ": " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw BundleException.config("cannot be read: " + e.getMessage());
        }
        if (spec == null) throw BundleException.config("must be a JSON object, not null");
        return spec;
    }

    /** A process spec alone (containerd's Exec carries one), checked as config.json's {@code process} is. */
    public static OciProcess parseProcess(byte[] json) {
        OciProcess p;
        try {
            p = JSON.readValue(json, OciProcess.class);
        } catch (MismatchedInputException e) {
            throw new BundleException(
                    "process spec: " + path(e.getPath()) + " has the wrong type" + at(e.getLocation()));
        } catch (JsonProcessingException e) {
            throw new BundleException(
                    "process spec: invalid JSON" + at(e.getLocation()) + ": " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new BundleException("process spec cannot be read: " + e.getMessage());
        }
        if (p == null) throw new BundleException("process spec must be a JSON object, not null");
        if (p.args() == null || p.args().isEmpty() || p.args().getFirst().isEmpty())
            throw new BundleException("process spec: args must name a program");
        return p;
    }

    /**
     * A {@code linux.resources} object alone (runc update's {@code --resources}, containerd's Update), bound
     * strictly; {@link ResourceLimits#merged} checks its values.
     */
    public static OciLinux.Resources parseResources(byte[] json) {
        OciLinux.Resources r;
        try {
            r = JSON.readValue(json, OciLinux.Resources.class);
        } catch (MismatchedInputException e) {
            throw new BundleException("resources: " + path(e.getPath()) + " has the wrong type" + at(e.getLocation()));
        } catch (JsonProcessingException e) {
            throw new BundleException(
                    "resources: invalid JSON" + at(e.getLocation()) + ": " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new BundleException("resources cannot be read: " + e.getMessage());
        }
        if (r == null) throw new BundleException("resources must be a JSON object, not null");
        return r;
    }

    private static BundleException mismatch(MismatchedInputException e) {
        String field = path(e.getPath());
        if (field.isEmpty()) {
            return BundleException.config("must be a JSON object" + at(e.getLocation()));
        }
        return BundleException.config(field + " must be " + describe(e.getTargetType()) + at(e.getLocation()));
    }

    /** {@code process.args[0]}, from Jackson's reference chain. */
    static String path(List<JsonMappingException.Reference> refs) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : refs) {
            if (r.getFieldName() != null) {
                if (!b.isEmpty()) b.append('.');
                b.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.toString();
    }

    private static String describe(Class<?> type) {
        if (type == null) return "of another type";
        if (type == boolean.class || type == Boolean.class) return "a boolean";
        if (type == String.class) return "a string";
        if (type == int.class || type == long.class || Number.class.isAssignableFrom(type)) return "an integer";
        if (type.isArray() || Collection.class.isAssignableFrom(type)) return "an array";
        return "an object";
    }

    private static String at(JsonLocation l) {
        if (l == null || l.getLineNr() < 1) return "";
        return " (line " + l.getLineNr() + ", column " + l.getColumnNr() + ")";
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static ObjectMapper strictMapper() {
        JsonMapper m = JsonMapper.builder()
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
        for (CoercionInputShape shape :
                List.of(CoercionInputShape.Integer, CoercionInputShape.Float, CoercionInputShape.Boolean)) {
            m.coercionConfigFor(LogicalType.Textual).setCoercion(shape, CoercionAction.Fail);
        }
        return m;
    }
}
