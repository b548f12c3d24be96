package io.kunlun.core.meta;

import org.jdbi.v3.core.cache.JdbiCache;
import org.jdbi.v3.core.cache.JdbiCacheStats;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StatementCacheTest {
    @Test
    void aTextIsMadeOnceAndServedFromTheCacheAfterwards() {
        List<String> made = new ArrayList<>();
        JdbiCache<String, String> cache = new StatementCache().buildWithLoader(sql -> {
            made.add(sql);
            return "parsed " + sql;
        });

        assertThat(cache.get("SELECT 1")).isEqualTo("parsed SELECT 1");
        assertThat(cache.get("SELECT 1")).isEqualTo("parsed SELECT 1");
        assertThat(made).containsExactly("SELECT 1");
    }

    @Test
    void theCacheStartsAfreshWhenItReachesItsBound() {
        JdbiCache<String, String> cache = new StatementCache().maxSize(2).buildWithLoader(sql -> sql);
        cache.get("a");
        cache.get("b");
        cache.get("c");

        assertThat(cache.<JdbiCacheStats>getStats().cacheSize()).isEqualTo(1);
        assertThat(cache.<JdbiCacheStats>getStats().maxSize()).isEqualTo(2);
    }
}
