package io.kunlun.testkit.e2e;

import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** A failure inside the manager answers 500 with a reference to its log, not with its internals. */
class InternalErrorTest {
    @RegisterExtension
    TestManager manager = TestManager.create();

    @Test
    void aFailingMetadataStoreAnswers500NamingAnIncidentAndNoInternals() {
        manager.manager().close();

        Reply reply = manager.post("{\"job_type\":\"get_status\",\"job_id\":\"j1\"}");

        assertThat(reply.status()).isEqualTo(500);
        assertThat(reply.result()).isEqualTo("failed");
        assertThat(reply.info()).matches(
                "internal error [0-9a-f]{1,8} while answering get_status; the manager's log has the details");
    }
}
