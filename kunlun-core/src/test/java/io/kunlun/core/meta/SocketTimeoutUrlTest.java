package io.kunlun.core.meta;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A server store's JDBC URL gets the driver's socketTimeout unless it sets its own. */
class SocketTimeoutUrlTest {
    @Test
    void aUrlWithoutOptionsGetsTheTimeoutAsItsFirstOption() {
        assertThat(MetadataStore.withSocketTimeout("jdbc:mariadb:sequential://a:3306,b:3306/kunlun_meta", 20))
                .isEqualTo("jdbc:mariadb:sequential://a:3306,b:3306/kunlun_meta?socketTimeout=20000");
    }

    @Test
    void aUrlWithOptionsGetsTheTimeoutAfterThem() {
        assertThat(MetadataStore.withSocketTimeout("jdbc:mariadb://a:3306/kunlun_meta?useSsl=true", 3))
                .isEqualTo("jdbc:mariadb://a:3306/kunlun_meta?useSsl=true&socketTimeout=3000");
    }

    @Test
    void aUrlThatSetsItsOwnTimeoutKeepsIt() {
        assertThat(MetadataStore.withSocketTimeout("jdbc:mariadb://a:3306/kunlun_meta?socketTimeout=500", 20))
                .isEqualTo("jdbc:mariadb://a:3306/kunlun_meta?socketTimeout=500");
    }
}
