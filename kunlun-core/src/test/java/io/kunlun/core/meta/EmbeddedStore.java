package io.kunlun.core.meta;

import io.kunlun.core.config.ManagerConfig.MetadataConfig;
import io.kunlun.model.MetaNode;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A fresh embedded metadata store for each test, in a home of its own deleted afterwards:
 * {@code @RegisterExtension final EmbeddedStore meta = new EmbeddedStore();}.
 */
public final class EmbeddedStore implements BeforeEachCallback, AfterEachCallback {
    private Path home;
    private MetadataStore store;

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        home = Files.createTempDirectory("kunlun-store");
        store = MetadataStore.open(MetadataConfig.embedded(), home, new MetaNode("127.0.0.1", 57000));
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        store.close();
        try (Stream<Path> files = Files.walk(home)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    public MetadataStore store() {
        return store;
    }

    /** The manager home the store is under. */
    public Path home() {
        return home;
    }
}
