package io.kunlun.core.meta;

import org.jdbi.v3.core.cache.JdbiCache;
import org.jdbi.v3.core.cache.JdbiCacheBuilder;
import org.jdbi.v3.core.cache.JdbiCacheLoader;
import org.jdbi.v3.core.cache.JdbiCacheStats;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.ColonPrefixSqlParser;
import org.jdbi.v3.core.statement.SqlStatements;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Jdbi's caches of parsed and rendered SQL, without a lock on a hit. Jdbi's own cache keeps an
 * LRU list that every lookup reorders under one monitor: every statement of every request, job
 * and health round passed through it, and under load (a thread preempted while holding it) the
 * getters queued behind it (JFR: jdk.JavaMonitorEnter in DefaultJdbiCache.refresh). The manager's
 * statements are a fixed set of texts, so a map that is emptied when it reaches its bound is
 * enough: the bound only guards against texts made per request.
 */
final class StatementCache implements JdbiCacheBuilder {
    private static final int DEFAULT_BOUND = 1000;
    private int bound = DEFAULT_BOUND;

    /** Installs both caches on {@code jdbi}'s statements. */
    static void install(Jdbi jdbi) {
        StatementCache caches = new StatementCache();
        jdbi.getConfig(SqlStatements.class).setTemplateCache(caches)
                .setSqlParser(new ColonPrefixSqlParser(caches));
    }

    @Override
    public <K, V> JdbiCache<K, V> build() {
        return new Cache<>(bound, null);
    }

    @Override
    public <K, V> JdbiCache<K, V> buildWithLoader(JdbiCacheLoader<K, V> loader) {
        return new Cache<>(bound, loader);
    }

    @Override
    public JdbiCacheBuilder maxSize(int maxSize) {
        this.bound = maxSize;
        return this;
    }

    private static final class Cache<K, V> implements JdbiCache<K, V> {
        private final ConcurrentMap<K, V> entries = new ConcurrentHashMap<>();
        private final int bound;
        private final JdbiCacheLoader<K, V> loader;

        Cache(int bound, JdbiCacheLoader<K, V> loader) {
            this.bound = bound;
            this.loader = loader;
        }

        @Override
        public V get(K key) {
            return loader == null ? entries.get(key) : getWithLoader(key, loader);
        }

        @Override
        public V getWithLoader(K key, JdbiCacheLoader<K, V> load) {
            V known = entries.get(key);
            if (known != null) {
                return known;
            }
            V made = load.create(key);
            if (entries.size() >= bound) {
                entries.clear();
            }
            V raced = entries.putIfAbsent(key, made);
            return raced == null ? made : raced;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T getStats() {
            int size = entries.size();
            return (T) new JdbiCacheStats() {
                @Override
                public int cacheSize() {
                    return size;
                }

                @Override
                public int maxSize() {
                    return bound;
                }
            };
        }
    }
}
