package io.kunlun.model.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.model.InvalidRequestException;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads and validates the fields of one request object. Every failure names the field, the rule
 * and the value received, so that a client can correct the request without reading our code.
 * Values that later reach a shell or SQL are held to narrow patterns here, before anything runs.
 */
public final class RequestFields {
    /** Root paths on a machine: absolute, a conservative character set, no parent references. */
    private static final Pattern PATH = Pattern.compile("/[A-Za-z0-9._/+-]{0,254}");
    private static final Pattern HOST = Pattern.compile(
            "(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");
    private static final Pattern IPV4_LIKE = Pattern.compile("[0-9.]+");
    private static final Pattern IPV4 = Pattern.compile(
            "((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_.]{0,127}");
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss").withResolverStyle(ResolverStyle.STRICT);

    private final JsonNode object;
    /** Every field read so far, as received: what the manager knows of the request. */
    private final ObjectNode known = JsonNodeFactory.instance.objectNode();

    public RequestFields(JsonNode object) {
        this.object = object;
    }

    /**
     * The fields read so far, each as received (a machine list as its host names only): the
     * request without what the manager does not know, to be stored and compared.
     */
    public ObjectNode known() {
        return known.deepCopy();
    }

    private JsonNode value(String field) {
        JsonNode value = object.get(field);
        if (value != null) {
            known.set(field, value);
        }
        return value;
    }

    public boolean has(String field) {
        JsonNode value = value(field);
        return value != null && !value.isNull();
    }

    /** A required scalar as text; numbers are accepted and rendered in their plain form. */
    public String text(String field) {
        return optionalText(field).orElseThrow(() -> new InvalidRequestException(field + " is required"));
    }

    public Optional<String> optionalText(String field) {
        JsonNode value = value(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (value.isTextual()) {
            return Optional.of(value.textValue());
        }
        if (value.isIntegralNumber()) {
            return Optional.of(value.asText());
        }
        throw new InvalidRequestException(field + " must be a string, got " + describe(value));
    }

    /** A required integer within [min, max], sent as a JSON number or a string of digits. */
    public int integer(String field, int min, int max) {
        return optionalInteger(field, min, max)
                .orElseThrow(() -> new InvalidRequestException(field + " is required"));
    }

    public int integer(String field, int min, int max, int defaultValue) {
        return optionalInteger(field, min, max).orElse(defaultValue);
    }

    public Optional<Integer> optionalInteger(String field, int min, int max) {
        return optionalLong(field, min, max).map(Long::intValue);
    }

    public Optional<Long> optionalLong(String field, long min, long max) {
        JsonNode value = value(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        String range = field + " must be an integer from " + min + " to " + max + ", got ";
        long parsed;
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            parsed = value.longValue();
        } else if (value.isTextual() && value.textValue().strip().matches("[+-]?[0-9]{1,19}")) {
            try {
                parsed = Long.parseLong(value.textValue().strip());
            } catch (NumberFormatException tooLarge) {
                throw new InvalidRequestException(range + describe(value));
            }
        } else {
            throw new InvalidRequestException(range + describe(value));
        }
        if (parsed < min || parsed > max) {
            throw new InvalidRequestException(range + describe(value));
        }
        return Optional.of(parsed);
    }

    /** A host name or IPv4 address. */
    public String host(String field) {
        return checkHost(field, text(field).strip());
    }

    public static String checkHost(String field, String value) {
        boolean valid = IPV4_LIKE.matcher(value).matches()
                ? IPV4.matcher(value).matches()
                : HOST.matcher(value).matches();
        if (!valid) {
            throw new InvalidRequestException(field + " must be an IPv4 address or a host name, got " + quote(value));
        }
        return value;
    }

    public int port(String field) {
        return integer(field, 1, 65535);
    }

    /** A cluster, shard or comp name: a letter or underscore, then letters, digits, underscores. */
    public String name(String field) {
        return checkName(field, text(field));
    }

    /** A backup's id as backup_cluster makes them: the time in UTC, {@code 20261202T043107Z}. */
    public String backupId(String field) {
        String value = text(field);
        if (!value.matches("\\d{8}T\\d{6}Z")) {
            throw new InvalidRequestException(field + " must be a backup id such as 20261202T043107Z, got " + quote(value));
        }
        return value;
    }

    public Optional<String> optionalName(String field) {
        return optionalText(field).map(value -> checkName(field, value));
    }

    private static String checkName(String field, String value) {
        if (!NAME.matcher(value).matches()) {
            throw new InvalidRequestException(field
                    + " must start with a letter or underscore and hold at most 64 letters, digits or underscores, got "
                    + quote(value));
        }
        return value;
    }

    /** Whether a value is acceptable as a label (see {@link #optionalLabel}). */
    public static boolean isLabel(String value) {
        return LABEL.matcher(value).matches();
    }

    /** A free-form label such as rack_id or user_name: letters, digits, '_', '.', '-'. */
    public Optional<String> optionalLabel(String field) {
        return optionalText(field).map(value -> {
            if (!LABEL.matcher(value).matches()) {
                throw new InvalidRequestException(field
                        + " must hold 1 to 64 letters, digits, '_', '.' or '-', got " + quote(value));
            }
            return value;
        });
    }

    /** A server variable name: an identifier, optionally dotted (PostgreSQL's custom settings). */
    public String variable(String field) {
        String value = text(field);
        if (!VARIABLE.matcher(value).matches()) {
            throw new InvalidRequestException(field
                    + " must be a variable name (letters, digits, '_' and '.', starting with a letter or '_'), got "
                    + quote(value));
        }
        return value;
    }

    /** A ';'-separated list of absolute root paths. */
    public List<String> pathList(String field) {
        return optionalPathList(field).orElseThrow(() -> new InvalidRequestException(field + " is required"));
    }

    public Optional<List<String>> optionalPathList(String field) {
        return optionalText(field).map(value -> {
            List<String> paths = new ArrayList<>();
            for (String part : value.split(";", -1)) {
                String path = part.strip();
                if (path.isEmpty()) {
                    continue;
                }
                if (!PATH.matcher(path).matches() || path.contains("/../") || path.endsWith("/..")
                        || path.contains("/./") || path.endsWith("/.")) {
                    throw new InvalidRequestException(field
                            + " must be ';'-separated absolute paths of letters, digits, '.', '_', '+', '-' and '/', got "
                            + quote(path));
                }
                String normalised = path.length() > 1 && path.endsWith("/")
                        ? path.substring(0, path.length() - 1) : path;
                if (!paths.contains(normalised)) {
                    paths.add(normalised);
                }
            }
            if (paths.isEmpty()) {
                throw new InvalidRequestException(field + " must name at least one path");
            }
            if (paths.size() > 16) {
                throw new InvalidRequestException(field + " must name at most 16 paths, got " + paths.size());
            }
            return List.copyOf(paths);
        });
    }

    /** An optional yes-or-no field: "1", 1 or true is yes; "0", 0, false or no field is no. */
    public boolean flag(String field) {
        return flag(field, value(field));
    }

    /** {@code value} of {@code field} read as {@link #flag(String)} reads it. */
    public static boolean flag(String field, JsonNode value) {
        if (value == null || value.isNull()) {
            return false;
        }
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        if ((value.isTextual() || value.isIntegralNumber()) && value.asText().strip().matches("[01]")) {
            return value.asText().strip().equals("1");
        }
        throw new InvalidRequestException(field + " must be \"1\" or \"0\", got "
                + quote(value.isTextual() ? value.textValue() : value.toString()));
    }

    /** One of the given words. */
    public String choice(String field, List<String> allowed) {
        String value = text(field);
        if (!allowed.contains(value)) {
            throw new InvalidRequestException(field + " must be one of " + String.join(", ", allowed)
                    + ", got " + quote(value));
        }
        return value;
    }

    /** A point in time written YYYY-MM-DD HH:MM:SS. */
    public LocalDateTime timestamp(String field) {
        String value = text(field);
        try {
            return LocalDateTime.parse(value, TIMESTAMP);
        } catch (DateTimeParseException e) {
            throw new InvalidRequestException(field + " must be a time written YYYY-MM-DD HH:MM:SS, got " + quote(value));
        }
    }

    /** Free text bounded in length and free of control characters (it may still reach SQL, bound). */
    public Optional<String> optionalValue(String field, int maxLength) {
        return optionalText(field).map(value -> {
            if (value.length() > maxLength) {
                throw new InvalidRequestException(field + " must be at most " + maxLength + " characters long");
            }
            if (value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new InvalidRequestException(field + " must not contain control characters");
            }
            return value;
        });
    }

    /** machinelist: an array of {"hostaddr": ...}; absent means every registered machine. */
    public Optional<List<String>> optionalMachineList(String field) {
        JsonNode value = value(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isArray()) {
            throw new InvalidRequestException(field + " must be an array of {\"hostaddr\":...} objects, got " + describe(value));
        }
        List<String> hosts = new ArrayList<>();
        for (int i = 0; i < value.size(); i++) {
            JsonNode entry = value.get(i);
            String element = field + "[" + i + "]";
            if (!entry.isObject()) {
                throw new InvalidRequestException(element + " must be an object with hostaddr, got " + describe(entry));
            }
            String host = checkHost(element + ".hostaddr", new RequestFields(entry).optionalText("hostaddr")
                    .orElseThrow(() -> new InvalidRequestException(element + ".hostaddr is required")).trim());
            if (hosts.contains(host)) {
                throw new InvalidRequestException(field + " names " + host + " twice");
            }
            hosts.add(host);
        }
        if (hosts.isEmpty()) {
            throw new InvalidRequestException(field + " must name at least one machine");
        }
        ArrayNode entries = known.putArray(field);
        hosts.forEach(host -> entries.addObject().put("hostaddr", host));
        return Optional.of(List.copyOf(hosts));
    }

    static String describe(JsonNode value) {
        if (value.isTextual()) {
            return quote(value.textValue());
        }
        if (value.isObject()) {
            return "an object";
        }
        if (value.isArray()) {
            return "an array";
        }
        return value.toString();
    }

    /** A received value as messages show it: quoted, cut at 80 characters, control characters escaped. */
    public static String quote(String value) {
        String shown = value.length() > 80 ? value.substring(0, 80) + "..." : value;
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : shown.toCharArray()) {
            if (c == '"' || c == '\\') {
                quoted.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                quoted.append(String.format("\\u%04x", (int) c));
            } else {
                quoted.append(c);
            }
        }
        return quoted.append('"').toString();
    }
}
