package io.kunlun.testkit.e2e;

import io.kunlun.server.KunlunServer;
import io.kunlun.server.ServerOptions;
import io.kunlun.testkit.ApiClient;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Beyond loopback the API needs an access token; with one configured, every request must carry it. */
class AccessTokenTest {
    private static final String TOKEN = "s3cret-token";
    private static final Reply UNAUTHORISED = Reply.of(401,
            "{\"result\":\"failed\",\"info\":\"this manager needs Authorization: Bearer <access token>\"}");

    @RegisterExtension
    static TestManager manager = TestManager.builder().accessToken(TOKEN).build();

    @Test
    void listeningOnEveryAddressWithoutATokenIsRefused() {
        ServerOptions open = new ServerOptions("0.0.0.0", 0, Optional.empty(), false);

        assertThatThrownBy(() -> KunlunServer.start(manager.manager(), open))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("listening on 0.0.0.0 needs an access token (access_token in the config file or"
                        + " KUNLUN_ACCESS_TOKEN), or --insecure to accept requests from anyone");
    }

    @Test
    void listeningOnEveryAddressIsAllowedWithATokenOrWhenExplicitlyInsecure() {
        new ServerOptions("0.0.0.0", 0, Optional.of(TOKEN), false).validate();
        new ServerOptions("0.0.0.0", 0, Optional.empty(), true).validate();
    }

    @Test
    void aHostNameThatLooksLikeLoopbackIsNotLoopback() {
        ServerOptions named = new ServerOptions("127.0.0.1.example.com", 0, Optional.empty(), false);

        assertThat(named.isLoopback()).isFalse();
        assertThatThrownBy(named::validate).hasMessageStartingWith("listening on 127.0.0.1.example.com needs an access token");
    }

    @Test
    void everyLoopbackAddressIsLoopback() {
        assertThat(ServerOptions.loopback(0).isLoopback()).isTrue();
        assertThat(new ServerOptions("127.0.0.35", 0, Optional.empty(), false).isLoopback()).isTrue();
        assertThat(new ServerOptions("localhost", 0, Optional.empty(), false).isLoopback()).isTrue();
        assertThat(new ServerOptions("::1", 0, Optional.empty(), false).isLoopback()).isTrue();
    }

    @Test
    void noAuthorizationIsRefusedWith401() {
        Reply refused = ApiClient.to(manager.uri()).post("{\"job_type\":\"get_meta_mode\"}");

        assertThat(refused).isEqualTo(UNAUTHORISED);
        assertThat(refused.contentType()).isEqualTo("application/json; charset=utf-8");
    }

    @Test
    void aWrongTokenIsRefusedWith401() {
        assertThat(ApiClient.to(manager.uri()).withAccessToken("s3cret-tokeN").post("{\"job_type\":\"get_meta_mode\"}"))
                .isEqualTo(UNAUTHORISED);
    }

    @Test
    void aWrongTokenLearnsNothingAboutTheRequest() {
        assertThat(ApiClient.to(manager.uri()).withAccessToken("wrong").post("not even JSON"))
                .isEqualTo(UNAUTHORISED);
        assertThat(ApiClient.to(manager.uri()).withAccessToken("wrong").send("GET")).isEqualTo(UNAUTHORISED);
    }

    @Test
    void aLargeBodyWithoutATokenIsRefusedWith401AndTheConnectionStaysUsable() {
        ApiClient anonymous = ApiClient.to(manager.uri());
        byte[] large = new byte[2 << 20];
        java.util.Arrays.fill(large, (byte) ' ');

        assertThat(anonymous.post(large, ApiClient.CURL_FORM)).isEqualTo(UNAUTHORISED);
        assertThat(anonymous.post("{\"job_type\":\"get_meta_mode\"}")).isEqualTo(UNAUTHORISED);
    }

    @Test
    void theSchemeNameIsCaseInsensitive() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(manager.uri())
                .header("Authorization", "bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString("{\"job_type\":\"get_meta_mode\"}"))
                .build();

        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"mode\":\"no_rep\"}");
    }

    @Test
    void theRightBearerTokenIsAnswered() {
        assertThat(ApiClient.to(manager.uri()).withAccessToken(TOKEN).post("{\"job_type\":\"get_meta_mode\"}"))
                .isEqualTo(Reply.of(200, "{\"mode\":\"no_rep\"}"));
    }
}
