package io.kunlun.testkit;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** TestManager as a plain resource, the way an embedder's test uses it. */
class TestManagerTest {
    @Test
    void startServesTheApiOnLoopbackAndCloseDeletesTheHome() {
        Path home;
        try (TestManager manager = TestManager.create().start()) {
            home = manager.home();

            assertThat(manager.uri().toString()).isEqualTo("http://127.0.0.1:" + manager.port() + "/");
            assertThat(manager.post("{\"job_type\":\"get_meta_mode\"}")).isEqualTo(Reply.of(200, "{\"mode\":\"no_rep\"}"));
            assertThat(home).isDirectory();
        }
        assertThat(home).doesNotExist();
    }

    @Test
    void theConfigurationCanBeAdjustedBeforeStart() {
        try (TestManager manager = TestManager.builder().configure(config -> config.withExposeCredentials(true))
                .build().start()) {
            assertThat(manager.manager().config().exposeCredentials()).isTrue();
            assertThat(manager.manager().config().home()).isEqualTo(manager.home());
        }
    }

    @Test
    void usingAManagerThatIsNotStartedSaysHowToStartIt() {
        assertThatThrownBy(() -> TestManager.create().client())
                .hasMessage("the TestManager is not started: register it with @RegisterExtension or call start()");
    }

    @Test
    void submitAndAwaitAddsAJobIdAndAnswersTheEndedStatus() {
        try (TestManager manager = TestManager.create().start()) {
            Reply ended = manager.submitAndAwait("{\"job_type\":\"delete_machine\",\"hostaddr\":\"127.0.0.39\"}");

            assertThat(ended.result()).isEqualTo("failed");
            assertThat(ended.info()).isEqualTo("machine 127.0.0.39 is not registered");
            assertThat(ended.text("job_id")).hasValueSatisfying(id -> assertThat(id).startsWith("testkit-"));
        }
    }

    @Test
    void awaitingAJobThatDoesNotEndFailsTheTestQuotingTheLastStatus() {
        try (TestManager manager = TestManager.create().start()) {
            manager.manager().close();

            assertThatThrownBy(() -> manager.client().awaitJob("j1", Duration.ofMillis(200)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageStartingWith("job j1 did not end within 200 ms; last status: HTTP 500 "
                            + "{\"result\":\"failed\",\"info\":\"internal error ");
        }
    }

    @Test
    void submitAndAwaitFailsTheTestWhenTheRequestIsNotUnderstood() {
        try (TestManager manager = TestManager.create().start()) {
            assertThatThrownBy(() -> manager.submitAndAwait("{\"job_type\":\"delete_machine\",\"job_id\":\"j1\"}"))
                    .isInstanceOf(AssertionError.class)
                    .hasMessage("submission of {\"job_type\":\"delete_machine\",\"job_id\":\"j1\"} was not understood:"
                            + " HTTP 400 {\"result\":\"failed\",\"info\":\"hostaddr is required\"}");
        }
    }
}
