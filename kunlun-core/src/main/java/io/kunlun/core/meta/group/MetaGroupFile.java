package io.kunlun.core.meta.group;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.core.ManagerException;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Collectors;

/**
 * The manager configuration file that points at a metadata group: the configuration it was made
 * from (every other setting kept as it was), its {@code metadata} section replaced by the group's
 * JDBC URL and the manager's account, and the group's own section {@code metadata_group}
 * ({@link MetaGroupSpec}). It holds a password, so it is written with mode 0600, through a
 * temporary name and a rename: a reader never sees half of it.
 */
public record MetaGroupFile(Path path, ObjectNode tree) {
    /** The database the manager's tables go into, on every group. */
    public static final String DATABASE = "kunlun_meta";
    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    /** Reads a file written by {@link #write}; refuses one without a {@code metadata_group} section. */
    public static MetaGroupFile read(Path path) {
        JsonNode tree;
        try {
            tree = JSON.readTree(path.toFile());
        } catch (IOException e) {
            throw ManagerException.refused("cannot read " + path + ": " + e.getMessage());
        }
        if (!(tree instanceof ObjectNode object) || !tree.path("metadata_group").isObject()) {
            throw ManagerException.refused(path + " has no metadata_group section: it was not written by"
                    + " kunlunctl meta bootstrap");
        }
        return new MetaGroupFile(path, object);
    }

    /** The configuration a new file starts from: the given file's, or an empty one. */
    public static ObjectNode base(Path config) {
        if (config == null) {
            return JSON.createObjectNode();
        }
        try {
            if (JSON.readTree(config.toFile()) instanceof ObjectNode object) {
                return object;
            }
            throw ManagerException.refused(config + " is not a JSON object");
        } catch (IOException e) {
            throw ManagerException.refused("cannot read " + config + ": " + e.getMessage());
        }
    }

    public MetaGroupSpec spec() {
        try {
            return JSON.treeToValue(tree.path("metadata_group"), MetaGroupSpec.class);
        } catch (IOException e) {
            throw ManagerException.refused(path + ": metadata_group: " + e.getMessage());
        }
    }

    /** The manager's account on the group (the {@code metadata} section's user and password). */
    public String user() {
        return tree.path("metadata").path("user").asText();
    }

    public String password() {
        return tree.path("metadata").path("password").asText();
    }

    /**
     * The same file naming {@code spec}: its members in the JDBC URL, in order, so that a
     * client fails over from one to the next
     * ({@code jdbc:mariadb:sequential://a:p,b:p,c:p/kunlun_meta}; a single server plainly).
     */
    public MetaGroupFile with(MetaGroupSpec spec, String user, String password) {
        ObjectNode copy = tree.deepCopy();
        ObjectNode metadata = copy.path("metadata").isObject() ? (ObjectNode) copy.get("metadata")
                : copy.putObject("metadata");
        metadata.put("jdbc_url", jdbcUrl(spec));
        metadata.put("user", user);
        metadata.put("password", password);
        copy.set("metadata_group", JSON.valueToTree(spec));
        return new MetaGroupFile(path, copy);
    }

    static String jdbcUrl(MetaGroupSpec spec) {
        String hosts = spec.members().stream().map(MetaGroupSpec.Member::address).collect(Collectors.joining(","));
        return (spec.replicated() ? "jdbc:mariadb:sequential://" : "jdbc:mariadb://") + hosts + "/" + DATABASE;
    }

    /** Writes a new file; refuses one that exists (it may be another group's only record). */
    public void create() {
        if (Files.exists(path)) {
            throw ManagerException.refused(path + " already exists; give a new file for the configuration");
        }
        replace();
    }

    /** Writes the file, mode 0600, in place of what it held. */
    public void replace() {
        Path parent = path.toAbsolutePath().getParent();
        Path temporary = parent.resolve(path.getFileName() + ".kunlun-tmp");
        try {
            Files.deleteIfExists(temporary);
            Files.createFile(temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(temporary, JSON.writeValueAsBytes(tree));
            try {
                Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, path, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (FileAlreadyExistsException e) {
            throw ManagerException.refused("cannot write " + path + ": " + e.getMessage() + " appeared meanwhile");
        } catch (IOException e) {
            throw new ManagerException(ManagerException.Code.INTERNAL, "cannot write " + path + ": " + e.getMessage(), e);
        }
    }

}
