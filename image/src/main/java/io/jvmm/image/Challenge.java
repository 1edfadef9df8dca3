package io.jvmm.image;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** One {@code WWW-Authenticate} challenge: scheme (lower case) and its parameters (names in lower case). */
record Challenge(String scheme, Map<String, String> params) {

    /**
     * Parses {@code Bearer realm="...",service="...",scope="a:b:pull,push", Basic realm="x"}: a header may hold
     * several challenges, and a quoted value may hold commas and backslash-escaped characters.
     */
    static List<Challenge> parseAll(String header) {
        List<Challenge> out = new ArrayList<>();
        int i = 0, n = header.length();
        String scheme = null;
        Map<String, String> params = null;
        while (i < n) {
            while (i < n && (header.charAt(i) == ' ' || header.charAt(i) == ',')) i++;
            int start = i;
            while (i < n && header.charAt(i) != ' ' && header.charAt(i) != '=' && header.charAt(i) != ',') i++;
            String token = header.substring(start, i);
            if (token.isEmpty()) break;
            int j = i;
            while (j < n && header.charAt(j) == ' ') j++;
            if (j < n && header.charAt(j) == '=' && scheme != null) {
                i = j + 1;
                while (i < n && header.charAt(i) == ' ') i++;
                String value;
                if (i < n && header.charAt(i) == '"') {
                    StringBuilder sb = new StringBuilder();
                    i++;
                    while (i < n && header.charAt(i) != '"') {
                        if (header.charAt(i) == '\\' && i + 1 < n) i++;
                        sb.append(header.charAt(i++));
                    }
                    i++;
                    value = sb.toString();
                } else {
                    int vs = i;
                    while (i < n && header.charAt(i) != ',') i++;
                    value = header.substring(vs, i).trim();
                }
                params.put(token.toLowerCase(Locale.ROOT), value);
            } else {
                if (scheme != null) out.add(new Challenge(scheme, params));
                scheme = token.toLowerCase(Locale.ROOT);
                params = new LinkedHashMap<>();
            }
        }
        if (scheme != null) out.add(new Challenge(scheme, params));
        return out;
    }
}
