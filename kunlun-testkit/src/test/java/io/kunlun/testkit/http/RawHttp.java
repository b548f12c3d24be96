package io.kunlun.testkit.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A request written byte for byte, for headers Java's HTTP client will not send as given (Host)
 * and requests it cannot leave unfinished.
 */
final class RawHttp {
    private static final int TIMEOUT_MILLIS = 10_000;

    private RawHttp() {
    }

    /** Sends a POST with these Host and extra header lines; answers the whole reply (the server closes it). */
    static String post(String address, int port, String host, String extraHeaders, String body) {
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        return send(address, port, "POST / HTTP/1.1\r\nHost: " + host + "\r\n" + extraHeaders
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + content.length
                + "\r\nConnection: close\r\n\r\n", content);
    }

    /** Sends a request with this method and path exactly as given (not normalized) and no body; answers the whole reply. */
    static String send(String address, int port, String method, String path, String host, String extraHeaders) {
        return send(address, port, method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + extraHeaders
                + "Content-Length: 0\r\nConnection: close\r\n\r\n", new byte[0]);
    }

    private static String send(String address, int port, String head, byte[] content) {
        try (Socket socket = connect(address, port)) {
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(content);
            out.flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Socket connect(String address, int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(address, port), TIMEOUT_MILLIS);
        socket.setSoTimeout(TIMEOUT_MILLIS);
        return socket;
    }

    /** Reads until the server closes the connection; answers what it sent. */
    static String readToEnd(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
}
